import type { Context, TextMapPropagator } from '@opentelemetry/api';
import type { LogRecordExporter, LogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { Level } from '@tracebridge/schema';

/** Where records go: OTLP to a collector, JSON lines (stdout or a file) for the collector to tail, or both. */
export type OutputMode = 'otlp' | 'jsonl' | 'both';

/** OTLP/HTTP body encoding. */
export type OtlpProtocol = 'http/protobuf' | 'http/json';

/** Fields a log call may carry besides its message. */
export interface LogFields {
  /** Free-form structured data; flattened into `context.*` attributes. */
  context?: Record<string, unknown>;
  /** Labels for the record; the `tags` attribute. */
  tags?: string[];
  /** Data about the record itself (source, versions); flattened into `metadata.*` attributes. */
  metadata?: Record<string, unknown>;
  /** An error (or any thrown value): `exception.type|message|stacktrace`, `cause` chain included. */
  error?: unknown;
  /** Low-cardinality error class (`E_QUOTA`); the `error.type` attribute. Defaults to the error's `code`. */
  errorCode?: string | number;
  /** An `if://` citation URI for audit trails; the `if.citation` attribute. */
  citation?: string;
}

/** Figures of a `performance()` record. */
export interface PerformanceFields extends LogFields {
  /** Duration of the operation in milliseconds; also recorded in the `tracebridge.operation.duration` histogram. */
  durationMs: number;
  /** Memory in use in megabytes. */
  memoryMb?: number;
  /** Other figures (`tokens`, `items`), kept as `performance.<name>`. */
  figures?: Record<string, number>;
}

/** Options of a child logger. */
export interface ChildOptions {
  /** Component of the child's records (its instrumentation scope). @default the parent's */
  component?: string;
  /** Context merged under every record's own context (a record's keys win). */
  context?: Record<string, unknown>;
}

/** Why records were dropped. Every drop is counted under exactly one reason. */
export type DropReason =
  /** The in-memory queue and the disk spill were both full. */
  | 'queue_full'
  /** The collector refused or could not be reached for longer than the retries allow. */
  | 'export_failed'
  /** Still queued when `shutdown()` ran out of time. */
  | 'shutdown_timeout'
  /** Larger than `maxRecordBytes` after encoding. */
  | 'too_large'
  /** Written after `shutdown()`. */
  | 'after_shutdown'
  /** The JSON-lines sink could not write. */
  | 'sink_failed';

/**
 * What the logger did so far. Read with `stats()`; also exported as metrics when a MeterProvider exists.
 * Every snapshot adds up, even while records are moving between threads:
 * `emitted = exported + queued + dropped + sampledOut + spooled` (with output `jsonl`, `written` in place
 * of `exported`; with output `both`, the file is a second copy, so its `sink_failed` drops are left out).
 */
export interface LoggerStats {
  /** Records accepted by a log call (enabled level). */
  emitted: number;
  /** Records acknowledged by the OTLP receiver. */
  exported: number;
  /** Records written by the JSON-lines sink. */
  written: number;
  /** Records dropped, total. */
  dropped: number;
  /** Records dropped, by reason. */
  droppedBy: Record<DropReason, number>;
  /** Records that went through the disk spill because the in-memory queue was full. */
  spilled: number;
  /**
   * Records handed to the exit spool at shutdown for later delivery (the collector was down or too slow
   * within `shutdownTimeoutMillis`): settled here, delivered by the spool's sender (see the README). Not
   * to be confused with `spilled`, the in-memory queue's overflow to disk while the process runs.
   */
  spooled: number;
  /**
   * JSON lines in files that rotation deleted (beyond `jsonlMaxFiles`). The collector's file route reads
   * rotated files too, so these are lost only if it had not read them yet (it was down, or a burst
   * outran it); said once on stderr when it happens. Lines an earlier process wrote are not counted.
   * Still counted in `written` (the identity holds on what the logger did).
   */
  rotatedOut: number;
  /**
   * Records accepted and not yet settled right now: in memory, on disk, in flight to the collector, or
   * held by trace-aware sampling.
   */
  queued: number;
  /** Bytes waiting in the in-memory queue right now. */
  queuedBytes: number;
  /** Fields that were not valid and were kept under `tracebridge.invalid.*`. */
  invalidFields: number;
  /** Values and substrings replaced by redaction. */
  redacted: number;
  /** DEBUG records of unsampled traces given up by trace-aware sampling (not failures: by design). */
  sampledOut: number;
  /** DEBUG records of unsampled traces released because the trace logged an ERROR. */
  restored: number;
}

/** Options of {@link createLogger}. Every option has an environment-variable or built-in default. */
export interface LoggerOptions {
  /** `<role>-<model>-<instance>`, e.g. `A1-haiku-001`. @default `TRACEBRIDGE_AGENT_ID` */
  agentId?: string;
  /** The subsystem writing (`redis_bus`); the instrumentation scope of the records. */
  component: string;
  /** `deployment.environment.name`. @default `TRACEBRIDGE_ENVIRONMENT`, else none */
  environment?: string;
  /** Least severe level written; calls below it cost nothing. @default `TRACEBRIDGE_LOG_LEVEL`, else `'INFO'` */
  level?: Level | Lowercase<Level>;
  /** `service.name`. @default `OTEL_SERVICE_NAME`, else the role part of `agentId` */
  serviceName?: string;
  /** Extra resource attributes, merged over `OTEL_RESOURCE_ATTRIBUTES`. */
  resourceAttributes?: Record<string, string | number | boolean>;
  /** Context on every record of this logger (a record's keys win). */
  context?: Record<string, unknown>;
  /**
   * Where records go. With `'both'` each JSON line carries `"otlp_sent": true`, which the collector's
   * file route drops: a collector that receives the OTLP and tails the lines stores each record once.
   * @default `TRACEBRIDGE_LOG_OUTPUT`, else `'otlp'`
   */
  output?: OutputMode;
  /**
   * OTLP/HTTP logs endpoint, used as given.
   * @default `OTEL_EXPORTER_OTLP_LOGS_ENDPOINT`, else `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/logs`, else `http://localhost:4318/v1/logs`
   */
  endpoint?: string;
  /** @default `OTEL_EXPORTER_OTLP_LOGS_PROTOCOL` / `OTEL_EXPORTER_OTLP_PROTOCOL`, else `'http/protobuf'` */
  protocol?: OtlpProtocol;
  /** Extra HTTP headers of the export requests, merged over `OTEL_EXPORTER_OTLP_(LOGS_)HEADERS`. */
  headers?: Record<string, string>;
  /** JSON-lines destination when `output` includes `jsonl`: a file path, or `'stdout'`. @default `TRACEBRIDGE_LOG_FILE`, else `'stdout'` */
  jsonlPath?: string;
  /** Rotate the JSON-lines file when it reaches this size; keeps `jsonlMaxFiles` old files. @default 100 MiB */
  jsonlMaxBytes?: number;
  /** @default 5 */
  jsonlMaxFiles?: number;
  /**
   * Export off the calling thread (a worker thread encodes and sends), so a log call costs well under a
   * microsecond. `false` runs the OpenTelemetry SDK pipeline on the calling thread (needed for custom
   * `processors`/`exporter`, e.g. in tests).
   * @default true, unless `exporter` or `processors` are given
   */
  thread?: boolean;
  /** Bytes of the in-memory queue between log calls and export. @default 32 MiB */
  maxQueueBytes?: number;
  /** Records per OTLP export request. @default `OTEL_BLRP_MAX_EXPORT_BATCH_SIZE`, else 4096 */
  maxExportBatchSize?: number;
  /**
   * Longest wait before a partial batch is sent: at low rates, records gather this long (one export
   * request and one wake-up of the export worker per batch, not per record). @default
   * `OTEL_BLRP_SCHEDULE_DELAY`, else 1000 ms (the OpenTelemetry default)
   */
  scheduleDelayMillis?: number;
  /** Timeout of one export request, retries included. @default `OTEL_BLRP_EXPORT_TIMEOUT`, else 10000 ms */
  exportTimeoutMillis?: number;
  /**
   * Directory of the disk spill used when the in-memory queue is full (a burst, a collector outage).
   * `false` turns spilling off: records are then dropped (and counted) when the queue is full.
   * @default a `tracebridge-spill-<pid>` folder in the OS temp directory
   */
  spillDir?: string | false;
  /** Most bytes the spill may hold; beyond it records are dropped and counted. @default 1 GiB */
  maxSpillBytes?: number;
  /**
   * The exit spool: where records that could not be delivered before the process ended (the collector
   * down or too slow within `shutdownTimeoutMillis`) are written as OTLP requests, delivered later by a
   * detached sender (README, "When the process ends"); `false` turns it off (they are then counted as
   * dropped, `shutdown_timeout`). Shared with `@tracebridge/auto`'s spool.
   * @default `TRACEBRIDGE_SPOOL_DIR`, else `<OS temp dir>/tracebridge-spool-<uid>`
   */
  spoolDir?: string | false;
  /** Largest record accepted, encoded. @default 1 MiB */
  maxRecordBytes?: number;
  /** `shutdown()` gives up after this long, counting what is left as dropped. @default 5000 ms */
  shutdownTimeoutMillis?: number;
  /** Flush and shut down on SIGTERM, SIGINT, `beforeExit` and `exit`. @default true */
  handleExit?: boolean;
  /** Attribute count limit per record. @default `OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT`, else 1024 */
  attributeCountLimit?: number;
  /** Attribute value length limit. @default `OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT`, else none */
  attributeValueLengthLimit?: number;
  /** Replaces the OTLP exporter (in-process only, `thread: false`). */
  exporter?: LogRecordExporter;
  /** Processors run before the exporter's batch processor (in-process only, `thread: false`). */
  processors?: LogRecordProcessor[];
  /** Turns the logger into a no-op. @default `OTEL_SDK_DISABLED === 'true'` */
  disabled?: boolean;
  /**
   * Trace-aware sampling of DEBUG records: inside a trace that was not sampled, DEBUG records are held
   * (the newest `perTrace` per trace, `maxTraces` traces) and written only if the trace logs an ERROR or
   * FATAL; otherwise they are given up and counted as `sampledOut`. Records outside traces, and of
   * sampled traces, are unaffected. Also `TRACEBRIDGE_TRACE_SAMPLING=on`.
   * @default off
   */
  traceSampling?: boolean | { perTrace?: number; maxTraces?: number };
  /**
   * Give every OTLP record a `log.record.uid` (UUIDv7, time-ordered): a batch resent after a lost answer
   * then reaches the store as copies it can tell apart and de-duplicate.
   * @default true
   */
  recordUid?: boolean;
  /** An `error()`/`fatal()` inside a span adds an `exception` event to it and sets its status to error. @default true */
  recordErrorsOnSpans?: boolean;
  /**
   * Secrets replaced before records leave the process: values under sensitive keys at any depth of
   * `context`/`metadata` (`password`, `token`, `authorization`, `api_key`, `cookie`, …, case-insensitive),
   * and secret-looking substrings anywhere (the password of a URL's user-info, Basic and Bearer
   * credentials after an `Authorization` header's name, bearer tokens, AWS key ids, JWTs, `password=…`,
   * private keys, provider API keys such as `sk-…`, `sk_live_…`, `ghp_…`, `glpat-…`, `xoxb-…`, `AIza…`;
   * publishable `pk_…` keys are kept). The collector's `tracebridge_redact`
   * applies the same defaults again to everything it receives (see the README's "Security").
   * `false` turns it off (also `TRACEBRIDGE_REDACT=off`).
   * @default on, with the default lists
   */
  redact?: false | RedactOptions;
}

/** What to redact besides (or instead of) the defaults. */
export interface RedactOptions {
  /** More key names whose value is always replaced (case and `-`/`_` ignored). */
  keys?: string[];
  /** Dotted paths whose value is replaced: `context.user.email`. */
  paths?: string[];
  /**
   * More patterns replaced inside every string: each match whole, or only its group named `secret`
   * (`/user=\w+ pass=(?<secret>\S+)/`).
   */
  patterns?: RegExp[];
  /** @default `'[REDACTED]'` */
  replacement?: string;
  /** Keep the default keys and patterns. @default true */
  defaults?: boolean;
}

/**
 * An environment as a carrier of trace context: `process.env`, or the `env` given to `child_process`
 * or a `Worker`. Values are strings; `undefined` means the variable is not set.
 */
export type EnvCarrier = Record<string, string | undefined>;

/** Options of {@link injectEnv} and {@link extractEnv}. */
export interface EnvContextOptions {
  /**
   * The context to write (`injectEnv`), or to add what is read to (`extractEnv`).
   * @default the active context for `injectEnv`; `ROOT_CONTEXT` for `extractEnv`
   */
  context?: Context;
  /**
   * The propagator whose fields are written or read.
   * @default the global propagator; W3C trace context and baggage when none is registered (no SDK running)
   */
  propagator?: TextMapPropagator;
}
