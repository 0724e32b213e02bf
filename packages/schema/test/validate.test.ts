import { describe, expect, it } from 'vitest';
import { validate } from '@tracebridge/schema';

const good = {
  timestamp: '2025-11-30T12:34:56.789Z',
  level: 'INFO',
  agent_id: 'A1-haiku-001',
  correlation_id: 'req-4bf92f3577b34da6a3ce929d0e0e4736',
  component: 'redis_bus',
  message: 'ok',
};

describe(validate, () => {
  it('returns no problem for a valid record', () => {
    expect(validate(good)).toEqual([]);
  });

  it('reports every problem with its JSON path, not just the first', () => {
    const problems = validate({
      ...good,
      level: 'info',
      message: undefined,
      error: { type: 1, code: {} },
      performance: { duration_ms: -1 },
      tags: ['a', 2],
      'odd key': 1,
    });
    expect(problems.map((p) => p.path)).toEqual([
      '$.message',
      '$.level',
      '$.error.type',
      '$.error.code',
      '$.performance.duration_ms',
      '$.tags',
      '$["odd key"]',
    ]);
    expect(problems[0]?.message).toBe('is required');
  });

  it('rejects timestamps that are not UTC with millisecond precision or not real dates', () => {
    for (const timestamp of ['2025-11-30T12:34:56Z', '2025-11-30T12:34:56.789+01:00', '2025-13-01T00:00:00.000Z', '1969-12-31T23:59:59.999Z']) {
      expect(validate({ ...good, timestamp }).map((p) => p.path), timestamp).toEqual(['$.timestamp']);
    }
  });

  it('reports values JSON cannot carry inside context, with their paths', () => {
    const context: Record<string, unknown> = { n: 1n, list: [() => 1] };
    context.self = context;
    expect(validate({ ...good, context }).map((p) => p.path)).toEqual(['$.context.n', '$.context.list[0]', '$.context.self']);
  });

  it('says a non-object is not a record', () => {
    expect(validate([1])).toEqual([{ path: '$', message: 'must be a JSON object, got an array' }]);
  });
});
