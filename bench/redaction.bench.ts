/**
 * What redaction costs, per record, in the same run as pino's `redact` option on the same data.
 *
 * - Worker-side cost: the logger's record pipeline (record → redact → map → SDK emit → batch export)
 *   normally runs in the export worker; with `thread: false` and an exporter that discards, the same
 *   pipeline runs on the main thread, so its cost per record can be timed with redaction on and off.
 *   Two contexts of 5 fields: a typical one (nothing to redact: what almost every record is) and one
 *   holding secrets (a key, a header, a `token=` pair).
 * - Caller-thread cost: the default logger (export worker) with redaction on and off. Redaction runs
 *   in the worker, so the log call should cost the same.
 * - pino: serialization only (a no-op destination), without and with `redact` paths covering the same
 *   keys. pino redacts on the calling thread, by path only (no key-anywhere match, no value patterns:
 *   the `token=` inside a string stays).
 * - The redaction step alone: the default redactor on one record, without the rest of the pipeline
 *   (the pipeline's on/off difference drowns in its own noise on a busy machine). Three records: the
 *   typical one, an agent's record full of strings the default patterns look at without finding a
 *   secret (URLs, an ESM stack of `file://` frames, `key=value` text, a model name), and the one with
 *   secrets.
 *
 * Each group's pair (off, on) runs in a fresh process (lib/redaction-main.ts), in alternating batches:
 * the difference is read within one process. BENCH_ROUNDS rounds (default 5), the groups' order rotated
 * each round; each figure is the median (min–max) over the rounds of each process's median batch
 * (wall) or its thread's CPU over all batches.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { DEFAULT_EXACT_KEYS, DEFAULT_KEY_PARTS, DEFAULT_PATTERNS, createRedactor } from '@tracebridge/logger/internal';
import { FIELDS, MESSAGE } from './lib/competitors.js';
import type { RedactionGroup, RedactionReport } from './lib/redaction-main.js';
import { BUSY_ERROR, BUSY_FIELDS, BUSY_MESSAGE, SECRET_FIELDS } from './lib/redaction-records.js';
import { SinkProcess } from './lib/sink-process.js';
import { loadLine, median, rotate, showSpread, spread, table } from './lib/stats.js';

const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));
const BATCHES = Number(process.env.BENCH_BATCHES ?? 6);
const CALLS = Number(process.env.BENCH_CALLS ?? 20_000);
const GROUPS: Array<{ group: RedactionGroup; off: string; on: string }> = [
  { group: 'pipeline-typical', off: 'pipeline, redaction off, typical context', on: 'pipeline, redaction on, typical context' },
  { group: 'pipeline-secrets', off: 'pipeline, redaction off, context with secrets', on: 'pipeline, redaction on, context with secrets' },
  { group: 'caller-typical', off: 'info(), redaction off, typical context', on: 'info(), redaction on, typical context' },
  { group: 'caller-secrets', off: 'info(), redaction off, context with secrets', on: 'info(), redaction on, context with secrets' },
  { group: 'pino-typical', off: 'pino, no redact, typical context', on: 'pino, redact paths, typical context' },
  { group: 'pino-secrets', off: 'pino, no redact, context with secrets', on: 'pino, redact paths, context with secrets' },
];

async function measure(group: RedactionGroup, url: string): Promise<RedactionReport> {
  const child = fork(fileURLToPath(new URL('./lib/redaction-main.js', import.meta.url)), [JSON.stringify({ group, url, batches: BATCHES, calls: CALLS })], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  try {
    const [report] = (await Promise.race([once(child, 'message'), once(child, 'exit').then(() => Promise.reject(new Error(`redaction ${group}: exited early`)))])) as [RedactionReport];
    // NaN (no count: pino) travels over IPC as null.
    report.on.replacedPerRecord ??= NaN;
    return report;
  } finally {
    child.kill('SIGKILL');
  }
}

export async function run(): Promise<void> {
  const sink = await new SinkProcess().start();
  const startLoad = loadLine();
  const results = new Map<RedactionGroup, RedactionReport[]>();
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const { group } of rotate(GROUPS, round)) (results.get(group) ?? results.set(group, []).get(group))?.push(await measure(group, sink.url));
    }
  } finally {
    sink.stop();
  }
  const s = (values: number[]): string => showSpread(spread(values));
  const rows = (groups: typeof GROUPS): Array<Array<string | number>> =>
    groups.flatMap(({ group, off, on }) => {
      const rs = results.get(group) ?? [];
      return [
        [off, s(rs.map((r) => r.off.wallNs / 1000)), '1', '—', s(rs.map((r) => r.off.cpuNs / 1000)), '—', '—'],
        [
          on,
          s(rs.map((r) => r.on.wallNs / 1000)),
          s(rs.map((r) => r.on.wallNs / r.off.wallNs)),
          s(rs.map((r) => (r.on.wallNs - r.off.wallNs) / 1000)),
          s(rs.map((r) => r.on.cpuNs / 1000)),
          s(rs.map((r) => (r.on.cpuNs - r.off.cpuNs) / 1000)),
          s(rs.map((r) => r.on.replacedPerRecord)),
        ],
      ];
    });
  const header = ['variant', 'µs/record (wall)', '× off', 'Δ µs', 'CPU µs/record', 'Δ CPU µs', 'replaced/record'];
  console.log(`\nRedaction cost (BENCH=redaction; ${ROUNDS} rounds, a fresh process per pair and round, ${BATCHES} alternating batches of ${CALLS} records; 5-field contexts)`);
  console.log(`${startLoad} → ${loadLine()}\n`);
  console.log('Worker-side: the record pipeline on the main thread (thread: false, discarding exporter)');
  console.log(table(header, rows(GROUPS.slice(0, 2))));
  console.log('\nCaller thread: info() with the export worker (redaction happens in the worker)');
  console.log(table(header, rows(GROUPS.slice(2, 4))));
  console.log("\npino, serialization only (redact runs on the caller's thread, by path)");
  console.log(table(header, rows(GROUPS.slice(4))));
  console.log('Each figure: median (min–max) over the rounds. wall: the median batch of the process; CPU: the main thread\'s schedstat over');
  console.log('all batches of the process; Δ: on − off in the same process, then the median over the rounds.');
  const delta = (group: RedactionGroup, f: (r: RedactionReport) => number): number => spread((results.get(group) ?? []).map(f)).median;
  console.log(
    `\nredaction adds ${delta('pipeline-typical', (r) => (r.on.cpuNs - r.off.cpuNs) / 1000).toFixed(2)} µs of CPU per typical record in the worker, ` +
      `${delta('pipeline-secrets', (r) => (r.on.cpuNs - r.off.cpuNs) / 1000).toFixed(2)} µs per record with secrets; pino's redact adds ` +
      `${delta('pino-typical', (r) => (r.on.cpuNs - r.off.cpuNs) / 1000).toFixed(2)} / ${delta('pino-secrets', (r) => (r.on.cpuNs - r.off.cpuNs) / 1000).toFixed(2)} µs on the calling thread; ` +
      `the log call's CPU changes by ${delta('caller-typical', (r) => (r.on.cpuNs - r.off.cpuNs) / 1000).toFixed(2)} µs with it on`,
  );
  redactorAlone();
}

/**
 * The default redactor on one record, ns of CPU per record (median of interleaved rounds): CPU time, not
 * wall time, since the step is short and a shared machine's other work would be counted.
 */
function redactorAlone(): void {
  const redact = createRedactor({ replacement: '[REDACTED]', exactKeys: [...DEFAULT_EXACT_KEYS], keyParts: [...DEFAULT_KEY_PARTS], paths: [], patterns: [...DEFAULT_PATTERNS] });
  const records: Array<[string, () => Record<string, unknown>]> = [
    ['typical record', () => ({ message: MESSAGE, context: FIELDS })],
    ['busy record (URLs, stack, no secret)', () => ({ message: BUSY_MESSAGE, context: BUSY_FIELDS, error: BUSY_ERROR })],
    ['record with secrets', () => ({ message: MESSAGE, context: SECRET_FIELDS })],
  ];
  const n = Number(process.env.BENCH_REDACTOR_CALLS ?? 200_000);
  const times = new Map<string, number[]>(records.map(([name]) => [name, []]));
  const timed = (make: () => Record<string, unknown>): number => {
    const start = process.cpuUsage();
    for (let i = 0; i < n; i++) redact(make());
    const used = process.cpuUsage(start);
    return ((used.user + used.system) * 1000) / n;
  };
  for (const [, make] of records) timed(make); // warm up the JIT
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, make] of records) times.get(name)?.push(timed(make));
  }
  console.log(`\nThe redaction step alone (default redactor, CPU time, median of ${ROUNDS} interleaved rounds of ${n} records)`);
  console.log(table(['record', 'CPU ns/record', 'spread ns'], records.map(([name]) => {
    const t = times.get(name) as number[];
    return [name, median(t), Math.max(...t) - Math.min(...t)];
  })));
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
