import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '@tracebridge/cli';
import { VECTORS_DIR } from '../../../test/helpers/vectors.js';
import { Capture } from './helpers.js';

async function validate(file: string): Promise<{ code: number; out: string; err: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(['validate', file], { stdout, stderr, env: {} });
  return { code, out: stdout.text, err: stderr.text };
}

describe('tracebridge validate', () => {
  it('exits 0 and prints nothing on stdout for a file of valid records', async () => {
    const result = await validate(path.join(VECTORS_DIR, 'optional-fields.jsonl'));
    expect(result).toMatchObject({ code: 0, out: '' });
    expect(result.err).toContain('1 records, all valid');
  });

  it('names the line and field of every problem and exits 1', async () => {
    const { code, out } = await validate(path.join(VECTORS_DIR, 'missing-required.jsonl'));
    expect(code).toBe(1);
    expect(out.trim().split('\n')).toEqual([
      '1: $.correlation_id: is required',
      '1: $.component: is required',
      '2: $.timestamp: is required',
      '2: $.agent_id: is required',
      '2: $.message: is required',
    ]);
  });

  it('reports a line that is not JSON and one longer than the limit without reading it whole', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'tb-validate-')), 'in.jsonl');
    writeFileSync(file, `not json\n"${'x'.repeat(17 * 1024 * 1024)}"\n`);
    const { code, out } = await validate(file);
    expect(code).toBe(1);
    expect(out).toMatch(/^1: \$: not JSON \(/m);
    expect(out).toMatch(/^2: \$: line of 17825794 bytes is longer than the limit, not read$/m);
  });
});
