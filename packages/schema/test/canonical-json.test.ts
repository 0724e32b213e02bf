import { describe, expect, it } from 'vitest';
import { canonicalJson } from '@tracebridge/schema';

describe(canonicalJson, () => {
  it('sorts keys by code point, as Go sorts map keys by UTF-8 bytes', () => {
    // U+FF21 (fullwidth A) is below U+1F600 in code points but above its surrogates in UTF-16 units.
    expect(canonicalJson({ '😀': 1, 'Ａ': 2, b: 3, a: 4 })).toBe('{"a":4,"b":3,"Ａ":2,"😀":1}');
  });

  it("escapes <, >, &, U+2028 and U+2029 like Go's encoding/json", () => {
    expect(canonicalJson('<a href="x">&</a>\u2028\u2029')).toBe('"\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e\\u2028\\u2029"');
  });

  it('replaces lone surrogates by U+FFFD and keeps escaped backslashes intact', () => {
    expect(canonicalJson('x\ud800y')).toBe('"x\ufffdy"');
    expect(canonicalJson('\\ud800')).toBe('"\\\\ud800"');
  });

  it('writes control characters with the short escapes Go 1.22+ uses', () => {
    expect(canonicalJson('\b\f\n\r\t\u0001')).toBe('"\\b\\f\\n\\r\\t\\u0001"');
  });

  it('formats numbers as both JSON encoders do', () => {
    expect(canonicalJson([1, 1.5, 1e-7, 1e21, -0, 2.0])).toBe('[1,1.5,1e-7,1e+21,0,2]');
  });

  it('never throws: cycles, BigInt, throwing toJSON', () => {
    const a: Record<string, unknown> = {};
    a.a = a;
    const bad = { toJSON() { throw new Error('no'); } };
    expect(canonicalJson({ a, n: 1n, bad })).toBe('{"a":{"a":"[Circular]"},"bad":"[Unserialisable]","n":"1"}');
  });
});
