/**
 * The recent requests of a data set, for `tracebridge trace` without an id: one entry per correlation id
 * (with every trace it touched), and one per trace that carries no correlation id at all.
 */
import { ATTR_CORRELATION_ID } from '@tracebridge/schema';
import { agentOf } from './internal/agent.js';
import { isErrorLevel, levelName, nanosToIso, nanosToMs, normalizeId, statusName, stringAttr, toNanos } from './internal/otlp-values.js';
import { llmCallOf } from './llm-usage.js';
import type { PriceTable } from './prices.js';
import type { TelemetryData } from './timeline.js';

/** One request of the list. */
export interface RequestSummary {
  /** What to pass to `tracebridge trace`: the correlation id, else the trace id. */
  id: string;
  correlationId: string | null;
  traceIds: string[];
  /** Agents in the order they first appear in time. */
  agents: string[];
  /** Earliest span start or record time, ISO 8601 UTC. */
  start: string;
  durationMs: number;
  spans: number;
  logs: number;
  /** Spans with error status plus ERROR and FATAL records. */
  errors: number;
  /** LLM calls (GenAI inference spans) of the request. */
  llmCalls: number;
  /** Their input tokens (cached ones included), and output tokens. */
  inputTokens: number;
  outputTokens: number;
  /** Their cost with a price table; `null` without one, or when no call had a price. */
  cost: number | null;
}

/** Options of {@link listRequests}. */
export interface ListRequestsOptions {
  /** Most requests returned, newest first. @default 20 */
  limit?: number;
  /** Prices the requests' tokens. @default none */
  prices?: PriceTable;
}

/** Figures of one trace, or of the untraced records of one correlation id. */
interface Group {
  start: bigint | undefined;
  end: bigint | undefined;
  /** Each agent with the earliest time it appears. */
  agents: Map<string, bigint>;
  spans: number;
  logs: number;
  errors: number;
  correlationIds: Set<string>;
  llmCalls: number;
  inputTokens: number;
  outputTokens: number;
  cost: number | null;
}

/** The requests of `data`, newest first (by their earliest span or record). */
export function listRequests(data: TelemetryData, options: ListRequestsOptions = {}): RequestSummary[] {
  const limit = options.limit ?? 20;
  const traces = new Map<string, Group>();
  const untraced = new Map<string, Group>();
  const seenSpans = new Set<string>();
  for (const s of data.spans) {
    const traceId = normalizeId(s.span.traceId, 16);
    const spanId = normalizeId(s.span.spanId, 8);
    if (traceId === undefined || spanId === undefined || seenSpans.has(`${traceId}/${spanId}`)) continue;
    seenSpans.add(`${traceId}/${spanId}`);
    const g = groupOf(traces, traceId);
    const start = toNanos(s.span.startTimeUnixNano);
    const end = toNanos(s.span.endTimeUnixNano) ?? start;
    widen(g, start, end);
    addAgent(g, agentOf(s.resource, s.attributes), start);
    g.spans++;
    if (statusName(s.span.status?.code as number | string | undefined) === 'error') g.errors++;
    const llm = llmCallOf(s.attributes, options.prices);
    if (llm !== null) {
      g.llmCalls++;
      g.inputTokens += llm.inputTokens;
      g.outputTokens += llm.outputTokens;
      if (llm.cost !== null) g.cost = (g.cost ?? 0) + llm.cost;
    }
    const correlationId = stringAttr(s.attributes, ATTR_CORRELATION_ID);
    if (correlationId !== undefined) g.correlationIds.add(correlationId);
  }
  for (const l of data.logs) {
    const traceId = normalizeId(l.record.traceId, 16);
    const correlationId = stringAttr(l.attributes, ATTR_CORRELATION_ID);
    let g: Group;
    if (traceId !== undefined) g = groupOf(traces, traceId);
    else if (correlationId !== undefined) g = groupOf(untraced, correlationId);
    else continue;
    const time = toNanos(l.record.timeUnixNano) ?? toNanos(l.record.observedTimeUnixNano);
    widen(g, time, time);
    addAgent(g, agentOf(l.resource, l.attributes), time);
    g.logs++;
    if (isErrorLevel(levelName(l.record.severityText, l.record.severityNumber))) g.errors++;
    if (correlationId !== undefined) g.correlationIds.add(correlationId);
  }

  const requests = new Map<string, { correlationId: string | null; traceIds: string[]; groups: Group[] }>();
  for (const [traceId, g] of traces) {
    if (g.correlationIds.size === 0) {
      requests.set(`trace:${traceId}`, { correlationId: null, traceIds: [traceId], groups: [g] });
      continue;
    }
    for (const id of g.correlationIds) {
      const r = requests.get(id) ?? { correlationId: id, traceIds: [], groups: [] };
      r.traceIds.push(traceId);
      r.groups.push(g);
      requests.set(id, r);
    }
  }
  for (const [id, g] of untraced) {
    const r = requests.get(id) ?? { correlationId: id, traceIds: [], groups: [] };
    r.groups.push(g);
    requests.set(id, r);
  }

  const out: Array<RequestSummary & { startNanos: bigint }> = [];
  for (const r of requests.values()) {
    const total = merge(r.groups);
    out.push({
      id: r.correlationId ?? (r.traceIds[0] as string),
      correlationId: r.correlationId,
      traceIds: r.traceIds,
      agents: [...total.agents].sort((a, b) => (a[1] === b[1] ? 0 : a[1] < b[1] ? -1 : 1)).map(([name]) => name),
      start: total.start === undefined ? '' : nanosToIso(total.start),
      durationMs: total.start === undefined || total.end === undefined ? 0 : nanosToMs(total.end - total.start),
      spans: total.spans,
      logs: total.logs,
      errors: total.errors,
      llmCalls: total.llmCalls,
      inputTokens: total.inputTokens,
      outputTokens: total.outputTokens,
      cost: total.cost,
      startNanos: total.start ?? 0n,
    });
  }
  out.sort((a, b) => (a.startNanos === b.startNanos ? a.id.localeCompare(b.id) : a.startNanos > b.startNanos ? -1 : 1));
  return out.slice(0, Math.max(0, limit)).map(({ startNanos: _startNanos, ...summary }) => summary);
}

function groupOf(map: Map<string, Group>, key: string): Group {
  let g = map.get(key);
  if (g === undefined) {
    g = { start: undefined, end: undefined, agents: new Map(), spans: 0, logs: 0, errors: 0, correlationIds: new Set(), llmCalls: 0, inputTokens: 0, outputTokens: 0, cost: null };
    map.set(key, g);
  }
  return g;
}

function widen(g: Group, start: bigint | undefined, end: bigint | undefined): void {
  if (start !== undefined && (g.start === undefined || start < g.start)) g.start = start;
  if (end !== undefined && (g.end === undefined || end > g.end)) g.end = end;
}

function addAgent(g: Group, agent: string, time: bigint | undefined): void {
  const t = time ?? BigInt(Number.MAX_SAFE_INTEGER) * 1_000_000n;
  const known = g.agents.get(agent);
  if (known === undefined || t < known) g.agents.set(agent, t);
}

function merge(groups: readonly Group[]): Group {
  const total: Group = { start: undefined, end: undefined, agents: new Map(), spans: 0, logs: 0, errors: 0, correlationIds: new Set(), llmCalls: 0, inputTokens: 0, outputTokens: 0, cost: null };
  for (const g of groups) {
    widen(total, g.start, g.end);
    for (const [a, t] of g.agents) addAgent(total, a, t);
    total.spans += g.spans;
    total.logs += g.logs;
    total.errors += g.errors;
    total.llmCalls += g.llmCalls;
    total.inputTokens += g.inputTokens;
    total.outputTokens += g.outputTokens;
    if (g.cost !== null) total.cost = (total.cost ?? 0) + g.cost;
  }
  return total;
}
