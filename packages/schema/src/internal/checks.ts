/**
 * Per-field rules of the record, shared by `validate()` (which reports them) and `mapRecord()` (which
 * keeps a bad field's raw value under `tracebridge.invalid.<field>`), so the two can never disagree.
 * The JSON Schema in `record-schema.ts` states the same rules for other languages; a test holds them equal.
 */
import { LEVELS, isLevel } from '../severity.js';

// Years before 1970 are refused by the pattern: OTLP times are unsigned nanoseconds since the epoch.
export const TIMESTAMP_PATTERN = '^(19[7-9][0-9]|[2-9][0-9]{3})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})\\.([0-9]{3,9})Z$';
export const AGENT_ID_PATTERN = '^[A-Za-z0-9_]+-[A-Za-z0-9_.]+(?:-[A-Za-z0-9_.]+)*-[A-Za-z0-9_.]+$';
export const CORRELATION_ID_PATTERN = '^(?:req-[0-9a-f]{32}|task-[A-Za-z0-9._:-]{1,128}|swarm-[A-Za-z0-9._:-]{1,128})$';
export const COMPONENT_PATTERN = '^[A-Za-z][A-Za-z0-9_.:/-]{0,127}$';
export const TRACE_ID_PATTERN = '^[0-9a-f]{32}$';
export const SPAN_ID_PATTERN = '^[0-9a-f]{16}$';
export const TRACE_FLAGS_PATTERN = '^[0-9a-f]{2}$';
export const CITATION_PATTERN = '^if://\\S+$';
export const AGENT_ID_MAX_LENGTH = 128;

const TIMESTAMP_RE = new RegExp(TIMESTAMP_PATTERN);
const AGENT_ID_RE = new RegExp(AGENT_ID_PATTERN);
const CORRELATION_ID_RE = new RegExp(CORRELATION_ID_PATTERN);
const COMPONENT_RE = new RegExp(COMPONENT_PATTERN);
const TRACE_ID_RE = new RegExp(TRACE_ID_PATTERN);
const SPAN_ID_RE = new RegExp(SPAN_ID_PATTERN);
const TRACE_FLAGS_RE = new RegExp(TRACE_FLAGS_PATTERN);
const CITATION_RE = new RegExp(CITATION_PATTERN);

/** A rule: `undefined` when the value is good, otherwise why it is not. */
export type Check = (value: unknown) => string | undefined;

function stringMatching(re: RegExp, what: string): Check {
  // Producers repeat the same ids record after record (one agent, one component, one request): the
  // last value that passed is remembered, so the regular expression runs once per new value.
  let lastGood: string | undefined;
  return (value) => {
    if (value === lastGood) return undefined;
    if (typeof value !== 'string') return `must be a string (${what}), got ${kindOf(value)}`;
    if (!re.test(value)) return `must be ${what}, got ${quote(value)}`;
    lastGood = value;
    return undefined;
  };
}

const ALL_ZEROS_RE = /^0+$/;

function notAllZero(check: Check): Check {
  // The expression is made once: a literal here made a new RegExp object at every call.
  return (value) => check(value) ?? (ALL_ZEROS_RE.test(value as string) ? 'must not be all zeros (the W3C invalid id)' : undefined);
}

/** Nanoseconds since the epoch of a record timestamp, or `undefined` when it is not a real UTC instant. */
export function parseTimestamp(value: string): bigint | undefined {
  const m = TIMESTAMP_RE.exec(value);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, frac] = m as unknown as string[];
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  // Date.UTC silently rolls 2025-02-30 over to March: rebuild the date and compare to catch it.
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const back = new Date(ms);
  if (
    back.getUTCFullYear() !== year ||
    back.getUTCMonth() !== month - 1 ||
    back.getUTCDate() !== day ||
    back.getUTCHours() !== hour ||
    back.getUTCMinutes() !== minute ||
    back.getUTCSeconds() !== second
  ) {
    return undefined;
  }
  const nanos = BigInt((frac as string).padEnd(9, '0'));
  return BigInt(ms) * 1_000_000n + nanos;
}

export const checkTimestamp: Check = (value) => {
  if (typeof value !== 'string') return `must be an ISO 8601 UTC timestamp string, got ${kindOf(value)}`;
  if (!TIMESTAMP_RE.test(value)) {
    return `must be ISO 8601 UTC with millisecond or finer precision (2025-11-30T12:34:56.789Z), got ${quote(value)}`;
  }
  return parseTimestamp(value) === undefined ? `is not a real calendar date and time: ${quote(value)}` : undefined;
};

const LEVEL_LIST = LEVELS.join(', ');

export const checkLevel: Check = (value) => (isLevel(value) ? undefined : `must be one of ${LEVEL_LIST}, got ${quote(value)}`);

// Made once: made per call, it ran the expression and allocated for every record.
const agentIdPattern = stringMatching(AGENT_ID_RE, '<role>-<model>-<instance> such as A1-haiku-001');

export const checkAgentId: Check = (value) => {
  const problem = agentIdPattern(value);
  if (problem !== undefined) return problem;
  return (value as string).length > AGENT_ID_MAX_LENGTH
    ? `must be at most ${AGENT_ID_MAX_LENGTH} characters`
    : undefined;
};

export const checkCorrelationId = stringMatching(CORRELATION_ID_RE, 'req-<32 hex>, task-<id> or swarm-<id>');
export const checkComponent = stringMatching(COMPONENT_RE, 'a subsystem name such as redis_bus (letters, digits, _ . : / -)');
// All-zero ids are W3C's "invalid" ids; checked apart from the pattern because RE2 (the collector's regex
// engine) has no lookahead, and the file route must apply the same rule.
export const checkTraceId = notAllZero(stringMatching(TRACE_ID_RE, '32 lowercase hex digits, not all zero'));
export const checkSpanId = notAllZero(stringMatching(SPAN_ID_RE, '16 lowercase hex digits, not all zero'));
export const checkTraceFlags = stringMatching(TRACE_FLAGS_RE, 'two lowercase hex digits such as 01');
export const checkCitation = stringMatching(CITATION_RE, 'an if:// URI');

export const checkMessage: Check = (value) =>
  typeof value === 'string' ? undefined : `must be a string, got ${kindOf(value)}`;

/** `otlp_sent` is a flag: only `true` means something (the line is a copy of a record sent over OTLP). */
export const checkOtlpSent: Check = (value) =>
  typeof value === 'boolean' ? undefined : `must be a boolean (true: the writer also sent this record over OTLP), got ${kindOf(value)}`;

export const checkObject: Check = (value) => (isPlainObject(value) ? undefined : `must be an object, got ${kindOf(value)}`);

export const checkTags: Check = (value) => {
  if (!Array.isArray(value)) return `must be an array of strings, got ${kindOf(value)}`;
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== 'string') return `must be an array of strings; item ${i} is ${kindOf(value[i])}`;
  }
  return undefined;
};

export const checkErrorString: Check = (value) =>
  typeof value === 'string' ? undefined : `must be a string, got ${kindOf(value)}`;

export const checkErrorCode: Check = (value) =>
  typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))
    ? undefined
    : `must be a string or a number, got ${kindOf(value)}`;

/** Performance figures are non-negative finite numbers (a negative duration is a clock bug, not data). */
export const checkPerformanceNumber: Check = (value) => {
  if (typeof value !== 'number' || !Number.isFinite(value)) return `must be a finite number, got ${kindOf(value)}`;
  return value < 0 ? `must not be negative, got ${value}` : undefined;
};

/** True for `{…}` values: not null, not an array. Class instances count; the mapping reads their own keys. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short word for the JSON kind of a value, for messages. */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'object':
      return 'an object';
    case 'string':
      return 'a string';
    case 'number':
      return Number.isFinite(value) ? 'a number' : String(value);
    case 'boolean':
      return 'a boolean';
    case 'undefined':
      return 'undefined';
    case 'bigint':
      return 'a BigInt';
    case 'function':
      return 'a function';
    default:
      return 'a symbol';
  }
}

function quote(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  return kindOf(value);
}
