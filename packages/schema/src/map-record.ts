import {
  ATTR_AGENT_PARENT_ID,
  ATTR_CONTEXT_PREFIX,
  ATTR_CORRELATION_ID,
  ATTR_ERROR_TYPE,
  ATTR_EXCEPTION_MESSAGE,
  ATTR_EXCEPTION_STACKTRACE,
  ATTR_EXCEPTION_TYPE,
  ATTR_IF_CITATION,
  ATTR_INVALID_PREFIX,
  ATTR_METADATA_PREFIX,
  ATTR_PERFORMANCE_PREFIX,
  ATTR_TAGS,
} from './attributes.js';
import { flattenAttributes } from './flatten-attributes.js';
import {
  checkAgentId,
  checkCitation,
  checkComponent,
  checkCorrelationId,
  checkErrorCode,
  checkErrorString,
  checkLevel,
  checkMessage,
  checkPerformanceNumber,
  checkSpanId,
  checkTags,
  checkTimestamp,
  checkTraceFlags,
  checkTraceId,
  isPlainObject,
  parseTimestamp,
} from './internal/checks.js';
import { canonicalJson, readKey } from './internal/json-value.js';
import { agentResource } from './resource.js';
import { SEVERITY_NUMBER } from './severity.js';
import type { Attributes, Level, MappedRecord, MappingOptions } from './types.js';

/**
 * Longest raw value kept under `tracebridge.invalid.*`, in code points: enough to see what went wrong,
 * bounded so one bad field cannot blow up a record.
 */
export const INVALID_VALUE_MAX_LENGTH = 4096;

/**
 * Scope name of a record without a good `component`: the name the OpenTelemetry SDKs give a logger
 * without a name, so the SDK route (which cannot create a scope without a name) and the file route
 * give the same scope.
 */
export const UNKNOWN_SCOPE = 'unknown';

/**
 * The record field that marks a JSON line as a copy of a record its writer also sent over OTLP. The
 * mapping ignores it (it is no attribute of the record); the collector's file route drops such a line.
 */
export const OTLP_SENT_FIELD = 'otlp_sent';

/** The fields of the record, in the order the schema lists them. */
export const RECORD_FIELDS: readonly string[] = Object.freeze([
  'timestamp',
  'level',
  'agent_id',
  'correlation_id',
  'component',
  'message',
  'context',
  'error',
  'performance',
  'trace_id',
  'span_id',
  'trace_flags',
  'parent_agent_id',
  'tags',
  'metadata',
  'if_citation',
  OTLP_SENT_FIELD,
]);

const FIELD_SET: ReadonlySet<string> = new Set(RECORD_FIELDS);

/** The `invalid` of every record without a bad field: empty, and frozen, since it is shared. */
const NONE_INVALID: string[] = Object.freeze([]) as unknown as string[];

const ERROR_FIELDS: ReadonlyArray<readonly [string, string]> = [
  ['type', ATTR_EXCEPTION_TYPE],
  ['message', ATTR_EXCEPTION_MESSAGE],
  ['stack', ATTR_EXCEPTION_STACKTRACE],
];

/**
 * The one mapping of MAPPING.md: a record (parsed JSON or built by the logger) to its OTLP places.
 * Every route goes through it. A bad field never drops the record: it is left out of its place, its
 * raw value kept as `tracebridge.invalid.<field>` and its name listed in `invalid`. Never throws.
 *
 * `resource` may be passed when the caller already computed it for the record's agent (the logger
 * does, once per logger); it must equal `agentResource(record.agent_id, options)`.
 */
export function mapRecord(
  record: Readonly<Record<string, unknown>>,
  options: MappingOptions = {},
  resource?: Attributes,
): MappedRecord {
  const attributes: Attributes = {};
  // Bad fields are rare: their list is only allocated when one is met (field, raw value, field, …), and
  // their attributes come after all the good ones. A record without any shares one empty `invalid`.
  let bad: unknown[] | undefined;
  const out: MappedRecord = { resource: resource ?? {}, scope: UNKNOWN_SCOPE, attributes, invalid: NONE_INVALID };

  const timestamp = record.timestamp;
  if (timestamp !== undefined) {
    if (checkTimestamp(timestamp) === undefined) out.timeUnixNano = (parseTimestamp(timestamp as string) as bigint).toString();
    else bad = rejected(bad, 'timestamp', timestamp);
  }
  const level = record.level;
  if (level !== undefined) {
    if (checkLevel(level) === undefined) {
      out.severityNumber = SEVERITY_NUMBER[level as Level];
      out.severityText = level as string;
    } else bad = rejected(bad, 'level', level);
  }
  const message = record.message;
  if (message !== undefined) {
    if (checkMessage(message) === undefined) out.body = message as string;
    else bad = rejected(bad, 'message', message);
  }
  const component = record.component;
  if (component !== undefined) {
    if (checkComponent(component) === undefined) out.scope = component as string;
    else bad = rejected(bad, 'component', component);
  }
  const agentId = record.agent_id;
  let goodAgent: string | undefined;
  if (agentId !== undefined) {
    if (checkAgentId(agentId) === undefined) goodAgent = agentId as string;
    else bad = rejected(bad, 'agent_id', agentId);
  }
  if (resource === undefined) out.resource = agentResource(goodAgent, options);

  const correlationId = record.correlation_id;
  if (correlationId !== undefined) {
    if (checkCorrelationId(correlationId) === undefined) attributes[ATTR_CORRELATION_ID] = correlationId as string;
    else bad = rejected(bad, 'correlation_id', correlationId);
  }
  const parent = record.parent_agent_id;
  if (parent !== undefined) {
    if (checkAgentId(parent) === undefined) attributes[ATTR_AGENT_PARENT_ID] = parent as string;
    else bad = rejected(bad, 'parent_agent_id', parent);
  }

  const error = record.error;
  if (error !== undefined) {
    if (isPlainObject(error)) {
      for (const [field, key] of ERROR_FIELDS) {
        const value = readKey(error, field);
        if (value === undefined) continue;
        if (checkErrorString(value) === undefined) attributes[key] = value as string;
        else bad = rejected(bad, `error.${field}`, value);
      }
      const code = readKey(error, 'code');
      if (code !== undefined) {
        // A number as its JSON text, which is what the collector's String() writes for it (`-0`, `1e-07`).
        if (checkErrorCode(code) === undefined) attributes[ATTR_ERROR_TYPE] = typeof code === 'string' ? code : canonicalJson(code);
        else bad = rejected(bad, 'error.code', code);
      }
      for (const key of Object.keys(error)) {
        if (key !== 'type' && key !== 'message' && key !== 'stack' && key !== 'code') bad = rejected(bad, `error.${key}`, readKey(error, key));
      }
    } else bad = rejected(bad, 'error', error);
  }

  const performance = record.performance;
  if (performance !== undefined) {
    if (isPlainObject(performance)) {
      for (const key of Object.keys(performance)) {
        const value = readKey(performance, key);
        if (value === undefined) continue;
        if (checkPerformanceNumber(value) === undefined) attributes[`${ATTR_PERFORMANCE_PREFIX}.${key}`] = value as number;
        else bad = rejected(bad, `performance.${key}`, value);
      }
    } else bad = rejected(bad, 'performance', performance);
  }

  const context = record.context;
  if (context !== undefined) {
    if (isPlainObject(context)) flattenAttributes(attributes, ATTR_CONTEXT_PREFIX, context);
    else bad = rejected(bad, 'context', context);
  }
  const metadata = record.metadata;
  if (metadata !== undefined) {
    if (isPlainObject(metadata)) flattenAttributes(attributes, ATTR_METADATA_PREFIX, metadata);
    else bad = rejected(bad, 'metadata', metadata);
  }
  const tags = record.tags;
  if (tags !== undefined) {
    if (checkTags(tags) === undefined) attributes[ATTR_TAGS] = (tags as string[]).slice();
    else bad = rejected(bad, 'tags', tags);
  }
  const citation = record.if_citation;
  if (citation !== undefined) {
    if (checkCitation(citation) === undefined) attributes[ATTR_IF_CITATION] = citation as string;
    else bad = rejected(bad, 'if_citation', citation);
  }

  // trace_id and span_id are one trace context: the OpenTelemetry SDKs keep both or neither, so the
  // file route does too. An id whose partner is missing or bad cannot place the record in a trace; it is
  // kept raw like a bad field. Flags without a trace context say nothing and are left out.
  const traceId = record.trace_id;
  const spanId = record.span_id;
  const flags = record.trace_flags;
  const goodTrace = traceId !== undefined && checkTraceId(traceId) === undefined;
  const goodSpan = spanId !== undefined && checkSpanId(spanId) === undefined;
  if (goodTrace && goodSpan) {
    out.traceId = traceId as string;
    out.spanId = spanId as string;
    if (flags !== undefined) {
      if (checkTraceFlags(flags) === undefined) out.flags = Number.parseInt(flags as string, 16);
      else bad = rejected(bad, 'trace_flags', flags);
    }
  } else {
    if (traceId !== undefined) bad = rejected(bad, 'trace_id', traceId);
    if (spanId !== undefined) bad = rejected(bad, 'span_id', spanId);
    if (flags !== undefined && checkTraceFlags(flags) !== undefined) bad = rejected(bad, 'trace_flags', flags);
  }

  // Unknown fields are bad fields. `otlp_sent` is a field of the record but has no OTLP place: it
  // only tells the collector's file route to skip the line, so it is neither mapped nor rejected.
  for (const key in record) {
    if (!FIELD_SET.has(key) && Object.prototype.hasOwnProperty.call(record, key)) bad = rejected(bad, key, readKey(record as Record<string, unknown>, key));
  }
  if (bad !== undefined) {
    const rejected: unknown[] = bad;
    const invalid: string[] = [];
    for (let i = 0; i < rejected.length; i += 2) {
      const field = rejected[i] as string;
      invalid.push(field);
      attributes[`${ATTR_INVALID_PREFIX}.${field}`] = invalidValue(rejected[i + 1]);
    }
    out.invalid = invalid;
  }
  return out;
}

/** Notes a bad field and its raw value (in a list made on the first one; no closure per record). */
function rejected(bad: unknown[] | undefined, field: string, raw: unknown): unknown[] {
  const list = bad ?? [];
  list.push(field, raw);
  return list;
}

/** The raw value of a bad field as a bounded string: itself when a string, its canonical JSON otherwise. */
export function invalidValue(raw: unknown): string {
  const text = typeof raw === 'string' ? raw : canonicalJson(raw);
  return truncateCodePoints(text, INVALID_VALUE_MAX_LENGTH);
}

function truncateCodePoints(text: string, max: number): string {
  // Fast path: fewer UTF-16 units than the limit means fewer code points too.
  if (text.length <= max) return text;
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    if (++count === max) return text.slice(0, i + 1);
  }
  return text;
}
