import type { TimelineException, TimelineLogRow, TimelineSpanRow } from '../timeline.js';

/** What a view shows under a span besides its rows: its status message and exceptions, each once. */
export interface SpanNotes {
  /** The error status message, unless a record drawn under the span already says it. */
  status: string | null;
  /** The span's exception events that no record under it already shows. */
  exceptions: TimelineException[];
}

/**
 * A logged error is usually on its span too: the logger (and the auto-instrumentation's message helpers)
 * add an `exception` event and an error status for it. Drawing both would show every failure twice, so
 * an event or status is left out when a record under the span carries the same exception or text.
 */
export function spanNotes(span: TimelineSpanRow, logsUnder: readonly TimelineLogRow[]): SpanNotes {
  const said: string[] = [];
  for (const log of logsUnder) {
    said.push(log.message);
    if (log.exception !== null) said.push(log.exception.message, `${log.exception.type}: ${log.exception.message}`);
  }
  const repeats = (text: string): boolean => text !== '' && said.some((s) => s === text || s.includes(text));
  const exceptions = span.exceptions.filter((e) => !repeats(e.message) && !repeats(`${e.type}: ${e.message}`));
  let status = span.status === 'error' ? span.statusMessage : null;
  if (status !== null && (repeats(status) || exceptions.some((e) => e.message === status || `${e.type}: ${e.message}` === status))) status = null;
  return { status, exceptions };
}
