/**
 * One process of the redaction bench: one pair of variants (redaction off and on) of one group, timed
 * in alternating batches so their difference is read in one process, with one JIT state. See
 * redaction.bench.ts for the groups.
 */
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { createLogger } from '@tracebridge/logger';
import type { LoggerOptions } from '@tracebridge/logger';
import pino from 'pino';
import { FIELDS, MESSAGE } from './competitors.js';
import { SECRET_FIELDS } from './redaction-records.js';
import { threadCpuSeconds } from './proc-stats.js';
import { median } from './stats.js';

export type RedactionGroup = 'pipeline-typical' | 'pipeline-secrets' | 'caller-typical' | 'caller-secrets' | 'pino-typical' | 'pino-secrets';

/** What one process measured: per variant, the median batch's wall time and this thread's CPU, per record. */
export interface RedactionReport {
  off: { wallNs: number; cpuNs: number };
  on: { wallNs: number; cpuNs: number; replacedPerRecord: number };
}

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
  /** One timed batch: `n` records, and whatever the variant must wait for before the clock stops. */
  batch: (n: number) => Promise<void>;
  /** Untimed, after a batch: lets an export worker drain before the next batch is timed. */
  settle: () => Promise<void>;
  /** Replacements per record (the logger's stats().redacted), when it counts them. */
  replacedPerRecord: () => number;
}

/**
 * `inPipeline`: the batch's clock stops once every record went through the pipeline (thread: false);
 * otherwise it times the calls only and the export worker drains outside the clock.
 */
function ourVariant(options: Partial<LoggerOptions>, fields: Record<string, unknown>, inPipeline: boolean): Variant {
  const log = createLogger({ agentId: 'A1-haiku-001', component: 'bench', handleExit: false, level: 'INFO', ...options });
  const args = { context: fields };
  let calls = 0;
  return {
    batch: async (n) => {
      for (let i = 0; i < n; i++) log.info(MESSAGE, args);
      calls += n;
      if (inPipeline) await log.flush(60_000);
    },
    settle: async () => void (await log.flush(60_000)),
    replacedPerRecord: () => log.stats().redacted / Math.max(calls, 1),
  };
}

function pinoVariant(redact: string[] | undefined, fields: Record<string, unknown>): Variant {
  const log = pino({ level: 'info', ...(redact === undefined ? {} : { redact }) }, { write() {} });
  const args = { context: fields };
  return {
    batch: async (n) => {
      for (let i = 0; i < n; i++) log.info(args, MESSAGE);
    },
    settle: async () => {},
    replacedPerRecord: () => NaN,
  };
}

function pair(group: RedactionGroup, url: string): [Variant, Variant] {
  const fields = group.endsWith('secrets') ? SECRET_FIELDS : FIELDS;
  if (group.startsWith('pipeline')) {
    const inline = (redact: boolean): Partial<LoggerOptions> => ({ thread: false, exporter: new DiscardExporter(), ...(redact ? {} : { redact: false }) });
    return [ourVariant(inline(false), fields, true), ourVariant(inline(true), fields, true)];
  }
  if (group.startsWith('caller')) return [ourVariant({ endpoint: url, redact: false }, fields, false), ourVariant({ endpoint: url }, fields, false)];
  return [pinoVariant(undefined, fields), pinoVariant(PINO_PATHS, fields)];
}

const { group, url, batches, calls } = JSON.parse(process.argv[2] as string) as { group: RedactionGroup; url: string; batches: number; calls: number };
const [off, on] = pair(group, url);
const times = { off: { wall: [] as number[], cpu: 0 }, on: { wall: [] as number[], cpu: 0 } };
for (const v of [off, on]) {
  await v.batch(5000); // warm up the JIT
  await v.settle();
}
for (let b = 0; b < batches; b++) {
  // Alternate which goes first, so neither always follows the other's export.
  for (const which of b % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
    const v = which === 'off' ? off : on;
    const cpu0 = threadCpuSeconds(process.pid);
    const start = process.hrtime.bigint();
    await v.batch(calls);
    times[which].wall.push(Number(process.hrtime.bigint() - start) / calls);
    times[which].cpu += threadCpuSeconds(process.pid) - cpu0;
    await v.settle();
  }
}
const report: RedactionReport = {
  off: { wallNs: median(times.off.wall), cpuNs: (times.off.cpu * 1e9) / (batches * calls) },
  on: { wallNs: median(times.on.wall), cpuNs: (times.on.cpu * 1e9) / (batches * calls), replacedPerRecord: on.replacedPerRecord() },
};
process.send?.(report);
// The parent ends the process.
