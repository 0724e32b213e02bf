import { describe, expect, it } from 'vitest';
import { mapRecord, INVALID_VALUE_MAX_LENGTH, UNKNOWN_SCOPE } from '@tracebridge/schema';

const base = {
  timestamp: '2025-11-30T12:34:56.789Z',
  level: 'INFO',
  agent_id: 'A1-haiku-001',
  correlation_id: 'task-42',
  component: 'redis_bus',
  message: 'hello',
};

describe(mapRecord, () => {
  it('puts each field in its OTLP place', () => {
    const m = mapRecord({ ...base, trace_id: '0af7651916cd43dd8448eb211c80319c', span_id: 'b7ad6b7169203331', trace_flags: '01' });
    expect(m).toMatchObject({
      scope: 'redis_bus',
      timeUnixNano: '1764506096789000000',
      severityNumber: 9,
      severityText: 'INFO',
      body: 'hello',
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      flags: 1,
      invalid: [],
    });
    expect(m.attributes).toEqual({ 'correlation.id': 'task-42' });
    expect(m.resource).toEqual({
      'service.name': 'A1',
      'service.instance.id': 'A1-haiku-001',
      'gen_ai.agent.id': 'A1-haiku-001',
      'gen_ai.agent.name': 'A1',
    });
  });

  it('keeps a bad field under tracebridge.invalid and maps every other field', () => {
    const m = mapRecord({ ...base, level: 'LOUD', correlation_id: 17 });
    expect(m.severityNumber).toBeUndefined();
    expect(m.body).toBe('hello');
    expect(m.invalid).toEqual(['level', 'correlation_id']);
    expect(m.attributes).toEqual({ 'tracebridge.invalid.level': 'LOUD', 'tracebridge.invalid.correlation_id': '17' });
  });

  it('truncates the raw value of a bad field by code points, never splitting a surrogate pair', () => {
    const raw = '🚀'.repeat(INVALID_VALUE_MAX_LENGTH + 10);
    const kept = mapRecord({ ...base, level: raw }).attributes['tracebridge.invalid.level'] as string;
    expect(Array.from(kept)).toHaveLength(INVALID_VALUE_MAX_LENGTH);
    expect(kept.endsWith('🚀')).toBe(true);
  });

  it('uses the service name option over the role, and adds environment and extra resource attributes', () => {
    const m = mapRecord(base, {
      serviceName: 'planner',
      environment: 'staging',
      resourceAttributes: { 'service.instance.id': 'spoofed', 'cloud.region': 'eu-west-1' },
    });
    expect(m.resource).toEqual({
      'service.name': 'planner',
      'service.instance.id': 'A1-haiku-001',
      'gen_ai.agent.id': 'A1-haiku-001',
      'gen_ai.agent.name': 'A1',
      'deployment.environment.name': 'staging',
      'cloud.region': 'eu-west-1',
    });
  });

  it('does not throw on getters that throw', () => {
    const context = Object.defineProperty({}, 'boom', {
      enumerable: true,
      get() {
        throw new Error('getter');
      },
    });
    expect(mapRecord({ ...base, context }).attributes['context.boom']).toBe('[Unserialisable]');
  });

  it('maps error.code numbers to the string error.type', () => {
    const m = mapRecord({ ...base, error: { code: 503 } });
    expect(m.attributes['error.type']).toBe('503');
  });

  it('writes a numeric error.code as its JSON text, as the collector does', () => {
    expect(mapRecord({ ...base, error: { code: -0 } }).attributes['error.type']).toBe('-0');
    expect(mapRecord({ ...base, error: { code: 1e-7 } }).attributes['error.type']).toBe('1e-07');
  });

  it('puts a record without a good component in scope unknown, as the SDKs name a logger without a name', () => {
    expect(mapRecord({ ...base, component: undefined }).scope).toBe(UNKNOWN_SCOPE);
    expect(mapRecord({ ...base, component: '' }).scope).toBe('unknown');
  });
});
