/**
 * What the bootstrap says on stderr. Written with `process.stderr.write`, never through `console`,
 * which may be bridged (or half-bridged when a start failed).
 */

/** The one line saying that this process runs without telemetry, and why (the error's first line). */
export function notInstrumentedLine(err: unknown): string {
  let reason: string;
  try {
    reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  } catch {
    reason = 'unknown error';
  }
  reason = reason.split('\n', 1)[0]?.trim() || 'unknown error';
  return `tracebridge: this process is NOT instrumented, it runs on without telemetry: the OpenTelemetry SDK could not start (${reason})\n`;
}

/** Prints {@link notInstrumentedLine}; never throws (a closed stderr must not stop the app either). */
export function reportNotInstrumented(err: unknown): void {
  try {
    process.stderr.write(notInstrumentedLine(err));
  } catch {
    // Nothing else can be done.
  }
}

/**
 * A configuration problem the bootstrap worked around, one stderr line each. Not a process warning:
 * Node prints those through `console.error`, which would turn an operator's typo into an ERROR record
 * of the app.
 */
export function warn(text: string): void {
  try {
    process.stderr.write(`tracebridge: warning: ${text}\n`);
  } catch {
    // Nothing else can be done.
  }
}
