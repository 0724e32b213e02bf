/**
 * The OTLP/JSON shapes this package writes: the protobuf JSON mapping of `ExportLogsServiceRequest`
 * (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding): lowerCamelCase fields, trace and
 * span ids as hex, 64-bit integers as decimal strings, zero values left out.
 */
import type { AttributeValue, Attributes } from './types.js';

export interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number;
  arrayValue?: { values?: OtlpAnyValue[] };
  kvlistValue?: { values?: OtlpKeyValue[] };
  bytesValue?: string;
}

export interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}

export interface OtlpLogRecord {
  timeUnixNano?: string;
  observedTimeUnixNano?: string;
  severityNumber?: number;
  severityText?: string;
  body?: OtlpAnyValue;
  attributes?: OtlpKeyValue[];
  droppedAttributesCount?: number;
  flags?: number;
  traceId?: string;
  spanId?: string;
  eventName?: string;
}

export interface OtlpScopeLogs {
  scope?: { name?: string; version?: string; attributes?: OtlpKeyValue[] };
  logRecords: OtlpLogRecord[];
  schemaUrl?: string;
}

export interface OtlpResourceLogs {
  resource?: { attributes?: OtlpKeyValue[] };
  scopeLogs: OtlpScopeLogs[];
  schemaUrl?: string;
}

export interface ExportLogsServiceRequest {
  resourceLogs: OtlpResourceLogs[];
}

/** The int64 range of `intValue`: -(2^63) inclusive to 2^63 exclusive, both exact as doubles. */
const MIN_INT64 = -(2 ** 63);
const MAX_INT64_EXCLUSIVE = 2 ** 63;

/**
 * An attribute value in OTLP/JSON. A number that is an integer within int64 becomes `intValue`, any
 * other number `doubleValue`: exactly what the OpenTelemetry JS SDK's OTLP/protobuf encoder sends for a
 * JavaScript number (so 2^53 is an int, and 2.0 is the int 2, as JavaScript cannot tell them apart).
 */
export function toAnyValue(value: AttributeValue): OtlpAnyValue {
  switch (typeof value) {
    case 'string':
      return { stringValue: value };
    case 'boolean':
      return { boolValue: value };
    case 'number':
      return Number.isInteger(value) && value >= MIN_INT64 && value < MAX_INT64_EXCLUSIVE
        ? { intValue: BigInt(value).toString() }
        : { doubleValue: value };
    default: {
      if (value.length === 0) return { arrayValue: {} };
      return { arrayValue: { values: value.map((v) => toAnyValue(v)) } };
    }
  }
}

/** Attributes in OTLP/JSON, in insertion order. */
export function toKeyValues(attributes: Attributes): OtlpKeyValue[] {
  const out: OtlpKeyValue[] = [];
  for (const key of Object.keys(attributes)) out.push({ key, value: toAnyValue(attributes[key] as AttributeValue) });
  return out;
}

/**
 * The plain JavaScript value of an OTLP/JSON `AnyValue`: what a reader of exported files wants.
 * `kvlistValue` becomes an object, `bytesValue` stays base64, an empty value `undefined`.
 */
export function fromAnyValue(value: OtlpAnyValue | undefined): unknown {
  if (value === undefined || value === null) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) {
    const n = Number(value.intValue);
    return Number.isSafeInteger(n) ? n : String(value.intValue);
  }
  if (value.doubleValue !== undefined) return Number(value.doubleValue);
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map((v) => fromAnyValue(v));
  if (value.kvlistValue !== undefined) return fromKeyValues(value.kvlistValue.values);
  if (value.bytesValue !== undefined) return value.bytesValue;
  return undefined;
}

/** OTLP/JSON attributes as a plain object. */
export function fromKeyValues(values: readonly OtlpKeyValue[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of values ?? []) out[kv.key] = fromAnyValue(kv.value);
  return out;
}
