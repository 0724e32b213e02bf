import {
  checkAgentId,
  checkCitation,
  checkComponent,
  checkCorrelationId,
  checkErrorCode,
  checkErrorString,
  checkLevel,
  checkMessage,
  checkObject,
  checkOtlpSent,
  checkPerformanceNumber,
  checkSpanId,
  checkTags,
  checkTimestamp,
  checkTraceFlags,
  checkTraceId,
  isPlainObject,
  kindOf,
} from './internal/checks.js';
import type { Check } from './internal/checks.js';
import { RECORD_FIELDS } from './map-record.js';
import type { ValidationProblem } from './types.js';

// correlation_id is not required: a record written outside any request, task or swarm belongs to none,
// and an invented id would correlate records that have nothing in common (docs/mapping.md).
const REQUIRED = ['timestamp', 'level', 'agent_id', 'component', 'message'] as const;

const FIELD_CHECKS: Readonly<Record<string, Check>> = {
  timestamp: checkTimestamp,
  level: checkLevel,
  agent_id: checkAgentId,
  correlation_id: checkCorrelationId,
  component: checkComponent,
  message: checkMessage,
  context: checkObject,
  metadata: checkObject,
  trace_id: checkTraceId,
  span_id: checkSpanId,
  trace_flags: checkTraceFlags,
  parent_agent_id: checkAgentId,
  tags: checkTags,
  if_citation: checkCitation,
  otlp_sent: checkOtlpSent,
};

/** Deeper than this, `context`/`metadata` are not searched for unserialisable values. */
const MAX_WALK_DEPTH = 64;

/**
 * Every problem of a record, each with its JSON path (`$.error.type`); an empty array when the record
 * is valid. Applies the rules of {@link recordJsonSchema} and, for records built in JavaScript, also
 * reports values JSON cannot carry (cycles, BigInts, functions, non-finite numbers). Never throws.
 */
export function validate(record: unknown): ValidationProblem[] {
  if (!isPlainObject(record)) return [{ path: '$', message: `must be a JSON object, got ${kindOf(record)}` }];
  const problems: ValidationProblem[] = [];
  for (const field of REQUIRED) {
    if (record[field] === undefined) problems.push({ path: `$.${field}`, message: 'is required' });
  }
  for (const field of Object.keys(record)) {
    const value = record[field];
    const path = pathOf('$', field);
    if (!RECORD_FIELDS.includes(field)) {
      problems.push({ path, message: 'is not a field of the record (put extra data under context or metadata)' });
      continue;
    }
    if (value === undefined) continue;
    if (field === 'error') checkError(value, path, problems);
    else if (field === 'performance') checkPerformance(value, path, problems);
    else {
      const problem = (FIELD_CHECKS[field] as Check)(value);
      if (problem !== undefined) problems.push({ path, message: problem });
      else if (field === 'context' || field === 'metadata') walkJson(value, path, problems, new Set(), 0);
    }
  }
  checkTraceContext(record, problems);
  return problems;
}

/** trace_id and span_id are one trace context: each needs the other (see the mapping's trace context rule). */
function checkTraceContext(record: Record<string, unknown>, problems: ValidationProblem[]): void {
  const hasTrace = record.trace_id !== undefined;
  const hasSpan = record.span_id !== undefined;
  const goodTrace = hasTrace && checkTraceId(record.trace_id) === undefined;
  const goodSpan = hasSpan && checkSpanId(record.span_id) === undefined;
  if (goodTrace && !goodSpan) problems.push({ path: '$.trace_id', message: 'needs a valid span_id beside it' });
  if (goodSpan && !goodTrace) problems.push({ path: '$.span_id', message: 'needs a valid trace_id beside it' });
  if (record.trace_flags !== undefined && !hasTrace && !hasSpan) {
    problems.push({ path: '$.trace_flags', message: 'needs trace_id and span_id beside it' });
  }
}

function checkError(value: unknown, path: string, problems: ValidationProblem[]): void {
  if (!isPlainObject(value)) {
    problems.push({ path, message: `must be an object {type, message, stack, code}, got ${kindOf(value)}` });
    return;
  }
  for (const key of Object.keys(value)) {
    const member = value[key];
    if (member === undefined) continue;
    const check = key === 'code' ? checkErrorCode : key === 'type' || key === 'message' || key === 'stack' ? checkErrorString : undefined;
    const problem = check === undefined ? 'is not a field of error (type, message, stack, code)' : check(member);
    if (problem !== undefined) problems.push({ path: pathOf(path, key), message: problem });
  }
}

function checkPerformance(value: unknown, path: string, problems: ValidationProblem[]): void {
  if (!isPlainObject(value)) {
    problems.push({ path, message: `must be an object of numbers, got ${kindOf(value)}` });
    return;
  }
  for (const key of Object.keys(value)) {
    const member = value[key];
    if (member === undefined) continue;
    const problem = checkPerformanceNumber(member);
    if (problem !== undefined) problems.push({ path: pathOf(path, key), message: problem });
  }
}

function walkJson(value: unknown, path: string, problems: ValidationProblem[], seen: Set<object>, depth: number): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return;
    case 'number':
      if (!Number.isFinite(value)) problems.push({ path, message: `${value} cannot be written as JSON` });
      return;
    case 'object':
      break;
    default:
      problems.push({ path, message: `${kindOf(value)} cannot be written as JSON` });
      return;
  }
  if (value === null || depth >= MAX_WALK_DEPTH) return;
  if (seen.has(value)) {
    problems.push({ path, message: 'is a circular reference' });
    return;
  }
  seen.add(value);
  if (Array.isArray(value)) value.forEach((item, i) => walkJson(item, `${path}[${i}]`, problems, seen, depth + 1));
  else if (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null) {
    for (const key of Object.keys(value)) walkJson((value as Record<string, unknown>)[key], pathOf(path, key), problems, seen, depth + 1);
  }
  seen.delete(value);
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `$.a` for identifier keys, `$["a b"]` otherwise, so every path can be read back unambiguously. */
export function pathOf(parent: string, key: string): string {
  return IDENTIFIER.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}
