/**
 * The answer to an OTLP logs export, `ExportLogsServiceResponse`, decoded as the SDK's protobuf logs
 * exporter decodes it (its partial success: records the receiver rejected and why), so the export
 * delegate reports a partial success the same way. Written here rather than taken from
 * `@opentelemetry/otlp-transformer`, whose entry point loads the serializers of every signal (and
 * with them sdk-metrics and resources) into the export worker for these few lines.
 */

/** The decoded response, in the shape the export delegate's response handler reads. */
export interface LogsExportResponse {
  partialSuccess?: { rejectedLogRecords?: number; errorMessage?: string };
}

class Reader {
  pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  atEnd(): boolean {
    return this.pos >= this.buf.length;
  }

  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.buf.length) throw new Error('truncated varint');
      const b = this.buf[this.pos++] as number;
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result;
      scale *= 128;
    }
    throw new Error('varint too long');
  }

  bytes(): Uint8Array {
    const n = this.varint();
    if (this.pos + n > this.buf.length) throw new Error('truncated field');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

/** Decodes a response body; throws on a malformed one (the delegate then warns and counts the export a success). */
export function decodeLogsExportResponse(data: Uint8Array): LogsExportResponse {
  const r = new Reader(data);
  const out: LogsExportResponse = {};
  while (!r.atEnd()) {
    const tag = r.varint();
    if (tag >>> 3 === 1 && (tag & 7) === 2) out.partialSuccess = decodePartialSuccess(r.bytes());
    else r.skip(tag & 7);
  }
  return out;
}

function decodePartialSuccess(data: Uint8Array): NonNullable<LogsExportResponse['partialSuccess']> {
  const r = new Reader(data);
  const out: NonNullable<LogsExportResponse['partialSuccess']> = {};
  while (!r.atEnd()) {
    const tag = r.varint();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 1 && wire === 0) {
      // int64: a count, far below 2^53; a negative one (never sent) would read as a huge number.
      out.rejectedLogRecords = r.varint();
    } else if (field === 2 && wire === 2) out.errorMessage = Buffer.from(r.bytes()).toString('utf8');
    else r.skip(wire);
  }
  return out;
}
