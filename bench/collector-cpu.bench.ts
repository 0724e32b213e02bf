/**
 * The collector's CPU per log record: one stack of collector/stacks.yaml (default `local`) against a
 * minimal OTLP → batch → file configuration of the same binary (the baseline), in the same run, order
 * rotated, several rounds. The records are sent over OTLP/HTTP protobuf by `sendRecords` from this
 * process; only the collector process's CPU (user + system, from /proc/<pid>/stat) is counted, from the
 * first record sent until its file exporter has sent them all (its own `otelcol_exporter_sent_log_records`
 * metric), and divided by the record count.
 *
 *   BENCH=collector-cpu npm run bench
 *   BENCH_COLLECTOR_STACK=local BENCH_COLLECTOR_RECORDS=50000 BENCH_COLLECTOR_ROUNDS=3
 *
 * The record is a typical agent line: five context fields, a performance figure, a correlation id, no
 * secret (redaction's common case, where it must cost least).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sendRecords } from '@tracebridge/logger';
// The root package's subpath imports (package.json "imports") resolve from bench/ and bench/dist/ alike.
import { collectorBinary, startCollector } from '#collector/run-lib.mjs';
import { BASELINE_CONFIG, cpuSeconds } from './lib/collector-baseline.js';
import { median, table } from './lib/stats.js';

const STACK = process.env.BENCH_COLLECTOR_STACK ?? 'local';
const RECORDS = Number(process.env.BENCH_COLLECTOR_RECORDS ?? 50_000);
const ROUNDS = Number(process.env.BENCH_COLLECTOR_ROUNDS ?? 3);
const CHUNK = 10_000;

function record(i: number): Record<string, unknown> {
  return {
    timestamp: new Date(Date.UTC(2026, 0, 2, 3, 4, 5) + i).toISOString(),
    level: i % 50 === 0 ? 'WARN' : 'INFO',
    agent_id: `W${i % 4}-haiku-001`,
    correlation_id: `task-bench-${i >> 6}`,
    component: 'worker',
    message: `processed item ${i} from the tasks queue`,
    context: { item_id: i, queue: 'tasks', attempt: 1 + (i % 3), user: 'ada', region: 'eu-west-1' },
    performance: { duration_ms: 12 + (i % 40) },
  };
}

/** µs of collector CPU per record for one run of `run` (a stack, or exactly the given files). */
async function measure(bin: string, run: { profile: string } | { configs: string[] }): Promise<number> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tb-bench-cpu-'));
  const collector = await startCollector({ ...run, bin, dataDir });
  const url = `${collector.otlpHttp}/v1/logs`;
  const sent = (): Promise<number> => collector.metric('otelcol_exporter_sent_log_records');
  const waitUntil = async (what: string, done: () => Promise<boolean>, timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(100);
    }
  };
  try {
    const send = async (from: number, count: number): Promise<void> => {
      for (let i = from; i < from + count; i += CHUNK) {
        const n = Math.min(CHUNK, from + count - i);
        await sendRecords(
          Array.from({ length: n }, (_, k) => record(i + k)),
          { endpoint: url, serviceName: '', resourceAttributes: {} },
        );
      }
    };
    // Warm-up: the first batches pay for lazy initialisation.
    await send(0, 2_000);
    await waitUntil('the warm-up records', async () => (await sent()) >= 2_000, 60_000);
    const cpu0 = cpuSeconds(collector.process.pid as number);
    await send(2_000, RECORDS);
    await waitUntil('every record', async () => (await sent()) >= 2_000 + RECORDS, 300_000);
    return ((cpuSeconds(collector.process.pid as number) - cpu0) / RECORDS) * 1e6;
  } finally {
    await collector.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  const bin = await collectorBinary({ log: (line) => void process.stderr.write(`${line}\n`) });
  const baselineDir = mkdtempSync(path.join(tmpdir(), 'tb-bench-baseline-'));
  const baselineFile = path.join(baselineDir, 'baseline.yaml');
  writeFileSync(baselineFile, BASELINE_CONFIG);
  const runs: Record<string, { profile: string } | { configs: string[] }> = {
    [STACK]: { profile: STACK },
    baseline: { configs: [baselineFile] },
  };
  const results: Record<string, number[]> = { [STACK]: [], baseline: [] };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? [STACK, 'baseline'] : ['baseline', STACK];
      for (const name of order) (results[name] as number[]).push(await measure(bin, runs[name]!));
    }
  } finally {
    rmSync(baselineDir, { recursive: true, force: true });
  }
  const base = median(results.baseline as number[]);
  console.log(`\ncollector CPU per log record, ${RECORDS} records × ${ROUNDS} rounds (OTLP/HTTP protobuf in, file out)`);
  console.log(
    table(
      ['configuration', 'µs/record (median)', 'min', 'max', '× baseline'],
      Object.entries(results).map(([name, v]) => [name === 'baseline' ? 'baseline (otlp → batch → file)' : `stack ${name}`, median(v), Math.min(...v), Math.max(...v), median(v) / base]),
    ),
  );
}
