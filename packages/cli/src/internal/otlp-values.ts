/**
 * Reading OTLP values the way both sources write them: the collector's file exporter (OTLP/JSON: hex ids,
 * enums as numbers) and Tempo's HTTP API (protobuf JSON: ids in base64, enums by name).
 */
import { fromAnyValue } from '@tracebridge/schema';
import type { OtlpAnyValue } from '@tracebridge/schema';

/** Span kinds by their OTLP number (`SPAN_KIND_*`), as the timeline names them. */
const SPAN_KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'] as const;

/** A span's kind as the timeline names it. */
export type SpanKindName = (typeof SPAN_KINDS)[number];

/** Level names by severity-number range (https://opentelemetry.io/docs/specs/otel/logs/data-model/#field-severitynumber). */
const SEVERITY_RANGES = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const;

/**
 * A trace or span id as lowercase hex. OTLP/JSON writes hex; protobuf's JSON mapping (Tempo) writes bytes
 * as base64, which is recognised by its length (24 characters for 16 bytes, 12 for 8). Empty or all-zero
 * ids (W3C: invalid) give `undefined`.
 */
export function normalizeId(value: string | undefined, bytes: 8 | 16): string | undefined {
  if (value === undefined || value === '') return undefined;
  let hex: string;
  if (/^[0-9a-fA-F]+$/.test(value) && value.length <= bytes * 2) {
    // Tempo's search results drop a trace id's leading zeros: pad back to the full width.
    hex = value.toLowerCase().padStart(bytes * 2, '0');
  } else {
    const raw = Buffer.from(value, 'base64');
    if (raw.length !== bytes) return undefined;
    hex = raw.toString('hex');
  }
  return /^0+$/.test(hex) ? undefined : hex;
}

/** Nanoseconds since the epoch of a `*UnixNano` field (a decimal string, or a number in some writers). */
export function toNanos(value: string | number | undefined): bigint | undefined {
  if (value === undefined || value === '' || value === 0 || value === '0') return undefined;
  try {
    const n = typeof value === 'number' ? BigInt(Math.trunc(value)) : BigInt(value);
    return n > 0n ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Milliseconds between two nanosecond times, kept to the microsecond. */
export function nanosToMs(delta: bigint): number {
  return Number(delta / 1000n) / 1000;
}

/** ISO 8601 UTC time of a nanosecond timestamp, to the millisecond (what terminals and people read). */
export function nanosToIso(nanos: bigint): string {
  return new Date(Number(nanos / 1_000_000n)).toISOString();
}

/** The span kind of an OTLP number or a protobuf enum name (`SPAN_KIND_SERVER`). */
export function spanKindName(kind: number | string | undefined): SpanKindName {
  if (typeof kind === 'number') return SPAN_KINDS[kind] ?? 'unspecified';
  if (typeof kind === 'string') {
    const name = kind.replace(/^SPAN_KIND_/, '').toLowerCase();
    return (SPAN_KINDS as readonly string[]).includes(name) ? (name as SpanKindName) : 'unspecified';
  }
  return 'unspecified';
}

/** A span's status code: OTLP `2` or `STATUS_CODE_ERROR` is an error, `1` / `STATUS_CODE_OK` ok. */
export function statusName(code: number | string | undefined): 'unset' | 'ok' | 'error' {
  if (code === 2 || code === 'STATUS_CODE_ERROR') return 'error';
  if (code === 1 || code === 'STATUS_CODE_OK') return 'ok';
  return 'unset';
}

/**
 * The level of a log record: its severity text upper-cased (pino's bridge writes `info`), else the range
 * its severity number falls in, else `UNSPECIFIED`, so a missing level stays visible.
 */
export function levelName(severityText: string | undefined, severityNumber: number | string | undefined): string {
  const text = severityText?.trim();
  if (text) return text.toUpperCase();
  const n = typeof severityNumber === 'string' ? severityNumberOfName(severityNumber) : severityNumber;
  if (n === undefined || !Number.isFinite(n) || n < 1 || n > 24) return 'UNSPECIFIED';
  return SEVERITY_RANGES[Math.floor((n - 1) / 4)] as string;
}

/** Protobuf JSON writes enums by name: `SEVERITY_NUMBER_WARN2` is 14. */
function severityNumberOfName(name: string): number | undefined {
  const numeric = Number(name);
  if (Number.isFinite(numeric)) return numeric;
  const m = /^SEVERITY_NUMBER_([A-Z]+)(\d)?$/.exec(name);
  if (!m) return undefined;
  const base = SEVERITY_RANGES.indexOf(m[1] as (typeof SEVERITY_RANGES)[number]);
  return base < 0 ? undefined : base * 4 + Number(m[2] ?? '1');
}

/** True for the levels drawn and counted as errors. */
export function isErrorLevel(level: string): boolean {
  return level === 'ERROR' || level === 'FATAL' || level === 'CRITICAL' || level === 'EMERGENCY' || level === 'ALERT';
}

/** A log body as one line of text: strings as they are, anything else as compact JSON. */
export function bodyText(body: OtlpAnyValue | undefined): string {
  const value = fromAnyValue(body);
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** An attribute value as a string, when it is one (or a number); `undefined` otherwise. */
export function stringAttr(attributes: Record<string, unknown>, key: string): string | undefined {
  const value = attributes[key];
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}
