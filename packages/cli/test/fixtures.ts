import { fileURLToPath } from 'node:url';
import type { StoredLog, StoredSpan } from '@tracebridge/cli';

/** The shared trace fixture: one request over two traces plus an untraced record (see its README). */
export const BASIC_DATA_DIR = fileURLToPath(new URL('../../../test/fixtures/trace/basic/', import.meta.url));

/** Its correlation id and its first trace. */
export const BASIC_CORRELATION_ID = 'req-0af7651916cd43dd8448eb211c80319c';
export const BASIC_TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

const T0 = 1_764_096_000_000_000_000n;

/** A span of trace `trace` at `startMs`..`endMs` after the fixture's origin, with optional fields. */
export function span(
  trace: string,
  spanId: string,
  startMs: number,
  endMs: number,
  more: { parent?: string; name?: string; agent?: string; error?: string; attributes?: Record<string, string> } = {},
): StoredSpan {
  const attributes = more.attributes ?? {};
  return {
    resource: { 'service.name': (more.agent ?? 'C0-opus-001').split('-')[0], 'service.instance.id': more.agent ?? 'C0-opus-001' },
    scope: 'test',
    attributes,
    span: {
      traceId: trace,
      spanId,
      ...(more.parent === undefined ? {} : { parentSpanId: more.parent }),
      name: more.name ?? spanId,
      kind: 1,
      startTimeUnixNano: String(T0 + BigInt(startMs * 1e6)),
      endTimeUnixNano: String(T0 + BigInt(endMs * 1e6)),
      attributes: Object.entries(attributes).map(([key, v]) => ({ key, value: { stringValue: v } })),
      status: more.error === undefined ? {} : { code: 2, message: more.error },
    },
  };
}

/** A log record at `atMs`, in `spanId` of `trace` when given. */
export function log(
  atMs: number,
  message: string,
  more: { trace?: string; spanId?: string; level?: string; agent?: string; attributes?: Record<string, string> } = {},
): StoredLog {
  const attributes = more.attributes ?? {};
  return {
    resource: { 'service.name': (more.agent ?? 'C0-opus-001').split('-')[0], 'service.instance.id': more.agent ?? 'C0-opus-001' },
    scope: 'test',
    attributes,
    record: {
      timeUnixNano: String(T0 + BigInt(atMs * 1e6)),
      severityText: more.level ?? 'INFO',
      body: { stringValue: message },
      ...(more.trace === undefined ? {} : { traceId: more.trace, spanId: more.spanId ?? '' }),
      attributes: Object.entries(attributes).map(([key, v]) => ({ key, value: { stringValue: v } })),
    },
  };
}
