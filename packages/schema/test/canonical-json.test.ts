import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../src/internal/json-value.js';

describe(canonicalJson, () => {
  it('sorts keys by code point, as Go sorts map keys by UTF-8 bytes', () => {
    // U+FF21 (fullwidth A) is below U+1F600 in code points but above its surrogates in UTF-16 units.
    expect(canonicalJson({ '😀': 1, 'Ａ': 2, b: 3, a: 4 })).toBe('{"a":4,"b":3,"Ａ":2,"😀":1}');
  });

  it("escapes <, >, &, U+2028 and U+2029 like the collector's OTTL String()", () => {
    expect(canonicalJson('<a href="x">&</a>\u2028\u2029')).toBe('"\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e\\u2028\\u2029"');
  });

  it('replaces lone surrogates by U+FFFD and keeps escaped backslashes intact', () => {
    expect(canonicalJson('x\ud800y')).toBe('"x\ufffdy"');
    expect(canonicalJson('\\ud800')).toBe('"\\\\ud800"');
  });

  // OTTL's String() is github.com/goccy/go-json, which has short escapes for \n \r \t only.
  it('writes control characters as the collector does: short escapes for \\n \\r \\t only', () => {
    expect(canonicalJson('\b\f\n\r\t\u0001\u007f')).toBe('"\\u0008\\u000c\\n\\r\\t\\u0001\u007f"');
  });

  it('keeps a backslash followed by b or f a backslash', () => {
    expect(canonicalJson('\\b\\f\\\b')).toBe('"\\\\b\\\\f\\\\\\u0008"');
  });

  it('formats numbers as the collector does: shortest digits, -0 kept, two-digit exponents', () => {
    expect(canonicalJson([1, 1.5, 1e-7, 1.5e-8, 1e-6, 1e21, 1e300, 5e-324, -0, 2.0])).toBe('[1,1.5,1e-07,1.5e-08,0.000001,1e+21,1e+300,5e-324,-0,2]');
  });

  it('never throws: cycles, BigInt, throwing toJSON', () => {
    const a: Record<string, unknown> = {};
    a.a = a;
    const bad = { toJSON() { throw new Error('no'); } };
    expect(canonicalJson({ a, n: 1n, bad })).toBe('{"a":{"a":"[Circular]"},"bad":"[Unserialisable]","n":"1"}');
  });
});
