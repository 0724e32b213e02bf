/**
 * What ending costs when the SDK still holds 10,000 spans (#23): an app under `--import` ends them, then
 * calls process.exit(); the bootstrap serialises them to OTLP protobuf, writes them to the exit spool
 * (fsync'd, renamed into place) and starts the detached sender, all inside the `exit` event. Reported:
 * the time of that work (from just before process.exit() to the app's own `exit` listener, which runs
 * after the bootstrap's) and the bytes written, against the same app with the spool off (the spans are
 * then counted as lost, which is the baseline cost of the exit hooks). Median and spread of the rounds.
 * `BENCH_SPANS` (10000), `BENCH_ROUNDS` (7).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, table } from './lib/stats.js';

const SPANS = Number(process.env.BENCH_SPANS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const APP = fileURLToPath(new URL('./lib/exit-app.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function once(spool: boolean): { ms: number; bytes: number; files: number } {
  const dir = mkdtempSync(path.join(tmpdir(), 'tb-bench-spool-'));
  const r = spawnSync(process.execPath, ['--import=@tracebridge/auto/register', APP], {
    cwd: ROOT,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      SPANS: String(SPANS),
      TRACEBRIDGE_AGENT_ID: 'B1-haiku-001',
      // Nothing listens: the sender finds the collector down and leaves the files, which are measured.
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
      OTEL_BSP_MAX_QUEUE_SIZE: String(SPANS * 2),
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: String(SPANS * 2),
      OTEL_BSP_SCHEDULE_DELAY: '600000',
      OTEL_LOGS_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'none',
      TRACEBRIDGE_RUNTIME_METRICS: 'off',
      TRACEBRIDGE_SPOOL_DIR: spool ? dir : 'off',
      TRACEBRIDGE_SPOOL_SEND_BUDGET_MS: '1',
    },
  });
  const report = JSON.parse((r.stdout.split('\n').find((l) => l.startsWith('{"exitMs"')) ?? '{"exitMs":NaN}')) as { exitMs: number };
  const files = readdirSync(dir).filter((f) => f.endsWith('.otlp'));
  const bytes = files.reduce((n, f) => n + statSync(path.join(dir, f)).size, 0);
  rmSync(dir, { recursive: true, force: true });
  return { ms: report.exitMs, bytes, files: files.length };
}

export async function run(): Promise<void> {
  const rows: Record<'spool' | 'off', Array<{ ms: number; bytes: number; files: number }>> = { spool: [], off: [] };
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which goes first: the machine's speed drifts.
    const order: Array<'spool' | 'off'> = round % 2 === 0 ? ['spool', 'off'] : ['off', 'spool'];
    for (const variant of order) rows[variant].push(once(variant === 'spool'));
  }
  const summary = (variant: 'spool' | 'off') => {
    const ms = rows[variant].map((r) => r.ms);
    return [
      variant === 'spool' ? `spool on (${SPANS} spans written)` : 'spool off (counted as lost)',
      `${median(ms).toFixed(1)} ms`,
      `${Math.min(...ms).toFixed(1)}–${Math.max(...ms).toFixed(1)} ms`,
      `${(median(rows[variant].map((r) => r.bytes)) / 1024).toFixed(0)} KiB in ${median(rows[variant].map((r) => r.files))} file(s)`,
    ];
  };
  console.log(`\nexit-spool: process.exit() with ${SPANS} spans held by the SDK, ${ROUNDS} rounds`);
  console.log(table(['variant', 'exit work (median)', 'spread', 'spool written'], [summary('spool'), summary('off')]));
}
