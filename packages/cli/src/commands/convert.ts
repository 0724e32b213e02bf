import { isPlainObjectRecord } from '../internal/records.js';
import { toOtlp } from '@tracebridge/schema';
import type { MappingOptions } from '@tracebridge/schema';
import type { Writable } from 'node:stream';
import { openInput, parseLine, readLines } from '../internal/json-lines.js';
import { write, writeLine } from '../internal/output.js';

/**
 * Records grouped and written per chunk: inputs of any size stream through in bounded memory, while a
 * small input still comes out as one fully grouped request.
 */
export const CONVERT_CHUNK_RECORDS = 10_000;

/** Options of `tracebridge convert`. */
export interface ConvertCommandOptions {
  /** A file of JSON lines; standard input when absent or `-`. */
  file?: string;
  /** Agent identity and resource options of the mapping. */
  mapping: MappingOptions;
  /** Indent the JSON output. */
  pretty?: boolean;
  stdout: Writable;
  stderr: Writable;
}

/**
 * Converts a JSON-lines input of records to one OTLP/JSON `ExportLogsServiceRequest` on stdout. Lines
 * that are not JSON objects are reported on stderr with their number and skipped; exit status 1 when
 * any was. Records with bad fields are converted (bad values kept under `tracebridge.invalid.*`).
 */
export async function convertCommand(options: ConvertCommandOptions): Promise<number> {
  const source = options.file ?? 'standard input';
  const input = await openInput(options.file);
  const indent = options.pretty ? 2 : undefined;
  let skipped = 0;
  let withInvalid = 0;
  let written = 0;
  let chunk: Array<Record<string, unknown>> = [];
  let first = true;
  await write(options.stdout, '{"resourceLogs":[');
  const flush = async (): Promise<void> => {
    if (chunk.length === 0) return;
    const request = toOtlp(chunk, options.mapping);
    for (const entry of request.resourceLogs) {
      for (const scope of entry.scopeLogs) {
        for (const record of scope.logRecords) {
          if (record.attributes?.some((kv) => kv.key.startsWith('tracebridge.invalid.'))) withInvalid++;
        }
      }
      await write(options.stdout, (first ? '' : ',') + JSON.stringify(entry, null, indent));
      first = false;
    }
    written += chunk.length;
    chunk = [];
  };
  for await (const line of readLines(input, source)) {
    if (line.text === undefined) {
      skipped++;
      await writeLine(options.stderr, `${line.number}: skipped: line of ${line.tooLong} bytes is longer than the limit`);
      continue;
    }
    const parsed = parseLine(line.text);
    if ('error' in parsed) {
      skipped++;
      await writeLine(options.stderr, `${line.number}: skipped: ${parsed.error}`);
      continue;
    }
    if (!isPlainObjectRecord(parsed.value)) {
      skipped++;
      await writeLine(options.stderr, `${line.number}: skipped: not a JSON object`);
      continue;
    }
    chunk.push(parsed.value);
    if (chunk.length >= CONVERT_CHUNK_RECORDS) await flush();
  }
  await flush();
  await write(options.stdout, ']}\n');
  if (withInvalid > 0) {
    await writeLine(
      options.stderr,
      `${withInvalid} records had bad fields, kept under tracebridge.invalid.*; 'tracebridge validate' lists them`,
    );
  }
  await writeLine(options.stderr, `converted ${written} records${skipped > 0 ? `, skipped ${skipped} lines` : ''}`);
  return skipped === 0 ? 0 : 1;
}
