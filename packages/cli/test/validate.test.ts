import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '@tracebridge/cli';
import { VECTORS_DIR } from '../../../test/helpers/vectors.js';
import { Capture, ClosingPipe } from './helpers.js';

const BIN = fileURLToPath(new URL('../bin/tracebridge.js', import.meta.url));

/** A valid record (the first line of a shared vector). */
const GOOD = (readFileSync(path.join(VECTORS_DIR, 'optional-fields.jsonl'), 'utf8').split('\n')[0] as string).trim();

function tempFile(content: string | Buffer): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'tb-validate-')), 'in.jsonl');
  writeFileSync(file, content);
  return file;
}

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
    expect(out).toMatch(/^2: \$: line of 17825794 bytes is longer than the limit of 8 MiB/m);
  });
});

describe('tracebridge validate on hostile input', () => {
  it('escapes control characters of the input in everything it prints', async () => {
    const file = tempFile(`{"\\u001b[31mkey":1,"level":"\\u009b2J"}\n\u001b[2J\u009b1Anot json\n`);
    const { code, out } = await validate(file);
    expect(code).toBe(1);
    expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(out).toContain('$["\\u001b[31mkey"]');
    expect(out).toContain('\\x9b2J');
    expect(out).toMatch(/^2: \$: not JSON \(.*\\x1b\[2J\\x9b1Anot json/m);
  });

  it('reports a line that is not UTF-8 with its number and the byte, instead of replacing it', async () => {
    const [head, tail] = GOOD.split('Retrying') as [string, string];
    const bad = Buffer.concat([Buffer.from(head), Buffer.from([0x52, 0xff, 0xfe]), Buffer.from(tail)]);
    const file = tempFile(Buffer.concat([Buffer.from(`${GOOD}\n`), bad, Buffer.from(`\n${GOOD}\n`)]));
    const { code, out, err } = await validate(file);
    expect(code).toBe(1);
    expect(out).toBe(`2: $: not UTF-8: byte 0xff at byte ${Buffer.byteLength(head) + 2} of the line\n`);
    expect(err).toContain('1 of 3 lines invalid');
  });

  it('reports a record nested deeper than the limit without walking it', async () => {
    const deep = `{"message":"x","context":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}`;
    const { code, out } = await validate(tempFile(`${GOOD}\n${deep}\n${GOOD}\n`));
    expect(code).toBe(1);
    expect(out).toBe('2: $: nested more than 1000 levels deep\n');
  });

  it('reads lines up to the length the collector file route reads (its max_log_size), not one byte more', async () => {
    const config = readFileSync(new URL('../../../collector/config.yaml', import.meta.url), 'utf8');
    const size = /^\s+max_log_size: (\d+)MiB$/m.exec(config);
    expect(size).not.toBeNull();
    const limit = Number(size?.[1]) * 1024 * 1024;
    const fits = `"${'x'.repeat(limit - 2)}"`;
    const over = `"${'x'.repeat(limit - 1)}"`;
    const { out } = await validate(tempFile(`${fits}\n${over}\n`));
    expect(out).not.toMatch(/^1: \$: line of/m);
    expect(out).toMatch(new RegExp(`^2: \\$: line of ${limit + 1} bytes is longer than the limit of ${size?.[1]} MiB`, 'm'));
  });

  it('ends quietly when its reader goes away (validate … | head -1)', async () => {
    const file = tempFile('{}\n'.repeat(5000));
    const stdout = new ClosingPipe(1);
    const stderr = new Capture();
    const code = await main(['validate', file], { stdout, stderr, env: {} });
    expect(code).toBe(0);
    expect(stderr.text).toBe('');
    expect(stdout.text.split('\n')[0]).toBe('1: $.timestamp: is required');
  });

  it('ends quietly with status 0 when the real binary writes into a closed pipe', async () => {
    const file = tempFile('{}\n'.repeat(200_000));
    const child = spawn(process.execPath, [BIN, 'validate', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    // The reader takes the first chunk and leaves, as `head -1` does.
    child.stdout.once('data', () => child.stdout.destroy());
    const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
    expect({ code, signal, err }).toEqual({ code: 0, signal: null, err: '' });
  });
});
