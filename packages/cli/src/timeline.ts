/**
 * The timeline of a request: its traces as span trees, each log record placed under the span it was
 * written in, in time order. One model for every view (terminal, `--json`, `--html`), built from what a
 * source read (the `local` profile's files, or Loki and Tempo).
 */
import {
  ATTR_CORRELATION_ID,
  ATTR_EXCEPTION_MESSAGE,
  ATTR_EXCEPTION_STACKTRACE,
  ATTR_EXCEPTION_TYPE,
  fromKeyValues,
} from '@tracebridge/schema';
import type { StoredLog, StoredSpan } from './local-data.js';
import { agentOf, serviceOf } from './internal/agent.js';
import {
  bodyText,
  isErrorLevel,
  levelName,
  nanosToIso,
  nanosToMs,
  normalizeId,
  spanKindName,
  statusName,
  stringAttr,
  toNanos,
} from './internal/otlp-values.js';
import type { SpanKindName } from './internal/otlp-values.js';
import { llmCallOf, summarizeUsage } from './llm-usage.js';
import type { LlmCall, UsageSummary } from './llm-usage.js';
import type { PriceTable } from './prices.js';

/** Version of the `--json` structure; raised only when a field changes meaning or goes away. */
export const TIMELINE_FORMAT_VERSION = 1;

/** Logs and spans a timeline is built from: what `readLocalData` returns, or the same shape from Loki and Tempo. */
export interface TelemetryData {
  logs: readonly StoredLog[];
  spans: readonly StoredSpan[];
}

/** An exception, from a log record's `exception.*` attributes or a span's `exception` event. */
export interface TimelineException {
  type: string;
  message: string;
  /** The stack trace as recorded (first line `Type: message` included when the runtime writes it). */
  stacktrace: string | null;
}

/** A span, as one row of the timeline. */
export interface TimelineSpanRow {
  type: 'span';
  /** Nesting depth in the drawn tree: 0 for a root. */
  depth: number;
  traceId: string;
  spanId: string;
  /** The parent span's id as recorded, even when that span is not in the data. */
  parentSpanId: string | null;
  name: string;
  kind: SpanKindName;
  /** `service.instance.id` of the agent (else its `service.name`). */
  agent: string;
  /** `service.name` (the agent's role). */
  service: string;
  /** Instrumentation scope name. */
  scope: string;
  /** Start time, ISO 8601 UTC. */
  start: string;
  /** Start, in milliseconds after the trace's start. */
  offsetMs: number;
  durationMs: number;
  status: 'unset' | 'ok' | 'error';
  statusMessage: string | null;
  /** The span's `correlation.id` attribute. */
  correlationId: string | null;
  /** The span's `exception` events, in order. */
  exceptions: TimelineException[];
  /** The LLM call the span records (GenAI conventions): model and tokens, and a cost with `--prices`; else `null`. */
  llm: LlmCall | null;
  attributes: Record<string, unknown>;
}

/** A log record, as one row of the timeline. */
export interface TimelineLogRow {
  type: 'log';
  /** Nesting depth in the drawn tree: one below the span it is drawn under. */
  depth: number;
  /** Time of the record, ISO 8601 UTC. */
  time: string;
  /** Milliseconds after the start of the trace (of the first untraced record, for untraced ones). */
  offsetMs: number;
  /** Severity text upper-cased, else the name of the severity number's range. */
  level: string;
  severityNumber: number | null;
  agent: string;
  service: string;
  /** Instrumentation scope name: the component that wrote it. */
  scope: string;
  /** The body, as one line of text. */
  message: string;
  traceId: string | null;
  /** The span the record was written in, as recorded. */
  spanId: string | null;
  /** The span it is drawn under: its own, else the trace's first root; `null` at the top level. */
  underSpanId: string | null;
  correlationId: string | null;
  exception: TimelineException | null;
  attributes: Record<string, unknown>;
}

/** One row of a timeline, in drawing order. */
export type TimelineRow = TimelineSpanRow | TimelineLogRow;

/** One trace of a request, drawn top to bottom. */
export interface TraceTimeline {
  traceId: string;
  /** Every `correlation.id` found on its spans and logs, sorted. */
  correlationIds: string[];
  /** Name of the first root span; empty when the trace has only logs. */
  rootName: string;
  /** Earliest span start or record time, ISO 8601 UTC. */
  start: string;
  /** From the earliest start to the latest end among its spans and records. */
  durationMs: number;
  /** Agents in order of first appearance. */
  agents: string[];
  counts: { spans: number; logs: number; errorSpans: number; errorLogs: number };
  /** Spans and logs, depth-first, each level in time order. */
  rows: TimelineRow[];
}

/** What `tracebridge trace <id>` shows, and what `--json` prints. */
export interface TimelineDocument {
  /** {@link TIMELINE_FORMAT_VERSION}. */
  version: number;
  /** The id asked for. */
  id: string;
  idKind: 'trace' | 'correlation';
  /** The request's traces, oldest first. */
  traces: TraceTimeline[];
  /** Records of the correlation id that carry no trace context, in time order. */
  untracedLogs: TimelineLogRow[];
  /** What the request's LLM calls used, in total, by agent and by model; `null` when it made none. */
  usage: UsageSummary | null;
}

/** Options of {@link buildTimeline}. */
export interface BuildTimelineOptions {
  /** Prices the LLM calls' tokens (`--prices`). @default none: tokens only, no cost */
  prices?: PriceTable;
}

/** A log record with its time, before it is placed. */
interface PendingLog {
  stored: StoredLog;
  time: bigint;
  traceId: string | undefined;
  spanId: string | undefined;
}

/** A span with its times and the children placed under it. */
interface SpanNode {
  stored: StoredSpan;
  spanId: string;
  parentSpanId: string | undefined;
  start: bigint;
  end: bigint;
  children: Array<SpanNode | PendingLog>;
}

/** Whether an id names a trace (32 hex digits, W3C) or a correlation id (anything else). */
export function idKind(id: string): 'trace' | 'correlation' {
  return /^[0-9a-fA-F]{32}$/.test(id) ? 'trace' : 'correlation';
}

/**
 * The timeline of a trace id or a correlation id. A correlation id may span several traces (a retry in a
 * new trace, work picked up later): each is drawn whole, with every span and record of the trace, not
 * only those that carry the id. The document has no traces and no untraced logs when the id is unknown.
 */
export function buildTimeline(data: TelemetryData, id: string, options: BuildTimelineOptions = {}): TimelineDocument {
  const kind = idKind(id);
  const wanted = new Set<string>();
  const untraced: PendingLog[] = [];
  if (kind === 'trace') {
    wanted.add(id.toLowerCase());
  } else {
    for (const s of data.spans) {
      const traceId = normalizeId(s.span.traceId, 16);
      if (traceId !== undefined && stringAttr(s.attributes, ATTR_CORRELATION_ID) === id) wanted.add(traceId);
    }
    for (const l of data.logs) {
      if (stringAttr(l.attributes, ATTR_CORRELATION_ID) !== id) continue;
      const pending = pendingLog(l);
      if (pending.traceId !== undefined) wanted.add(pending.traceId);
      else untraced.push(pending);
    }
  }
  const spansByTrace = new Map<string, StoredSpan[]>();
  for (const s of data.spans) {
    const traceId = normalizeId(s.span.traceId, 16);
    if (traceId === undefined || !wanted.has(traceId)) continue;
    let list = spansByTrace.get(traceId);
    if (list === undefined) spansByTrace.set(traceId, (list = []));
    list.push(s);
  }
  const logsByTrace = new Map<string, PendingLog[]>();
  for (const l of data.logs) {
    const traceId = normalizeId(l.record.traceId, 16);
    if (traceId === undefined || !wanted.has(traceId)) continue;
    let list = logsByTrace.get(traceId);
    if (list === undefined) logsByTrace.set(traceId, (list = []));
    list.push(pendingLog(l));
  }
  const traces: TraceTimeline[] = [];
  for (const traceId of wanted) {
    const spans = spansByTrace.get(traceId) ?? [];
    const logs = logsByTrace.get(traceId) ?? [];
    if (spans.length > 0 || logs.length > 0) traces.push(traceTimeline(traceId, spans, logs, options.prices));
  }
  traces.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  untraced.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  const untracedStart = untraced[0]?.time ?? 0n;
  const calls = traces.flatMap((t) => t.rows.flatMap((r) => (r.type === 'span' && r.llm !== null ? [{ agent: r.agent, call: r.llm }] : [])));
  return {
    version: TIMELINE_FORMAT_VERSION,
    id,
    idKind: kind,
    traces,
    untracedLogs: untraced.map((l) => logRow(l, 0, untracedStart, null)),
    usage: summarizeUsage(calls, options.prices),
  };
}

/** True when the document found nothing for its id. */
export function isEmptyTimeline(doc: TimelineDocument): boolean {
  return doc.traces.length === 0 && doc.untracedLogs.length === 0;
}

function pendingLog(stored: StoredLog): PendingLog {
  const r = stored.record;
  return {
    stored,
    time: toNanos(r.timeUnixNano) ?? toNanos(r.observedTimeUnixNano) ?? 0n,
    traceId: normalizeId(r.traceId, 16),
    spanId: normalizeId(r.spanId, 8),
  };
}

function traceTimeline(traceId: string, spans: readonly StoredSpan[], logs: readonly PendingLog[], prices: PriceTable | undefined): TraceTimeline {
  const nodes = new Map<string, SpanNode>();
  for (const stored of spans) {
    const spanId = normalizeId(stored.span.spanId, 8);
    // The same span twice (an export retried after a lost acknowledgement) is drawn once.
    if (spanId === undefined || nodes.has(spanId)) continue;
    const start = toNanos(stored.span.startTimeUnixNano) ?? 0n;
    const end = toNanos(stored.span.endTimeUnixNano) ?? start;
    nodes.set(spanId, {
      stored,
      spanId,
      parentSpanId: normalizeId(stored.span.parentSpanId, 8),
      start,
      end: end < start ? start : end,
      children: [],
    });
  }
  const roots: SpanNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.parentSpanId === undefined ? undefined : nodes.get(node.parentSpanId);
    if (parent === undefined || parent === node) roots.push(node);
    else parent.children.push(node);
  }
  roots.sort(byTime);
  const top: Array<SpanNode | PendingLog> = [...roots];
  const firstRoot = roots[0];
  for (const log of logs) {
    const own = log.spanId === undefined ? undefined : nodes.get(log.spanId);
    // A record of the trace whose span is not in the data (not exported, or sampled out) is drawn under
    // the request's entry span, so it still reads in the request's order.
    (own ?? firstRoot)?.children.push(log) ?? top.push(log);
  }

  let start: bigint | undefined;
  let end: bigint | undefined;
  for (const n of nodes.values()) {
    if (start === undefined || n.start < start) start = n.start;
    if (end === undefined || n.end > end) end = n.end;
  }
  for (const l of logs) {
    if (l.time === 0n) continue;
    if (start === undefined || l.time < start) start = l.time;
    if (end === undefined || l.time > end) end = l.time;
  }
  const t0 = start ?? 0n;

  const rows: TimelineRow[] = [];
  const agents: string[] = [];
  const correlationIds = new Set<string>();
  const counts = { spans: 0, logs: 0, errorSpans: 0, errorLogs: 0 };
  const visited = new Set<SpanNode>();
  const emit = (item: SpanNode | PendingLog, depth: number, under: SpanNode | undefined): void => {
    if (!('spanId' in item && 'children' in item)) {
      const row = logRow(item, depth, t0, under?.spanId ?? null);
      rows.push(row);
      counts.logs++;
      if (isErrorLevel(row.level)) counts.errorLogs++;
      if (!agents.includes(row.agent)) agents.push(row.agent);
      if (row.correlationId !== null) correlationIds.add(row.correlationId);
      return;
    }
    // Corrupt parent links can form a cycle: draw each span once.
    if (visited.has(item)) return;
    visited.add(item);
    const row = spanRow(item, traceId, depth, t0, prices);
    rows.push(row);
    counts.spans++;
    if (row.status === 'error') counts.errorSpans++;
    if (!agents.includes(row.agent)) agents.push(row.agent);
    if (row.correlationId !== null) correlationIds.add(row.correlationId);
    for (const child of [...item.children].sort(byTime)) emit(child, depth + 1, item);
  };
  for (const item of top.sort(byTime)) emit(item, 0, undefined);
  // Spans only reachable through a cycle have no root: draw them at the top level rather than lose them.
  for (const node of nodes.values()) if (!visited.has(node)) emit(node, 0, undefined);

  return {
    traceId,
    correlationIds: [...correlationIds].sort(),
    rootName: firstRoot?.stored.span.name ?? '',
    start: nanosToIso(t0),
    durationMs: start === undefined || end === undefined ? 0 : nanosToMs(end - start),
    agents,
    counts,
    rows,
  };
}

/** Time order; at equal times a span comes before a record, so a record written as a span starts sits inside it. */
function byTime(a: SpanNode | PendingLog, b: SpanNode | PendingLog): number {
  const ta = 'children' in a ? a.start : a.time;
  const tb = 'children' in b ? b.start : b.time;
  if (ta !== tb) return ta < tb ? -1 : 1;
  // Two spans that started in the same millisecond: the OpenTelemetry JS SDK (2.x) stamps a span's start
  // with Date.now(), whole milliseconds, and its end to the nanosecond. The one that ended first is
  // drawn first: for steps run one after the other (a tool run between two LLM calls) that is the
  // order they ran in, which the ties of equal starts would otherwise leave to the order of the data.
  if ('children' in a && 'children' in b && a.end !== b.end) return a.end < b.end ? -1 : 1;
  return ('children' in a ? 0 : 1) - ('children' in b ? 0 : 1);
}

function spanRow(node: SpanNode, traceId: string, depth: number, t0: bigint, prices: PriceTable | undefined): TimelineSpanRow {
  const { span, resource, scope, attributes } = node.stored;
  const exceptions: TimelineException[] = [];
  for (const event of span.events ?? []) {
    if (event.name !== 'exception') continue;
    const ex = exceptionOf(fromKeyValues(event.attributes));
    if (ex !== null) exceptions.push(ex);
  }
  const statusMessage = span.status?.message;
  return {
    type: 'span',
    depth,
    traceId,
    spanId: node.spanId,
    parentSpanId: node.parentSpanId ?? null,
    name: span.name ?? '',
    kind: spanKindName(span.kind as number | string | undefined),
    agent: agentOf(resource, attributes),
    service: serviceOf(resource),
    scope,
    start: nanosToIso(node.start),
    offsetMs: node.start === 0n ? 0 : nanosToMs(node.start - t0),
    durationMs: nanosToMs(node.end - node.start),
    status: statusName(span.status?.code as number | string | undefined),
    statusMessage: statusMessage === undefined || statusMessage === '' ? null : statusMessage,
    correlationId: stringAttr(attributes, ATTR_CORRELATION_ID) ?? null,
    exceptions,
    llm: llmCallOf(attributes, prices),
    attributes,
  };
}

function logRow(log: PendingLog, depth: number, t0: bigint, underSpanId: string | null): TimelineLogRow {
  const { record, resource, scope, attributes } = log.stored;
  const severity = record.severityNumber as number | string | undefined;
  const severityNumber = typeof severity === 'number' ? severity : severity === undefined ? NaN : Number(severity);
  return {
    type: 'log',
    depth,
    time: log.time === 0n ? '' : nanosToIso(log.time),
    offsetMs: log.time === 0n ? 0 : nanosToMs(log.time - t0),
    level: levelName(record.severityText, severity),
    severityNumber: Number.isFinite(severityNumber) ? severityNumber : null,
    agent: agentOf(resource, attributes),
    service: serviceOf(resource),
    scope,
    message: bodyText(record.body),
    traceId: log.traceId ?? null,
    spanId: log.spanId ?? null,
    underSpanId,
    correlationId: stringAttr(attributes, ATTR_CORRELATION_ID) ?? null,
    exception: exceptionOf(attributes),
    attributes,
  };
}

/** The exception described by `exception.*` attributes (semantic conventions), if any. */
function exceptionOf(attributes: Record<string, unknown>): TimelineException | null {
  const type = stringAttr(attributes, ATTR_EXCEPTION_TYPE);
  const message = stringAttr(attributes, ATTR_EXCEPTION_MESSAGE);
  const stacktrace = stringAttr(attributes, ATTR_EXCEPTION_STACKTRACE);
  if (type === undefined && message === undefined && stacktrace === undefined) return null;
  return { type: type ?? 'Error', message: message ?? '', stacktrace: stacktrace ?? null };
}
