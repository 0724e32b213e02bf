import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { ERROR_CODES, TracebridgeError } from '@tracebridge/schema';
import { firstInvalidUtf8 } from './utf8.js';

/**
 * Longest line read, in bytes: the collector's file route cuts a line there (`max_log_size: 8MiB` of
 * `file_log/agents` in collector/config.yaml; a test keeps the two equal), so `validate` refuses exactly
 * the lines that route cannot take. A longer one is reported and skipped without being held in memory:
 * a runaway writer must not make a reader allocate gigabytes.
 */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;

/**
 * One line of a JSON-lines input: its 1-based number and its text, or why it has none. `notUtf8` says
 * where a line that is not UTF-8 is broken; its text then has U+FFFD in place of the bad bytes.
 */
export type Line =
  | { number: number; text: string; notUtf8?: string; problem?: undefined }
  | { number: number; text?: undefined; problem: string };

/**
 * Opens `FILE`, or standard input (`stdin`) for `-` / no argument. Resolves once the file is open, so a
 * missing file or a folder is reported before a command writes any output.
 */
export async function openInput(file: string | undefined, stdin: Readable = process.stdin): Promise<Readable> {
  if (file === undefined || file === '-') return stdin;
  let isFolder: boolean;
  try {
    isFolder = (await stat(file)).isDirectory();
  } catch (err) {
    throw new TracebridgeError(ERROR_CODES.INPUT, `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  if (isFolder) {
    throw new TracebridgeError(ERROR_CODES.INPUT, `${file} is a folder, not a file of JSON lines; name a file in it, or - for standard input`);
  }
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
 * The lines of a stream, without ever holding more than one line in memory. Blank lines are skipped; a
 * trailing `\r` is dropped. A line that is not UTF-8 is decoded with U+FFFD for its bad bytes (what the
 * collector's file route does) and marked, so a command reports it instead of passing it on silently.
 * `maxLineBytes` (default {@link MAX_LINE_BYTES}) may be raised for files whose lines are not records.
 */
export async function* readLines(input: Readable, source = 'input', options: { maxLineBytes?: number } = {}): AsyncGenerator<Line> {
  const maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
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
      return { number, problem: `line of ${tooLong} bytes is longer than the limit of ${maxLineBytes / (1024 * 1024)} MiB` };
    }
    let buf = pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces, size);
    pieces = [];
    size = 0;
    if (buf.length > 0 && buf[buf.length - 1] === 0x0d) buf = buf.subarray(0, buf.length - 1);
    const text = decoder.decode(buf);
    if (text.trim() === '') return undefined;
    if (isUtf8(buf)) return { number, text };
    const at = firstInvalidUtf8(buf);
    return { number, text, notUtf8: `byte 0x${(buf[at] as number).toString(16).padStart(2, '0')} at byte ${at + 1} of the line` };
  };
  try {
    for await (const chunk of input) {
      const data: Buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      let start = 0;
      for (;;) {
        const nl = data.indexOf(0x0a, start);
        const end = nl === -1 ? data.length : nl;
        if (skipping > 0) skipping += end - start;
        else if (size + (end - start) > maxLineBytes) {
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
    if (err instanceof TracebridgeError) throw err;
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
