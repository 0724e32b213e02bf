import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { OtlpSink } from '../../../test/helpers/otlp-sink.js';

const APP = fileURLToPath(new URL('./fixtures/exit-app.mjs', import.meta.url));
const sinks: OtlpSink[] = [];
/**
 * The app's shutdown timeout, the bound on its drain at exit. Where the test is that every record is
 * delivered, a generous one: exporting thousands of records takes seconds when the machine is busy, and
 * a shorter bound would turn a slow machine into lost records. Where the test is the bound itself, 4 s.
 */
const DELIVERY_SHUTDOWN_MS = 30_000;
const BOUND_SHUTDOWN_MS = 4_000;

afterAll(async () => {
  for (const s of sinks) await s.stop();
});

/**
 * Runs the app to its end. `took` is the time from its "logged" line (every record handed to the logger)
 * to its exit: what the logger's exit handling costs, without node's start-up, which a busy machine
 * stretches by seconds.
 */
async function run(mode: string, records: number, endpoint?: string, shutdownMs = DELIVERY_SHUTDOWN_MS, options: { stall?: boolean; spoolDir?: string } = {}) {
  const sink = await new OtlpSink().start();
  sinks.push(sink);
  sink.stall = options.stall === true;
  const spoolDir = options.spoolDir ?? mkdtempSync(path.join(tmpdir(), 'tb-exit-spool-'));
  const child = spawn(process.execPath, [APP], {
    env: {
      PATH: process.env.PATH,
      MODE: mode,
      RECORDS: String(records),
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: endpoint ?? sink.url,
      SHUTDOWN_MS: String(shutdownMs),
      TRACEBRIDGE_SPOOL_DIR: spoolDir,
      // The spool's sender must not deliver while a test counts: it is tested on its own.
      TRACEBRIDGE_SPOOL_SEND_BUDGET_MS: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let loggedAt: number | undefined;
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (loggedAt === undefined && stderr.includes('logged\n')) loggedAt = Date.now();
  });
  if (mode === 'signal') {
    await once(child.stdout, 'data');
    child.kill('SIGTERM');
  }
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  return { code, signal, stderr, sink, spoolDir, took: loggedAt === undefined ? Infinity : Date.now() - loggedAt };
}

// One app at a time: each test's bound is about the logger's exit, not about apps competing for the CPU.
describe('records at process exit', () => {
  it('delivers everything when the script simply ends (beforeExit)', async () => {
    const r = await run('end', 5000);
    expect(r.code).toBe(0);
    expect(r.sink.count).toBe(5000);
  });

  it('delivers everything on process.exit() (synchronous drain of the worker)', async () => {
    const r = await run('exit', 5000);
    expect(r.code).toBe(0);
    expect(r.sink.count).toBe(5000);
  });

  it('delivers everything before an uncaught exception ends the process', async () => {
    const r = await run('throw', 2000);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('crash after logging');
    expect(r.sink.count).toBe(2000);
  });

  it('flushes on SIGTERM and still ends by the signal', async () => {
    const r = await run('signal', 3000);
    expect(r.signal).toBe('SIGTERM');
    expect(r.sink.count).toBe(3000);
  });

  it('ends on its own when the script ends and the collector is unreachable', async () => {
    const r = await run('end', 1000, 'http://127.0.0.1:9/v1/logs', BOUND_SHUTDOWN_MS);
    expect(r.code).toBe(0);
    // one bounded flush, then a bounded shutdown: not a flush repeated forever
    expect(r.took).toBeLessThan(15_000);
  });

  it('ends within ONE shutdown timeout when the collector accepts and never answers, and says so in one line', async () => {
    const r = await run('end', 1000, undefined, BOUND_SHUTDOWN_MS, { stall: true });
    expect(r.code).toBe(0);
    // Flush and shutdown share the bound: 4 s, not 4 s + 4 s (a margin for a busy machine's exit).
    expect(r.took).toBeLessThan(BOUND_SHUTDOWN_MS + 1500);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('tracebridge:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^tracebridge: could not deliver to the collector at http:\/\/127\.0\.0\.1:\d+ before the process ended: 1000 log records spooled to .* for later delivery/);
  });

  it('spools at once when nothing listens: exits in well under its timeout, one line says where the records are', async () => {
    const r = await run('exit', 1000, 'http://127.0.0.1:9/v1/logs', 30_000);
    expect(r.code).toBe(0);
    expect(r.took).toBeLessThan(5000);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('tracebridge:'));
    expect(lines).toEqual([expect.stringContaining(`1000 log records spooled to ${r.spoolDir}`)]);
  });

  it('exits within the shutdown timeout when the collector is unreachable', async () => {
    const r = await run('exit', 1000, 'http://127.0.0.1:9/v1/logs', BOUND_SHUTDOWN_MS);
    expect(r.code).toBe(0);
    expect(r.took).toBeLessThan(8000);
  });
});
