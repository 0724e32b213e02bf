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
import { UNKNOWN_SCOPE } from '@tracebridge/schema';
import type { Attributes } from '@tracebridge/schema';
import { FIXED32, FIXED64, LEN, ProtoWriter, VARINT } from './proto-writer.js';

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
}

const MIN_INT64 = -(2 ** 63);
const MAX_INT64 = 2 ** 63;

/** `seconds * 1e9 + nanos` as the two 32-bit halves of a fixed64, exactly (the product exceeds 2^53). */
export function nanosFixed64(seconds: number, nanos: number): [low: number, high: number] {
  // seconds = hi16 · 2^16 + lo16; each part times 1e9 stays below 2^53.
  const lo16 = seconds & 0xffff;
  const hi16 = Math.floor(seconds / 0x10000);
  const fromLo = lo16 * 1e9;
  const fromHi = hi16 * 1e9;
  // fromHi · 2^16 = (fromHi div 2^16) · 2^32 + (fromHi mod 2^16) · 2^16
  const low = (fromLo % 0x100000000) + (fromHi % 0x10000) * 0x10000 + nanos;
  const high = Math.floor(fromLo / 0x100000000) + Math.floor(fromHi / 0x10000) + Math.floor(low / 0x100000000);
  return [low % 0x100000000, high % 0x100000000];
}

/**
 * Writes one LogRecord message's fields (without its own tag and length) into `w`. `observed` is the
 * observed time as a fixed64's halves.
 */
export function writeLogRecord(w: ProtoWriter, r: LogRecordFields, observedLow: number, observedHigh: number, limits: RecordLimits): void {
  const [low, high] = nanosFixed64(r.seconds, r.nanos);
  w.tag(1, FIXED64);
  w.fixed64(low, high);
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
  const dropped = writeAttributes(w, 6, r.attributes, limits);
  w.tag(7, VARINT);
  w.varint(dropped);
  if (r.traceId !== undefined && r.spanId !== undefined) {
    if (r.flags) {
      w.tag(8, FIXED32);
      w.fixed32(r.flags);
    }
    w.tag(9, LEN);
    w.hexBytes(r.traceId);
    w.tag(10, LEN);
    w.hexBytes(r.spanId);
  }
  w.tag(11, FIXED64);
  w.fixed64(observedLow, observedHigh);
}

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
  return dropped;
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
}

/**
 * Records on their way to one export request: each LogRecord written once, as it is accepted, under
 * its scope. {@link encodeRequest} then assembles the ExportLogsServiceRequest around them.
 */
export class LogBatch {
  /** Records in the batch. */
  count = 0;
  private readonly scopes = new Map<string, ScopeRecords>();

  constructor(private readonly scopeFields: Map<string, Buffer>) {}

  /** Adds one record under `scope`. */
  add(name: string, record: LogRecordFields, observedLow: number, observedHigh: number, limits: RecordLimits): void {
    // The SDK's LoggerProvider names a logger asked for without a name `unknown`.
    const scope = name === '' ? UNKNOWN_SCOPE : name;
    let entry = this.scopes.get(scope);
    if (entry === undefined) {
      let scopeField = this.scopeFields.get(scope);
      if (scopeField === undefined) {
        scopeField = encodeScopeField(scope);
        // Scope names come from components: few per process. The cache is bounded all the same.
        if (this.scopeFields.size < 1024) this.scopeFields.set(scope, scopeField);
      }
      entry = { scopeField, records: new ProtoWriter(16 * 1024) };
      this.scopes.set(scope, entry);
    }
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

  /** The ExportLogsServiceRequest of these records under the resource `resourceField`. */
  encodeRequest(resourceField: Buffer): Uint8Array {
    let resourceLogs = resourceField.length;
    for (const s of this.scopes.values()) {
      const n = s.scopeField.length + s.records.pos;
      resourceLogs += 1 + varintSize(n) + n;
    }
    const w = new ProtoWriter(1 + varintSize(resourceLogs) + resourceLogs);
    w.tag(1, LEN);
    w.varint(resourceLogs);
    w.raw(resourceField);
    for (const s of this.scopes.values()) {
      w.tag(2, LEN);
      w.varint(s.scopeField.length + s.records.pos);
      w.raw(s.scopeField);
      w.raw(s.records.buf, 0, s.records.pos);
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
