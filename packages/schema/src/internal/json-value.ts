/**
 * Turning arbitrary JavaScript values into attribute values and canonical JSON without ever throwing.
 *
 * Canonical JSON is what the collector's file route produces for the same value: OTTL's `String()` of a
 * map or list, which is github.com/goccy/go-json's `Marshal` (not pdata's `AsString()`, which since
 * pdata 1.66 no longer escapes `<` `>` `&`). That is: keys sorted by code point; `<` `>` `&` U+2028
 * U+2029 escaped as `\u003c`…; control characters other than `\n` `\r` `\t` as `\u00XX` (`\b` and
 * `\f` too, unlike `JSON.stringify`); lone surrogates replaced by U+FFFD; numbers with the shortest
 * digits, `-0` kept and exponents of at least two digits (`1e-07`). Matching it byte for byte is what
 * lets a record give the same OTLP on the SDK route and the file route (test/collector/file-route.test.ts
 * runs both through the real collector).
 */

/** Placeholder for a value already being serialised higher up (a cycle). */
export const CIRCULAR = '[Circular]';
/** Placeholder for a value whose getter or `toJSON` threw. */
export const UNSERIALISABLE = '[Unserialisable]';

/**
 * A JavaScript value that JSON has no word for, as a placeholder string; `undefined` when the value is
 * JSON-representable (the caller then walks it) or should be skipped (`undefined` itself).
 */
export function placeholderFor(value: unknown): string | undefined {
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? undefined : String(value);
    case 'bigint':
      // The decimal digits keep the value searchable; the SDK drops BigInt attributes outright.
      return value.toString();
    case 'function':
      return `[Function: ${(value as { name?: string }).name || 'anonymous'}]`;
    case 'symbol':
      return value.toString();
    default:
      return undefined;
  }
}

/**
 * Replaces objects JSON serialises badly by what a reader wants to see: Dates as ISO strings, Errors as
 * `Name: message`, binary as a size, Maps as objects and Sets as arrays; calls `toJSON` like JSON does.
 * Returns the value unchanged when it needs no replacing.
 */
export function normaliseObject(value: object): unknown {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '[Invalid Date]' : value.toISOString();
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (ArrayBuffer.isView(value)) return `[${value.constructor.name} ${value.byteLength} bytes]`;
  if (value instanceof ArrayBuffer) return `[ArrayBuffer ${value.byteLength} bytes]`;
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value) out[String(k)] = v;
    return out;
  }
  if (value instanceof Set) return Array.from(value);
  if (value instanceof WeakMap || value instanceof WeakSet || value instanceof Promise) {
    return `[${value.constructor.name}]`;
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return toJSON.call(value);
  return value;
}

/** Compares strings by Unicode code point, the order of UTF-8 bytes that Go sorts map keys by. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (D800–DFFF) encode code points above FFFF: in code-point order they sort after E000–FFFF.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

const NEEDS_ESCAPE = /[<>&\u2028\u2029]|\\[bf]|\\u[dD][89abAB][0-9a-fA-F]{2}|\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\\\/;
// An escaped backslash is matched as a unit (the last alternative), so a backslash followed by the
// letter b or f in the value is never taken for the `\b` or `\f` escape.
const ESCAPES = /[<>&\u2028\u2029]|\\[bf]|\\u[dD][89a-fA-F][0-9a-fA-F]{2}|\\\\/g;

/** A JSON string literal, escaped the way the collector's OTTL `String()` (go-json) escapes it. */
export function canonicalString(value: string): string {
  const json = JSON.stringify(value);
  if (!NEEDS_ESCAPE.test(json)) return json;
  return json.replace(ESCAPES, (m) => {
    switch (m) {
      case '<':
        return '\\u003c';
      case '>':
        return '\\u003e';
      case '&':
        return '\\u0026';
      case '\u2028':
        return '\\u2028';
      case '\u2029':
        return '\\u2029';
      case '\\b':
        return '\\u0008';
      case '\\f':
        return '\\u000c';
      case '\\\\':
        return m;
      default:
        // JSON.stringify writes a lone surrogate as \udXXX; Go decodes such an escape to U+FFFD.
        return '\ufffd';
    }
  });
}

/**
 * A finite number as the collector writes it in JSON (Go's `strconv.AppendFloat(v, 'f' or 'e', -1)`):
 * the same shortest digits and the same switch to exponent form (below 1e-6, from 1e21) as
 * `JSON.stringify`, but `-0` stays `-0` and the exponent has at least two digits (`1e-07`, not `1e-7`).
 */
function numberJson(value: number): string {
  if (Object.is(value, -0)) return '-0';
  return String(value).replace(/e([+-])(\d)$/, 'e$10$2');
}

/**
 * Canonical JSON of any value: never throws; cycles, BigInts, functions, non-finite numbers become
 * placeholder strings; `undefined` object members are left out and `undefined` array items become null.
 */
export function canonicalJson(value: unknown): string {
  return writeValue(value, new Set());
}

/** {@link canonicalJson} of a value met while walking a larger one: `ancestors` are the objects above it. */
export function canonicalJsonWithin(value: unknown, ancestors: Set<object>): string {
  return writeValue(value, ancestors);
}

function writeValue(value: unknown, seen: Set<object>): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return canonicalString(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return Number.isFinite(value) ? numberJson(value) : canonicalString(String(value));
    case 'object':
      break;
    default:
      return canonicalString(placeholderFor(value) ?? 'null');
  }
  const obj = value as object;
  if (seen.has(obj)) return canonicalString(CIRCULAR);
  let normal: unknown;
  try {
    normal = normaliseObject(obj);
  } catch {
    return canonicalString(UNSERIALISABLE);
  }
  if (normal !== obj) {
    if (typeof normal === 'object' && normal !== null) {
      seen.add(obj);
      const out = writeValue(normal, seen);
      seen.delete(obj);
      return out;
    }
    return writeValue(normal, seen);
  }
  // A Proxy can throw from any reflection (a revoked one from Array.isArray itself).
  let isArray: boolean;
  let keys: string[] = [];
  try {
    isArray = Array.isArray(obj);
    if (!isArray) keys = Object.keys(obj).sort(compareCodePoints);
  } catch {
    return canonicalString(UNSERIALISABLE);
  }
  seen.add(obj);
  let out: string;
  if (isArray) {
    const arr = obj as unknown[];
    const parts: string[] = [];
    const n = readLength(arr);
    for (let i = 0; i < n; i++) parts.push(writeValue(readIndex(arr, i), seen));
    out = `[${parts.join(',')}]`;
  } else {
    const parts: string[] = [];
    for (const key of keys) {
      const member = readKey(obj as Record<string, unknown>, key);
      if (member === undefined) continue;
      parts.push(`${canonicalString(key)}:${writeValue(member, seen)}`);
    }
    out = `{${parts.join(',')}}`;
  }
  seen.delete(obj);
  return out;
}

/** Reads `obj[key]`, turning a throwing getter or proxy trap into a placeholder. */
export function readKey(obj: Record<string, unknown>, key: string): unknown {
  try {
    return obj[key];
  } catch {
    return UNSERIALISABLE;
  }
}

function readLength(arr: unknown[]): number {
  try {
    return arr.length;
  } catch {
    return 0;
  }
}

function readIndex(arr: unknown[], i: number): unknown {
  try {
    return arr[i];
  } catch {
    return UNSERIALISABLE;
  }
}
