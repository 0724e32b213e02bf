import { describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { recordJsonSchema, validate } from '@tracebridge/schema';
import { loadVectors } from '../../../test/helpers/vectors.js';

describe('recordJsonSchema', () => {
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);
  const check = ajv.compile(recordJsonSchema);

  it('is a valid draft 2020-12 schema', () => {
    expect(ajv.validateSchema(recordJsonSchema)).toBe(true);
  });

  const records = loadVectors().flatMap((v) => v.records.map((r, i) => ({ name: `${v.name}#${i + 1}`, record: r })));
  it.each(records)('agrees with validate() on $name', ({ record }) => {
    expect(check(record)).toBe(validate(record).length === 0);
  });

  it('covers both valid and invalid records in the vectors', () => {
    const verdicts = new Set(records.map(({ record }) => validate(record).length === 0));
    expect(verdicts).toEqual(new Set([true, false]));
  });
});
