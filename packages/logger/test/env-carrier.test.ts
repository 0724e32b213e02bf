import { ROOT_CONTEXT, context, propagation, trace } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { envVariableName, extractEnv, injectEnv, withCorrelation } from '@tracebridge/logger';

// No SDK runs in this process: injectEnv/extractEnv fall back to W3C trace context and baggage.
const tracer = new BasicTracerProvider().getTracer('test');

describe(envVariableName, () => {
  it('names the W3C fields as the specification does', () => {
    expect(['traceparent', 'tracestate', 'baggage'].map(envVariableName)).toEqual(['TRACEPARENT', 'TRACESTATE', 'BAGGAGE']);
  });

  it('upper-cases, replaces what POSIX names cannot hold, and never starts with a digit', () => {
    expect(envVariableName('x-b3-traceid')).toBe('X_B3_TRACEID');
    expect(envVariableName('ot-baggage.user')).toBe('OT_BAGGAGE_USER');
    expect(envVariableName('1st')).toBe('_1ST');
    expect(envVariableName('Mój')).toBe('M_J');
  });
});

describe(injectEnv, () => {
  it('returns a copy of the environment with the active span and baggage, leaving the original alone', () => {
    const base = { PATH: '/bin', TRACESTATE: 'stale=1' };
    const span = tracer.startSpan('work');
    const env = withCorrelation('task-env-1', () => context.with(trace.setSpan(context.active(), span), () => injectEnv(base)));
    span.end();
    const { traceId, spanId } = span.spanContext();
    expect(env).toEqual({ PATH: '/bin', TRACEPARENT: `00-${traceId}-${spanId}-01`, BAGGAGE: 'correlation.id=task-env-1' });
    // The span has no tracestate: one inherited from elsewhere must not ride along with it.
    expect('TRACESTATE' in env).toBe(false);
    expect(base).toEqual({ PATH: '/bin', TRACESTATE: 'stale=1' });
  });

  it('writes the given context instead of the active one', () => {
    const span = tracer.startSpan('other');
    const env = injectEnv({}, { context: trace.setSpan(ROOT_CONTEXT, span) });
    expect(env.TRACEPARENT).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
  });
});

describe(extractEnv, () => {
  it('reads back what injectEnv wrote: the span as a remote parent, and the baggage', () => {
    const span = tracer.startSpan('parent');
    const env = withCorrelation('task-env-2', () => context.with(trace.setSpan(context.active(), span), () => injectEnv({})), { parentAgentId: 'A1-haiku-001' });
    const ctx = extractEnv(env);
    expect(trace.getSpanContext(ctx)).toMatchObject({ traceId: span.spanContext().traceId, spanId: span.spanContext().spanId, isRemote: true });
    expect(propagation.getBaggage(ctx)?.getEntry('correlation.id')?.value).toBe('task-env-2');
    expect(propagation.getBaggage(ctx)?.getEntry('agent.parent.id')?.value).toBe('A1-haiku-001');
    // Made to be entered, even without an SDK.
    expect(context.with(ctx, () => trace.getSpanContext(context.active())?.spanId)).toBe(span.spanContext().spanId);
  });

  it('gives an empty context when the environment holds none', () => {
    const ctx = extractEnv({ PATH: '/bin' });
    expect(trace.getSpanContext(ctx)).toBeUndefined();
    expect(propagation.getBaggage(ctx)).toBeUndefined();
  });
});
