import { ROOT_CONTEXT, context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentBaggagePropagator, extract, inject } from '@tracebridge/auto';

const tracer = new BasicTracerProvider().getTracer('test');

beforeAll(() => {
  // What the register entry installs: W3C trace context + baggage naming this agent as the parent.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new AgentBaggagePropagator({ agentId: 'A1-haiku-001' })] }));
});
afterAll(() => {
  propagation.disable();
  context.disable();
});

function inScope<T>(fn: () => T, correlationId = 'task-42'): T {
  const span = tracer.startSpan('work');
  const bag = propagation.createBaggage({ 'correlation.id': { value: correlationId } });
  try {
    return context.with(propagation.setBaggage(trace.setSpan(ROOT_CONTEXT, span), bag), fn);
  } finally {
    span.end();
  }
}

describe(inject, () => {
  it('writes traceparent and baggage with this agent as agent.parent.id into a plain object', () => {
    // What the propagators write depends on their configuration (W3C, B3…): read the carrier as a map.
    const message = inScope(() => inject<Record<string, unknown>>({ task: 'summarise' }));
    expect(message.task).toBe('summarise');
    expect(message.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(String(message.baggage).split(',').sort()).toEqual(['agent.parent.id=A1-haiku-001', 'correlation.id=task-42']);
  });

  it('survives JSON and comes back as the same trace, span and baggage', () => {
    let sent: { traceId: string; spanId: string } | undefined;
    const wire = inScope(() => {
      sent = trace.getSpanContext(context.active());
      return JSON.stringify(inject({ n: 1 }));
    });
    const ctx = extract(JSON.parse(wire) as Record<string, unknown>);
    const got = trace.getSpanContext(ctx);
    expect(got).toMatchObject({ traceId: sent?.traceId, spanId: sent?.spanId, isRemote: true });
    const bag = propagation.getBaggage(ctx);
    expect(bag?.getEntry('correlation.id')?.value).toBe('task-42');
    expect(bag?.getEntry('agent.parent.id')?.value).toBe('A1-haiku-001');
  });

  it('writes nothing outside a traced, correlated context but the agent id', () => {
    const message = inject<Record<string, unknown>>({});
    expect(message).toEqual({ baggage: 'agent.parent.id=A1-haiku-001' });
  });

  it('uses options.context instead of the active one', () => {
    const ctx = inScope(() => context.active(), 'swarm-7');
    expect(String(inject<Record<string, unknown>>({}, { context: ctx }).baggage)).toContain('correlation.id=swarm-7');
  });
});

describe(extract, () => {
  it('reads header maps with other casings, string arrays and Buffers', () => {
    const headers = inScope(() => inject<Record<string, unknown>>({}));
    const ctx = extract({ Traceparent: [headers.traceparent], BAGGAGE: Buffer.from(String(headers.baggage)) });
    expect(trace.getSpanContext(ctx)?.spanId).toBe(String(headers.traceparent).split('-')[2]);
    expect(propagation.getBaggage(ctx)?.getEntry('correlation.id')?.value).toBe('task-42');
  });

  it('starts from an empty context, so the receiving code’s own baggage does not leak in', () => {
    const ctx = inScope(() => extract({}), 'req-leak');
    expect(trace.getSpanContext(ctx)).toBeUndefined();
    expect(propagation.getBaggage(ctx)).toBeUndefined();
  });

  it('keeps the caller’s agent.parent.id: the propagator rewrites outgoing baggage only', () => {
    const ctx = extract({ baggage: 'agent.parent.id=B2-sonnet-007,correlation.id=task-1' });
    expect(propagation.getBaggage(ctx)?.getEntry('agent.parent.id')?.value).toBe('B2-sonnet-007');
    // …and what this agent sends on names itself.
    expect(String(inject<Record<string, unknown>>({}, { context: ctx }).baggage)).toContain('agent.parent.id=A1-haiku-001');
  });
});
