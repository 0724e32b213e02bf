/**
 * Reading OTLP/JSON that may be damaged: a data file is written by the collector, but also copied,
 * truncated, edited or produced by another tool, and a `null` line or a number where a list belongs
 * used to end `tracebridge trace` with a stack trace. Every part is checked for the type the timeline
 * relies on before it is used:
 *
 * - a part that cannot be placed (a line or list entry that is not an object, a list that is not a list,
 *   a span without a string `traceId` and `spanId`) is skipped;
 * - a field the timeline reads with the wrong type (a span `name` that is a number, an attribute that is
 *   not a key and a value) is left out, and the span or record kept with every other field as it was.
 *
 * Each problem is said as `path is <what it is>, not <what it should be>` for the warning of its file;
 * the functions push them to the `skipped` or `fields` list they are given.
 * A `null` field counts as absent (protobuf's JSON mapping writes null for a default value).
 */
import type { OtlpKeyValue, OtlpLogRecord } from '@tracebridge/schema';
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
    const kv = keyValue(entry, `${path}.attributes[${i}]`, fields);
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

/**
 * A log record whose fields the timeline reads each have their type: a field of another type is left
 * out (and said in `fields`); every other field is kept as it is.
 */
export function logRecordOf(raw: Record<string, unknown>, path: string, fields: string[]): OtlpLogRecord {
  const out: Record<string, unknown> = { ...raw };
  check(out, 'timeUnixNano', path, fields, isTime, 'a decimal string');
  check(out, 'observedTimeUnixNano', path, fields, isTime, 'a decimal string');
  check(out, 'severityNumber', path, fields, isNumberOrString, 'a number');
  check(out, 'severityText', path, fields, isString, 'a string');
  if (out.body !== undefined && out.body !== null) {
    const problem = anyValueProblem(out.body, `${path}.body`, 1);
    if (problem !== undefined) {
      fields.push(problem);
      delete out.body;
    }
  }
  setAttributes(out, path, fields);
  check(out, 'flags', path, fields, isNumber, 'a number');
  check(out, 'traceId', path, fields, isString, 'a string');
  check(out, 'spanId', path, fields, isString, 'a string');
  return out as OtlpLogRecord;
}

/**
 * A span whose fields the timeline reads each have their type (others kept as they are); `undefined`
 * (and a problem in `skipped`) when its `traceId` or `spanId` is missing or not a string: it cannot be
 * placed in a trace.
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
  const out: Record<string, unknown> = { ...raw };
  check(out, 'parentSpanId', path, fields, isString, 'a string');
  check(out, 'name', path, fields, isString, 'a string');
  check(out, 'kind', path, fields, isNumberOrString, 'a number');
  check(out, 'startTimeUnixNano', path, fields, isTime, 'a decimal string');
  check(out, 'endTimeUnixNano', path, fields, isTime, 'a decimal string');
  setAttributes(out, path, fields);
  for (const key of ['events', 'links'] as const) {
    const list = out[key];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) {
      fields.push(`${path}.${key} is ${kindOf(list)}, not a list`);
      delete out[key];
      continue;
    }
    const kept: Array<Record<string, unknown>> = [];
    list.forEach((entry: unknown, i) => {
      const at = `${path}.${key}[${i}]`;
      if (!isObject(entry)) {
        fields.push(`${at} is ${kindOf(entry)}, not an object`);
        return;
      }
      const e: Record<string, unknown> = { ...entry };
      if (key === 'events') {
        check(e, 'timeUnixNano', at, fields, isTime, 'a decimal string');
        check(e, 'name', at, fields, isString, 'a string');
      } else {
        check(e, 'traceId', at, fields, isString, 'a string');
        check(e, 'spanId', at, fields, isString, 'a string');
      }
      setAttributes(e, at, fields);
      kept.push(e);
    });
    out[key] = kept as OtlpSpanEvent[] | OtlpSpanLink[];
  }
  const status = out.status;
  if (status !== undefined && status !== null) {
    if (isObject(status)) {
      const s: Record<string, unknown> = { ...status };
      check(s, 'code', `${path}.status`, fields, isNumberOrString, 'a number');
      check(s, 'message', `${path}.status`, fields, isString, 'a string');
      out.status = s;
    } else {
      fields.push(`${path}.status is ${kindOf(status)}, not an object`);
      delete out.status;
    }
  }
  return { span: out as unknown as OtlpSpan, fields };
}

/** Replaces `owner.attributes` by its good entries (or removes it when it is not a list). */
function setAttributes(owner: Record<string, unknown>, path: string, fields: string[]): void {
  if (owner.attributes === undefined || owner.attributes === null) return;
  const attributes = attributesOf(owner, path, fields);
  if (attributes === undefined) delete owner.attributes;
  else owner.attributes = attributes;
}

function keyValue(entry: unknown, path: string, fields: string[]): OtlpKeyValue | undefined {
  if (!isObject(entry)) {
    fields.push(`${path} is ${kindOf(entry)}, not an object`);
    return undefined;
  }
  if (!isString(entry.key)) {
    fields.push(`${path}.key is ${kindOf(entry.key)}, not a string`);
    return undefined;
  }
  if (entry.value === undefined || entry.value === null) return entry as unknown as OtlpKeyValue;
  const problem = anyValueProblem(entry.value, `${path}.value`, 1);
  if (problem === undefined) return entry as unknown as OtlpKeyValue;
  fields.push(problem);
  return undefined;
}

/**
 * What is wrong with an `AnyValue` (its one member of the wrong type, at any depth), or `undefined` when
 * it can be read as it is.
 */
function anyValueProblem(raw: unknown, path: string, depth: number): string | undefined {
  if (!isObject(raw)) return `${path} is ${kindOf(raw)}, not an object`;
  if (depth > MAX_VALUE_DEPTH) return `${path} is nested more than ${MAX_VALUE_DEPTH} levels deep`;
  const member = (key: string, test: (v: unknown) => boolean, what: string): string | undefined => {
    const v = raw[key];
    return v === undefined || v === null || test(v) ? undefined : `${path}.${key} is ${kindOf(v)}, not ${what}`;
  };
  const flat =
    member('stringValue', isString, 'a string') ??
    member('boolValue', (v) => typeof v === 'boolean', 'a boolean') ??
    member('intValue', isNumberOrString, 'a decimal string') ??
    // Protobuf's JSON mapping writes NaN and the infinities as strings.
    member('doubleValue', isNumberOrString, 'a number') ??
    member('bytesValue', isString, 'a base64 string');
  if (flat !== undefined) return flat;
  for (const key of ['arrayValue', 'kvlistValue'] as const) {
    const container = raw[key];
    if (container === undefined || container === null) continue;
    if (!isObject(container)) return `${path}.${key} is ${kindOf(container)}, not an object`;
    const list = container.values;
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) return `${path}.${key}.values is ${kindOf(list)}, not a list`;
    for (let i = 0; i < list.length; i++) {
      const at = `${path}.${key}.values[${i}]`;
      const problem =
        key === 'arrayValue' ? anyValueProblem(list[i], at, depth + 1) : keyValueProblem(list[i], at, depth + 1);
      if (problem !== undefined) return problem;
    }
  }
  return undefined;
}

function keyValueProblem(entry: unknown, path: string, depth: number): string | undefined {
  if (!isObject(entry)) return `${path} is ${kindOf(entry)}, not an object`;
  if (!isString(entry.key)) return `${path}.key is ${kindOf(entry.key)}, not a string`;
  if (entry.value === undefined || entry.value === null) return undefined;
  return anyValueProblem(entry.value, `${path}.value`, depth);
}

/** Leaves `owner[key]` out when it is neither absent nor of its type, and says so. */
function check(owner: Record<string, unknown>, key: string, path: string, fields: string[], test: (v: unknown) => boolean, what: string): void {
  const value = owner[key];
  if (value === undefined || value === null || test(value)) return;
  fields.push(`${path}.${key} is ${kindOf(value)}, not ${what}`);
  delete owner[key];
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
