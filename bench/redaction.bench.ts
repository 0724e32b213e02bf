/**
 * What redaction costs, per record, in the same run as pino's `redact` option on the same data.
 *
 * - Worker-side cost: the logger's record pipeline (record → redact → map → SDK emit → batch export)
 *   normally runs in the export worker; with `thread: false` and an exporter that discards, the same
 *   pipeline runs on this thread, so its cost per record can be timed with redaction on and off. Two
 *   contexts of 5 fields: a typical one (nothing to redact: what almost every record is) and one holding
 *   secrets (a key, a header, a `token=` pair).
 * - Caller-thread cost: the default logger (export worker) with redaction on and off. Redaction runs
 *   in the worker, so the log call should cost the same.
 * - pino: serialization only (a no-op destination), without and with `redact` paths covering the same
 *   keys. pino redacts on the calling thread, by path only (no key-anywhere match, no value patterns:
 *   the `token=` inside a string stays).
 *
 * - The redaction step alone: the default redactor on one record, without the rest of the pipeline
 *   (the pipeline's on/off difference drowns in its own noise on a busy machine). Three records: the
 *   typical one, an agent's record full of strings the default patterns look at without finding a
 *   secret (URLs, an ESM stack of `file://` frames, `key=value` text, a model name), and the one with
 *   secrets.
 *
 * Rounds interleave every variant (this machine's speed drifts): only same-run ratios mean anything.
 */
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { createLogger } from '@tracebridge/logger';
import { DEFAULT_EXACT_KEYS, DEFAULT_KEY_PARTS, DEFAULT_PATTERNS, createRedactor } from '@tracebridge/logger/internal/redact';
import type { LoggerOptions } from '@tracebridge/logger';
import pino from 'pino';
import { FIELDS, MESSAGE } from './lib/competitors.js';
import { SinkProcess } from './lib/sink-process.js';
import { median, table } from './lib/stats.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const CALLS = Number(process.env.BENCH_CALLS ?? 20_000);

/** 5 fields, 3 of them secrets: a key by name, a header by name at depth 2, a `token=` in a string. */
const SECRET_FIELDS = {
  task_id: 'task:001',
  attempt: 2,
  api_key: 'k-3f9a1c77e2',
  headers: { authorization: 'Basic dXNlcjpwYXNz' },
  note: 'retried GET /v1/items?token=abc123&page=2',
};
/** Strings the default patterns must look at (URLs, `key=value`, a stack of `file://` frames), no secret. */
const BUSY_FIELDS = {
  url: 'https://api.example.com/v1/items?page=2&limit=50',
  model: 'claude-sonnet-4-5',
  command: 'git fetch origin main --depth=1',
  tool: { name: 'fetch_page', args: { href: 'https://docs.example.org/guide#install', retries: 3 } },
  host: 'db.internal:5432',
};
const BUSY_MESSAGE = 'GET https://api.example.com/v1/items?page=2 answered 503 after 1200 ms';
const BUSY_ERROR = {
  type: 'UpstreamError',
  message: 'upstream https://api.example.com/v1/items answered 503: Service Unavailable',
  stack: [
    'UpstreamError: upstream https://api.example.com/v1/items answered 503: Service Unavailable',
    '    at fetchItems (file:///srv/agent/dist/tools/fetch.js:41:13)',
    '    at async runTool (file:///srv/agent/dist/tools/run.js:88:20)',
    '    at async Agent.step (file:///srv/agent/dist/agent.js:212:7)',
    '    at async Agent.loop (file:///srv/agent/dist/agent.js:150:9)',
  ].join('\n'),
};

/** pino's paths for the same keys (pino matches paths, not key names anywhere). */
const PINO_PATHS = ['context.api_key', 'context.headers.authorization', 'context.password', 'context.token'];

/** Accepts every batch at once: only the logger's own work is timed. */
class DiscardExporter implements LogRecordExporter {
  export(_records: ReadableLogRecord[], done: (result: ExportResult) => void): void {
    done({ code: ExportResultCode.SUCCESS });
  }
  async shutdown(): Promise<void> {}
  async forceFlush(): Promise<void> {}
}

interface Variant {
  name: string;
  /** One timed round: `n` records, and whatever the variant must wait for before the clock stops. */
  round: (n: number) => Promise<void>;
  /** Untimed, after a round: lets an export worker drain before the next variant is timed. */
  settle: () => Promise<void>;
  close: () => Promise<void>;
  /** Replacements per record (the logger's stats().redacted), when it counts them. */
  redactedPerRecord?: () => number;
}

/**
 * `settle`: worker-side variants stop the clock once every record went through the pipeline (and count
 * replacements: each has a pipeline of its own); caller-thread variants time the calls only and drain
 * outside the clock (loggers of one configuration share an export worker, so their counts would mix).
 */
function ourVariant(name: string, options: Partial<LoggerOptions>, fields: Record<string, unknown>, settle: boolean): Variant {
  const log = createLogger({ agentId: 'A1-haiku-001', component: 'bench', handleExit: false, level: 'INFO', ...options });
  const args = { context: fields };
  let calls = 0;
  return {
    name,
    round: async (n) => {
      for (let i = 0; i < n; i++) log.info(MESSAGE, args);
      calls += n;
      if (settle) await log.flush(60_000);
    },
    settle: async () => void (await log.flush(60_000)),
    close: () => log.shutdown(),
    ...(settle ? { redactedPerRecord: () => log.stats().redacted / Math.max(calls, 1) } : {}),
  };
}

function pinoVariant(name: string, redact: string[] | undefined, fields: Record<string, unknown>): Variant {
  const log = pino({ level: 'info', ...(redact === undefined ? {} : { redact }) }, { write() {} });
  const args = { context: fields };
  return {
    name,
    round: async (n) => {
      for (let i = 0; i < n; i++) log.info(args, MESSAGE);
    },
    settle: async () => {},
    close: async () => {},
  };
}

async function timeRound(v: Variant, n: number): Promise<number> {
  const start = process.hrtime.bigint();
  await v.round(n);
  return Number(process.hrtime.bigint() - start) / n;
}

export async function run(): Promise<void> {
  const sink = await new SinkProcess().start();
  const inline = (redact: boolean): Partial<LoggerOptions> => ({ thread: false, exporter: new DiscardExporter(), ...(redact ? {} : { redact: false }) });
  const worker: Variant[] = [
    ourVariant('pipeline, redaction off, typical context', inline(false), FIELDS, true),
    ourVariant('pipeline, redaction on, typical context', inline(true), FIELDS, true),
    ourVariant('pipeline, redaction off, context with secrets', inline(false), SECRET_FIELDS, true),
    ourVariant('pipeline, redaction on, context with secrets', inline(true), SECRET_FIELDS, true),
  ];
  const caller: Variant[] = [
    ourVariant('info(), redaction off, typical context', { endpoint: sink.url, redact: false }, FIELDS, false),
    ourVariant('info(), redaction on, typical context', { endpoint: sink.url }, FIELDS, false),
    ourVariant('info(), redaction off, context with secrets', { endpoint: sink.url, redact: false }, SECRET_FIELDS, false),
    ourVariant('info(), redaction on, context with secrets', { endpoint: sink.url }, SECRET_FIELDS, false),
  ];
  const pinos: Variant[] = [
    pinoVariant('pino, no redact, typical context', undefined, FIELDS),
    pinoVariant('pino, redact paths, typical context', PINO_PATHS, FIELDS),
    pinoVariant('pino, no redact, context with secrets', undefined, SECRET_FIELDS),
    pinoVariant('pino, redact paths, context with secrets', PINO_PATHS, SECRET_FIELDS),
  ];
  const all = [...worker, ...caller, ...pinos];
  const results = new Map<string, number[]>();
  for (const v of all) {
    await timeRound(v, 5000); // warm up the JIT
    await v.settle();
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const v of all) {
      const ns = await timeRound(v, CALLS);
      (results.get(v.name) ?? results.set(v.name, []).get(v.name))?.push(ns);
      await v.settle();
    }
  }
  const ns = (name: string): number => median(results.get(name) as number[]);
  const rows = (group: Variant[], base: string): Array<Array<string | number>> =>
    group.map((v) => [v.name, ns(v.name) / 1000, ns(v.name) / ns(base), (ns(v.name) - ns(base)) / 1000, v.redactedPerRecord === undefined ? '—' : v.redactedPerRecord()]);
  const header = ['variant', 'µs/record', '× off', 'Δ µs', 'replaced/record'];
  console.log(`\nRedaction cost (median of ${ROUNDS} interleaved rounds of ${CALLS} records; 5-field contexts)\n`);
  console.log('Worker-side: the record pipeline on this thread (thread: false, discarding exporter)');
  console.log(table(header, [...rows(worker.slice(0, 2), worker[0]!.name), ...rows(worker.slice(2), worker[2]!.name)]));
  console.log('\nCaller thread: info() with the export worker (redaction happens in the worker)');
  console.log(table(header, [...rows(caller.slice(0, 2), caller[0]!.name), ...rows(caller.slice(2), caller[2]!.name)]));
  console.log("\npino, serialization only (redact runs on the caller's thread, by path)");
  console.log(table(header, [...rows(pinos.slice(0, 2), pinos[0]!.name), ...rows(pinos.slice(2), pinos[2]!.name)]));
  const perRecord = (ns('pipeline, redaction on, typical context') - ns('pipeline, redaction off, typical context')) / 1000;
  const callerRatio = ns('info(), redaction on, typical context') / ns('info(), redaction off, typical context');
  console.log(`\nredaction adds ${perRecord.toFixed(2)} µs per typical record in the worker; the log call costs ×${callerRatio.toFixed(2)} with it on`);
  for (const v of all) await v.close();
  sink.stop();
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
  const once = (make: () => Record<string, unknown>): number => {
    const start = process.cpuUsage();
    for (let i = 0; i < n; i++) redact(make());
    const used = process.cpuUsage(start);
    return ((used.user + used.system) * 1000) / n;
  };
  for (const [, make] of records) once(make); // warm up the JIT
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, make] of records) times.get(name)?.push(once(make));
  }
  console.log(`\nThe redaction step alone (default redactor, CPU time, median of ${ROUNDS} interleaved rounds of ${n} records)`);
  console.log(table(['record', 'CPU ns/record', 'spread ns'], records.map(([name]) => {
    const t = times.get(name) as number[];
    return [name, median(t), Math.max(...t) - Math.min(...t)];
  })));
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
