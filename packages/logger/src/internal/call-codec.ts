/**
 * The wire format of one log call, from the calling thread to the export worker: the encoder and the
 * decoder side by side, so the two cannot drift. Values are written in codec.ts's binary form (see there
 * for why binary).
 *
 * `[u8 kind][u8 level][u16 identity][u16 flags][f64 time]` then, as flags say: identity registration
 * (agent id, component), trace (32 + 16 ASCII hex, u8 flags), correlation id, parent agent id, the
 * message (a string, or any value), base context (a child logger's), the fields (a u16 mask of the
 * `FIELD_*` slots given, then their values in slot order), the error (record form), performance.
 * Trace, correlation and parent may be "same as the previous record" to save bytes and time when a
 * burst comes from one request; both sides remember them ({@link EncodeState}, {@link DecodeState}),
 * and the producer forgets whenever a record it encoded is not queued.
 */
import type { SpanContext } from '@opentelemetry/api';
import type { RecordError } from '@tracebridge/schema';
import { FIELD_CONTEXT, FIELD_COUNT } from './call.js';
import type { Call, Identity, PerformanceRecord } from './call.js';
import { RecordTooLarge } from './codec.js';
import type { Decoder, Encoder } from './codec.js';

const KIND_CALL = 1;

const F_TRACE = 1 << 0;
const F_SAME_TRACE = 1 << 1;
const F_CORR = 1 << 2;
const F_SAME_CORR = 1 << 3;
const F_PARENT = 1 << 4;
const F_SAME_PARENT = 1 << 5;
const F_MESSAGE_VALUE = 1 << 6;
const F_BASE_CONTEXT = 1 << 7;
const F_FIELDS = 1 << 8;
const F_ERROR = 1 << 9;
const F_PERF = 1 << 10;
const F_REGISTER = 1 << 11;

/** A message longer than this is cut when its record had to be cut to fit `maxRecordBytes`. */
const TRUNCATED_MESSAGE_CHARS = 4096;

/** What the encoder remembers between records. */
export interface EncodeState {
  spanContext?: SpanContext | undefined;
  correlationId?: string | undefined;
  parentAgentId?: string | undefined;
}

/** What the decoder remembers between records. */
export interface DecodeState {
  identities: Map<number, Identity>;
  spanContext?: SpanContext;
  correlationId?: string;
  parentAgentId?: string;
}

/** Encoder memory that is always empty: for records that must not refer to earlier ones (held lines). */
export const NO_STATE: EncodeState = Object.freeze({});

/**
 * Encodes `call` into `e` (from its start) and returns the flags the record carries, for
 * {@link rememberCall} once it is queued. `truncated`: the call's data did not fit, keep the call
 * without it (the message cut, a placeholder in place of its context, no other fields). Throws
 * `RecordTooLarge` when the record is larger than `maxRecordBytes`; never for the caller's values.
 */
export function encodeCall(e: Encoder, call: Call, state: EncodeState, maxRecordBytes: number, truncated: boolean): number {
  e.reset();
  const who = call.who;
  e.u8w(KIND_CALL);
  e.u8w(call.level);
  e.u16(who.id);
  const flagsAt = e.pos;
  e.u16(0);
  e.f64(call.time);
  let flags = 0;
  if (!who.registered) {
    flags |= F_REGISTER;
    e.str(who.agentId);
    e.str(who.component);
  }
  const sc = call.spanContext;
  if (sc !== undefined) {
    if (sc === state.spanContext) flags |= F_SAME_TRACE;
    else {
      flags |= F_TRACE;
      e.ascii(sc.traceId, 32);
      e.ascii(sc.spanId, 16);
      e.u8w(sc.traceFlags & 0xff);
    }
  }
  const corr = call.correlationId;
  if (corr !== undefined) {
    if (corr === state.correlationId) flags |= F_SAME_CORR;
    else {
      flags |= F_CORR;
      e.str(corr);
    }
  }
  const parent = call.parentAgentId;
  if (parent !== undefined) {
    if (parent === state.parentAgentId) flags |= F_SAME_PARENT;
    else {
      flags |= F_PARENT;
      e.str(parent);
    }
  }
  const message = call.message;
  if (typeof message === 'string') {
    if (truncated && message.length > TRUNCATED_MESSAGE_CHARS) e.str(`${message.slice(0, TRUNCATED_MESSAGE_CHARS)}…`);
    else e.str(message);
  } else {
    flags |= F_MESSAGE_VALUE;
    e.value(message);
  }
  if (truncated) {
    flags |= F_FIELDS;
    e.u16(1 << FIELD_CONTEXT);
    e.value(`[Too large: more than ${maxRecordBytes} bytes]`);
  } else {
    if (call.baseContext !== undefined) {
      flags |= F_BASE_CONTEXT;
      e.value(call.baseContext);
    }
    const fields = call.fields;
    const maskAt = e.pos;
    e.u16(0);
    let mask = 0;
    for (let i = 0; i < FIELD_COUNT; i++) {
      const v = fields[i];
      if (v === undefined) continue;
      mask |= 1 << i;
      e.value(v);
    }
    if (mask === 0) e.pos = maskAt;
    else {
      flags |= F_FIELDS;
      e.dv.setUint16(maskAt, mask, true);
    }
    if (call.error !== undefined) {
      flags |= F_ERROR;
      e.value(call.error);
    }
    if (call.performance !== undefined) {
      flags |= F_PERF;
      e.value(call.performance);
    }
  }
  e.dv.setUint16(flagsAt, flags, true);
  // The encoder's own bound is loose (it reserves 3 bytes per string character); this is the exact one.
  if (!truncated && e.pos > maxRecordBytes) throw new RecordTooLarge();
  return flags;
}

/** The record encoded with `flags` was queued: what it carried is now what the worker remembers. */
export function rememberCall(state: EncodeState, call: Call, flags: number): void {
  if (flags & F_REGISTER) call.who.registered = true;
  if (flags & F_TRACE) state.spanContext = call.spanContext;
  if (flags & F_CORR) state.correlationId = call.correlationId;
  if (flags & F_PARENT) state.parentAgentId = call.parentAgentId;
}

/** The worker will not know what the records encoded so far carried: the next record states it in full. */
export function forgetCalls(state: EncodeState): void {
  state.spanContext = undefined;
  state.correlationId = undefined;
  state.parentAgentId = undefined;
}

/** Decodes one record into `call` (reused: read it before the next decode). */
export function decodeCall(d: Decoder, state: DecodeState, call: Call): Call {
  d.u8r(); // kind
  call.level = d.u8r();
  const id = d.u16();
  const flags = d.u16();
  call.time = d.f64();
  if (flags & F_REGISTER) state.identities.set(id, { id, agentId: d.str(), component: d.str(), registered: true });
  call.who = state.identities.get(id) ?? { id, agentId: 'unknown', component: 'unknown', registered: true };
  if (flags & F_TRACE) state.spanContext = { traceId: d.ascii(32), spanId: d.ascii(16), traceFlags: d.u8r() };
  call.spanContext = flags & (F_TRACE | F_SAME_TRACE) ? state.spanContext : undefined;
  if (flags & F_CORR) state.correlationId = d.str();
  call.correlationId = flags & (F_CORR | F_SAME_CORR) ? state.correlationId : undefined;
  if (flags & F_PARENT) state.parentAgentId = d.str();
  call.parentAgentId = flags & (F_PARENT | F_SAME_PARENT) ? state.parentAgentId : undefined;
  call.message = flags & F_MESSAGE_VALUE ? d.value() : d.str();
  call.baseContext = flags & F_BASE_CONTEXT ? (d.value() as Record<string, unknown>) : undefined;
  const fields = call.fields;
  const mask = flags & F_FIELDS ? d.u16() : 0;
  for (let i = 0; i < FIELD_COUNT; i++) fields[i] = mask & (1 << i) ? d.value() : undefined;
  call.error = flags & F_ERROR ? (d.value() as RecordError) : undefined;
  call.performance = flags & F_PERF ? (d.value() as PerformanceRecord) : undefined;
  return call;
}
