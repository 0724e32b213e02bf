import { SpanKind, SpanStatusCode, context as api, isSpanContextValid, propagation, trace } from '@opentelemetry/api';
import type { Attributes, Link, Span } from '@opentelemetry/api';
import { traceCorrelationId } from '@tracebridge/logger';
import { BAGGAGE_CORRELATION_ID } from '@tracebridge/schema';
import {
  ATTR_ERROR_TYPE,
  ATTR_MESSAGING_CONSUMER_GROUP_NAME,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_MESSAGE_BODY_SIZE,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
} from './internal/semconv.js';
import { extract, inject } from './propagation.js';
import type { ConsumerSpanOptions, MessageCarrier, MessageSpanOptions, ProducerSpanOptions } from './types.js';

const TRACER_NAME = '@tracebridge/auto';

function attributesOf(options: MessageSpanOptions, operation: string): Attributes {
  const out: Attributes = {
    [ATTR_MESSAGING_SYSTEM]: options.system,
    [ATTR_MESSAGING_DESTINATION_NAME]: options.destination,
    [ATTR_MESSAGING_OPERATION_NAME]: operation,
    [ATTR_MESSAGING_OPERATION_TYPE]: operation,
  };
  if (options.messageId !== undefined) out[ATTR_MESSAGING_MESSAGE_ID] = options.messageId;
  if (options.bodySize !== undefined) out[ATTR_MESSAGING_MESSAGE_BODY_SIZE] = options.bodySize;
  return { ...out, ...options.attributes };
}

function fail(span: Span, err: unknown): void {
  if (err instanceof Error) {
    span.recordException(err);
    span.setAttribute(ATTR_ERROR_TYPE, err.name || 'Error');
    span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
  } else {
    span.setAttribute(ATTR_ERROR_TYPE, '_OTHER');
    span.setStatus({ code: SpanStatusCode.ERROR, message: String(err) });
  }
}

/**
 * Runs `fn` and ends `span` when it is done: at once for a value, when it settles for a promise. The
 * caller gets `fn`'s own result back (same promise), and an error is recorded on the span and rethrown.
 */
function runInSpan<T>(span: Span, fn: () => T): T {
  let result: T;
  try {
    result = fn();
  } catch (err) {
    fail(span, err);
    span.end();
    throw err;
  }
  if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
    (result as unknown as PromiseLike<unknown>).then(
      () => span.end(),
      (err: unknown) => {
        fail(span, err);
        span.end();
      },
    );
    return result;
  }
  span.end();
  return result;
}

/**
 * Runs `fn` in a PRODUCER span named `<operation> <destination>` (`send tasks`) with the messaging
 * attributes, after writing that span's context into `carrier` (see {@link inject}): the message's
 * creation context is the span, so the consumer's span becomes its child. Publish the carrier inside
 * `fn`; the span ends when `fn` returns or its promise settles, and records an error it throws.
 */
export function withProducerSpan<C extends MessageCarrier, T>(carrier: C, options: ProducerSpanOptions, fn: (carrier: C, span: Span) => T): T {
  const operation = options.operation ?? 'send';
  const tracer = trace.getTracer(TRACER_NAME);
  const span = tracer.startSpan(`${operation} ${options.destination}`, { kind: SpanKind.PRODUCER, attributes: attributesOf(options, operation) });
  const ctx = trace.setSpan(api.active(), span);
  return api.with(ctx, () => {
    inject(carrier, { context: ctx });
    return runInSpan(span, () => fn(carrier, span));
  });
}

/**
 * Runs a consumer's handler for one message in a CONSUMER span named `<operation> <destination>`
 * (`process tasks`), per the messaging semantic conventions: the producer's context is read from
 * `carrier` (see {@link extract}); by default the span is its child and also links to it (the
 * conventions require the link, and allow the parent for a single message handled as it arrives), so
 * the request, the message and the work it caused are one trace. The message's baggage
 * (`correlation.id`, `agent.parent.id`) is active inside `fn`, so every record written there carries
 * them. The span ends when `fn` returns or its promise settles, and records an error it throws.
 */
export function withConsumerSpan<T>(carrier: MessageCarrier, options: ConsumerSpanOptions, fn: (span: Span) => T): T {
  const operation = options.operation ?? 'process';
  const extracted = extract(carrier);
  const producer = trace.getSpanContext(extracted);
  const links: Link[] = [...(options.links ?? [])];
  let parent = extracted;
  if (producer !== undefined && isSpanContextValid(producer)) {
    links.unshift({ context: producer });
    if (options.relation === 'link') {
      // A new trace: keep the request's correlation id, which the producer side derived from its trace.
      parent = trace.deleteSpan(extracted);
      const baggage = propagation.getBaggage(parent) ?? propagation.createBaggage();
      if (baggage.getEntry(BAGGAGE_CORRELATION_ID) === undefined) {
        parent = propagation.setBaggage(parent, baggage.setEntry(BAGGAGE_CORRELATION_ID, { value: traceCorrelationId(producer.traceId) }));
      }
    }
  }
  const attributes = attributesOf(options, operation);
  if (options.consumerGroup !== undefined) attributes[ATTR_MESSAGING_CONSUMER_GROUP_NAME] = options.consumerGroup;
  const span = trace.getTracer(TRACER_NAME).startSpan(`${operation} ${options.destination}`, { kind: SpanKind.CONSUMER, attributes, links }, parent);
  return api.with(trace.setSpan(parent, span), () => runInSpan(span, () => fn(span)));
}
