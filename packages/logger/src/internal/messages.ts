/**
 * The layout of one log call in the ring (see codec.ts for why it is binary). Encoding happens on the
 * calling thread, decoding in the worker; both live here so the two sides cannot drift.
 *
 * `[u8 kind][u8 level][u16 identity][u16 flags][f64 time]` then, as flags say: identity registration
 * (agent id, component), trace (32 + 16 ASCII hex, u8 flags), correlation id, parent agent id, the
 * message, base context (a child logger's), context, metadata, tags, error, error code, citation,
 * performance. Trace, correlation and parent may be "same as the previous record" to save bytes and
 * time when a burst comes from one request; a dropped record resets that memory on both sides.
 */
import type { SpanContext } from '@opentelemetry/api';
import type { RecordError } from '@tracebridge/schema';
import type { Decoder, Encoder } from './codec.js';
import type { Call } from './record.js';

export const KIND_CALL = 1;

export const F_TRACE = 1 << 0;
export const F_SAME_TRACE = 1 << 1;
export const F_CORR = 1 << 2;
export const F_SAME_CORR = 1 << 3;
export const F_PARENT = 1 << 4;
export const F_SAME_PARENT = 1 << 5;
export const F_MESSAGE_VALUE = 1 << 6;
export const F_CONTEXT = 1 << 7;
export const F_BASE_CONTEXT = 1 << 8;
export const F_METADATA = 1 << 9;
export const F_TAGS = 1 << 10;
export const F_ERROR = 1 << 11;
export const F_ERROR_CODE = 1 << 12;
export const F_CITATION = 1 << 13;
export const F_PERF = 1 << 14;
export const F_REGISTER = 1 << 15;

/** An identity (agent id + component) as the worker knows it. */
export interface Identity {
  id: number;
  agentId: string;
  component: string;
  /** Whether the worker has been told about it (set once a record carrying it was queued). */
  registered: boolean;
}

/** What the decoder remembers between records. */
export interface DecodeState {
  identities: Map<number, { agentId: string; component: string }>;
  traceId?: string;
  spanId?: string;
  traceFlags?: number;
  correlationId?: string;
  parentAgentId?: string;
}

/** A decoded call with the identity it belongs to and its child-logger base context. */
export interface DecodedCall {
  call: Call;
  agentId: string;
  component: string;
  baseContext?: Record<string, unknown>;
}

export function decodeCall(d: Decoder, state: DecodeState): DecodedCall {
  d.u8r(); // kind
  const level = d.u8r();
  const id = d.u16();
  const flags = d.u16();
  const time = d.f64();
  if (flags & F_REGISTER) state.identities.set(id, { agentId: d.str(), component: d.str() });
  const who = state.identities.get(id) ?? { agentId: 'unknown', component: 'unknown' };
  const call: Call = { level, time, message: undefined };
  if (flags & F_TRACE) {
    state.traceId = d.ascii(32);
    state.spanId = d.ascii(16);
    state.traceFlags = d.u8r();
  }
  if (flags & (F_TRACE | F_SAME_TRACE)) {
    call.traceId = state.traceId as string;
    call.spanId = state.spanId as string;
    call.traceFlags = state.traceFlags as number;
  }
  if (flags & F_CORR) state.correlationId = d.str();
  if (flags & (F_CORR | F_SAME_CORR)) call.correlationId = state.correlationId as string;
  if (flags & F_PARENT) state.parentAgentId = d.str();
  if (flags & (F_PARENT | F_SAME_PARENT)) call.parentAgentId = state.parentAgentId as string;
  call.message = flags & F_MESSAGE_VALUE ? d.value() : d.str();
  const out: DecodedCall = { call, agentId: who.agentId, component: who.component };
  if (flags & F_BASE_CONTEXT) out.baseContext = d.value() as Record<string, unknown>;
  if (flags & F_CONTEXT) call.context = d.value();
  if (flags & F_METADATA) call.metadata = d.value();
  if (flags & F_TAGS) call.tags = d.value();
  if (flags & F_ERROR) call.error = d.value() as RecordError;
  if (flags & F_ERROR_CODE) call.errorCode = d.value();
  if (flags & F_CITATION) call.citation = d.value();
  if (flags & F_PERF) call.performance = d.value();
  return out;
}

/** What the encoder remembers between records (reset whenever a record is not queued). */
export interface EncodeState {
  spanContext?: SpanContext;
  correlationId?: string;
  parentAgentId?: string;
}

/** Writes the fixed header; returns the offset of the flags word, patched by {@link finishFlags}. */
export function beginCall(e: Encoder, level: number, identity: Identity, time: number): number {
  e.u8w(KIND_CALL);
  e.u8w(level);
  e.u16(identity.id);
  const at = e.pos;
  e.u16(0);
  e.f64(time);
  return at;
}

export function finishFlags(e: Encoder, at: number, flags: number): void {
  e.dv.setUint16(at, flags, true);
}
