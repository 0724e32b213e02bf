import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, TracebridgeError } from '@tracebridge/schema';

describe('ERROR_CODES', () => {
  it('lists exactly the codes docs/errors.md documents', () => {
    const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    const documented = [...doc.matchAll(/^\| `(TRACEBRIDGE_ERR_[A-Z_]+)` \|/gm)].map((m) => m[1]).sort();
    expect(documented).toEqual(Object.values(ERROR_CODES).sort());
  });
});

describe(TracebridgeError, () => {
  it('carries its code and cause', () => {
    const cause = new Error('root');
    const err = new TracebridgeError(ERROR_CODES.INPUT, 'cannot read x', { cause });
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ name: 'TracebridgeError', code: 'TRACEBRIDGE_ERR_INPUT', cause });
  });
});
