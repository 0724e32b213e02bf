import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { withAgentSpan, withToolSpan } from '@tracebridge/auto';
import { currentAgent, setProcessAgent } from '../src/internal/genai/agent-context.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
});
afterEach(() => exporter.reset());
afterAll(() => {
  trace.disable();
  context.disable();
});

describe(withAgentSpan, () => {
  it('runs the turn in an invoke_agent span that names the agent for the calls inside', async () => {
    setProcessAgent({ id: 'A1-haiku-001', name: 'A1' });
    expect(currentAgent()).toEqual({ id: 'A1-haiku-001', name: 'A1' });
    const seen = await withAgentSpan({ name: 'planner', id: 'p-1', model: 'claude-x' }, async (span) => {
      expect(trace.getActiveSpan()).toBe(span);
      await Promise.resolve();
      return currentAgent();
    });
    expect(seen).toEqual({ name: 'planner', id: 'p-1' });
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('invoke_agent planner');
    expect(span?.kind).toBe(SpanKind.INTERNAL);
    expect(span?.attributes).toMatchObject({ 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'planner', 'gen_ai.agent.id': 'p-1', 'gen_ai.request.model': 'claude-x' });
    expect(span?.instrumentationScope.schemaUrl).toMatch(/gen-ai/);
  });

  it('is a CLIENT span for a remote agent', () => {
    withAgentSpan({ name: 'remote', remote: true }, () => undefined);
    expect(exporter.getFinishedSpans()[0]?.kind).toBe(SpanKind.CLIENT);
  });
});

describe(withToolSpan, () => {
  it('gives an execute_tool span with the tool’s name, call id and type', () => {
    expect(withToolSpan({ name: 'get_weather', callId: 'toolu_1' }, () => 'sunny')).toBe('sunny');
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('execute_tool get_weather');
    expect(span?.attributes).toEqual({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'get_weather', 'gen_ai.tool.type': 'function', 'gen_ai.tool.call.id': 'toolu_1' });
  });

  it('records a failed tool and rethrows', async () => {
    await expect(withToolSpan({ name: 'db', type: 'datastore' }, async () => Promise.reject(new RangeError('no rows')))).rejects.toThrow('no rows');
    const [span] = exporter.getFinishedSpans();
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.attributes['error.type']).toBe('RangeError');
    expect(span?.events.map((e) => e.name)).toEqual(['exception']);
  });
});
