import { validate } from '@tracebridge/schema';
import type { Readable, Writable } from 'node:stream';
import { openInput, parseLine, readLines } from '../internal/json-lines.js';
import { MAX_NESTING, nestsDeeperThan } from '../internal/nesting.js';
import { writeLine } from '../internal/output.js';
import { escapeControls } from '../internal/safe-text.js';

/** Options of `tracebridge validate`. */
export interface ValidateCommandOptions {
  /** A file of JSON lines; standard input when absent or `-`. */
  file?: string;
  /** Standard input. @default process.stdin */
  stdin?: Readable;
  stdout: Writable;
  stderr: Writable;
}

/**
 * Checks every line of a JSON-lines input against the record schema. Prints one `LINE: path: reason`
 * per problem, control characters of the input escaped; a line that is not UTF-8, longer than the
 * limit or nested deeper than `convert` takes is a problem too. Exit status 0 only when every line is a
 * valid record.
 */
export async function validateCommand(options: ValidateCommandOptions): Promise<number> {
  const source = options.file ?? 'standard input';
  const input = await openInput(options.file, options.stdin);
  let lines = 0;
  let bad = 0;
  const say = (line: number, path: string, reason: string): Promise<void> =>
    writeLine(options.stdout, `${line}: ${escapeControls(path)}: ${escapeControls(reason)}`);
  for await (const line of readLines(input, source)) {
    lines++;
    if (line.text === undefined) {
      bad++;
      await say(line.number, '$', `${line.problem}, not read`);
      continue;
    }
    let problems = 0;
    if (line.notUtf8 !== undefined) {
      problems++;
      await say(line.number, '$', `not UTF-8: ${line.notUtf8}`);
    }
    const parsed = parseLine(line.text);
    if ('error' in parsed) {
      problems++;
      await say(line.number, '$', parsed.error);
    } else if (nestsDeeperThan(parsed.value, MAX_NESTING, line.text.length)) {
      problems++;
      await say(line.number, '$', `nested more than ${MAX_NESTING} levels deep`);
    } else {
      for (const problem of validate(parsed.value)) {
        problems++;
        await say(line.number, problem.path, problem.message);
      }
    }
    if (problems > 0) bad++;
  }
  await writeLine(options.stderr, bad === 0 ? `${lines} records, all valid` : `${bad} of ${lines} lines invalid`);
  return bad === 0 ? 0 : 1;
}
