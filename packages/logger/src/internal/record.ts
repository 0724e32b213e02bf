import { toRecordError } from '@tracebridge/schema';
import type { Level, RecordError } from '@tracebridge/schema';
import { isoMicros } from './clock.js';

/** The levels in severity order; a level's index is what crosses threads. */
export const LEVEL_NAMES: readonly Level[] = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];

/** Who writes: the fixed part of every record of one logger (or child logger). */
export interface LoggerIdentity {
  agentId: string;
  component: string;
  /** Context under every record of this logger. */
  context?: Record<string, unknown>;
}

/** One log call, captured on the calling thread, before it becomes a record. */
export interface Call {
  level: number;
  /** Epoch milliseconds, microsecond resolution. */
  time: number;
  message: unknown;
  traceId?: string;
  spanId?: string;
  traceFlags?: number;
  correlationId?: string;
  parentAgentId?: string;
  context?: unknown;
  metadata?: unknown;
  tags?: unknown;
  error?: RecordError;
  errorCode?: unknown;
  citation?: unknown;
  performance?: unknown;
}

/**
 * The record (MAPPING.md format) of a call: what the JSON-lines sink writes and the mapping reads.
 * `withTimestamp: false` leaves the ISO timestamp out for the OTLP route, which carries the call's time
 * natively (as it carries the span's ids): formatting it only for the mapping to parse it back cost
 * more than a tenth of the export worker's time.
 */
export function toRecord(call: Call, who: LoggerIdentity, withTimestamp = true): Record<string, unknown> {
  const record: Record<string, unknown> = withTimestamp
    ? { timestamp: isoMicros(call.time), level: LEVEL_NAMES[call.level], agent_id: who.agentId }
    : { level: LEVEL_NAMES[call.level], agent_id: who.agentId };
  if (call.correlationId !== undefined) record.correlation_id = call.correlationId;
  record.component = who.component;
  record.message = call.message;
  const context = mergeContext(who.context, call.context);
  if (context !== undefined) record.context = context;
  const error = call.errorCode === undefined ? call.error : { ...call.error, code: call.errorCode };
  if (error !== undefined) record.error = error;
  if (call.performance !== undefined) record.performance = call.performance;
  if (call.traceId !== undefined && call.spanId !== undefined) {
    record.trace_id = call.traceId;
    record.span_id = call.spanId;
    record.trace_flags = (call.traceFlags ?? 0).toString(16).padStart(2, '0');
  }
  if (call.parentAgentId !== undefined) record.parent_agent_id = call.parentAgentId;
  if (call.tags !== undefined) record.tags = call.tags;
  if (call.metadata !== undefined) record.metadata = call.metadata;
  if (call.citation !== undefined) record.if_citation = call.citation;
  return record;
}

function mergeContext(base: Record<string, unknown> | undefined, own: unknown): unknown {
  if (own === undefined || own === null) return base;
  if (base === undefined || typeof own !== 'object' || Array.isArray(own)) return own;
  return { ...base, ...(own as Record<string, unknown>) };
}

/** The record form of the `error` a caller passed, `undefined` when none. */
export function callError(error: unknown): RecordError | undefined {
  return error === undefined ? undefined : toRecordError(error);
}

/** The call's time as OpenTelemetry HrTime `[seconds, nanoseconds]`, to the microsecond. */
export function callHrTime(ms: number): [number, number] {
  const seconds = Math.floor(ms / 1000);
  const micros = Math.round((ms - seconds * 1000) * 1000);
  return micros >= 1_000_000 ? [seconds + 1, 0] : [seconds, micros * 1000];
}
