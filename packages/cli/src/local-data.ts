import { createReadStream, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fromKeyValues } from '@tracebridge/schema';
import { entriesOf, isObject, kindOf, logRecordOf, resourceAttributesOf, scopeNameOf, spanOf } from './internal/otlp-shape.js';
import type { OtlpLogRecord } from '@tracebridge/schema';
import type { ExportMetricsServiceRequest, OtlpSpan } from './otlp-traces.js';
import { readLines } from './internal/json-lines.js';

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

/** One parsed line of a data file. */
interface RequestLine {
  line: number;
  value: unknown;
}

/**
 * Every parsed line of every file of a signal, with where it is. A line that is not JSON (a file
 * truncated by a crash, a disk error) is skipped with one warning per file; the rest is still read.
 */
async function* requestLines(dir: string, signal: Signal, warnings: string[], onFileDone?: (file: string) => void): AsyncGenerator<RequestLine> {
  for (const file of signalFiles(dir, signal)) {
    const name = path.basename(file);
    let bad = 0;
    let first = 0;
    const notUtf8 = { count: 0, line: 0, where: '' };
    try {
      // One line is one export request of the collector, as large as its batch: no length limit.
      for await (const line of readLines(createReadStream(file), name, { maxLineBytes: Infinity })) {
        if (line.text === undefined) continue;
        if (line.notUtf8 !== undefined && notUtf8.count++ === 0) Object.assign(notUtf8, { line: line.number, where: line.notUtf8 });
        let value: unknown;
        try {
          value = JSON.parse(line.text);
        } catch {
          if (bad++ === 0) first = line.number;
          continue;
        }
        yield { line: line.number, value };
      }
    } catch (err) {
      warnings.push(`${name}: unreadable (${(err as Error).message}); skipped`);
      onFileDone?.(name);
      continue;
    }
    if (bad > 0) warnings.push(`${name}: ${bad} damaged line(s) skipped, first at line ${first}`);
    if (notUtf8.count > 0) {
      warnings.push(`${name}: ${notUtf8.count} line(s) not UTF-8, read with U+FFFD for the bad bytes, first at line ${notUtf8.line}: ${notUtf8.where}`);
    }
    onFileDone?.(name);
  }
}

/**
 * Reads every request line of every file of a signal, as parsed (not checked). A line that is not JSON
 * is skipped with one warning per file; the rest is still read.
 */
export async function readRequests<T>(dir: string, signal: Signal, warnings: string[]): Promise<T[]> {
  const out: T[] = [];
  for await (const { value } of requestLines(dir, signal, warnings)) out.push(value as T);
  return out;
}

/** Kinds of damage of a data file, in the order their warnings are given. */
const DAMAGE_KINDS = ['skipped', 'record', 'span'] as const;
type DamageKind = (typeof DAMAGE_KINDS)[number];

/**
 * What went wrong in the file being read, said once per kind after it was read: how many parts were
 * skipped, how many records or spans lost fields, with the first occurrence.
 */
class FileProblems {
  private tallies = new Map<DamageKind, { count: number; line: number; detail: string }>();

  note(kind: DamageKind, line: number, detail: string | undefined): void {
    if (detail === undefined) return;
    const tally = this.tallies.get(kind);
    if (tally !== undefined) tally.count++;
    else this.tallies.set(kind, { count: 1, line, detail });
  }

  /** The warnings of the file just read; starts afresh for the next. */
  flush(file: string, warnings: string[]): void {
    for (const kind of DAMAGE_KINDS) {
      const t = this.tallies.get(kind);
      if (t === undefined) continue;
      const what = kind === 'skipped' ? 'part(s) not in the OTLP shape skipped' : `${kind}(s) with wrong-typed fields, those fields left out`;
      warnings.push(`${file}: ${t.count} ${what}, first at line ${t.line}: ${t.detail}`);
    }
    this.tallies = new Map();
  }
}

/**
 * Reads logs and traces (and metrics when asked) of a `local` profile data folder. Damaged data is
 * skipped or left out with one warning per file and kind of damage (see `internal/otlp-shape.ts`), so
 * the rest is still drawn.
 */
export async function readLocalData(dir: string, options: { metrics?: boolean } = {}): Promise<LocalData> {
  const warnings: string[] = [];
  const problems = new FileProblems();
  const logs: StoredLog[] = [];
  const fileDone = (file: string): void => problems.flush(file, warnings);
  for await (const { line, value } of requestLines(dir, 'logs', warnings, fileDone)) {
    const skipped: string[] = [];
    if (!isObject(value)) {
      problems.note('skipped', line, `the line is ${kindOf(value)}, not an object`);
      continue;
    }
    for (const [rl, rlPath] of entriesOf(value, 'resourceLogs', '', skipped)) {
      const resourceFields: string[] = [];
      const resource = fromKeyValues(resourceAttributesOf(rl, rlPath, resourceFields));
      for (const [sl, slPath] of entriesOf(rl, 'scopeLogs', rlPath, skipped)) {
        const scopeFields = [...resourceFields];
        const scope = scopeNameOf(sl, slPath, scopeFields);
        for (const [raw, recordPath] of entriesOf(sl, 'logRecords', slPath, skipped)) {
          const fields = [...scopeFields];
          const record = logRecordOf(raw, recordPath, fields);
          problems.note('record', line, fields[0]);
          logs.push({ resource, scope, record, attributes: fromKeyValues(record.attributes) });
        }
      }
    }
    for (const detail of skipped) problems.note('skipped', line, detail);
  }
  const spans: StoredSpan[] = [];
  for await (const { line, value } of requestLines(dir, 'traces', warnings, fileDone)) {
    const skipped: string[] = [];
    if (!isObject(value)) {
      problems.note('skipped', line, `the line is ${kindOf(value)}, not an object`);
      continue;
    }
    for (const [rs, rsPath] of entriesOf(value, 'resourceSpans', '', skipped)) {
      const resourceFields: string[] = [];
      const resource = fromKeyValues(resourceAttributesOf(rs, rsPath, resourceFields));
      for (const [ss, ssPath] of entriesOf(rs, 'scopeSpans', rsPath, skipped)) {
        const scopeFields = [...resourceFields];
        const scope = scopeNameOf(ss, ssPath, scopeFields);
        for (const [raw, spanPath] of entriesOf(ss, 'spans', ssPath, skipped)) {
          const read = spanOf(raw, spanPath, skipped);
          if (read === undefined) continue;
          problems.note('span', line, [...scopeFields, ...read.fields][0]);
          spans.push({ resource, scope, span: read.span, attributes: fromKeyValues(read.span.attributes) });
        }
      }
    }
    for (const detail of skipped) problems.note('skipped', line, detail);
  }
  const metrics = options.metrics ? await readRequests<ExportMetricsServiceRequest>(dir, 'metrics', warnings) : [];
  return { logs, spans, metrics, warnings };
}
