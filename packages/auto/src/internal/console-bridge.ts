/**
 * `console.*` → OpenTelemetry logs. Each call still prints exactly what it printed before; it is also
 * emitted once as a log record (scope `console`, severity from the method, body = the printed text).
 *
 * Three guards keep it from feeding on itself:
 * - a depth counter: only the outermost console call is bridged. Node's own `console.trace` calls
 *   `this.error`, `console.assert` calls `this.warn`, and an SDK component that prints while a record
 *   is being emitted must not emit another;
 * - suppressed tracing: the SDK exports under `suppressTracing()`, so an exporter's or processor's
 *   console output (a failed export reported through a console diag logger) is never re-exported;
 * - a marker on the patched functions: a second copy of this module (a duplicate install, a second
 *   import under another URL) finds the console already bridged and leaves it alone.
 */
import { format } from 'node:util';
import { context } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import type { LogAttributes, Logger } from '@opentelemetry/api-logs';
import { isTracingSuppressed } from '@opentelemetry/core';
import { ATTR_EXCEPTION_MESSAGE, ATTR_EXCEPTION_STACKTRACE, ATTR_EXCEPTION_TYPE, toRecordError } from '@tracebridge/schema';

type Method = 'debug' | 'log' | 'info' | 'warn' | 'error' | 'trace';

/** Severity of each bridged method, per the OpenTelemetry logs data model's ranges. */
const SEVERITY: Record<Method, [SeverityNumber, string]> = {
  trace: [SeverityNumber.TRACE, 'TRACE'],
  debug: [SeverityNumber.DEBUG, 'DEBUG'],
  log: [SeverityNumber.INFO, 'INFO'],
  info: [SeverityNumber.INFO, 'INFO'],
  warn: [SeverityNumber.WARN, 'WARN'],
  error: [SeverityNumber.ERROR, 'ERROR'],
};

/** The scope name of bridged records: `scope_name="console"` in Loki. */
export const CONSOLE_SCOPE = 'console';

/** Set on a bridged function; holds the function it replaced. */
const ORIGINAL = Symbol.for('tracebridge.console.original');

type Bridged = ((...args: unknown[]) => void) & { [ORIGINAL]?: (...args: unknown[]) => void };

let depth = 0;

function attributesOf(args: unknown[]): LogAttributes | undefined {
  const err = args.find((a) => a instanceof Error);
  if (err === undefined) return undefined;
  const e = toRecordError(err);
  const out: LogAttributes = { [ATTR_EXCEPTION_MESSAGE]: e.message };
  if (e.type !== undefined) out[ATTR_EXCEPTION_TYPE] = e.type;
  if (e.stack !== undefined) out[ATTR_EXCEPTION_STACKTRACE] = e.stack;
  return out;
}

/**
 * What Node's own `console.trace` prints, with the stack cut at the bridged function: calling the
 * original from the bridge would add the bridge's frame on top of the caller's. Printed through
 * `error`, as Node does (which, nested, passes straight through).
 */
function printTrace(target: Console, bridged: Bridged, args: unknown[]): void {
  const err = { name: 'Trace', message: format(...args), stack: '' };
  Error.captureStackTrace(err, bridged);
  target.error(err.stack);
}

/** The console methods as they were before any bridge: what diagnostics must print through. */
export function originalConsole(target: Console = console): Pick<Console, Method> {
  const out = {} as Pick<Console, Method>;
  for (const m of Object.keys(SEVERITY) as Method[]) {
    const fn = target[m] as Bridged;
    out[m] = (fn[ORIGINAL] ?? fn).bind(target);
  }
  return out;
}

/** Whether `target`'s methods are bridged already (by this or another copy of the module). */
export function isConsoleBridged(target: Console = console): boolean {
  return (target.log as Bridged)[ORIGINAL] !== undefined;
}

/** Undoes {@link installConsoleBridge}. */
export interface ConsoleBridge {
  uninstall(): void;
}

/**
 * Bridges `target`'s methods to `logger`. A no-op (returning a no-op handle) when they are bridged
 * already. Emitting never throws into the caller: a failure drops that one record.
 */
export function installConsoleBridge(logger: Logger, target: Console = console): ConsoleBridge {
  if (isConsoleBridged(target)) return { uninstall() {} };
  const replaced: Array<[Method, (...args: unknown[]) => void]> = [];
  for (const method of Object.keys(SEVERITY) as Method[]) {
    const original = target[method] as (...args: unknown[]) => void;
    const [severityNumber, severityText] = SEVERITY[method];
    const bridged: Bridged = function (this: unknown, ...args: unknown[]): void {
      if (depth > 0) {
        original.apply(this, args);
        return;
      }
      depth++;
      try {
        if (!isTracingSuppressed(context.active())) {
          try {
            const attributes = attributesOf(args);
            logger.emit(attributes === undefined ? { severityNumber, severityText, body: format(...args) } : { severityNumber, severityText, body: format(...args), attributes });
          } catch {
            // A record that cannot be emitted is dropped; the console output below still happens.
          }
        }
        if (method === 'trace') printTrace(target, bridged, args);
        else original.apply(this, args);
      } finally {
        depth--;
      }
    };
    bridged[ORIGINAL] = original;
    target[method] = bridged as Console[Method];
    replaced.push([method, original]);
  }
  return {
    uninstall() {
      for (const [method, original] of replaced) {
        if ((target[method] as Bridged)[ORIGINAL] === original) target[method] = original as Console[Method];
      }
    },
  };
}
