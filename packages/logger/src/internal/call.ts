/**
 * One log call, from the logger method to the record it becomes.
 *
 * Both transports capture a call the same way, with {@link captureCall}, into a {@link Call} object they
 * reuse from call to call. The worker transport encodes it for the export worker (call-codec.ts), which
 * decodes it into a Call again; the record pipeline turns a Call into the record ({@link toRecord}) on
 * whichever thread it runs.
 *
 * A new field of a log call: declare it in `LogFields` (types.ts); here, give it a slot (the `FIELD_*`
 * numbers and {@link FIELD_COUNT}), read it in {@link captureCall} and place it in the record in
 * {@link toRecord}. The wire format carries every slot without knowing what it holds.
 */
import type { SpanContext } from '@opentelemetry/api';
import { LEVELS, toRecordError } from '@tracebridge/schema';
import type { RecordError } from '@tracebridge/schema';
import { UNSERIALISABLE, canonicalJson } from '@tracebridge/schema/internal';
import type { LogFields } from '../types.js';
import { captureActive } from './capture.js';
import { isoMicros, nowMillis } from './clock.js';

/** Figures of a performance() call, already in record form (`duration_ms`, `memory_mb`, …). */
export type PerformanceRecord = Record<string, number>;

/** Who writes: an agent id and component, as a transport knows them. */
export interface Identity {
  /** The number the call's wire format names this identity by. */
  id: number;
  agentId: string;
  component: string;
  /** Whether the export worker has been told about it (set once a record carrying it was queued). */
  registered: boolean;
}

/**
 * Slots of {@link Call.fields}: the `LogFields` a call carries into its record, besides `error` (carried
 * in its record form). Other keys of the caller's object (a `performance()` call's figures, anything
 * else) are not carried. The wire format has room for 16.
 */
export const FIELD_CONTEXT = 0;
export const FIELD_METADATA = 1;
export const FIELD_TAGS = 2;
export const FIELD_ERROR_CODE = 3;
export const FIELD_CITATION = 4;
export const FIELD_COUNT = 5;

/** One log call: everything its record is made of. */
export interface Call {
  /** The level's number (`LEVEL_NUMBER` of the schema). */
  level: number;
  /** Epoch milliseconds, microsecond resolution. */
  time: number;
  who: Identity;
  /** A child logger's context, under the call's own. */
  baseContext: Record<string, unknown> | undefined;
  /** The active span's, when it is valid. */
  spanContext: SpanContext | undefined;
  correlationId: string | undefined;
  parentAgentId: string | undefined;
  message: unknown;
  /** The values of the caller's fields, by `FIELD_*` slot (read at the call); `undefined` when not given. */
  fields: unknown[];
  /** The caller's `error` in its record form, taken at the call (its stack is the one of that moment). */
  error: RecordError | undefined;
  performance: PerformanceRecord | undefined;
}

/** Trace flags as the record writes them (two hex digits), made once rather than per record. */
const TRACE_FLAGS: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A call object to fill with {@link captureCall}. */
export function newCall(): Call {
  return {
    level: 0,
    time: 0,
    who: { id: 0, agentId: '', component: '', registered: true },
    baseContext: undefined,
    spanContext: undefined,
    correlationId: undefined,
    parentAgentId: undefined,
    message: undefined,
    fields: Array.from({ length: FIELD_COUNT }, () => undefined),
    error: undefined,
    performance: undefined,
  };
}

/**
 * Fills `call` with a log call and the context it is made in: the active span, the correlation id and
 * parent agent of the baggage, the time. The one capture of both transports. Never throws for the
 * caller's values: an `error` that cannot be read becomes a placeholder.
 */
export function captureCall(
  call: Call,
  level: number,
  who: Identity,
  baseContext: Record<string, unknown> | undefined,
  message: unknown,
  fields: LogFields | undefined,
  performance: PerformanceRecord | undefined,
): Call {
  const active = captureActive();
  call.level = level;
  call.time = nowMillis();
  call.who = who;
  call.baseContext = baseContext;
  call.spanContext = active.spanContext;
  call.correlationId = active.correlationId;
  call.parentAgentId = active.parentAgentId;
  call.message = message;
  const slots = call.fields;
  if (fields === undefined || fields === null) {
    slots.fill(undefined);
    call.error = undefined;
  } else {
    try {
      slots[FIELD_CONTEXT] = fields.context;
      slots[FIELD_METADATA] = fields.metadata;
      slots[FIELD_TAGS] = fields.tags;
      slots[FIELD_ERROR_CODE] = fields.errorCode;
      slots[FIELD_CITATION] = fields.citation;
      const thrown = fields.error;
      call.error = thrown === undefined ? undefined : toRecordError(thrown);
    } catch {
      // A getter of the caller's object threw: the call is kept, without its fields.
      slots.fill(undefined);
      call.error = { message: UNSERIALISABLE };
    }
  }
  call.performance = performance;
  return call;
}

/** A copy of a captured call that outlives the next capture (a held line, a call made while another was encoded). */
export function copyCall(call: Call): Call {
  return { ...call, fields: call.fields.slice() };
}

/**
 * The record (MAPPING.md format) of a call: what the JSON-lines sink writes and the mapping reads.
 * `withTimestamp: false` leaves the ISO timestamp out for the OTLP route, which carries the call's time
 * natively (as it carries the span's ids): formatting it only for the mapping to parse it back cost
 * more than a tenth of the export worker's time.
 */
export function toRecord(call: Call, withTimestamp = true): Record<string, unknown> {
  const who = call.who;
  const fields = call.fields;
  const record: Record<string, unknown> = withTimestamp
    ? { timestamp: isoMicros(call.time), level: LEVELS[call.level], agent_id: who.agentId }
    : { level: LEVELS[call.level], agent_id: who.agentId };
  if (call.correlationId !== undefined) record.correlation_id = call.correlationId;
  record.component = who.component;
  record.message = messageText(call.message);
  const context = mergeContext(call.baseContext, fields[FIELD_CONTEXT]);
  if (context !== undefined) record.context = context;
  const errorCode = fields[FIELD_ERROR_CODE];
  const error = errorCode === undefined ? call.error : { ...call.error, code: errorCode };
  if (error !== undefined) record.error = error;
  if (call.performance !== undefined) record.performance = call.performance;
  const sc = call.spanContext;
  if (sc !== undefined) {
    record.trace_id = sc.traceId;
    record.span_id = sc.spanId;
    record.trace_flags = TRACE_FLAGS[sc.traceFlags & 0xff] as string;
  }
  if (call.parentAgentId !== undefined) record.parent_agent_id = call.parentAgentId;
  if (fields[FIELD_TAGS] !== undefined) record.tags = fields[FIELD_TAGS];
  if (fields[FIELD_METADATA] !== undefined) record.metadata = fields[FIELD_METADATA];
  if (fields[FIELD_CITATION] !== undefined) record.if_citation = fields[FIELD_CITATION];
  return record;
}

/**
 * The record's `message` is a string (the schema says so, and a line that breaks it fails `tracebridge
 * validate`): a value logged as the message becomes its canonical JSON (`42`, `{"a":1}`), the text the
 * mapping would have kept of it as a bad field; no message at all is the empty string.
 */
export function messageText(message: unknown): string {
  if (typeof message === 'string') return message;
  if (message === undefined) return '';
  return canonicalJson(message);
}

function mergeContext(base: Record<string, unknown> | undefined, own: unknown): unknown {
  if (own === undefined || own === null) return base;
  if (base === undefined || typeof own !== 'object' || Array.isArray(own)) return own;
  return { ...base, ...(own as Record<string, unknown>) };
}

/** The call's time as OpenTelemetry HrTime `[seconds, nanoseconds]`, to the microsecond. */
export function callHrTime(ms: number): [number, number] {
  const seconds = Math.floor(ms / 1000);
  const micros = Math.round((ms - seconds * 1000) * 1000);
  return micros >= 1_000_000 ? [seconds + 1, 0] : [seconds, micros * 1000];
}
