import { describe, expect, it } from 'vitest';
import { toOtlp } from '@tracebridge/schema';
import { loadVectors, withoutObservedTime } from '../../../test/helpers/vectors.js';

describe(toOtlp, () => {
  for (const vector of loadVectors()) {
    it(`gives the expected OTLP for vector ${vector.name}`, () => {
      expect(withoutObservedTime(toOtlp(vector.records))).toEqual(vector.expected);
    });
  }

  it('sets observedTimeUnixNano from the option on every record', () => {
    const request = toOtlp([{ message: 'a' }, { message: 'b' }], { observedTimeUnixNano: 42n });
    const records = request.resourceLogs.flatMap((r) => r.scopeLogs.flatMap((s) => s.logRecords));
    expect(records.map((r) => r.observedTimeUnixNano)).toEqual(['42', '42']);
  });

  it('returns an empty request for no records', () => {
    expect(toOtlp([])).toEqual({ resourceLogs: [] });
  });
});
