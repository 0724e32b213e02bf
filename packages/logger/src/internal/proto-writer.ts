/**
 * A growable protobuf writer on a Node Buffer: just the wire types OTLP logs use. The OTLP logs
 * request is written with it field by field (otlp-log-encoding.ts), as the SDK's own serializer in
 * `@opentelemetry/otlp-transformer` 0.223 does, which does not export its writer.
 */

/** Wire types. */
export const VARINT = 0;
export const FIXED64 = 1;
export const LEN = 2;
export const FIXED32 = 5;

/** Strings this short are written by a JS loop when ASCII: cheaper than a call into the native encoder. */
const SHORT_STRING = 48;

export class ProtoWriter {
  buf: Buffer;
  pos = 0;

  constructor(size = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  /**
   * An unsigned varint for 0 ≤ value < 2^32, else the 64-bit two's-complement varint of an integer
   * (int64 `int_value`), as the SDK's writer encodes it.
   */
  varint(value: number): void {
    this.ensure(10);
    const buf = this.buf;
    if (value >= 0 && value <= 0xffffffff) {
      let v = value >>> 0;
      while (v > 0x7f) {
        buf[this.pos++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      buf[this.pos++] = v;
      return;
    }
    const abs = Math.abs(value);
    let low = abs >>> 0;
    let high = (abs / 0x100000000) >>> 0;
    if (value < 0) {
      low = ~low >>> 0;
      high = ~high >>> 0;
      low = (low + 1) >>> 0;
      if (low === 0) high = (high + 1) >>> 0;
    }
    while (high > 0 || low > 0x7f) {
      buf[this.pos++] = (low & 0x7f) | 0x80;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    buf[this.pos++] = low & 0x7f;
  }

  fixed32(value: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(value >>> 0, this.pos);
    this.pos += 4;
  }

  fixed64(low: number, high: number): void {
    this.ensure(8);
    this.buf.writeUInt32LE(low >>> 0, this.pos);
    this.buf.writeUInt32LE(high >>> 0, this.pos + 4);
    this.pos += 8;
  }

  double(value: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(value, this.pos);
    this.pos += 8;
  }

  /** A length-delimited UTF-8 string (its tag written by the caller). */
  string(s: string): void {
    const n = s.length;
    if (n <= SHORT_STRING) {
      this.ensure(n * 3 + 2);
      const buf = this.buf;
      const start = this.pos;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c > 0x7f) break;
        buf[start + 1 + i] = c;
      }
      if (i === n) {
        buf[start] = n;
        this.pos = start + 1 + n;
        return;
      }
      // Not ASCII: at most 3 bytes per UTF-16 unit, so 48 units take at most 144 bytes, a 2-byte length.
      const bytes = buf.write(s, start + 2, 'utf8');
      if (bytes < 0x80) {
        buf.copy(buf, start + 1, start + 2, start + 2 + bytes);
        buf[start] = bytes;
        this.pos = start + 1 + bytes;
      } else {
        buf[start] = (bytes & 0x7f) | 0x80;
        buf[start + 1] = bytes >>> 7;
        this.pos = start + 2 + bytes;
      }
      return;
    }
    const bytes = Buffer.byteLength(s, 'utf8');
    this.varint(bytes);
    this.ensure(bytes);
    this.buf.write(s, this.pos, 'utf8');
    this.pos += bytes;
  }

  /** A length-delimited byte string of `hex` (an even number of hex digits, checked by the caller). */
  hexBytes(hex: string): void {
    const n = hex.length >>> 1;
    this.ensure(n + 1);
    this.buf[this.pos++] = n;
    this.buf.write(hex, this.pos, n, 'hex');
    this.pos += n;
  }

  /** Raw bytes, already encoded. */
  raw(bytes: Uint8Array, start = 0, end = bytes.length): void {
    const n = end - start;
    this.ensure(n);
    this.buf.set(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end), this.pos);
    this.pos += n;
  }

  /**
   * Reserves one byte for the length of a nested message that follows; {@link finishLength} writes it
   * and moves the message when its length needs more bytes (rare: most nested messages are short).
   */
  startLength(): number {
    this.ensure(1);
    return this.pos++;
  }

  finishLength(at: number): void {
    const length = this.pos - at - 1;
    if (length < 0x80) {
      this.buf[at] = length;
      return;
    }
    let size = 2;
    while (length >= 2 ** (7 * size)) size++;
    this.ensure(size - 1);
    this.buf.copy(this.buf, at + size, at + 1, this.pos);
    this.pos += size - 1;
    let v = length;
    let p = at;
    while (v > 0x7f) {
      this.buf[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[p] = v;
  }
}
