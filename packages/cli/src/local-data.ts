import { createReadStream, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fromKeyValues } from '@tracebridge/schema';
import type { OtlpLogRecord } from '@tracebridge/schema';
import type { ExportMetricsServiceRequest, ExportTraceServiceRequest, FileLogsRequest, OtlpSpan } from './otlp-traces.js';

/** The three files of the `local` collector profile, each possibly rotated. */
export type Signal = 'logs' | 'traces' | 'metrics';

/** One log record with where it came from. */
export interface StoredLog {
  resource: Record<string, unknown>;
  scope: string;
  record: OtlpLogRecord;
  attributes: Record<string, unknown>;
}

/** One span with its resource. */
export interface StoredSpan {
  resource: Record<string, unknown>;
  scope: string;
  span: OtlpSpan;
  attributes: Record<string, unknown>;
}

/** What the `local` profile's files hold, and the files that could not be read fully. */
export interface LocalData {
  logs: StoredLog[];
  spans: StoredSpan[];
  metrics: ExportMetricsServiceRequest[];
  /** One line per damaged file: its name and what was wrong. */
  warnings: string[];
}

/**
 * The files of one signal, oldest first: the collector's file exporter rotates `logs.jsonl` to
 * `logs-<timestamp>.jsonl` next to it (lexicographic order is time order), the live file last.
 */
export function signalFiles(dir: string, signal: Signal): string[] {
  if (!existsSync(dir)) return [];
  const rotated = readdirSync(dir)
    .filter((f) => f.startsWith(`${signal}-`) && f.endsWith('.jsonl'))
    .sort()
    .map((f) => path.join(dir, f));
  const live = path.join(dir, `${signal}.jsonl`);
  return existsSync(live) ? [...rotated, live] : rotated;
}

/**
 * Reads every request line of every file of a signal. A line that is not JSON (a file truncated by a
 * crash, a disk error) is skipped with one warning per file; the rest is still read.
 */
export async function readRequests<T>(dir: string, signal: Signal, warnings: string[]): Promise<T[]> {
  const out: T[] = [];
  for (const file of signalFiles(dir, signal)) {
    let bad = 0;
    let first = 0;
    let n = 0;
    try {
      const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
      for await (const line of lines) {
        n++;
        if (line.trim() === '') continue;
        try {
          out.push(JSON.parse(line) as T);
        } catch {
          if (bad++ === 0) first = n;
        }
      }
    } catch (err) {
      warnings.push(`${path.basename(file)}: unreadable (${(err as Error).message}); skipped`);
      continue;
    }
    if (bad > 0) warnings.push(`${path.basename(file)}: ${bad} damaged line(s) skipped, first at line ${first}`);
  }
  return out;
}

/** Reads logs and traces (and metrics when asked) of a `local` profile data folder. */
export async function readLocalData(dir: string, options: { metrics?: boolean } = {}): Promise<LocalData> {
  const warnings: string[] = [];
  const logs: StoredLog[] = [];
  for (const request of await readRequests<FileLogsRequest>(dir, 'logs', warnings)) {
    for (const rl of request.resourceLogs ?? []) {
      const resource = fromKeyValues(rl.resource?.attributes);
      for (const sl of rl.scopeLogs ?? []) {
        for (const record of sl.logRecords ?? []) {
          logs.push({ resource, scope: sl.scope?.name ?? '', record, attributes: fromKeyValues(record.attributes) });
        }
      }
    }
  }
  const spans: StoredSpan[] = [];
  for (const request of await readRequests<ExportTraceServiceRequest>(dir, 'traces', warnings)) {
    for (const rs of request.resourceSpans ?? []) {
      const resource = fromKeyValues(rs.resource?.attributes);
      for (const ss of rs.scopeSpans ?? []) {
        for (const span of ss.spans ?? []) {
          spans.push({ resource, scope: ss.scope?.name ?? '', span, attributes: fromKeyValues(span.attributes) });
        }
      }
    }
  }
  const metrics = options.metrics ? await readRequests<ExportMetricsServiceRequest>(dir, 'metrics', warnings) : [];
  return { logs, spans, metrics, warnings };
}
