import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { ERROR_CODES, TracebridgeError } from '@tracebridge/schema';

/**
 * Longest line read, in bytes. A longer one is reported and skipped without being held in memory:
 * a runaway writer must not make a reader allocate gigabytes.
 */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

/** One line of a JSON-lines input: its 1-based number and its text, or why it has none. */
export type Line =
  | { number: number; text: string }
  | { number: number; text?: undefined; tooLong: number };

/**
 * Opens `FILE`, or standard input for `-` / no argument. Resolves once the file is open, so a missing
 * file is reported before a command writes any output.
 */
export async function openInput(file: string | undefined): Promise<Readable> {
  if (file === undefined || file === '-') return process.stdin;
  const stream = createReadStream(file);
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (err) =>
      reject(new TracebridgeError(ERROR_CODES.INPUT, `cannot read ${file}: ${err.message}`, { cause: err })),
    );
  });
  return stream;
}

/**
 * The lines of a stream, decoded as UTF-8 (invalid bytes become U+FFFD), without ever holding more
 * than one line in memory. Blank lines are skipped; a trailing `\r` is dropped.
 */
export async function* readLines(input: Readable, source = 'input'): AsyncGenerator<Line> {
  const decoder = new TextDecoder('utf-8');
  let pieces: Buffer[] = [];
  let size = 0;
  let skipping = 0;
  let number = 0;
  const finish = (): Line | undefined => {
    number++;
    if (skipping > 0) {
      const tooLong = skipping;
      skipping = 0;
      return { number, tooLong };
    }
    let buf = pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces, size);
    pieces = [];
    size = 0;
    if (buf.length > 0 && buf[buf.length - 1] === 0x0d) buf = buf.subarray(0, buf.length - 1);
    const text = decoder.decode(buf);
    return text.trim() === '' ? undefined : { number, text };
  };
  try {
    for await (const chunk of input) {
      const data: Buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      let start = 0;
      for (;;) {
        const nl = data.indexOf(0x0a, start);
        const end = nl === -1 ? data.length : nl;
        if (skipping > 0) skipping += end - start;
        else if (size + (end - start) > MAX_LINE_BYTES) {
          skipping = size + (end - start);
          pieces = [];
          size = 0;
        } else if (end > start) {
          pieces.push(data.subarray(start, end));
          size += end - start;
        }
        if (nl === -1) break;
        const line = finish();
        if (line !== undefined) yield line;
        start = nl + 1;
      }
    }
  } catch (err) {
    throw new TracebridgeError(ERROR_CODES.INPUT, `cannot read ${source}: ${(err as Error).message}`, { cause: err });
  }
  if (size > 0 || skipping > 0) {
    const line = finish();
    if (line !== undefined) yield line;
  }
}

/** Parses one line, or says in a few words why it is not JSON. */
export function parseLine(text: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(text) };
  } catch (err) {
    return { error: `not JSON (${(err as Error).message})` };
  }
}
