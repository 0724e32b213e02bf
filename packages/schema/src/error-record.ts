import { placeholderFor } from './internal/json-value.js';
import type { RecordError } from './types.js';

/** How many `cause` links are followed: enough for real chains, bounded for pathological ones. */
const MAX_CAUSES = 8;

/**
 * The record form of a thrown value. From an `Error`: its name, message, stack with every `cause`
 * (and `AggregateError` member) appended Java-style as `Caused by:` / `Suppressed:` sections, and its
 * `code` when it is a string or number. Anything else thrown becomes a message. Never throws.
 */
export function toRecordError(thrown: unknown): RecordError {
  try {
    if (!(thrown instanceof Error)) return { message: describe(thrown) };
    const out: RecordError = { type: errorName(thrown), message: String(thrown.message) };
    out.stack = stackWithCauses(thrown);
    const code = (thrown as { code?: unknown }).code;
    if (typeof code === 'string' || (typeof code === 'number' && Number.isFinite(code))) out.code = code;
    return out;
  } catch {
    return { message: '[Unserialisable error]' };
  }
}

function errorName(err: Error): string {
  const name = err.name;
  if (typeof name === 'string' && name !== '') return name;
  return err.constructor?.name || 'Error';
}

function headline(err: Error): string {
  return typeof err.stack === 'string' && err.stack !== '' ? err.stack : `${errorName(err)}: ${err.message}`;
}

function stackWithCauses(err: Error): string {
  let text = headline(err);
  const seen = new Set<unknown>([err]);
  if (typeof AggregateError !== 'undefined' && err instanceof AggregateError && Array.isArray(err.errors)) {
    for (const member of err.errors.slice(0, MAX_CAUSES)) {
      text += `\nSuppressed: ${member instanceof Error ? headline(member) : describe(member)}`;
    }
  }
  let cause: unknown = (err as { cause?: unknown }).cause;
  for (let i = 0; cause !== undefined && i < MAX_CAUSES; i++) {
    if (seen.has(cause)) {
      text += '\nCaused by: [Circular]';
      break;
    }
    seen.add(cause);
    text += `\nCaused by: ${cause instanceof Error ? headline(cause) : describe(cause)}`;
    cause = cause instanceof Error ? (cause as { cause?: unknown }).cause : undefined;
  }
  return text;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value;
  const placeholder = placeholderFor(value);
  if (placeholder !== undefined) return placeholder;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
