import { SpanStatusCode, trace } from '@opentelemetry/api';
import { ATTR_EXCEPTION_MESSAGE, ATTR_EXCEPTION_STACKTRACE, ATTR_EXCEPTION_TYPE, LEVELS, toRecordError } from '@tracebridge/schema';
import type { Level } from '@tracebridge/schema';
import { LEVEL_NUMBER } from '@tracebridge/schema/internal';
import type { Identity, PerformanceRecord } from './internal/call.js';
import { durationHistogram } from './internal/metrics.js';
import type { Transport } from './internal/transport.js';
import type { ChildOptions, LogFields, LoggerStats, PerformanceFields } from './types.js';

/** A log method: never throws, returns immediately; below the logger's level it does nothing at all. */
export type LogMethod = (message: string, fields?: LogFields) => void;

/** What a logger and all its children share. @internal */
export interface LoggerCore {
  transport: Transport;
  agentId: string;
  /** The least severe level's number (`LEVEL_NUMBER`). */
  minLevel: number;
  shutdownTimeoutMillis: number;
  recordErrorsOnSpans: boolean;
  onShutdown: () => void;
  /**
   * Flushes the other tasks of the exit registry (under `--import`, the SDK's tracer, logger and meter
   * providers) within the bound: the app saying it is ending covers everything it emitted.
   */
  flushOthers: (timeoutMillis: number) => Promise<boolean>;
}

const noop: LogMethod = () => {};
const { DEBUG, INFO, WARN, ERROR, FATAL } = LEVEL_NUMBER;

/**
 * The agent's structured logger. Create one with `createLogger()`; derive per-component or per-request
 * loggers with `child()`. Records carry the active span's trace context and the correlation scope's id
 * (see `withCorrelation`), and go to OTLP and/or JSON lines as configured.
 */
export class Logger {
  /** Detailed diagnostics, off by default. */
  readonly debug: LogMethod;
  /** Normal operation. */
  readonly info: LogMethod;
  /** Something unexpected that the agent recovered from. */
  readonly warn: LogMethod;
  /** An operation failed. Pass `error` to record the exception (stack and `cause` chain included). */
  readonly error: LogMethod;
  /** The agent cannot go on. */
  readonly fatal: LogMethod;
  /** The component this logger writes as (the instrumentation scope). */
  readonly component: string;
  /** The least severe level written. */
  readonly level: Level;

  private readonly core: LoggerCore;
  private readonly identity: Identity;
  private readonly baseContext: Record<string, unknown> | undefined;

  /** @internal Use `createLogger()` or `child()`. */
  constructor(core: LoggerCore, component: string, baseContext: Record<string, unknown> | undefined) {
    this.core = core;
    this.component = component;
    this.level = LEVELS[core.minLevel] as Level;
    this.baseContext = baseContext;
    const identity = core.transport.identity(core.agentId, component);
    this.identity = identity;
    const t = core.transport;
    const method = (level: number): LogMethod => {
      if (level < core.minLevel) return noop;
      if (level >= ERROR && core.recordErrorsOnSpans) {
        return (message, fields) => {
          t.write(level, identity, baseContext, message, fields, undefined);
          recordOnSpan(message, fields);
        };
      }
      return (message, fields) => t.write(level, identity, baseContext, message, fields, undefined);
    };
    this.debug = method(DEBUG);
    this.info = method(INFO);
    this.warn = method(WARN);
    this.error = method(ERROR);
    this.fatal = method(FATAL);
  }

  /**
   * An INFO record of an operation's figures (`performance.duration_ms`, `performance.memory_mb`, …),
   * and a `tracebridge.operation.duration` histogram measurement when a MeterProvider is registered.
   * Keep `message` a fixed operation name ("chromadb query"): it labels the histogram.
   */
  performance(message: string, fields: PerformanceFields): void {
    try {
      const figures: PerformanceRecord = {};
      const duration = fields?.durationMs;
      if (duration !== undefined) figures.duration_ms = duration;
      if (fields?.memoryMb !== undefined) figures.memory_mb = fields.memoryMb;
      if (fields?.figures !== undefined) {
        for (const [k, v] of Object.entries(fields.figures)) figures[k] = v;
      }
      if (INFO >= this.core.minLevel) this.core.transport.write(INFO, this.identity, this.baseContext, message, fields, figures);
      if (typeof duration === 'number' && Number.isFinite(duration) && duration >= 0) {
        durationHistogram().record(duration, { 'tracebridge.component': this.component, 'operation.name': String(message) });
      }
    } catch {
      // A getter on the caller's object threw: the agent must not notice.
    }
  }

  /**
   * A logger for a sub-component or a unit of work: same destination, its own component and/or a
   * context merged under every record (a record's own keys win). Cheap: create one per request.
   */
  child(options: ChildOptions): Logger {
    // Never throws: `child(null)`, a getter that throws, a Proxy whose traps throw give a child of the
    // parent's component with what could be read.
    let component = this.component;
    let own: unknown;
    try {
      const c = options?.component;
      if (typeof c === 'string' && c !== '') component = c;
      own = options?.context;
    } catch {
      own = undefined;
    }
    return new Logger(this.core, component, childContext(this.baseContext, own));
  }

  /**
   * Resolves true once everything logged so far was delivered, false if `timeoutMillis` passed first.
   * Under `node --import @tracebridge/auto/register` it also flushes the SDK's spans, log records and
   * metrics, within the same bound.
   */
  async flush(timeoutMillis: number = this.core.shutdownTimeoutMillis): Promise<boolean> {
    try {
      const [own, others] = await Promise.all([this.core.transport.flush(timeoutMillis), this.core.flushOthers(timeoutMillis)]);
      return own && others;
    } catch {
      return false;
    }
  }

  /**
   * Flushes, then releases the export worker and files, within the shutdown timeout (default 5 s) even
   * when the collector is down; what could not be delivered is written to the exit spool for later
   * delivery (or, with the spool off or full, counted as dropped), and said in one line on stderr when
   * the process ends. Shuts down the logger's whole family (parent and children share one pipeline).
   * Later calls are dropped and counted. Under `node --import @tracebridge/auto/register` it also
   * flushes the SDK's spans, log records and metrics within the same bound, so that
   * `await log.shutdown(); process.exit(0)` loses nothing.
   */
  async shutdown(): Promise<void> {
    const t = this.core.shutdownTimeoutMillis;
    await Promise.all([this.core.transport.shutdown(t), this.core.flushOthers(t).catch(() => false)]);
    this.core.onShutdown();
  }

  /** Counters: emitted, exported, written, dropped (by reason), spilled, queued, invalid fields. */
  stats(): LoggerStats {
    return this.core.transport.stats();
  }
}

/**
 * A child's context: the parent's with the child's own merged over it, copied now (later changes to the
 * caller's object do not reach the child's records). An object that cannot be copied (a Proxy whose
 * traps throw) is kept as it is: the encoder reads it at each call and writes placeholders for what it
 * cannot read.
 */
export function childContext(base: Record<string, unknown> | undefined, own: unknown): Record<string, unknown> | undefined {
  if (own === undefined || own === null || typeof own !== 'object') return base;
  try {
    return base === undefined ? { ...(own as Record<string, unknown>) } : { ...base, ...(own as Record<string, unknown>) };
  } catch {
    return own as Record<string, unknown>;
  }
}

/**
 * An error logged inside a span is an exception of that span: an `exception` event with the
 * semantic-convention attributes, and the span's status set to error.
 */
function recordOnSpan(message: string, fields: LogFields | undefined): void {
  try {
    const span = trace.getActiveSpan();
    if (span === undefined || !span.isRecording()) return;
    const err = fields?.error !== undefined ? toRecordError(fields.error) : undefined;
    const attributes: Record<string, string> = {};
    attributes[ATTR_EXCEPTION_TYPE] = err?.type ?? 'Error';
    attributes[ATTR_EXCEPTION_MESSAGE] = err?.message ?? String(message);
    if (err?.stack !== undefined) attributes[ATTR_EXCEPTION_STACKTRACE] = err.stack;
    span.addEvent('exception', attributes);
    span.setStatus({ code: SpanStatusCode.ERROR, message: String(message) });
  } catch {
    // never let span bookkeeping reach the caller
  }
}
