/**
 * Reading OTLP/JSON that may be damaged: a data file is written by the collector, but also copied,
 * truncated, edited or produced by another tool, and a `null` line or a number where a list belongs
 * used to end `tracebridge trace` with a stack trace. Every part is checked for the type the timeline
 * relies on before it is used:
 *
 * - a part that cannot be placed (a line or list entry that is not an object, a list that is not a list,
 *   a span without a string `traceId` and `spanId`) is skipped;
 * - a field of the wrong type (a span `name` that is a number, an attribute that is not a key and a
 *   value) is left out, and the span or record kept.
 *
 * Each problem is said as `path is <what it is>, not <what it should be>` for the warning of its file;
 * the functions push them to the `skipped` or `fields` list they are given.
 * A `null` field counts as absent (protobuf's JSON mapping writes null for a default value).
 */
import type { OtlpAnyValue, OtlpKeyValue, OtlpLogRecord } from '@tracebridge/schema';
import type { OtlpSpan, OtlpSpanEvent, OtlpSpanLink } from '../otlp-traces.js';

/**
 * Deepest nesting of `arrayValue` and `kvlistValue` read. Turning a value into JavaScript recurses, so
 * an unbounded one could overflow the stack; collector output nests a few levels.
 */
const MAX_VALUE_DEPTH = 64;

/** What a JSON value is, as a warning says it: `null`, `a list`, `a number`, `an object`. */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** A JSON object (not null, not a list). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The entries of a list field with their paths: none when absent or null; none, and a problem in
 * `skipped`, when it is not a list. Entries that are not objects are skipped the same way.
 */
export function entriesOf(owner: Record<string, unknown>, key: string, path: string, skipped: string[]): Array<[Record<string, unknown>, string]> {
  const list = owner[key];
  if (list === undefined || list === null) return [];
  const where = path === '' ? key : `${path}.${key}`;
  if (!Array.isArray(list)) {
    skipped.push(`${where} is ${kindOf(list)}, not a list`);
    return [];
  }
  const out: Array<[Record<string, unknown>, string]> = [];
  list.forEach((entry: unknown, i) => {
    if (isObject(entry)) out.push([entry, `${where}[${i}]`]);
    else skipped.push(`${where}[${i}] is ${kindOf(entry)}, not an object`);
  });
  return out;
}

/** The attributes of a resource, scope or record (`attributes` of `owner`), with bad entries left out. */
export function attributesOf(owner: Record<string, unknown>, path: string, fields: string[]): OtlpKeyValue[] | undefined {
  const list = owner.attributes;
  if (list === undefined || list === null) return undefined;
  if (!Array.isArray(list)) {
    fields.push(`${path}.attributes is ${kindOf(list)}, not a list`);
    return undefined;
  }
  const out: OtlpKeyValue[] = [];
  list.forEach((entry: unknown, i) => {
    const kv = keyValue(entry, `${path}.attributes[${i}]`, fields, 1);
    if (kv !== undefined) out.push(kv);
  });
  return out;
}

/** The `name` of a scope (`scope` of `owner`): `''` when absent or not a string. */
export function scopeNameOf(owner: Record<string, unknown>, path: string, fields: string[]): string {
  const scope = owner.scope;
  if (scope === undefined || scope === null) return '';
  if (!isObject(scope)) {
    fields.push(`${path}.scope is ${kindOf(scope)}, not an object`);
    return '';
  }
  return optional(scope, 'name', `${path}.scope`, fields, isString, 'a string') ?? '';
}

/** The attributes of the resource of a `resourceLogs` or `resourceSpans` entry. */
export function resourceAttributesOf(owner: Record<string, unknown>, path: string, fields: string[]): OtlpKeyValue[] | undefined {
  const resource = owner.resource;
  if (resource === undefined || resource === null) return undefined;
  if (!isObject(resource)) {
    fields.push(`${path}.resource is ${kindOf(resource)}, not an object`);
    return undefined;
  }
  return attributesOf(resource, `${path}.resource`, fields);
}

/** A log record with the fields the timeline reads, each of its type or left out. */
export function logRecordOf(raw: Record<string, unknown>, path: string, fields: string[]): OtlpLogRecord {
  const out: Record<string, unknown> = {};
  copy(raw, out, 'timeUnixNano', path, fields, isTime, 'a decimal string');
  copy(raw, out, 'observedTimeUnixNano', path, fields, isTime, 'a decimal string');
  copy(raw, out, 'severityNumber', path, fields, isNumberOrString, 'a number');
  copy(raw, out, 'severityText', path, fields, isString, 'a string');
  const body = raw.body;
  if (body !== undefined && body !== null) {
    const value = anyValue(body, `${path}.body`, fields, 1);
    if (value !== undefined) out.body = value;
  }
  const attributes = attributesOf(raw, path, fields);
  if (attributes !== undefined) out.attributes = attributes;
  copy(raw, out, 'flags', path, fields, isNumber, 'a number');
  copy(raw, out, 'traceId', path, fields, isString, 'a string');
  copy(raw, out, 'spanId', path, fields, isString, 'a string');
  return out as OtlpLogRecord;
}

/**
 * A span with the fields the timeline reads, each of its type or left out; `undefined` (and a skip) when
 * its `traceId` or `spanId` is missing or not a string: it cannot be placed in a trace.
 */
export function spanOf(raw: Record<string, unknown>, path: string, skipped: string[]): { span: OtlpSpan; fields: string[] } | undefined {
  for (const key of ['traceId', 'spanId'] as const) {
    const id = raw[key];
    if (id === undefined || id === null) {
      skipped.push(`${path} has no ${key}`);
      return undefined;
    }
    if (!isString(id)) {
      skipped.push(`${path}.${key} is ${kindOf(id)}, not a string`);
      return undefined;
    }
  }
  const fields: string[] = [];
  const out: Record<string, unknown> = { traceId: raw.traceId, spanId: raw.spanId };
  copy(raw, out, 'parentSpanId', path, fields, isString, 'a string');
  copy(raw, out, 'name', path, fields, isString, 'a string');
  copy(raw, out, 'kind', path, fields, isNumberOrString, 'a number');
  copy(raw, out, 'startTimeUnixNano', path, fields, isTime, 'a decimal string');
  copy(raw, out, 'endTimeUnixNano', path, fields, isTime, 'a decimal string');
  const attributes = attributesOf(raw, path, fields);
  if (attributes !== undefined) out.attributes = attributes;
  const events = listField(raw, 'events', path, fields, (event, at): OtlpSpanEvent => {
    const e: Record<string, unknown> = {};
    copy(event, e, 'timeUnixNano', at, fields, isTime, 'a decimal string');
    copy(event, e, 'name', at, fields, isString, 'a string');
    const a = attributesOf(event, at, fields);
    if (a !== undefined) e.attributes = a;
    return e as OtlpSpanEvent;
  });
  if (events !== undefined) out.events = events;
  const links = listField(raw, 'links', path, fields, (link, at): OtlpSpanLink => {
    const l: Record<string, unknown> = {};
    copy(link, l, 'traceId', at, fields, isString, 'a string');
    copy(link, l, 'spanId', at, fields, isString, 'a string');
    const a = attributesOf(link, at, fields);
    if (a !== undefined) l.attributes = a;
    return l as OtlpSpanLink;
  });
  if (links !== undefined) out.links = links;
  const status = raw.status;
  if (status !== undefined && status !== null) {
    if (isObject(status)) {
      const s: Record<string, unknown> = {};
      copy(status, s, 'code', `${path}.status`, fields, isNumberOrString, 'a number');
      copy(status, s, 'message', `${path}.status`, fields, isString, 'a string');
      out.status = s;
    } else fields.push(`${path}.status is ${kindOf(status)}, not an object`);
  }
  return { span: out as unknown as OtlpSpan, fields };
}

function listField<T>(
  owner: Record<string, unknown>,
  key: string,
  path: string,
  fields: string[],
  read: (entry: Record<string, unknown>, at: string) => T,
): T[] | undefined {
  const list = owner[key];
  if (list === undefined || list === null) return undefined;
  if (!Array.isArray(list)) {
    fields.push(`${path}.${key} is ${kindOf(list)}, not a list`);
    return undefined;
  }
  const out: T[] = [];
  list.forEach((entry: unknown, i) => {
    const at = `${path}.${key}[${i}]`;
    if (isObject(entry)) out.push(read(entry, at));
    else fields.push(`${at} is ${kindOf(entry)}, not an object`);
  });
  return out;
}

function keyValue(entry: unknown, path: string, fields: string[], depth: number): OtlpKeyValue | undefined {
  if (!isObject(entry)) {
    fields.push(`${path} is ${kindOf(entry)}, not an object`);
    return undefined;
  }
  if (!isString(entry.key)) {
    fields.push(`${path}.key is ${kindOf(entry.key)}, not a string`);
    return undefined;
  }
  if (entry.value === undefined || entry.value === null) return { key: entry.key, value: {} };
  const value = anyValue(entry.value, `${path}.value`, fields, depth);
  return value === undefined ? undefined : { key: entry.key, value };
}

/** An `AnyValue` whose one member has its type, or `undefined` (and a problem). */
function anyValue(raw: unknown, path: string, fields: string[], depth: number): OtlpAnyValue | undefined {
  if (!isObject(raw)) {
    fields.push(`${path} is ${kindOf(raw)}, not an object`);
    return undefined;
  }
  if (depth > MAX_VALUE_DEPTH) {
    fields.push(`${path} is nested more than ${MAX_VALUE_DEPTH} levels deep`);
    return undefined;
  }
  const bad = (key: string, what: string): undefined => {
    fields.push(`${path}.${key} is ${kindOf(raw[key])}, not ${what}`);
    return undefined;
  };
  const { stringValue, boolValue, intValue, doubleValue, bytesValue, arrayValue, kvlistValue } = raw;
  if (stringValue !== undefined && stringValue !== null) return isString(stringValue) ? { stringValue } : bad('stringValue', 'a string');
  if (boolValue !== undefined && boolValue !== null) return typeof boolValue === 'boolean' ? { boolValue } : bad('boolValue', 'a boolean');
  if (intValue !== undefined && intValue !== null) return isNumberOrString(intValue) ? { intValue: String(intValue) } : bad('intValue', 'a decimal string');
  // Protobuf's JSON mapping writes NaN and the infinities as strings.
  if (doubleValue !== undefined && doubleValue !== null) return isNumberOrString(doubleValue) ? { doubleValue: Number(doubleValue) } : bad('doubleValue', 'a number');
  if (bytesValue !== undefined && bytesValue !== null) return isString(bytesValue) ? { bytesValue } : bad('bytesValue', 'a base64 string');
  if (arrayValue !== undefined && arrayValue !== null) {
    if (!isObject(arrayValue)) return bad('arrayValue', 'an object');
    const values: OtlpAnyValue[] = [];
    const list = arrayValue.values ?? [];
    if (!Array.isArray(list)) return bad('arrayValue.values', 'a list');
    list.forEach((item: unknown, i) => {
      const v = anyValue(item, `${path}.arrayValue.values[${i}]`, fields, depth + 1);
      if (v !== undefined) values.push(v);
    });
    return { arrayValue: { values } };
  }
  if (kvlistValue !== undefined && kvlistValue !== null) {
    if (!isObject(kvlistValue)) return bad('kvlistValue', 'an object');
    const values: OtlpKeyValue[] = [];
    const list = kvlistValue.values ?? [];
    if (!Array.isArray(list)) return bad('kvlistValue.values', 'a list');
    list.forEach((item: unknown, i) => {
      const kv = keyValue(item, `${path}.kvlistValue.values[${i}]`, fields, depth + 1);
      if (kv !== undefined) values.push(kv);
    });
    return { kvlistValue: { values } };
  }
  return {};
}

/** Copies `owner[key]` to `out` when it has its type; a problem when it has another. */
function copy(
  owner: Record<string, unknown>,
  out: Record<string, unknown>,
  key: string,
  path: string,
  fields: string[],
  test: (v: unknown) => boolean,
  what: string,
): void {
  const value = optional(owner, key, path, fields, test, what);
  if (value !== undefined) out[key] = value;
}

function optional<T>(owner: Record<string, unknown>, key: string, path: string, fields: string[], test: (v: unknown) => v is T, what: string): T | undefined;
function optional(owner: Record<string, unknown>, key: string, path: string, fields: string[], test: (v: unknown) => boolean, what: string): unknown;
function optional(owner: Record<string, unknown>, key: string, path: string, fields: string[], test: (v: unknown) => boolean, what: string): unknown {
  const value = owner[key];
  if (value === undefined || value === null) return undefined;
  if (test(value)) return value;
  fields.push(`${path}.${key} is ${kindOf(value)}, not ${what}`);
  return undefined;
}

function isString(v: unknown): v is string {
  return typeof v === 'string';
}

function isNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function isNumberOrString(v: unknown): boolean {
  return typeof v === 'string' || isNumber(v);
}

/** A `*UnixNano` field: a decimal string (the JSON mapping of a 64-bit integer), or a number some writers use. */
function isTime(v: unknown): boolean {
  return (typeof v === 'string' && /^\d+$/.test(v)) || (isNumber(v) && v >= 0);
}
