import { validate } from '@tracebridge/schema';
import type { Writable } from 'node:stream';
import { openInput, parseLine, readLines } from '../internal/json-lines.js';
import { writeLine } from '../internal/output.js';

/** Options of `tracebridge validate`. */
export interface ValidateCommandOptions {
  /** A file of JSON lines; standard input when absent or `-`. */
  file?: string;
  stdout: Writable;
  stderr: Writable;
}

/**
 * Checks every line of a JSON-lines input against the record schema. Prints one `LINE: path: reason`
 * per problem; exit status 0 only when every line is a valid record.
 */
export async function validateCommand(options: ValidateCommandOptions): Promise<number> {
  const source = options.file ?? 'standard input';
  const input = await openInput(options.file);
  let lines = 0;
  let bad = 0;
  for await (const line of readLines(input, source)) {
    lines++;
    if (line.text === undefined) {
      bad++;
      await writeLine(options.stdout, `${line.number}: $: line of ${line.tooLong} bytes is longer than the limit, not read`);
      continue;
    }
    const parsed = parseLine(line.text);
    if ('error' in parsed) {
      bad++;
      await writeLine(options.stdout, `${line.number}: $: ${parsed.error}`);
      continue;
    }
    const problems = validate(parsed.value);
    if (problems.length === 0) continue;
    bad++;
    for (const problem of problems) await writeLine(options.stdout, `${line.number}: ${problem.path}: ${problem.message}`);
  }
  await writeLine(options.stderr, bad === 0 ? `${lines} records, all valid` : `${bad} of ${lines} lines invalid`);
  return bad === 0 ? 0 : 1;
}
