import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import { decodeLogsExportResponse } from '../src/internal/otlp-log-response.js';

/** protobuf bytes from a list of byte values and strings (UTF-8). */
function bytes(...parts: Array<number | string>): Uint8Array {
  return Uint8Array.from(parts.flatMap((p) => (typeof p === 'number' ? [p] : [...Buffer.from(p, 'utf8')])));
}

describe(decodeLogsExportResponse, () => {
  it('reads responses as the SDK protobuf logs exporter reads them', () => {
    const cases = [
      bytes(),
      // partial_success { rejected_log_records: 5, error_message: "too old" }
      bytes(0x0a, 11, 0x08, 5, 0x12, 7, 'too old'),
      // a count above 2^28 (a 5-byte varint), no message
      bytes(0x0a, 6, 0x08, 0x80, 0x80, 0x80, 0x80, 0x02),
      // an unknown field of every wire type around it, and an empty partial success
      bytes(0x10, 1, 0x19, 1, 2, 3, 4, 5, 6, 7, 8, 0x0a, 0, 0x25, 1, 2, 3, 4, 0x2a, 2, 'ok'),
      bytes(0x0a, 7, 0x12, 5, 'é⚠'),
    ];
    for (const data of cases) expect(decodeLogsExportResponse(data)).toEqual(ProtobufLogsSerializer.deserializeResponse(data));
  });

  it('throws on a truncated body', () => {
    expect(() => decodeLogsExportResponse(bytes(0x0a, 11, 0x08))).toThrow();
  });
});
