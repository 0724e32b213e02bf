import { describe, expect, it } from 'vitest';
import { agentResource, agentRole, parseResourceAttributes } from '@tracebridge/schema';

describe(agentRole, () => {
  it('is the part before the first dash of a well-formed id', () => {
    expect(agentRole('A1-haiku-001')).toBe('A1');
    expect(agentRole('planner-claude-3.5-sonnet-7')).toBe('planner');
    expect(agentRole('worker')).toBeUndefined();
  });
});

describe(agentResource, () => {
  it('prefers the serviceName option, then a configured service.name, then the role', () => {
    expect(agentResource('A1-haiku-001')['service.name']).toBe('A1');
    expect(agentResource('A1-haiku-001', { resourceAttributes: { 'service.name': 'cfg' } })['service.name']).toBe('cfg');
    expect(agentResource('A1-haiku-001', { serviceName: 'opt', resourceAttributes: { 'service.name': 'cfg' } })['service.name']).toBe('opt');
    expect(agentResource(undefined)).toEqual({ 'service.name': 'unknown_service' });
  });
});

describe(parseResourceAttributes, () => {
  it('parses percent-encoded pairs and skips malformed ones', () => {
    expect(parseResourceAttributes('a=1, b=x%20y,bad,=z,c=%E0%A4%A')).toEqual({ a: '1', b: 'x y', c: '%E0%A4%A' });
    expect(parseResourceAttributes(undefined)).toEqual({});
  });
});
