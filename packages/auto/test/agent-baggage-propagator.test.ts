import { ROOT_CONTEXT, defaultTextMapGetter, defaultTextMapSetter, propagation } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { AgentBaggagePropagator } from '@tracebridge/auto';

const withBaggage = (entries: Record<string, string>) =>
  propagation.setBaggage(ROOT_CONTEXT, propagation.createBaggage(Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, { value: v }]))));

function sent(propagator: AgentBaggagePropagator, entries: Record<string, string>): string[] {
  const headers: Record<string, string> = {};
  propagator.inject(withBaggage(entries), headers, defaultTextMapSetter);
  return (headers.baggage ?? '').split(',').filter((s) => s !== '').sort();
}

describe(AgentBaggagePropagator, () => {
  it('sends this agent as agent.parent.id, with the rest of the baggage', () => {
    expect(sent(new AgentBaggagePropagator({ agentId: 'A1-haiku-001' }), { 'correlation.id': 'task-1' })).toEqual([
      'agent.parent.id=A1-haiku-001',
      'correlation.id=task-1',
    ]);
  });

  it('replaces the parent it received: for the callee, the parent is this agent', () => {
    expect(sent(new AgentBaggagePropagator({ agentId: 'A1-haiku-001' }), { 'agent.parent.id': 'B2-sonnet-007' })).toEqual(['agent.parent.id=A1-haiku-001']);
  });

  it('leaves the local context alone: this agent’s own records keep the parent it was given', () => {
    const ctx = withBaggage({ 'agent.parent.id': 'B2-sonnet-007' });
    new AgentBaggagePropagator({ agentId: 'A1-haiku-001' }).inject(ctx, {}, defaultTextMapSetter);
    expect(propagation.getBaggage(ctx)?.getEntry('agent.parent.id')?.value).toBe('B2-sonnet-007');
  });

  it('extracts incoming baggage as sent', () => {
    const ctx = new AgentBaggagePropagator({ agentId: 'A1-haiku-001' }).extract(ROOT_CONTEXT, { baggage: 'agent.parent.id=B2-sonnet-007' }, defaultTextMapGetter);
    expect(propagation.getBaggage(ctx)?.getEntry('agent.parent.id')?.value).toBe('B2-sonnet-007');
  });

  it('is plain W3C baggage without an agent id', () => {
    const propagator = new AgentBaggagePropagator();
    expect(sent(propagator, { 'correlation.id': 'task-1' })).toEqual(['correlation.id=task-1']);
    expect(propagator.fields()).toEqual(['baggage']);
  });
});
