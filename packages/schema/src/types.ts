/**
 * The tracebridge log record: the one input format every producer writes (the logger, JSON-lines files
 * the collector tails, `tracebridge convert`). Field names are snake_case because the record is a wire
 * format shared with non-TypeScript producers. See MAPPING.md for where each field lands in OTLP.
 */

import type { Level } from './severity.js';

export type { Level };

/** An error as it travels in a record: an `Error`'s name, message, stack (with its `cause` chain) and code. */
export interface RecordError {
  /** The error's class name (`TypeError`), becomes `exception.type`. */
  type?: string;
  /** Becomes `exception.message`. */
  message?: string;
  /** The stack trace, `Caused by:` sections appended; becomes `exception.stacktrace`. */
  stack?: string;
  /** A low-cardinality error class (`ECONNREFUSED`, `E_QUOTA`, `503`); becomes attribute `error.type`. */
  code?: string | number;
}

/** Performance figures of a `performance()` record; other numeric keys are kept as `performance.<key>`. */
export interface RecordPerformance {
  /** Duration of the operation in milliseconds. */
  duration_ms?: number;
  /** Memory in use, in megabytes. */
  memory_mb?: number;
  [key: string]: number | undefined;
}

/** One structured log record (JSON Schema draft 2020-12: {@link recordJsonSchema}). */
export interface TracebridgeRecord {
  /** ISO 8601 UTC with millisecond or finer precision: `2025-11-30T12:34:56.789Z`. */
  timestamp: string;
  level: Level;
  /** `<role>-<model>-<instance>`, for example `A1-haiku-001`. */
  agent_id: string;
  /** `req-<32 hex>`, `task-<id>` or `swarm-<id>`; absent outside any request, task or swarm. */
  correlation_id?: string;
  /** The subsystem that wrote the record (`redis_bus`, `chromadb`); becomes the instrumentation scope. */
  component: string;
  message: string;
  context?: Record<string, unknown>;
  error?: RecordError;
  performance?: RecordPerformance;
  /** 32 lowercase hex digits, not all zero. */
  trace_id?: string;
  /** 16 lowercase hex digits, not all zero. */
  span_id?: string;
  /**
   * W3C trace flags as two lowercase hex digits (`01` = sampled). Not in the original schema: added so a
   * record written to a file carries the same `LogRecord.flags` as one sent over OTLP.
   */
  trace_flags?: string;
  /** Agent that delegated the work; becomes `agent.parent.id`. */
  parent_agent_id?: string;
  tags?: string[];
  metadata?: Record<string, unknown>;
  /** An `if://…` URI; becomes `if.citation`. */
  if_citation?: string;
  /**
   * `true` on a JSON line whose writer also sent the same record over OTLP (a logger with output
   * `both`). Not mapped anywhere: the collector's file route drops such a line, because the OTLP route
   * already stored the record; every other route ignores the field. Not in the original schema: added
   * so that one logger can feed both outputs without the collector storing each record twice.
   */
  otlp_sent?: boolean;
}

/** One problem found by {@link validate}. */
export interface ValidationProblem {
  /** JSON path of the offending value, `$` for the record itself: `$.error.type`, `$.tags[2]`. */
  path: string;
  /** What is wrong, in words a person can act on. */
  message: string;
}

/** Attribute values as OpenTelemetry carries them: primitives, homogeneous-or-not arrays of primitives. */
export type AttributeValue = string | number | boolean | Array<string | number | boolean>;

/** Attributes in insertion order. */
export type Attributes = Record<string, AttributeValue>;

/** Options that say who is writing when the record does not: agent identity defaults and resource extras. */
export interface MappingOptions {
  /**
   * `service.name` of the resource. Defaults to the role part of `agent_id` (`A1` of `A1-haiku-001`).
   * Set it from `OTEL_SERVICE_NAME` when that is given.
   */
  serviceName?: string;
  /** `deployment.environment.name` of the resource; left out when not given. */
  environment?: string;
  /** Extra resource attributes (from `OTEL_RESOURCE_ATTRIBUTES`, say); the agent identity wins on conflict. */
  resourceAttributes?: Attributes;
  /**
   * `observedTimeUnixNano` of every record, as a decimal string or bigint of nanoseconds.
   * @default the time of the call
   */
  observedTimeUnixNano?: string | bigint;
}

/** A record mapped to its OTLP places, before any wire encoding. The one mapping's output. */
export interface MappedRecord {
  /** Resource attributes (agent identity, environment, extras). */
  resource: Attributes;
  /** Instrumentation scope name: the component, `'unknown'` (UNKNOWN_SCOPE) when the record has no good one. */
  scope: string;
  /** Event time in nanoseconds since the epoch as a decimal string; absent when the timestamp is bad. */
  timeUnixNano?: string;
  severityNumber?: number;
  severityText?: string;
  body?: string;
  attributes: Attributes;
  /** Lowercase hex. */
  traceId?: string;
  /** Lowercase hex. */
  spanId?: string;
  flags?: number;
  /** Top-level fields (or paths) that were bad and kept under `tracebridge.invalid.*`. */
  invalid: string[];
}
