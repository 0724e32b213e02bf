import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../packages/cli/bin/tracebridge.js', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'tb-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the real `tracebridge` binary with a heap far smaller than its input. */
function run(args: string[], heapMb: number): Promise<{ code: number | null; out: number; lastBytes: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`--max-old-space-size=${heapMb}`, BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = 0;
    let lastBytes = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.length;
      lastBytes = (lastBytes + d.toString()).slice(-64);
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, lastBytes, err }));
  });
}

describe('tracebridge convert on a large input', () => {
  it('streams 150 MB of records through a 64 MB heap', async () => {
    const file = path.join(dir, 'big.jsonl');
    const stream = createWriteStream(file);
    const context = { task_id: 'task:001', attempt: 2, queue: 'high', payload: 'p'.repeat(300) };
    let bytes = 0;
    let n = 0;
    while (bytes < 150 * 1024 * 1024) {
      const line = `${JSON.stringify({
        timestamp: '2025-11-30T12:34:56.789Z',
        level: 'INFO',
        agent_id: `A${n % 7}-haiku-00${n % 3}`,
        correlation_id: `task-${n}`,
        component: 'redis_bus',
        message: `record ${n}`,
        context,
      })}\n`;
      bytes += line.length;
      n++;
      if (!stream.write(line)) await once(stream, 'drain');
    }
    stream.end();
    await once(stream, 'close');
    const result = await run(['convert', file], 64);
    expect(result.err).toContain(`converted ${n} records`);
    expect(result.code).toBe(0);
    expect(result.out).toBeGreaterThan(bytes);
    expect(result.lastBytes.endsWith(']}\n')).toBe(true);
  }, 300_000);
});
