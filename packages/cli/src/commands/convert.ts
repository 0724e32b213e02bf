import { ERROR_CODES, TracebridgeError, toOtlp } from '@tracebridge/schema';
import type { ExportLogsServiceRequest, MappingOptions } from '@tracebridge/schema';
import type { Readable, Writable } from 'node:stream';
import { openInput, parseLine, readLines } from '../internal/json-lines.js';
import { MAX_NESTING, nestsDeeperThan } from '../internal/nesting.js';
import { write, writeLine } from '../internal/output.js';
import { isPlainObjectRecord } from '../internal/records.js';
import { escapeControls, terminalSafeJson } from '../internal/safe-text.js';

/**
 * Most records grouped into one batch: a batch is mapped with `toOtlp` (grouped by resource and scope)
 * and written before the next is read, so a small input still comes out as one fully grouped request
 * while a large one streams through.
 */
export const CONVERT_CHUNK_RECORDS = 1000;

/**
 * Most input bytes in one batch. Counting records alone let a batch of 10,000 large records hold the
 * whole input: 600 MB of 60 KB records peaked at 1.7 GB RSS, and from one agent (one resource entry, one
 * string) failed with `Invalid string length` (V8's longest string). With this bound and each record
 * serialised on its own, peak RSS stays about 120 MB for 100 MB as for 600 MB of input
 * (bench/convert-memory.bench.ts).
 */
const CONVERT_CHUNK_BYTES = 1024 * 1024;

/** Output is handed to the stream in pieces of about this size: fewer writes, little held. */
const WRITE_BYTES = 64 * 1024;

/** Options of `tracebridge convert`. */
export interface ConvertCommandOptions {
  /** A file of JSON lines; standard input when absent or `-`. */
  file?: string;
  /** Agent identity and resource options of the mapping. */
  mapping: MappingOptions;
  /** Indent the JSON output (as `JSON.stringify(request, null, 2)` would). */
  pretty?: boolean;
  /** Standard input. @default process.stdin */
  stdin?: Readable;
  stdout: Writable;
  stderr: Writable;
}

/**
 * Converts a JSON-lines input of records to one OTLP/JSON `ExportLogsServiceRequest` on stdout, written
 * batch by batch as the input is read. Lines that are not JSON objects, or nest deeper than
 * {@link MAX_NESTING} levels, are reported on stderr with their number and skipped; a line that is not
 * UTF-8 is reported and converted with U+FFFD for its bad bytes, as the collector's file route does.
 * Exit status 1 when any line was reported. Records with bad fields are converted (bad values kept under
 * `tracebridge.invalid.*`). Nothing is written when the input cannot be opened; a read error later
 * closes the document (it then holds the records read before) and is thrown.
 */
export async function convertCommand(options: ConvertCommandOptions): Promise<number> {
  const source = options.file ?? 'standard input';
  const input = await openInput(options.file, options.stdin);
  const out = new RequestWriter(options.stdout, options.pretty === true);
  let reported = 0;
  let skipped = 0;
  let withInvalid = 0;
  let written = 0;
  let batch: Array<{ record: Record<string, unknown>; line: number }> = [];
  let batchBytes = 0;
  const report = (line: number, text: string): Promise<void> => writeLine(options.stderr, `${line}: ${escapeControls(text)}`);
  const skip = (line: number, why: string): Promise<void> => {
    skipped++;
    reported++;
    return report(line, `skipped: ${why}`);
  };

  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const records = batch;
    batch = [];
    batchBytes = 0;
    let request: ExportLogsServiceRequest;
    try {
      request = toOtlp(records.map((r) => r.record), options.mapping);
    } catch {
      // The mapping never throws on bad fields; should a record still break it, find it, report it,
      // and convert the others rather than lose the batch.
      const good: Array<Record<string, unknown>> = [];
      for (const { record, line } of records) {
        try {
          toOtlp([record], options.mapping);
          good.push(record);
        } catch (err) {
          await skip(line, `cannot be converted (${String(err)})`);
        }
      }
      request = toOtlp(good, options.mapping);
    }
    for (const entry of request.resourceLogs) {
      for (const scope of entry.scopeLogs) {
        for (const record of scope.logRecords) {
          written++;
          if (record.attributes?.some((kv) => kv.key.startsWith('tracebridge.invalid.'))) withInvalid++;
        }
      }
      await out.entry(entry);
    }
  };

  try {
    for await (const line of readLines(input, source)) {
      if (line.text === undefined) {
        await skip(line.number, line.problem);
        continue;
      }
      const parsed = parseLine(line.text);
      if ('error' in parsed) {
        await skip(line.number, parsed.error);
        continue;
      }
      if (!isPlainObjectRecord(parsed.value)) {
        await skip(line.number, 'not a JSON object');
        continue;
      }
      if (nestsDeeperThan(parsed.value, MAX_NESTING, line.text.length)) {
        await skip(line.number, `nested more than ${MAX_NESTING} levels deep`);
        continue;
      }
      if (line.notUtf8 !== undefined) {
        reported++;
        await report(line.number, `not UTF-8: ${line.notUtf8}; converted with U+FFFD in its place, as the collector's file route does`);
      }
      batch.push({ record: parsed.value, line: line.number });
      batchBytes += line.text.length;
      if (batch.length >= CONVERT_CHUNK_RECORDS || batchBytes >= CONVERT_CHUNK_BYTES) await flush();
    }
  } catch (err) {
    // The input broke mid-way: close the document over what was read, so the output is still JSON.
    if (err instanceof TracebridgeError && err.code === ERROR_CODES.INPUT) {
      await flush();
      await out.end();
    }
    throw err;
  }
  await flush();
  await out.end();
  if (withInvalid > 0) {
    await writeLine(
      options.stderr,
      `${withInvalid} records had bad fields, kept under tracebridge.invalid.*; 'tracebridge validate' lists them`,
    );
  }
  await writeLine(options.stderr, `converted ${written} records${skipped > 0 ? `, skipped ${skipped} lines` : ''}`);
  return reported === 0 ? 0 : 1;
}

/**
 * Writes one `ExportLogsServiceRequest` piece by piece: each resource entry as it comes, each record
 * serialised on its own, so no string is ever larger than one record. Byte for byte what
 * `JSON.stringify(request)` (or `JSON.stringify(request, null, 2)`) gives for the whole request, except
 * that DEL, C1 and bidirectional controls are `\u` escapes (the same JSON value).
 */
class RequestWriter {
  private pending = '';
  private entries = 0;
  private ended = false;

  constructor(
    private readonly stream: Writable,
    private readonly pretty: boolean,
  ) {}

  /** One `resourceLogs` entry, at depth 2 of the request. */
  async entry(entry: ExportLogsServiceRequest['resourceLogs'][number]): Promise<void> {
    await this.put(`${this.entries++ === 0 ? this.open() : ','}${this.nl(2)}{${this.nl(3)}"resource":${this.sp()}${this.json(entry.resource, 3)},${this.nl(3)}"scopeLogs":${this.sp()}[`);
    let i = 0;
    for (const scope of entry.scopeLogs) {
      await this.put(`${i++ === 0 ? '' : ','}${this.nl(4)}{${this.nl(5)}"scope":${this.sp()}${this.json(scope.scope, 5)},${this.nl(5)}"logRecords":${this.sp()}[`);
      let j = 0;
      for (const record of scope.logRecords) await this.put(`${j++ === 0 ? '' : ','}${this.nl(6)}${this.json(record, 6)}`);
      await this.put(`${this.nl(5)}]${this.nl(4)}}`);
    }
    await this.put(`${this.nl(3)}]${this.nl(2)}}`);
  }

  /** Closes the document (an empty request when no entry came) and hands over what is left. */
  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    const close = this.entries === 0 ? `{${this.nl(1)}"resourceLogs":${this.sp()}[]${this.nl(0)}}\n` : `${this.nl(1)}]${this.nl(0)}}\n`;
    this.pending += close;
    const rest = this.pending;
    this.pending = '';
    await write(this.stream, rest);
  }

  private open(): string {
    return `{${this.nl(1)}"resourceLogs":${this.sp()}[`;
  }

  /** Adds text, and writes once enough is held. */
  private async put(text: string): Promise<void> {
    this.pending += text;
    if (this.pending.length < WRITE_BYTES) return;
    const chunk = this.pending;
    this.pending = '';
    await write(this.stream, chunk);
  }

  private json(value: unknown, depth: number): string {
    const text = terminalSafeJson(this.pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value));
    return this.pretty ? text.replace(/\n/g, this.nl(depth)) : text;
  }

  private nl(depth: number): string {
    return this.pretty ? `\n${'  '.repeat(depth)}` : '';
  }

  private sp(): string {
    return this.pretty ? ' ' : '';
  }
}
