import { describe, expect, it } from 'vitest';
import { toRecordError } from '@tracebridge/schema';

describe(toRecordError, () => {
  it('takes name, message, stack and code, and appends the cause chain', () => {
    const root = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const err = Object.assign(new Error('delegation failed', { cause: new TypeError('fetch failed', { cause: root }) }), { code: 503 });
    const rec = toRecordError(err);
    expect(rec.type).toBe('Error');
    expect(rec.message).toBe('delegation failed');
    expect(rec.code).toBe(503);
    const sections = rec.stack?.split('\nCaused by: ').map((s) => s.split('\n')[0]);
    expect(sections).toEqual(['Error: delegation failed', 'TypeError: fetch failed', 'Error: connect ECONNREFUSED']);
  });

  it('stops at a cyclic cause', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(toRecordError(a).stack).toMatch(/Caused by: Error: b[\s\S]*Caused by: \[Circular\]$/);
  });

  it('lists the members of an AggregateError', () => {
    const stack = toRecordError(new AggregateError([new Error('one'), 'two'], 'all failed')).stack ?? '';
    expect(stack).toContain('\nSuppressed: Error: one');
    expect(stack).toContain('\nSuppressed: two');
  });

  it('turns thrown non-errors into a message', () => {
    expect(toRecordError('plain string')).toEqual({ message: 'plain string' });
    expect(toRecordError({ reason: 1 })).toEqual({ message: '{"reason":1}' });
    expect(toRecordError(undefined)).toEqual({ message: 'undefined' });
  });
});
