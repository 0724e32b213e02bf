import { context, propagation, trace } from '@opentelemetry/api';
import type { Context, SpanContext } from '@opentelemetry/api';
import { BAGGAGE_CORRELATION_ID, BAGGAGE_PARENT_AGENT_ID } from '@tracebridge/schema';

const INVALID_TRACE_ID = '00000000000000000000000000000000';

/** The request context of a log call: the active span and the baggage entries the records carry. */
export interface Captured {
  spanContext: SpanContext | undefined;
  correlationId: string | undefined;
  parentAgentId: string | undefined;
}

let lastContext: Context | undefined;
const last: Captured = { spanContext: undefined, correlationId: undefined, parentAgentId: undefined };

/**
 * Reads the active context. Consecutive calls in one request see the very same Context object, so
 * the span and baggage lookups are skipped when it has not changed (an identity check instead of
 * three map walks). The returned object is reused: read it before the next call.
 */
export function captureActive(): Captured {
  const ctx = context.active();
  if (ctx === lastContext) return last;
  lastContext = ctx;
  const sc = trace.getSpanContext(ctx);
  last.spanContext = sc !== undefined && sc.traceId !== INVALID_TRACE_ID ? sc : undefined;
  const bag = propagation.getBaggage(ctx);
  if (bag === undefined) {
    last.correlationId = undefined;
    last.parentAgentId = undefined;
  } else {
    last.correlationId = bag.getEntry(BAGGAGE_CORRELATION_ID)?.value;
    last.parentAgentId = bag.getEntry(BAGGAGE_PARENT_AGENT_ID)?.value;
  }
  if (last.correlationId === undefined && last.spanContext !== undefined) {
    last.correlationId = traceCorrelationId(last.spanContext.traceId);
  }
  return last;
}

/**
 * The correlation id of a trace with no explicit correlation scope: `req-<trace id>`. A request id is
 * 32 hex digits, like a trace id, so an unmodified, auto-instrumented agent still gets one id per
 * request, the same in every process the trace crosses, and that id opens the trace.
 */
export function traceCorrelationId(traceId: string): string {
  return `req-${traceId}`;
}
