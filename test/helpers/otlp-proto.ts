/**
 * A decoder of OTLP/protobuf log export requests into the OTLP/JSON shape (hex ids, 64-bit integers as
 * decimal strings), so a test can compare what an exporter sent with the shared vectors. Written from
 * the OTLP .proto definitions (opentelemetry-proto, logs/v1, common/v1, resource/v1): the JS packages
 * ship only encoders.
 */
import type { ExportLogsServiceRequest, OtlpAnyValue, OtlpKeyValue, OtlpLogRecord, OtlpResourceLogs, OtlpScopeLogs } from '@tracebridge/schema';

class Reader {
  pos = 0;
  constructor(
    readonly buf: Uint8Array,
    readonly end = buf.length,
    start = 0,
  ) {
    this.pos = start;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.buf[this.pos++] as number;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  }

  fixed64(): bigint {
    const dv = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8);
    this.pos += 8;
    return dv.getBigUint64(0, true);
  }

  double(): number {
    const dv = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8);
    this.pos += 8;
    return dv.getFloat64(0, true);
  }

  fixed32(): number {
    const dv = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4);
    this.pos += 4;
    return dv.getUint32(0, true);
  }

  bytes(): Uint8Array {
    const n = Number(this.varint());
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  sub(): Reader {
    const n = Number(this.varint());
    const r = new Reader(this.buf, this.pos + n, this.pos);
    this.pos += n;
    return r;
  }

  string(): string {
    return Buffer.from(this.bytes()).toString('utf8');
  }

  /** Calls `field` for each (number, wire type) until the end; unknown fields are skipped. */
  fields(field: (n: number, wire: number) => boolean): void {
    while (this.pos < this.end) {
      const tag = Number(this.varint());
      const n = tag >>> 3;
      const wire = tag & 7;
      if (!field(n, wire)) this.skip(wire);
    }
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) {
      // Read the length first: `this.pos += this.varint()` would add it to the position before the read.
      const n = Number(this.varint());
      this.pos += n;
    }
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function anyValue(r: Reader): OtlpAnyValue {
  const out: OtlpAnyValue = {};
  r.fields((n, wire) => {
    if (n === 1 && wire === 2) out.stringValue = r.string();
    else if (n === 2 && wire === 0) out.boolValue = r.varint() !== 0n;
    else if (n === 3 && wire === 0) out.intValue = BigInt.asIntN(64, r.varint()).toString();
    else if (n === 4 && wire === 1) out.doubleValue = r.double();
    else if (n === 5 && wire === 2) {
      const values: OtlpAnyValue[] = [];
      const inner = r.sub();
      inner.fields((m, w) => (m === 1 && w === 2 ? (values.push(anyValue(inner.sub())), true) : false));
      out.arrayValue = values.length > 0 ? { values } : {};
    } else if (n === 6 && wire === 2) {
      const values: OtlpKeyValue[] = [];
      const inner = r.sub();
      inner.fields((m, w) => (m === 1 && w === 2 ? (values.push(keyValue(inner.sub())), true) : false));
      out.kvlistValue = values.length > 0 ? { values } : {};
    } else if (n === 7 && wire === 2) out.bytesValue = Buffer.from(r.bytes()).toString('base64');
    else return false;
    return true;
  });
  return out;
}

function keyValue(r: Reader): OtlpKeyValue {
  const kv: OtlpKeyValue = { key: '', value: {} };
  r.fields((n, wire) => {
    if (n === 1 && wire === 2) kv.key = r.string();
    else if (n === 2 && wire === 2) kv.value = anyValue(r.sub());
    else return false;
    return true;
  });
  return kv;
}

function logRecord(r: Reader): OtlpLogRecord {
  const out: OtlpLogRecord = {};
  const attributes: OtlpKeyValue[] = [];
  r.fields((n, wire) => {
    if (n === 1 && wire === 1) out.timeUnixNano = r.fixed64().toString();
    else if (n === 11 && wire === 1) out.observedTimeUnixNano = r.fixed64().toString();
    else if (n === 2 && wire === 0) out.severityNumber = Number(r.varint());
    else if (n === 3 && wire === 2) out.severityText = r.string();
    else if (n === 5 && wire === 2) out.body = anyValue(r.sub());
    else if (n === 6 && wire === 2) attributes.push(keyValue(r.sub()));
    else if (n === 7 && wire === 0) out.droppedAttributesCount = Number(r.varint());
    else if (n === 8 && wire === 5) out.flags = r.fixed32();
    else if (n === 9 && wire === 2) out.traceId = hex(r.bytes());
    else if (n === 10 && wire === 2) out.spanId = hex(r.bytes());
    else if (n === 12 && wire === 2) out.eventName = r.string();
    else return false;
    return true;
  });
  if (attributes.length > 0) out.attributes = attributes;
  if (out.traceId === '') delete out.traceId;
  if (out.spanId === '') delete out.spanId;
  return out;
}

function attributesOf(r: Reader): OtlpKeyValue[] {
  const attributes: OtlpKeyValue[] = [];
  r.fields((n, wire) => (n === 1 && wire === 2 ? (attributes.push(keyValue(r.sub())), true) : false));
  return attributes;
}

function scopeLogs(r: Reader): OtlpScopeLogs {
  const out: OtlpScopeLogs = { scope: {}, logRecords: [] };
  r.fields((n, wire) => {
    if (n === 1 && wire === 2) {
      const scope: NonNullable<OtlpScopeLogs['scope']> = {};
      const s = r.sub();
      s.fields((m, w) => {
        if (m === 1 && w === 2) scope.name = s.string();
        else if (m === 2 && w === 2) scope.version = s.string();
        else return false;
        return true;
      });
      out.scope = scope;
    } else if (n === 2 && wire === 2) out.logRecords.push(logRecord(r.sub()));
    else if (n === 3 && wire === 2) out.schemaUrl = r.string();
    else return false;
    return true;
  });
  return out;
}

function resourceLogs(r: Reader): OtlpResourceLogs {
  const out: OtlpResourceLogs = { resource: { attributes: [] }, scopeLogs: [] };
  r.fields((n, wire) => {
    if (n === 1 && wire === 2) out.resource = { attributes: attributesOf(r.sub()) };
    else if (n === 2 && wire === 2) out.scopeLogs.push(scopeLogs(r.sub()));
    else if (n === 3 && wire === 2) out.schemaUrl = r.string();
    else return false;
    return true;
  });
  return out;
}

/** Decodes one `ExportLogsServiceRequest` protobuf body. */
export function decodeLogsRequest(body: Uint8Array): ExportLogsServiceRequest {
  const r = new Reader(body);
  const out: ExportLogsServiceRequest = { resourceLogs: [] };
  r.fields((n, wire) => (n === 1 && wire === 2 ? (out.resourceLogs.push(resourceLogs(r.sub())), true) : false));
  return out;
}

/** Counts the log records of a protobuf request without building them (for load tests). */
export function countLogRecords(body: Uint8Array): number {
  let count = 0;
  const r = new Reader(body);
  r.fields((n, wire) => {
    if (n !== 1 || wire !== 2) return false;
    const rl = r.sub();
    rl.fields((m, w) => {
      if (m !== 2 || w !== 2) return false;
      const sl = rl.sub();
      sl.fields((k, x) => {
        if (k !== 2 || x !== 2) return false;
        count++;
        sl.skip(2);
        return true;
      });
      return true;
    });
    return true;
  });
  return count;
}
