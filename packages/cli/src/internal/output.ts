import type { Writable } from 'node:stream';
import { ERROR_CODES, TracebridgeError } from '@tracebridge/schema';

/**
 * The reader of a command's output went away (`tracebridge validate … | head -1`). Not a failure: the
 * reader has what it wanted, so the command stops reading and ends quietly with status 0.
 */
export class OutputClosedError extends TracebridgeError {
  constructor(options?: { cause?: unknown }) {
    super(ERROR_CODES.OUTPUT, 'the reader of the output went away', options);
  }
}

/** Error codes of a write to a reader that is gone. */
const CLOSED_CODES = new Set(['EPIPE', 'ECONNRESET', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

const watched = new WeakSet<Writable>();

/**
 * Keeps the asynchronous errors of an output stream from crashing the process. A write to a pipe whose
 * reader is gone fails with EPIPE after `write()` returned: with no listener, the stream's `error`
 * event would be thrown as an uncaught exception with its stack. The stream keeps the error
 * (`writable.errored`), and the next {@link write} reports it. Listens once per stream, for its life:
 * a failure may come after the command returned.
 */
export function watchOutput(stream: Writable): void {
  if (watched.has(stream)) return;
  watched.add(stream);
  stream.on('error', () => {});
}

/**
 * Writes text and waits for the stream to drain when it asks to, so output never piles up in memory.
 * Throws {@link OutputClosedError} once the reader is gone, a `TRACEBRIDGE_ERR_OUTPUT` error when the
 * output cannot be written for another reason (a full disk).
 */
export async function write(stream: Writable, text: string): Promise<void> {
  throwIfBroken(stream);
  let flowing: boolean;
  try {
    flowing = stream.write(text);
  } catch (err) {
    // A stream may throw from write() rather than emit 'error'.
    throw outputError(err as Error);
  }
  if (flowing) return;
  await new Promise<void>((resolve, reject) => {
    const settle = (err?: unknown): void => {
      stream.off('drain', onDrain);
      stream.off('error', onError);
      stream.off('close', onClose);
      if (err === undefined) resolve();
      else reject(err);
    };
    const onDrain = (): void => settle();
    const onError = (err: Error): void => settle(outputError(err));
    const onClose = (): void => settle(stream.errored ? outputError(stream.errored) : new OutputClosedError());
    stream.once('drain', onDrain);
    stream.once('error', onError);
    stream.once('close', onClose);
  });
}

/** {@link write} with a newline. */
export function writeLine(stream: Writable, text: string): Promise<void> {
  return write(stream, `${text}\n`);
}

/**
 * Writes a last line (the report of a failure) without waiting or throwing: when the stream cannot take
 * it, nothing else could be said there either.
 */
export function writeLastLine(stream: Writable, text: string): void {
  try {
    if (!stream.destroyed && !stream.errored && !stream.writableEnded) stream.write(`${text}\n`);
  } catch {
    // Nowhere left to report to.
  }
}

function throwIfBroken(stream: Writable): void {
  if (stream.errored) throw outputError(stream.errored);
  if (stream.destroyed || stream.writableEnded) throw new OutputClosedError();
}

function outputError(err: Error): TracebridgeError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code !== undefined && CLOSED_CODES.has(code)) return new OutputClosedError({ cause: err });
  return new TracebridgeError(ERROR_CODES.OUTPUT, `cannot write the output: ${err.message}`, { cause: err });
}
