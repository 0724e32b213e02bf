import { describe, expect, it } from 'vitest';
import { flattenAttributes, MAX_FLATTEN_DEPTH } from '@tracebridge/schema';
import type { Attributes } from '@tracebridge/schema';

function flat(value: object): Attributes {
  const out: Attributes = {};
  flattenAttributes(out, 'context', value);
  return out;
}

describe(flattenAttributes, () => {
  it('joins nested keys with dots and keeps arrays of primitives as arrays', () => {
    expect(flat({ user: { id: 7, roles: ['a', 'b'] }, ok: true })).toEqual({
      'context.user.id': 7,
      'context.user.roles': ['a', 'b'],
      'context.ok': true,
    });
  });

  it(`writes objects deeper than ${MAX_FLATTEN_DEPTH} levels as canonical JSON with sorted keys`, () => {
    const out = flat({ a: { b: { c: { d: { e: { f: { z: 1, a: 2 } } } } } } });
    expect(out).toEqual({ 'context.a.b.c.d.e.f': '{"a":2,"z":1}' });
  });

  it('writes arrays holding objects, arrays or null as JSON strings', () => {
    expect(flat({ o: [{ b: 1, a: 2 }], n: [[1]], z: [1, null] })).toEqual({
      'context.o': '[{"a":2,"b":1}]',
      'context.n': '[[1]]',
      'context.z': '[1,null]',
    });
  });

  it('keeps an empty object as "{}" and leaves null and undefined out', () => {
    expect(flat({ e: {}, n: null, u: undefined })).toEqual({ 'context.e': '{}' });
  });

  it('turns values JSON cannot carry into placeholders instead of throwing', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    function namedFn(): void {}
    const out = flat({
      cyclic,
      big: 12345678901234567890n,
      fn: namedFn,
      sym: Symbol('s'),
      nan: Number.NaN,
      inf: -Infinity,
      when: new Date('2025-01-02T03:04:05.678Z'),
      err: new TypeError('bad'),
      bytes: Buffer.from('abc'),
      map: new Map([['k', 1]]),
      set: new Set(['x', 'y']),
    });
    expect(out).toEqual({
      'context.cyclic.name': 'loop',
      'context.cyclic.self': '[Circular]',
      'context.big': '12345678901234567890',
      'context.fn': '[Function: namedFn]',
      'context.sym': 'Symbol(s)',
      'context.nan': 'NaN',
      'context.inf': '-Infinity',
      'context.when': '2025-01-02T03:04:05.678Z',
      'context.err': 'TypeError: bad',
      'context.bytes': '[Buffer 3 bytes]',
      'context.map.k': 1,
      'context.set': ['x', 'y'],
    });
  });

  it('marks a cycle inside a JSON-string value', () => {
    const node: Record<string, unknown> = {};
    node.next = [node];
    expect(flat({ node })).toEqual({ 'context.node.next': '["[Circular]"]' });
  });

  it('flattens a shared (non-cyclic) object each time it appears', () => {
    const shared = { id: 1 };
    expect(flat({ a: shared, b: shared })).toEqual({ 'context.a.id': 1, 'context.b.id': 1 });
  });
});
