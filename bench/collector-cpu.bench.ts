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
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sendRecords } from '@tracebridge/logger';
import { median, table } from './lib/stats.js';

const ROOT = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../../' : '../', import.meta.url));
const STACK = process.env.BENCH_COLLECTOR_STACK ?? 'local';
const RECORDS = Number(process.env.BENCH_COLLECTOR_RECORDS ?? 50_000);
const ROUNDS = Number(process.env.BENCH_COLLECTOR_ROUNDS ?? 3);
const CHUNK = 10_000;

interface BuildLib {
  ensureCollector(options: { log: (line: string) => void }): Promise<string>;
}
/** collector/stacks.mjs: the files and feature gates of a collector stack. */
interface Stacks {
  collectorArgs(name: string): string[];
}

/** The baseline: what the collector costs with no processing of ours. */
const BASELINE = `receivers:
  otlp:
    protocols:
      http:
        endpoint: \${env:OTLP_HTTP_ENDPOINT}
processors:
  batch:
    send_batch_size: 8192
    send_batch_max_size: 16384
    timeout: 200ms
exporters:
  file/logs:
    path: \${env:TRACEBRIDGE_DATA_DIR}/logs.jsonl
    format: json
extensions:
  health_check:
    endpoint: \${env:HEALTH_ENDPOINT}
service:
  extensions: [health_check]
  telemetry:
    metrics:
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: \${env:COLLECTOR_METRICS_PORT}
  pipelines:
    logs:
      receivers: [otlp]
      processors: [batch]
      exporters: [file/logs]
`;

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system, all threads) the process used so far. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

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

interface Running {
  child: ChildProcess;
  url: string;
  sent(): Promise<number>;
  stop(): Promise<void>;
}

async function start(bin: string, args: string[], dataDir: string): Promise<Running> {
  const [http, grpc, health, metrics] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const child = spawn(bin, args, {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      OTLP_HTTP_ENDPOINT: `127.0.0.1:${http}`,
      OTLP_GRPC_ENDPOINT: `127.0.0.1:${grpc}`,
      HEALTH_ENDPOINT: `127.0.0.1:${health}`,
      COLLECTOR_METRICS_PORT: String(metrics),
      TRACEBRIDGE_DATA_DIR: dataDir,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = once(child, 'exit');
  await waitUntil('the collector', async () => (await fetch(`http://127.0.0.1:${health}/`)).ok, 60_000).catch((err: Error) => {
    child.kill('SIGKILL');
    throw new Error(`${err.message}\n${output}`);
  });
  return {
    child,
    url: `http://127.0.0.1:${http}/v1/logs`,
    async sent() {
      const text = await (await fetch(`http://127.0.0.1:${metrics}/metrics`)).text();
      let n = 0;
      for (const line of text.split('\n')) if (line.startsWith('otelcol_exporter_sent_log_records')) n += Number(line.slice(line.lastIndexOf(' ') + 1));
      return n;
    },
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** µs of collector CPU per record for one run of `args`. */
async function measure(bin: string, args: string[]): Promise<number> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tb-bench-cpu-'));
  const collector = await start(bin, args, dataDir);
  try {
    const send = async (from: number, count: number): Promise<void> => {
      for (let i = from; i < from + count; i += CHUNK) {
        const n = Math.min(CHUNK, from + count - i);
        await sendRecords(
          Array.from({ length: n }, (_, k) => record(i + k)),
          { endpoint: collector.url, serviceName: '', resourceAttributes: {} },
        );
      }
    };
    // Warm-up: the first batches pay for lazy initialisation.
    await send(0, 2_000);
    await waitUntil('the warm-up records', async () => (await collector.sent()) >= 2_000, 60_000);
    const cpu0 = cpuSeconds(collector.child.pid as number);
    await send(2_000, RECORDS);
    await waitUntil('every record', async () => (await collector.sent()) >= 2_000 + RECORDS, 300_000);
    return ((cpuSeconds(collector.child.pid as number) - cpu0) / RECORDS) * 1e6;
  } finally {
    await collector.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  const lib = (await import(pathToFileURL(path.join(ROOT, 'collector', 'build-lib.mjs')).href)) as BuildLib;
  const stacks = (await import(pathToFileURL(path.join(ROOT, 'collector', 'stacks.mjs')).href)) as Stacks;
  const bin = await lib.ensureCollector({ log: (line) => void process.stderr.write(`${line}\n`) });
  const baselineDir = mkdtempSync(path.join(tmpdir(), 'tb-bench-baseline-'));
  const baselineFile = path.join(baselineDir, 'baseline.yaml');
  writeFileSync(baselineFile, BASELINE);
  const runs: Record<string, string[]> = {
    [STACK]: stacks.collectorArgs(STACK),
    baseline: ['--config', baselineFile],
  };
  const results: Record<string, number[]> = { [STACK]: [], baseline: [] };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? [STACK, 'baseline'] : ['baseline', STACK];
      for (const name of order) (results[name] as number[]).push(await measure(bin, runs[name] as string[]));
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
