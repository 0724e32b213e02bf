import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/tracebridge.js', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'tb-convert-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `count` records of about `bytes` bytes each (a long tool output in the message). */
async function writeRecords(file: string, count: number, bytes: number): Promise<number> {
  const stream = createWriteStream(file);
  let total = 0;
  for (let n = 0; n < count; n++) {
    const line = `${JSON.stringify({
      timestamp: '2025-11-30T12:34:56.789Z',
      level: 'INFO',
      agent_id: 'A1-haiku-001',
      correlation_id: `task-${n}`,
      component: 'tool_runner',
      message: `output ${n} ${'o'.repeat(bytes)}`,
    })}\n`;
    total += line.length;
    if (!stream.write(line)) await once(stream, 'drain');
  }
  stream.end();
  await once(stream, 'close');
  return total;
}

describe('tracebridge convert on large records', () => {
  // Large records used to be gathered 10,000 at a time: 200 records of 400 KB (80 MB) were one batch,
  // mapped and serialised whole, which a 64 MB heap cannot hold (and 600 MB of them exceeded V8's
  // longest string). Batches are now bounded in bytes too, and each record is serialised on its own.
  it('converts 80 MB of 400 KB records within a 64 MB heap', async () => {
    const file = path.join(dir, 'large.jsonl');
    const bytes = await writeRecords(file, 200, 400 * 1024);
    const child = spawn(process.execPath, ['--max-old-space-size=64', BIN, 'convert', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = 0;
    let tail = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.length;
      tail = (tail + d.toString()).slice(-16);
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const [code] = (await once(child, 'close')) as [number | null];
    expect(err).toBe('converted 200 records\n');
    expect(code).toBe(0);
    expect(out).toBeGreaterThan(bytes);
    expect(tail.endsWith(']}\n')).toBe(true);
  }, 300_000);
});
