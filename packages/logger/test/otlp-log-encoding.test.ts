import type { HrTime } from '@opentelemetry/api';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { describe, expect, it } from 'vitest';
import { mapRecord } from '@tracebridge/schema';
import { canonicalJson } from '@tracebridge/schema/internal';
import type { MappedRecord } from '@tracebridge/schema';
import { decodeLogsRequest } from '../../../test/helpers/otlp-proto.js';
import { loadVectors } from '../../../test/helpers/vectors.js';
import { LogBatch, encodeResourceField, nanosFixed64 } from '../src/internal/otlp-log-encoding.js';
import type { RecordLimits } from '../src/internal/otlp-log-encoding.js';

const OBSERVED: HrTime = [1_764_506_096, 123_456_789];

function hrTime(unixNano: string | undefined): HrTime {
  if (unixNano === undefined) return [0, 0];
  return unixNano.length > 9 ? [Number(unixNano.slice(0, -9)), Number(unixNano.slice(-9))] : [0, Number(unixNano)];
}

/** The request the SDK route's protobuf exporter sends for these records of one resource. */
function viaSdk(resource: Record<string, unknown>, records: MappedRecord[], limits: RecordLimits): Uint8Array {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes(resource as Parameters<typeof resourceFromAttributes>[0]),
    logRecordLimits: limits,
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  for (const m of records) {
    const context =
      m.traceId !== undefined && m.spanId !== undefined ? trace.setSpanContext(ROOT_CONTEXT, { traceId: m.traceId, spanId: m.spanId, traceFlags: m.flags ?? 0 }) : ROOT_CONTEXT;
    const emit: Parameters<ReturnType<LoggerProvider['getLogger']>['emit']>[0] = { timestamp: hrTime(m.timeUnixNano), observedTimestamp: OBSERVED, attributes: m.attributes, context };
    if (m.severityNumber !== undefined) emit.severityNumber = m.severityNumber;
    if (m.severityText !== undefined) emit.severityText = m.severityText;
    if (m.body !== undefined) emit.body = m.body;
    provider.getLogger(m.scope).emit(emit);
  }
  return ProtobufLogsSerializer.serializeRequest(exporter.getFinishedLogRecords()) as Uint8Array;
}

/** The same records written by the protobuf route's encoder. */
function direct(resource: Record<string, unknown>, records: MappedRecord[], limits: RecordLimits): Uint8Array {
  const resourceField = encodeResourceField(resource);
  // As the route makes them: the request assembled in place (one scope) or around the scopes' records.
  const batch = new LogBatch(new Map(), resourceField, 64);
  const [low, high] = nanosFixed64(OBSERVED[0], OBSERVED[1]);
  for (const m of records) {
    const [seconds, nanos] = hrTime(m.timeUnixNano);
    batch.add(m.scope, { seconds, nanos, severityNumber: m.severityNumber, severityText: m.severityText, body: m.body, attributes: m.attributes, traceId: m.traceId, spanId: m.spanId, flags: m.flags }, low, high, limits);
  }
  const request = batch.encodeRequest();
  // Encoded again for a retry: the same bytes.
  expect(Buffer.from(batch.encodeRequest())).toEqual(Buffer.from(request));
  return request;
}

function both(resource: Record<string, unknown>, records: MappedRecord[], limits: RecordLimits = { attributeCountLimit: 1024 }) {
  return { sdk: decodeLogsRequest(viaSdk(resource, records, limits)), ours: decodeLogsRequest(direct(resource, records, limits)) };
}

function mapped(attributes: Record<string, unknown>, extra: Partial<MappedRecord> = {}): MappedRecord {
  return { resource: {}, scope: 'redis_bus', attributes: attributes as MappedRecord['attributes'], invalid: [], timeUnixNano: '1764506096123456000', severityNumber: 9, severityText: 'INFO', body: 'hello', ...extra };
}

describe('the protobuf route encoding', () => {
  it('decodes to what the SDK route sends, for every shared vector', () => {
    for (const vector of loadVectors()) {
      const byResource = new Map<string, MappedRecord[]>();
      for (const record of vector.records) {
        const m = mapRecord(record, { resourceAttributes: {} });
        const key = canonicalJson(m.resource);
        byResource.set(key, [...(byResource.get(key) ?? []), m]);
      }
      for (const records of byResource.values()) {
        const resource = (records[0] as MappedRecord).resource;
        const { sdk, ours } = both(resource, records, { attributeCountLimit: 100_000 });
        expect(ours, `vector ${vector.name}`).toEqual(sdk);
      }
    }
  });

  it('applies the attribute count and length limits as the SDK does', () => {
    const attributes = {
      'context.a': 'abcdefghij',
      'context.b': ['abcdefgh', 'xy', 42, true],
      'context.c': 'é€😀abcdef',
      'context.d': 7,
      'context.e': 'dropped for the count',
      'context.f': 'this one too',
    };
    const { sdk, ours } = both({ 'service.name': 'A1' }, [mapped(attributes)], { attributeCountLimit: 4, attributeValueLengthLimit: 5 });
    expect(ours).toEqual(sdk);
    expect(ours.resourceLogs[0]?.scopeLogs[0]?.logRecords[0]?.droppedAttributesCount).toBe(2);
  });

  it('writes numbers, empty and odd values as the SDK does', () => {
    const attributes = {
      zero: 0,
      negativeZero: -0,
      negative: -42,
      big: 2 ** 40 + 3,
      beyondSafe: 2 ** 60,
      minInt64: -(2 ** 63),
      beyondInt64: 2 ** 63,
      fraction: 0.1,
      tiny: 1e-300,
      empty: '',
      nothing: null,
      bytes: new Uint8Array([1, 2, 255]),
      nested: { a: [1, { b: 'c' }], d: {} },
      date: new Date(0),
      fn: () => 1,
      '': 'no key',
    };
    const { sdk, ours } = both({ 'service.name': 'A1' }, [mapped(attributes)]);
    expect(ours).toEqual(sdk);
  });

  it('groups records by scope in first-seen order, with or without body, severity and trace context', () => {
    const records = [
      mapped({ i: 1 }, { scope: 'b' }),
      mapped({ i: 2 }, { scope: 'a', body: undefined, severityNumber: undefined, severityText: undefined }),
      mapped({ i: 3 }, { scope: 'b', traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', flags: 1 }),
      mapped({ i: 4 }, { scope: 'a', traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', flags: 0, timeUnixNano: undefined }),
      mapped({ i: 5 }, { scope: '', body: 'x'.repeat(20_000) }),
    ];
    const { sdk, ours } = both({ 'service.name': 'A1', 'service.instance.id': 'A1-haiku-001' }, records);
    expect(ours).toEqual(sdk);
    expect(ours.resourceLogs[0]?.scopeLogs.map((s) => s.scope?.name)).toEqual(['b', 'a', 'unknown']);
  });

  it('adds log.record.uid last, as a UUIDv7 of the call, within the count limit', () => {
    const at = 1_764_506_096_123;
    const encode = (limit: number) => {
      const batch = new LogBatch(new Map());
      batch.add('redis_bus', { seconds: 1_764_506_096, nanos: 123_000_000, body: 'hello', attributes: { 'context.a': 1, 'context.b': 'x' }, uidMillis: at }, 0, 0, { attributeCountLimit: limit });
      return decodeLogsRequest(batch.encodeRequest(encodeResourceField({}))).resourceLogs[0]?.scopeLogs[0]?.logRecords[0];
    };
    const record = encode(1024);
    expect(record?.attributes?.map((a) => a.key)).toEqual(['context.a', 'context.b', 'log.record.uid']);
    const uid = record?.attributes?.[2]?.value?.stringValue ?? '';
    expect(uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uid.replace(/-/g, '').slice(0, 12)).toBe(at.toString(16).padStart(12, '0'));
    // As on the SDK route, where it is the last attribute set: over the count limit it is dropped and counted.
    const limited = encode(2);
    expect(limited?.attributes?.map((a) => a.key)).toEqual(['context.a', 'context.b']);
    expect(limited?.droppedAttributesCount).toBe(1);
  });

  it('writes times as exact 64-bit nanoseconds', () => {
    for (const [seconds, nanos] of [
      [0, 0],
      [1, 999_999_999],
      [1_764_506_096, 123_456_789],
      [4_294_967_295, 999_999_999],
      [65_535, 1],
      [65_536, 0],
    ] as const) {
      const [low, high] = nanosFixed64(seconds, nanos);
      expect(BigInt(high) * 2n ** 32n + BigInt(low)).toBe(BigInt(seconds) * 1_000_000_000n + BigInt(nanos));
    }
  });
});
