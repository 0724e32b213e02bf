/**
 * The binary form of the values of a log call that crosses from the calling thread to the export worker
 * (the call's own layout is call-codec.ts).
 *
 * Why binary and not JSON: `JSON.stringify` of a record and the string concatenation around it cost
 * more than the whole per-call budget, and JSON silently drops functions, `Map` contents and cycles
 * that the mapping must show as placeholders. The encoder walks values once, writing tagged bytes and
 * applying the schema's own normalisation and placeholders; the worker decodes plain JSON-like values
 * and hands them to the one mapping. Strings are UTF-8 with an ASCII fast path (most log text is ASCII).
 */
import { CIRCULAR, UNSERIALISABLE, normaliseObject, placeholderFor } from '@tracebridge/schema/internal';

const T_UNDEFINED = 0;
const T_NULL = 1;
const T_STRING = 2;
const T_INT = 3;
const T_DOUBLE = 4;
const T_TRUE = 5;
const T_FALSE = 6;
const T_ARRAY = 7;
const T_OBJECT = 8;

/**
 * Values nested deeper than this are replaced by a placeholder of the wire's own (the mapping keeps 6
 * levels as attributes and the rest as JSON): it bounds the encoder's recursion, not the record.
 */
export const MAX_ENCODE_DEPTH = 32;
const TOO_DEEP = '[Too deep]';

/** Thrown inside the encoder when a record outgrows its limit; never escapes the transport. */
export class RecordTooLarge extends Error {}

/** A growable byte buffer written front to back. */
export class Encoder {
  buf: Buffer;
  u8: Uint8Array;
  dv: DataView;
  pos = 0;
  /** Objects being encoded above the current value: cycle detection without a Set allocation. */
  private readonly stack: object[] = [];
  limit: number;

  constructor(initialBytes: number, limit: number) {
    this.buf = Buffer.allocUnsafeSlow(initialBytes);
    this.u8 = this.buf;
    this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.limit = limit;
  }

  reset(): void {
    this.pos = 0;
    // Empty unless the last encoding threw midway; setting `length` regardless cost ~20 ns a call.
    if (this.stack.length !== 0) this.stack.length = 0;
  }

  ensure(extra: number): void {
    const need = this.pos + extra;
    if (need <= this.buf.length) return;
    if (need > this.limit) throw new RecordTooLarge();
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafeSlow(Math.min(size, Math.max(need, this.limit)));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.u8 = next;
    this.dv = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }

  u8w(v: number): void {
    this.ensure(1);
    this.u8[this.pos++] = v;
  }

  u16(v: number): void {
    this.ensure(2);
    this.dv.setUint16(this.pos, v, true);
    this.pos += 2;
  }

  u32(v: number): void {
    this.ensure(4);
    this.dv.setUint32(this.pos, v, true);
    this.pos += 4;
  }

  f64(v: number): void {
    this.ensure(8);
    this.dv.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  /** A string as u32 byte length + UTF-8. */
  str(s: string): void {
    const n = s.length;
    this.ensure(4 + n * 3);
    const start = this.pos + 4;
    const u8 = this.u8;
    if (n <= 128) {
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c > 0x7f) break;
        u8[start + i] = c;
      }
      if (i === n) {
        this.dv.setUint32(this.pos, n, true);
        this.pos = start + n;
        return;
      }
    }
    const written = this.buf.write(s, start, 'utf8');
    this.dv.setUint32(this.pos, written, true);
    this.pos = start + written;
  }

  /** Raw ASCII bytes of a known-length string (trace and span ids). */
  ascii(s: string, length: number): void {
    this.ensure(length);
    const u8 = this.u8;
    const p = this.pos;
    for (let i = 0; i < length; i++) u8[p + i] = s.charCodeAt(i);
    this.pos = p + length;
  }

  /** Any value, with the mapping's rules for what JSON cannot carry. */
  value(v: unknown, depth = 0): void {
    switch (typeof v) {
      case 'string':
        this.u8w(T_STRING);
        this.str(v);
        return;
      case 'number':
        if (Number.isInteger(v) && v >= -2147483648 && v <= 2147483647) {
          this.u8w(T_INT);
          this.ensure(4);
          this.dv.setInt32(this.pos, v, true);
          this.pos += 4;
        } else if (Number.isFinite(v)) {
          this.u8w(T_DOUBLE);
          this.f64(v);
        } else {
          this.u8w(T_STRING);
          this.str(placeholderFor(v) as string);
        }
        return;
      case 'boolean':
        this.u8w(v ? T_TRUE : T_FALSE);
        return;
      case 'undefined':
        this.u8w(T_UNDEFINED);
        return;
      case 'bigint':
      case 'function':
      case 'symbol':
        this.u8w(T_STRING);
        this.str(placeholderFor(v) as string);
        return;
      default:
        break;
    }
    if (v === null) {
      this.u8w(T_NULL);
      return;
    }
    this.object(v as object, depth);
  }

  private object(o: object, depth: number): void {
    if (this.stack.includes(o)) {
      this.u8w(T_STRING);
      this.str(CIRCULAR);
      return;
    }
    if (depth >= MAX_ENCODE_DEPTH) {
      this.u8w(T_STRING);
      this.str(TOO_DEEP);
      return;
    }
    // A Proxy can throw from any reflection (a revoked one from Array.isArray itself): such a value is
    // unserialisable, not too large, and the rest of the record is kept.
    let isArray: boolean;
    let proto: unknown;
    try {
      isArray = Array.isArray(o);
      proto = isArray ? undefined : Object.getPrototypeOf(o);
    } catch {
      this.u8w(T_STRING);
      this.str(UNSERIALISABLE);
      return;
    }
    if (isArray) {
      this.stack.push(o);
      let n: number;
      try {
        n = (o as unknown[]).length;
      } catch {
        n = 0;
      }
      this.u8w(T_ARRAY);
      this.u32(n);
      for (let i = 0; i < n; i++) this.value(safeIndex(o as unknown[], i), depth + 1);
      this.stack.pop();
      return;
    }
    if (proto !== Object.prototype && proto !== null) {
      const normal = normalised(o);
      if (normal !== o) {
        this.stack.push(o);
        this.value(normal, depth);
        this.stack.pop();
        return;
      }
    }
    this.stack.push(o);
    this.u8w(T_OBJECT);
    const countAt = this.pos;
    this.u32(0);
    let count = 0;
    if (proto === Object.prototype) {
      // for-in over a plain object walks V8's enum cache without allocating a keys array (measured
      // ~25% faster than Object.keys here); plain objects have no inherited enumerable keys to skip.
      // A Proxy of a plain object can throw from its enumeration traps: the members read so far stay.
      try {
        for (const key in o) {
          if (this.member(o, key, depth)) count++;
        }
      } catch (err) {
        if (err instanceof RecordTooLarge) throw err;
      }
    } else {
      let keys: string[];
      try {
        keys = Object.keys(o);
      } catch {
        keys = [];
      }
      for (let i = 0; i < keys.length; i++) if (this.member(o, keys[i] as string, depth)) count++;
    }
    this.dv.setUint32(countAt, count, true);
    this.stack.pop();
  }

  /** One object member (key + value); false when it is left out (undefined). */
  private member(o: object, key: string, depth: number): boolean {
    let value: unknown;
    try {
      value = (o as Record<string, unknown>)[key];
    } catch {
      value = UNSERIALISABLE;
    }
    if (value === undefined) return false;
    this.str(key);
    this.value(value, depth + 1);
    return true;
  }
}

function safeIndex(a: unknown[], i: number): unknown {
  try {
    return a[i];
  } catch {
    return UNSERIALISABLE;
  }
}

/** The schema's replacement for a class instance (the mapping's own rule), or a placeholder if it threw. */
function normalised(o: object): unknown {
  try {
    return normaliseObject(o);
  } catch {
    return UNSERIALISABLE;
  }
}

/** Object keys at most this long (in bytes) go through the key cache. */
const KEY_CACHE_LENGTH = 32;
/** Slots of the key cache (a power of two): direct-mapped, a colliding key replaces the last one. */
const KEY_CACHE_SLOTS = 256;
/** The key cache, shared by every decoder of the thread: each slot's hash, length, bytes and string. */
const keyHashes = new Int32Array(KEY_CACHE_SLOTS);
const keyLengths = new Int32Array(KEY_CACHE_SLOTS).fill(-1);
const keyBytes = new Uint8Array(KEY_CACHE_SLOTS * KEY_CACHE_LENGTH);
const keyValues: Array<string | undefined> = new Array(KEY_CACHE_SLOTS).fill(undefined);

/** Reads what {@link Encoder} wrote. */
export class Decoder {
  u8: Uint8Array;
  dv: DataView;
  buf: Buffer;
  pos: number;
  end: number;

  constructor(buf: Buffer, pos: number, end: number) {
    this.buf = buf;
    this.u8 = buf;
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = pos;
    this.end = end;
  }

  u8r(): number {
    return this.u8[this.pos++] as number;
  }

  u16(): number {
    const v = this.dv.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  u32(): number {
    const v = this.dv.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  f64(): number {
    const v = this.dv.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  str(): string {
    const n = this.u32();
    const start = this.pos;
    this.pos += n;
    // Short ASCII strings (ids, levels) are built in JS: a toString() call into C++ costs more than the
    // copy for them.
    if (n <= 24) {
      const u8 = this.u8;
      let s = '';
      for (let i = start; i < start + n; i++) {
        const c = u8[i] as number;
        if (c > 0x7f) return this.buf.toString('utf8', start, start + n);
        s += String.fromCharCode(c);
      }
      return s;
    }
    return this.buf.toString('utf8', start, start + n);
  }

  /**
   * An object key: from the key cache when the same bytes were read before. Records of one call site
   * carry the same keys, so the cached string is neither built nor interned again (V8 interns every
   * property key, a string-table lookup); values, often unique, are not cached: a cache would keep
   * each until replaced and move it to the old generation.
   */
  key(): string {
    const n = this.u32();
    const start = this.pos;
    this.pos += n;
    if (n > KEY_CACHE_LENGTH) return this.buf.toString('utf8', start, start + n);
    const u8 = this.u8;
    let h = 0x811c9dc5 ^ n;
    for (let i = start; i < start + n; i++) h = Math.imul(h ^ (u8[i] as number), 0x01000193);
    const slot = (h >>> 0) & (KEY_CACHE_SLOTS - 1);
    if (keyHashes[slot] === h && keyLengths[slot] === n) {
      const at = slot * KEY_CACHE_LENGTH;
      let same = true;
      for (let i = 0; i < n; i++) {
        if (keyBytes[at + i] !== u8[start + i]) {
          same = false;
          break;
        }
      }
      if (same) return keyValues[slot] as string;
    }
    const value = this.buf.toString('utf8', start, start + n);
    keyHashes[slot] = h;
    keyLengths[slot] = n;
    keyBytes.set(u8.subarray(start, start + n), slot * KEY_CACHE_LENGTH);
    keyValues[slot] = value;
    return value;
  }

  ascii(length: number): string {
    const s = this.buf.toString('latin1', this.pos, this.pos + length);
    this.pos += length;
    return s;
  }

  value(): unknown {
    const tag = this.u8r();
    switch (tag) {
      case T_UNDEFINED:
        return undefined;
      case T_NULL:
        return null;
      case T_STRING:
        return this.str();
      case T_INT: {
        const v = this.dv.getInt32(this.pos, true);
        this.pos += 4;
        return v;
      }
      case T_DOUBLE:
        return this.f64();
      case T_TRUE:
        return true;
      case T_FALSE:
        return false;
      case T_ARRAY: {
        const n = this.u32();
        const out = new Array<unknown>(n);
        for (let i = 0; i < n; i++) out[i] = this.value();
        return out;
      }
      case T_OBJECT: {
        const n = this.u32();
        const out: Record<string, unknown> = {};
        for (let i = 0; i < n; i++) {
          const key = this.key();
          const member = this.value();
          // A "__proto__" key must stay data, as JSON.parse keeps it, not replace the prototype.
          if (key === '__proto__') Object.defineProperty(out, key, { value: member, enumerable: true, writable: true, configurable: true });
          else out[key] = member;
        }
        return out;
      }
      default:
        throw new Error(`corrupt record: value tag ${tag}`);
    }
  }
}
