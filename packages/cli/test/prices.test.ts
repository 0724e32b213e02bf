import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPriceTable, parsePriceTable, priceFor } from '../src/prices.js';

describe(parsePriceTable, () => {
  it('reads the sample shipped in docs', async () => {
    const table = await loadPriceTable(path.join(path.dirname(new URL(import.meta.url).pathname), '../../../docs/prices.sample.json'));
    expect(table.currency).toBe('USD');
    expect(table.models.size).toBeGreaterThan(0);
  });

  it('defaults the currency, the unit and the cache prices', () => {
    const t = parsePriceTable({ models: { m: { input: 1, output: 2 } } }, 'x');
    expect(t).toMatchObject({ currency: 'USD', per: 1_000_000 });
    expect(t.models.get('m')).toEqual({ input: 1, output: 2, cacheRead: 1, cacheCreation: 1 });
  });

  it('names the bad field of a bad table', () => {
    expect(() => parsePriceTable([], 'p.json')).toThrow(/p\.json: must be a JSON object/);
    expect(() => parsePriceTable({ models: { m: { input: -1, output: 2 } } }, 'p.json')).toThrow(/models\["m"\]\.input must be a non-negative number/);
    expect(() => parsePriceTable({ models: { m: { input: 1 } } }, 'p.json')).toThrow(/models\["m"\]\.output/);
    expect(() => parsePriceTable({ per: 0, models: {} }, 'p.json')).toThrow(/"per"/);
    try {
      parsePriceTable({}, 'p.json');
    } catch (err) {
      expect((err as { code?: string }).code).toBe('TRACEBRIDGE_ERR_INPUT');
    }
  });

  it('says when the file is missing or not JSON', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tb-prices-'));
    writeFileSync(path.join(dir, 'bad.json'), '{ nope');
    await expect(loadPriceTable(path.join(dir, 'bad.json'))).rejects.toThrow(/is not JSON/);
    await expect(loadPriceTable(path.join(dir, 'none.json'))).rejects.toThrow(/cannot read price table/);
  });
});

describe(priceFor, () => {
  const t = parsePriceTable({ models: { 'claude-sonnet-4-5': { input: 3, output: 15 }, 'claude-*': { input: 1, output: 1 }, 'claude-sonnet-*': { input: 2, output: 2 } } }, 'x');

  it('matches the response model, then the request model, then the longest prefix', () => {
    expect(priceFor(t, 'claude-sonnet-4-5', null)?.input).toBe(3);
    expect(priceFor(t, 'claude-sonnet-4-5-20261001', 'claude-sonnet-4-5')?.input).toBe(3);
    expect(priceFor(t, 'claude-sonnet-9', null)?.input).toBe(2);
    expect(priceFor(t, 'claude-haiku-4', null)?.input).toBe(1);
    expect(priceFor(t, 'gpt-4o', null)).toBeUndefined();
  });
});
