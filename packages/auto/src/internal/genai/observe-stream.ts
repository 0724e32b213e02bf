/**
 * Follows the application's read of a streamed response (the SDKs' `Stream`, an async iterable of
 * parsed server-sent events) and ends the call when the read ends: at the last event, when the stream
 * fails, or when the application stops early (`break`, `return()`, an abort), so a span never stays
 * open behind a consumer that lost interest.
 *
 * Both SDKs iterate through the stream's own `iterator` property (`[Symbol.asyncIterator]()` and
 * `tee()` call it), so wrapping that one property sees every way of reading; only the first read is
 * followed (a stream can be read once).
 */
import type { ChatCall } from './chat-call.js';
import type { ChatResult } from './chat-result.js';

/** Folds events into a result; what `add` throws is ignored (telemetry never breaks the read). */
export interface StreamReader {
  add(event: unknown): void;
  finish(): ChatResult;
}

/** True when `value` looks like an SDK `Stream` this module can follow. */
export function isObservableStream(value: unknown): value is { iterator: (...args: unknown[]) => AsyncIterator<unknown> } {
  return typeof value === 'object' && value !== null && typeof (value as { iterator?: unknown }).iterator === 'function';
}

export function observeStream(stream: { iterator: (...args: unknown[]) => AsyncIterator<unknown> }, call: ChatCall, reader: StreamReader): void {
  const original = stream.iterator;
  let observed = false;
  stream.iterator = function observedIterator(this: unknown, ...args: unknown[]): AsyncIterator<unknown> {
    const source = original.apply(this, args);
    if (observed) return source;
    observed = true;
    return follow(source, call, reader);
  };
}

async function* follow(source: AsyncIterator<unknown>, call: ChatCall, reader: StreamReader): AsyncGenerator<unknown, void, undefined> {
  let completed = false;
  let failed = false;
  try {
    while (true) {
      const next = await source.next();
      if (next.done === true) break;
      call.firstChunk();
      try {
        reader.add(next.value);
      } catch {
        // a shape this reader does not know: the event still reaches the application
      }
      yield next.value;
    }
    completed = true;
  } catch (err) {
    failed = true;
    call.fail(err, reader.finish());
    throw err;
  } finally {
    if (completed) call.succeed(reader.finish());
    else if (!failed) {
      // The application stopped reading: close the SDK's iterator (it aborts the request), then end.
      try {
        await source.return?.();
      } catch {
        // already closed
      }
      call.cancel(reader.finish());
    }
  }
}
