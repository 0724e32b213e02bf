/**
 * Reads the bench id (record-id.ts) of every log record of an OTLP/protobuf ExportLogsServiceRequest
 * without decoding the rest. The sink runs on the same 2 cores as the agent it measures, so it walks
 * the bytes with plain-number varints and skips every field but the path to the attributes; the full
 * decoder of the tests (BigInt varints, every field as an object) costs several times more per record.
 *
 * Field numbers from opentelemetry-proto: ExportLogsServiceRequest.resource_logs = 1,
 * ResourceLogs.scope_logs = 2, ScopeLogs.log_records = 2, LogRecord.attributes = 6, KeyValue.key = 1,
 * KeyValue.value = 2, AnyValue.string_value = 1.
 */
import { ID_KEYS } from './record-id.js';

const KEYS = ID_KEYS.map((k) => Buffer.from(k, 'utf8'));

class Cursor {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    readonly end: number,
  ) {}

  /** A varint as a number; lengths and tags stay far below 2^53. */
  varint(): number {
    let result = 0;
    let mul = 1;
    for (;;) {
      const b = this.buf[this.pos++] as number;
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return result;
      mul *= 128;
    }
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.pos += this.varint();
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported protobuf wire type ${wire}`);
  }

  /** Calls `onField(n, start, end)` for every length-delimited field; skips the others. */
  each(onField: (n: number, start: number, end: number) => void): void {
    while (this.pos < this.end) {
      const tag = this.varint();
      const wire = tag & 7;
      if (wire !== 2) {
        this.skip(wire);
        continue;
      }
      const len = this.varint();
      const start = this.pos;
      this.pos += len;
      onField(tag >>> 3, start, start + len);
    }
  }
}

function isIdKey(buf: Buffer, start: number, end: number): boolean {
  const len = end - start;
  for (const k of KEYS) if (k.length === len && buf.compare(k, 0, len, start, end) === 0) return true;
  return false;
}

/** The id string of one LogRecord, or undefined when it has none. */
function recordIdOf(buf: Buffer, start: number, end: number): string | undefined {
  let id: string | undefined;
  new Cursor(buf, start, end).each((n, s, e) => {
    if (n !== 6 || id !== undefined) return;
    let keyStart = -1;
    let keyEnd = -1;
    let valueStart = -1;
    let valueEnd = -1;
    new Cursor(buf, s, e).each((m, ks, ke) => {
      if (m === 1) [keyStart, keyEnd] = [ks, ke];
      else if (m === 2) [valueStart, valueEnd] = [ks, ke];
    });
    if (keyStart < 0 || valueStart < 0 || !isIdKey(buf, keyStart, keyEnd)) return;
    new Cursor(buf, valueStart, valueEnd).each((m, vs, ve) => {
      if (m === 1) id = buf.toString('utf8', vs, ve);
    });
  });
  return id;
}

/** Calls `onRecord` with each log record's id (undefined for a record without one), in order. */
export function scanProtobufIds(body: Buffer, onRecord: (id: string | undefined) => void): void {
  new Cursor(body, 0, body.length).each((n, s, e) => {
    if (n !== 1) return;
    new Cursor(body, s, e).each((m, ss, se) => {
      if (m !== 2) return;
      new Cursor(body, ss, se).each((k, rs, re) => {
        if (k === 2) onRecord(recordIdOf(body, rs, re));
      });
    });
  });
}

interface JsonRequest {
  resourceLogs?: Array<{ scopeLogs?: Array<{ logRecords?: Array<{ attributes?: Array<{ key: string; value?: { stringValue?: string } }> }> }> }>;
}

/** The same for an OTLP/JSON request body. */
export function scanJsonIds(body: Buffer, onRecord: (id: string | undefined) => void): void {
  const request = JSON.parse(body.toString('utf8')) as JsonRequest;
  for (const rl of request.resourceLogs ?? []) {
    for (const sl of rl.scopeLogs ?? []) {
      for (const r of sl.logRecords ?? []) {
        onRecord(r.attributes?.find((a) => (ID_KEYS as readonly string[]).includes(a.key))?.value?.stringValue);
      }
    }
  }
}
