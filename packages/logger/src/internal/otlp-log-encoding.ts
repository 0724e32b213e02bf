/**
 * OTLP logs protobuf written straight from mapped records, without SDK LogRecord objects: what the
 * export worker sends when nothing needs the SDK's extension points (no custom processors or
 * exporter; `thread: false` with them keeps the SDK route).
 *
 * It must decode to exactly what the SDK route sends (test/collector/file-route.test.ts holds the two
 * equal on the shared vectors through the real collector), so it follows sdk-logs 0.223 and the
 * serializer of otlp-transformer 0.223 field by field:
 * - attributes as `LogRecordImpl` keeps them: in the object's order, the first `attributeCountLimit`
 *   kept and the rest counted in `dropped_attributes_count` (written even when 0); strings (also inside
 *   arrays and maps) cut to `attributeValueLengthLimit` UTF-16 units; values that are not an AnyValue
 *   (a function, a class instance, a cycle) dropped without being counted;
 * - numbers: integers within int64 as `int_value`, others as `double_value`;
 * - `severity_number` left out when unspecified, `severity_text` when empty, `flags` when 0;
 * - records grouped by instrumentation scope within a request, scopes in first-seen order;
 * - the resource's `dropped_attributes_count` written as 0, no schema URLs, no scope version, a scope
 *   without a name named `unknown`.
 */
import { ATTR_LOG_RECORD_UID, UNKNOWN_SCOPE } from '@tracebridge/schema';
import type { Attributes } from '@tracebridge/schema';
import { FIXED32, FIXED64, LEN, ProtoWriter, VARINT } from './proto-writer.js';
import { writeUuidv7 } from './uuidv7.js';

/** The SDK's log record limits, as the pipeline configures them. */
export interface RecordLimits {
  attributeCountLimit: number;
  attributeValueLengthLimit?: number;
}

/** One OTLP LogRecord: a mapped record and its times. */
export interface LogRecordFields {
  /** The record's time as seconds and nanoseconds (an OpenTelemetry HrTime). */
  seconds: number;
  nanos: number;
  severityNumber?: number | undefined;
  severityText?: string | undefined;
  body?: string | undefined;
  attributes: Attributes;
  /** Valid ids (the mapping checks them), both or neither. */
  traceId?: string | undefined;
  spanId?: string | undefined;
  flags?: number | undefined;
  /**
   * When set, a `log.record.uid` attribute (a UUIDv7 of this time, in milliseconds) after the others,
   * as the SDK route adds it last: written as its bytes, without a string per record.
   */
  uidMillis?: number | undefined;
}

const MIN_INT64 = -(2 ** 63);
const MAX_INT64 = 2 ** 63;

/** `seconds * 1e9 + nanos` as the two 32-bit halves of a fixed64, exactly (the product exceeds 2^53). */
export function nanosFixed64(seconds: number, nanos: number): [low: number, high: number] {
  return [nanosLow(seconds, nanos), nanosHigh(seconds, nanos)];
}

// seconds = hi16 · 2^16 + lo16; each part times 1e9 stays below 2^53, and
// (hi16 · 1e9) · 2^16 = ((hi16 · 1e9) div 2^16) · 2^32 + ((hi16 · 1e9) mod 2^16) · 2^16.

function nanosLowSum(seconds: number, nanos: number): number {
  return ((seconds & 0xffff) * 1e9) % 0x100000000 + ((Math.floor(seconds / 0x10000) * 1e9) % 0x10000) * 0x10000 + nanos;
}

function nanosLow(seconds: number, nanos: number): number {
  return nanosLowSum(seconds, nanos) % 0x100000000;
}

function nanosHigh(seconds: number, nanos: number): number {
  const high =
    Math.floor(((seconds & 0xffff) * 1e9) / 0x100000000) +
    Math.floor((Math.floor(seconds / 0x10000) * 1e9) / 0x10000) +
    Math.floor(nanosLowSum(seconds, nanos) / 0x100000000);
  return high % 0x100000000;
}

/** Bytes of the last trace and span ids written: consecutive records of one span share them. */
let lastTraceId = '';
let lastSpanId = '';
const traceIdBytes = Buffer.alloc(16);
const spanIdBytes = Buffer.alloc(8);

/**
 * Writes one LogRecord message's fields (without its own tag and length) into `w`. `observed` is the
 * observed time as a fixed64's halves.
 */
export function writeLogRecord(w: ProtoWriter, r: LogRecordFields, observedLow: number, observedHigh: number, limits: RecordLimits): void {
  w.tag(1, FIXED64);
  w.fixed64(nanosLow(r.seconds, r.nanos), nanosHigh(r.seconds, r.nanos));
  if (r.severityNumber !== undefined && r.severityNumber !== 0) {
    w.tag(2, VARINT);
    w.varint(r.severityNumber);
  }
  if (r.severityText) {
    w.tag(3, LEN);
    w.string(r.severityText);
  }
  if (r.body !== undefined) {
    w.tag(5, LEN);
    const at = w.startLength();
    writeAnyValue(w, r.body, undefined, undefined);
    w.finishLength(at);
  }
  let dropped = writeAttributes(w, 6, r.attributes, limits);
  if (r.uidMillis !== undefined) {
    if (keptAttributes < limits.attributeCountLimit) writeUid(w, r.uidMillis);
    else dropped++;
  }
  w.tag(7, VARINT);
  w.varint(dropped);
  if (r.traceId !== undefined && r.spanId !== undefined) {
    if (r.flags) {
      w.tag(8, FIXED32);
      w.fixed32(r.flags);
    }
    if (r.traceId !== lastTraceId) {
      traceIdBytes.write(r.traceId, 0, 16, 'hex');
      lastTraceId = r.traceId;
    }
    if (r.spanId !== lastSpanId) {
      spanIdBytes.write(r.spanId, 0, 8, 'hex');
      lastSpanId = r.spanId;
    }
    w.tag(9, LEN);
    w.varint(16);
    w.raw(traceIdBytes);
    w.tag(10, LEN);
    w.varint(8);
    w.raw(spanIdBytes);
  }
  w.tag(11, FIXED64);
  w.fixed64(observedLow, observedHigh);
}

/** The KeyValue of `log.record.uid`: its key's bytes once, then 36 ASCII characters per record. */
const UID_KEY = Buffer.from(ATTR_LOG_RECORD_UID, 'latin1');

function writeUid(w: ProtoWriter, millis: number): void {
  const k = UID_KEY.length;
  const kvLength = 4 + k + 2 + 36;
  w.ensure(2 + kvLength);
  const buf = w.buf;
  let p = w.pos;
  buf[p++] = (6 << 3) | LEN;
  buf[p++] = kvLength;
  buf[p++] = (1 << 3) | LEN;
  buf[p++] = k;
  UID_KEY.copy(buf, p);
  p += k;
  buf[p++] = (2 << 3) | LEN;
  buf[p++] = 38;
  buf[p++] = (1 << 3) | LEN;
  buf[p++] = 36;
  writeUuidv7(buf, p, millis);
  w.pos = p + 36;
}

/** Attributes {@link writeAttributes} kept, the last time it ran. */
let keptAttributes = 0;

/** Repeated KeyValue field `field` of `attributes`, with the record limits; returns how many were dropped for the count limit. */
export function writeAttributes(w: ProtoWriter, field: number, attributes: Readonly<Record<string, unknown>>, limits: RecordLimits | undefined): number {
  const max = limits?.attributeCountLimit ?? Number.POSITIVE_INFINITY;
  const cut = limits?.attributeValueLengthLimit;
  let kept = 0;
  let dropped = 0;
  for (const key in attributes) {
    if (!Object.prototype.hasOwnProperty.call(attributes, key)) continue;
    const value = attributes[key];
    if (key.length === 0 || !isAnyValue(value)) continue;
    if (kept >= max) {
      dropped++;
      continue;
    }
    kept++;
    const kb = keyBytes(key);
    if (kb !== undefined && writeScalarKeyValue(w, field, kb, value, cut)) continue;
    w.tag(field, LEN);
    const at = w.startLength();
    w.tag(1, LEN);
    w.string(key);
    w.tag(2, LEN);
    const v = w.startLength();
    writeAnyValue(w, value, cut, undefined);
    w.finishLength(v);
    w.finishLength(at);
  }
  keptAttributes = kept;
  return dropped;
}

/** ASCII attribute keys up to this long have their bytes cached (keys repeat from record to record). */
const CACHED_KEY_LENGTH = 100;
const keyCache = new Map<string, Uint8Array | null>();

/** The bytes of an ASCII key (from the cache), or undefined for a long or non-ASCII one. */
function keyBytes(key: string): Uint8Array | undefined {
  let bytes = keyCache.get(key);
  if (bytes === undefined) {
    bytes = null;
    if (key.length <= CACHED_KEY_LENGTH) {
      const b = new Uint8Array(key.length);
      let ascii = true;
      for (let i = 0; i < key.length && ascii; i++) {
        const c = key.charCodeAt(i);
        if (c > 0x7f) ascii = false;
        b[i] = c;
      }
      if (ascii) bytes = b;
    }
    // Bounded: records with ever-new keys (ids as keys) must not grow it without end.
    if (keyCache.size >= 4096) keyCache.clear();
    keyCache.set(key, bytes);
  }
  return bytes ?? undefined;
}

/**
 * A KeyValue of an ASCII key and a scalar value (a string, boolean, non-negative integer below 2^32 or
 * a non-integer number) that fits in 127 bytes, written without length fix-ups: the common attribute.
 * Writes the same bytes the general path would; returns false, having written nothing, for any other.
 */
function writeScalarKeyValue(w: ProtoWriter, field: number, key: Uint8Array, value: unknown, cut: number | undefined): boolean {
  const k = key.length;
  let anyLength: number;
  let text = '';
  switch (typeof value) {
    case 'string':
      text = cut !== undefined && value.length > cut ? value.substring(0, cut) : value;
      anyLength = 2 + text.length;
      break;
    case 'boolean':
      anyLength = 2;
      break;
    case 'number':
      if (!Number.isInteger(value)) anyLength = 9;
      else if (value >= 0 && value <= 0xffffffff) anyLength = 1 + varintSize(value);
      else return false;
      break;
    default:
      return false;
  }
  const kvLength = 4 + k + anyLength;
  if (kvLength > 0x7f || anyLength > 0x7f) return false;
  w.ensure(2 + kvLength);
  const buf = w.buf;
  let p = w.pos;
  buf[p++] = (field << 3) | LEN;
  buf[p++] = kvLength;
  buf[p++] = (1 << 3) | LEN;
  buf[p++] = k;
  for (let i = 0; i < k; i++) buf[p++] = key[i] as number;
  buf[p++] = (2 << 3) | LEN;
  buf[p++] = anyLength;
  if (typeof value === 'string') {
    buf[p++] = (1 << 3) | LEN;
    buf[p++] = text.length;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c > 0x7f) return false; // not ASCII: the general path writes it (w.pos was not moved)
      buf[p++] = c;
    }
  } else if (typeof value === 'boolean') {
    buf[p++] = (2 << 3) | VARINT;
    buf[p++] = value ? 1 : 0;
  } else if (Number.isInteger(value)) {
    buf[p++] = (3 << 3) | VARINT;
    let v = value as number;
    while (v > 0x7f) {
      buf[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[p++] = v;
  } else {
    buf[p++] = (4 << 3) | FIXED64;
    buf.writeDoubleLE(value as number, p);
    p += 8;
  }
  w.pos = p;
  return true;
}

/** An AnyValue's fields. `cut`: the string length limit; `seen`: maps being written (never a cycle). */
function writeAnyValue(w: ProtoWriter, value: unknown, cut: number | undefined, seen: Set<object> | undefined): void {
  switch (typeof value) {
    case 'string':
      w.tag(1, LEN);
      w.string(cut !== undefined && value.length > cut ? value.substring(0, cut) : value);
      return;
    case 'boolean':
      w.tag(2, VARINT);
      w.varint(value ? 1 : 0);
      return;
    case 'number':
      if (Number.isInteger(value) && value >= MIN_INT64 && value < MAX_INT64) {
        w.tag(3, VARINT);
        w.varint(value);
      } else {
        w.tag(4, FIXED64);
        w.double(value);
      }
      return;
    case 'object':
      break;
    default:
      return;
  }
  if (value === null) return;
  if (value instanceof Uint8Array) {
    w.tag(7, LEN);
    w.varint(value.length);
    w.raw(value);
    return;
  }
  if (Array.isArray(value)) {
    w.tag(5, LEN);
    const at = w.startLength();
    for (const item of value) {
      w.tag(1, LEN);
      const v = w.startLength();
      writeAnyValue(w, item, cut, seen);
      w.finishLength(v);
    }
    w.finishLength(at);
    return;
  }
  const map = value as Record<string, unknown>;
  const inner = seen ?? new Set<object>();
  inner.add(map);
  w.tag(6, LEN);
  const at = w.startLength();
  for (const key in map) {
    if (!Object.prototype.hasOwnProperty.call(map, key)) continue;
    w.tag(1, LEN);
    const kv = w.startLength();
    w.tag(1, LEN);
    w.string(key);
    w.tag(2, LEN);
    const v = w.startLength();
    writeAnyValue(w, map[key], cut, inner);
    w.finishLength(v);
    w.finishLength(kv);
  }
  w.finishLength(at);
  inner.delete(map);
}

/**
 * Whether the SDK keeps `value` as a log attribute (sdk-logs `isLogAttributeValue`): scalars, bytes,
 * null, arrays and plain objects of such, without cycles. The mapping gives only scalars and arrays of
 * scalars: the check stops at the first level for those.
 */
function isAnyValue(value: unknown, seen?: Set<object>): boolean {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'undefined':
      return true;
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null || value instanceof Uint8Array) return true;
  const obj = value as object;
  if (seen?.has(obj)) return false;
  const inner = seen ?? new Set<object>();
  inner.add(obj);
  let ok = true;
  if (Array.isArray(obj)) {
    for (const item of obj) {
      if ((typeof item === 'object' && item !== null) || typeof item === 'function' || typeof item === 'symbol' || typeof item === 'bigint') {
        if (!isAnyValue(item, inner)) {
          ok = false;
          break;
        }
      }
    }
  } else {
    const ctor = (obj as { constructor?: unknown }).constructor;
    if (ctor !== Object && ctor !== undefined) ok = false;
    else {
      for (const key in obj) {
        if (Object.prototype.hasOwnProperty.call(obj, key) && !isAnyValue((obj as Record<string, unknown>)[key], inner)) {
          ok = false;
          break;
        }
      }
    }
  }
  inner.delete(obj);
  return ok;
}

/** The Resource field (1) of a ResourceLogs message, encoded once per resource. */
export function encodeResourceField(attributes: Readonly<Record<string, unknown>>): Buffer {
  const w = new ProtoWriter(1024);
  w.tag(1, LEN);
  const at = w.startLength();
  writeAttributes(w, 1, attributes, undefined);
  w.tag(2, VARINT);
  w.varint(0);
  w.finishLength(at);
  return Buffer.from(w.buf.subarray(0, w.pos));
}

/** The scope field (1) of a ScopeLogs message: an InstrumentationScope with only its name. */
export function encodeScopeField(name: string): Buffer {
  const w = new ProtoWriter(256);
  w.tag(1, LEN);
  const at = w.startLength();
  w.tag(1, LEN);
  w.string(name);
  w.finishLength(at);
  return Buffer.from(w.buf.subarray(0, w.pos));
}

/** Records of one scope in a batch: its scope field and the `log_records` fields written so far. */
interface ScopeRecords {
  scopeField: Buffer;
  records: ProtoWriter;
  /** Where the records start in `records`: room is left before them for the request's headers. */
  start: number;
}

/**
 * Records on their way to one export request: each LogRecord written once, as it is accepted, under
 * its scope. {@link encodeRequest} then assembles the ExportLogsServiceRequest around them: in place
 * when the batch has one scope (the usual case), its headers written into room left before the records,
 * so a request costs no copy of its records.
 */
export class LogBatch {
  /** Records in the batch. */
  count = 0;
  private readonly scopes = new Map<string, ScopeRecords>();

  /**
   * `resourceField`: the resource the request will be encoded with (room for its headers is left);
   * `initialBytes`: the first scope's writer size (the size of the last batch: no growth on the way).
   */
  constructor(
    private readonly scopeFields: Map<string, Buffer>,
    private readonly resourceField?: Buffer,
    private readonly initialBytes = 16 * 1024,
  ) {}

  /** Bytes of records written. */
  get bytes(): number {
    let n = 0;
    for (const s of this.scopes.values()) n += s.records.pos - s.start;
    return n;
  }

  /** Adds one record under `scope`. */
  add(name: string, record: LogRecordFields, observedLow: number, observedHigh: number, limits: RecordLimits): void {
    // The SDK's LoggerProvider names a logger asked for without a name `unknown`.
    const scope = name === '' ? UNKNOWN_SCOPE : name;
    let entry = this.scopes.get(scope);
    if (entry === undefined) entry = this.addScope(scope);
    const w = entry.records;
    w.tag(2, LEN);
    // Two bytes for the record's length: most records are 128 bytes to 16 KiB long.
    w.ensure(2);
    const at = w.pos;
    w.pos += 2;
    writeLogRecord(w, record, observedLow, observedHigh, limits);
    finishLength2(w, at);
    this.count++;
  }

  private addScope(scope: string): ScopeRecords {
    let scopeField = this.scopeFields.get(scope);
    if (scopeField === undefined) {
      scopeField = encodeScopeField(scope);
      // Scope names come from components: few per process. The cache is bounded all the same.
      if (this.scopeFields.size < 1024) this.scopeFields.set(scope, scopeField);
    }
    // The first scope leaves room for the request's headers: ResourceLogs' tag and length, the
    // resource, ScopeLogs' tag and length, the scope (lengths as 5-byte varints at most).
    const first = this.scopes.size === 0 && this.resourceField !== undefined;
    const start = first ? 1 + 5 + (this.resourceField as Buffer).length + 1 + 5 + scopeField.length : 0;
    const records = new ProtoWriter(start + (first ? this.initialBytes : 16 * 1024));
    records.pos = start;
    const entry: ScopeRecords = { scopeField, records, start };
    this.scopes.set(scope, entry);
    return entry;
  }

  /** The ExportLogsServiceRequest of these records under the resource `resourceField`. */
  encodeRequest(resourceField: Buffer = this.resourceField as Buffer): Uint8Array {
    let resourceLogs = resourceField.length;
    for (const s of this.scopes.values()) {
      const n = s.scopeField.length + s.records.pos - s.start;
      resourceLogs += 1 + varintSize(n) + n;
    }
    if (this.scopes.size === 1 && resourceField === this.resourceField) {
      const s = this.scopes.values().next().value as ScopeRecords;
      const scopeLogs = s.scopeField.length + s.records.pos - s.start;
      const headerBytes = 1 + varintSize(resourceLogs) + resourceField.length + 1 + varintSize(scopeLogs) + s.scopeField.length;
      const w = s.records;
      const end = w.pos;
      // Written again, the same, if the request is encoded again (a retry).
      w.pos = s.start - headerBytes;
      w.tag(1, LEN);
      w.varint(resourceLogs);
      w.raw(resourceField);
      w.tag(2, LEN);
      w.varint(scopeLogs);
      w.raw(s.scopeField);
      const from = s.start - headerBytes;
      w.pos = end;
      return w.buf.subarray(from, end);
    }
    const w = new ProtoWriter(1 + varintSize(resourceLogs) + resourceLogs);
    w.tag(1, LEN);
    w.varint(resourceLogs);
    w.raw(resourceField);
    for (const s of this.scopes.values()) {
      w.tag(2, LEN);
      w.varint(s.scopeField.length + s.records.pos - s.start);
      w.raw(s.scopeField);
      w.raw(s.records.buf, s.start, s.records.pos);
    }
    return w.buf.subarray(0, w.pos);
  }
}

/** Writes the length of the message that started at `at + 2` into the two bytes reserved at `at`. */
function finishLength2(w: ProtoWriter, at: number): void {
  const length = w.pos - at - 2;
  const buf = w.buf;
  if (length >= 0x80 && length < 0x4000) {
    buf[at] = (length & 0x7f) | 0x80;
    buf[at + 1] = length >>> 7;
    return;
  }
  if (length < 0x80) {
    buf.copy(buf, at + 1, at + 2, w.pos);
    buf[at] = length;
    w.pos -= 1;
    return;
  }
  const size = varintSize(length);
  w.ensure(size - 2);
  const b = w.buf;
  b.copy(b, at + size, at + 2, w.pos);
  w.pos += size - 2;
  let v = length;
  let p = at;
  while (v > 0x7f) {
    b[p++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  b[p] = v;
}

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}
