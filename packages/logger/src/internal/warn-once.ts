import { diag } from '@opentelemetry/api';

const seen = new Set<string>();

/**
 * One warning per kind of trouble, not one per record: a collector outage would otherwise print a
 * line for every log call. Goes to the OpenTelemetry diag logger and to Node's warning channel
 * (stderr by default), since most agents configure neither.
 */
export function warnOnce(key: string, text: string): void {
  if (seen.has(key)) return;
  seen.add(key);
  diag.warn(text);
  process.emitWarning(text, { code: 'TRACEBRIDGE_LOGGER' });
}
