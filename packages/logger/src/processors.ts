import type { Context } from '@opentelemetry/api';
import { propagation } from '@opentelemetry/api';
import type { LogRecordProcessor, SdkLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { traceCorrelationId } from './internal/capture.js';
import { ATTR_AGENT_PARENT_ID, ATTR_CORRELATION_ID, ATTR_GEN_AI_CONVERSATION_ID, BAGGAGE_CORRELATION_ID, BAGGAGE_PARENT_AGENT_ID } from '@tracebridge/schema';

/**
 * Copies `correlation.id` and `agent.parent.id` from the baggage of the parent context onto every span
 * as it starts, so traces can be searched by correlation id (TraceQL `{ span."correlation.id" = "…" }`).
 * Without an explicit scope the id is `req-<trace id>`, as for log records. The same id is also the
 * span's `gen_ai.conversation.id` (the GenAI conventions let processors add it), unless the span was
 * started with one of its own.
 */
export class CorrelationSpanProcessor implements SpanProcessor {
  onStart(span: Span, parentContext: Context): void {
    const baggage = propagation.getBaggage(parentContext);
    const id = baggage?.getEntry(BAGGAGE_CORRELATION_ID)?.value ?? traceCorrelationId(span.spanContext().traceId);
    span.setAttribute(ATTR_CORRELATION_ID, id);
    if (span.attributes[ATTR_GEN_AI_CONVERSATION_ID] === undefined) span.setAttribute(ATTR_GEN_AI_CONVERSATION_ID, id);
    const parent = baggage?.getEntry(BAGGAGE_PARENT_AGENT_ID)?.value;
    if (parent !== undefined) span.setAttribute(ATTR_AGENT_PARENT_ID, parent);
  }
  onEnd(_span: ReadableSpan): void {}
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Copies `correlation.id` and `agent.parent.id` from the baggage of the emitting context onto log
 * records that do not carry them: the OpenTelemetry SDK does not, so records bridged from console,
 * pino or winston would otherwise lose the request they belong to. The correlation id is also set as
 * `gen_ai.conversation.id` when the record has none. Add it before the batch processor.
 */
export class BaggageLogRecordProcessor implements LogRecordProcessor {
  onEmit(record: SdkLogRecord, context?: Context): void {
    const baggage = context === undefined ? undefined : propagation.getBaggage(context);
    if (record.attributes[ATTR_CORRELATION_ID] === undefined) {
      const traceId = record.spanContext?.traceId;
      const id = baggage?.getEntry(BAGGAGE_CORRELATION_ID)?.value ?? (traceId === undefined ? undefined : traceCorrelationId(traceId));
      if (id !== undefined) record.setAttribute(ATTR_CORRELATION_ID, id);
    }
    const correlationId = record.attributes[ATTR_CORRELATION_ID];
    if (correlationId !== undefined && record.attributes[ATTR_GEN_AI_CONVERSATION_ID] === undefined) record.setAttribute(ATTR_GEN_AI_CONVERSATION_ID, correlationId);
    const parent = baggage?.getEntry(BAGGAGE_PARENT_AGENT_ID)?.value;
    if (parent !== undefined && record.attributes[ATTR_AGENT_PARENT_ID] === undefined) record.setAttribute(ATTR_AGENT_PARENT_ID, parent);
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
