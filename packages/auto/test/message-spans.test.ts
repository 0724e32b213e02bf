import { SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { CorrelationSpanProcessor } from '@tracebridge/logger';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AgentBaggagePropagator, withConsumerSpan, withProducerSpan } from '@tracebridge/auto';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new CorrelationSpanProcessor(), new SimpleSpanProcessor(exporter)] });

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new AgentBaggagePropagator({ agentId: 'A1-haiku-001' })] }));
  trace.setGlobalTracerProvider(provider);
});
afterEach(() => exporter.reset());
afterAll(() => {
  trace.disable();
  propagation.disable();
  context.disable();
});

const options = { system: 'jsonl_tcp', destination: 'tasks' };
const finished = (name: string) => exporter.getFinishedSpans().find((s) => s.name === name);

describe(withProducerSpan, () => {
  it('sends from a PRODUCER span whose context is the one written into the message', () => {
    const sent = withProducerSpan({ task: 'x' } as Record<string, unknown>, { ...options, messageId: 'm-1' }, (message, span) => {
      expect(trace.getActiveSpan()).toBe(span);
      return message;
    });
    const span = finished('send tasks');
    expect(span?.kind).toBe(SpanKind.PRODUCER);
    expect(span?.attributes).toMatchObject({
      'messaging.system': 'jsonl_tcp',
      'messaging.destination.name': 'tasks',
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'send',
      'messaging.message.id': 'm-1',
    });
    expect(sent.traceparent).toBe(`00-${span?.spanContext().traceId}-${span?.spanContext().spanId}-01`);
  });
});

describe(withConsumerSpan, () => {
  it('processes a message in a CONSUMER span that is the producer span’s child and links to it', async () => {
    const message = withProducerSpan({} as Record<string, unknown>, options, (m) => m);
    const baggage = await withConsumerSpan(message, { ...options, consumerGroup: 'workers' }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return propagation.getBaggage(context.active())?.getEntry('agent.parent.id')?.value;
    });
    const producer = finished('send tasks');
    const consumer = finished('process tasks');
    expect(consumer?.kind).toBe(SpanKind.CONSUMER);
    expect(consumer?.spanContext().traceId).toBe(producer?.spanContext().traceId);
    expect(consumer?.parentSpanContext?.spanId).toBe(producer?.spanContext().spanId);
    expect(consumer?.links.map((l) => l.context.spanId)).toEqual([producer?.spanContext().spanId]);
    expect(consumer?.attributes).toMatchObject({ 'messaging.operation.type': 'process', 'messaging.consumer.group.name': 'workers' });
    // The message's baggage is active in the handler; the span got the request's correlation id.
    expect(baggage).toBe('A1-haiku-001');
    expect(consumer?.attributes['correlation.id']).toBe(`req-${producer?.spanContext().traceId}`);
    expect(consumer?.attributes['agent.parent.id']).toBe('A1-haiku-001');
  });

  it('starts a new trace linked to the producer when relation is link, keeping the correlation id', () => {
    const message = withProducerSpan({} as Record<string, unknown>, options, (m) => m);
    withConsumerSpan(message, { ...options, relation: 'link' }, () => undefined);
    const producer = finished('send tasks');
    const consumer = finished('process tasks');
    expect(consumer?.spanContext().traceId).not.toBe(producer?.spanContext().traceId);
    expect(consumer?.parentSpanContext).toBeUndefined();
    expect(consumer?.links[0]?.context.spanId).toBe(producer?.spanContext().spanId);
    expect(consumer?.attributes['correlation.id']).toBe(`req-${producer?.spanContext().traceId}`);
  });

  it('records a thrown error on the span and rethrows it', () => {
    expect(() =>
      withConsumerSpan({}, options, () => {
        throw new RangeError('no such task');
      }),
    ).toThrow('no such task');
    const span = finished('process tasks');
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'no such task' });
    expect(span?.attributes['error.type']).toBe('RangeError');
    expect(span?.events.map((e) => e.name)).toEqual(['exception']);
  });

  it('ends the span when a returned promise rejects, and returns that same promise', async () => {
    const failing = Promise.reject(new Error('later'));
    const result = withConsumerSpan({}, options, () => failing);
    expect(result).toBe(failing);
    await expect(result).rejects.toThrow('later');
    await new Promise((resolve) => setImmediate(resolve));
    expect(finished('process tasks')?.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('is a root span when the message carries no trace context', () => {
    withConsumerSpan({ body: 'untraced' }, options, () => undefined);
    const span = finished('process tasks');
    expect(span?.parentSpanContext).toBeUndefined();
    expect(span?.links).toEqual([]);
  });
});
