import { describe, expect, it } from 'vitest';
import { toAnyValue, toOtlp } from '@tracebridge/schema';
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

describe(toAnyValue, () => {
  it('writes an integer within int64 as intValue and any other number as doubleValue, as the SDK encoder does', () => {
    expect(toAnyValue(2 ** 53)).toEqual({ intValue: '9007199254740992' });
    expect(toAnyValue(-(2 ** 63))).toEqual({ intValue: '-9223372036854775808' });
    expect(toAnyValue(2 ** 63)).toEqual({ doubleValue: 2 ** 63 });
    expect(toAnyValue(1.5)).toEqual({ doubleValue: 1.5 });
    expect(toAnyValue(-0)).toEqual({ intValue: '0' });
  });
});
