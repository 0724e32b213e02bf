import { ROOT_CONTEXT, context as api, propagation } from '@opentelemetry/api';
import type { Context, TextMapGetter, TextMapSetter } from '@opentelemetry/api';
import type { ExtractOptions, InjectOptions, MessageCarrier } from './types.js';

const decoder = new TextDecoder();

function asString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return asString(value[0]);
  // Kafka and AMQP clients hand headers over as Buffers.
  if (value instanceof Uint8Array) return decoder.decode(value);
  return undefined;
}

/**
 * Reads a message carrier. The W3C propagators ask for lower-case keys; a carrier that went through
 * an HTTP-ish layer may hold `Traceparent`, so an exact miss falls back to a case-insensitive look-up.
 */
export const messageGetter: TextMapGetter<MessageCarrier> = {
  keys(carrier) {
    return Object.keys(carrier);
  },
  get(carrier, key) {
    const exact = carrier[key];
    if (exact !== undefined) return asString(exact);
    const lower = key.toLowerCase();
    for (const k of Object.keys(carrier)) {
      if (k.toLowerCase() === lower) return asString(carrier[k]);
    }
    return undefined;
  },
};

/** Writes string values as own properties: what survives `JSON.stringify` and any header map. */
export const messageSetter: TextMapSetter<MessageCarrier> = {
  set(carrier, key, value) {
    carrier[key] = value;
  },
};

/**
 * Writes the trace context and baggage of the active context (or `options.context`) into a message or
 * its headers object, with the propagators the bootstrap installed: `traceparent`, `tracestate`,
 * `baggage` (with `correlation.id` and this agent's id as `agent.parent.id`). Returns the carrier, so
 * `publish(JSON.stringify(inject({ task })))` reads naturally. Writes nothing when no SDK is running
 * (`OTEL_SDK_DISABLED`, no `--import`): the message is sent untouched.
 */
export function inject<C extends MessageCarrier>(carrier: C, options: InjectOptions = {}): C {
  propagation.inject(options.context ?? api.active(), carrier, messageSetter);
  return carrier;
}

/**
 * Reads the trace context and baggage a producer wrote into a message (see {@link inject}) and returns
 * a context holding them, on top of `options.context` (an empty context by default). Pass it to
 * `context.with()` or `tracer.startSpan()`, or use {@link withConsumerSpan}, which does both per the
 * messaging conventions. A message without trace context gives the base context back.
 */
export function extract(carrier: MessageCarrier, options: ExtractOptions = {}): Context {
  return propagation.extract(options.context ?? ROOT_CONTEXT, carrier, messageGetter);
}
