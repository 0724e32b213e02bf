import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { ERROR_CODES, TracebridgeError, parseResourceAttributes } from '@tracebridge/schema';
import type { MappingOptions } from '@tracebridge/schema';
import type { Readable, Writable } from 'node:stream';
import { convertCommand } from './commands/convert.js';
import { demoCommand } from './commands/demo.js';
import type { DemoCommandOptions } from './commands/demo.js';
import { parseSince, traceCommand } from './commands/trace.js';
import type { TraceCommandOptions } from './commands/trace.js';
import { validateCommand } from './commands/validate.js';
import { OutputClosedError, watchOutput, write, writeLastLine } from './internal/output.js';
import { escapeControls } from './internal/safe-text.js';

/** What each command does and takes, for `tracebridge help` and `tracebridge COMMAND --help`. */
const HELP = {
  validate: `  tracebridge validate [FILE|-]    check JSON-lines records against the schema; prints LINE: path: reason
                                   for each problem (a line that is not UTF-8, longer than 8 MiB or nested
                                   more than 1000 levels deep is one too)
`,
  convert: `  tracebridge convert [FILE|-]     JSON-lines records → one OTLP/JSON ExportLogsServiceRequest on stdout,
                                   written as it reads (memory stays flat whatever the input's size); lines
                                   that are not JSON objects, longer than 8 MiB or nested more than 1000
                                   levels deep are reported on stderr with their number and skipped
      --service-name NAME          service.name of the resource (default: OTEL_SERVICE_NAME, else the agent's role)
      --environment NAME           deployment.environment.name of the resource
      --resource k=v,...           extra resource attributes (default: OTEL_RESOURCE_ATTRIBUTES)
      --pretty                     indent the JSON
`,
  demo: `  tracebridge demo                 build or reuse the collector, run a coordinator and two workers instrumented
                                   with --import, then draw one request's timeline (what npm run demo runs;
                                   in a tracebridge source checkout only, not from an installed package)
      --data DIR                   data folder (default: a fresh .tracebridge/demo-<time>)
      --reuse                      write into .tracebridge/data, the folder the trace command reads by default
      --color, --no-color          as for the trace command
`,
  trace: `  tracebridge trace [ID]           one request's timeline: span waterfall, each log under its span, errors;
                                   ID is a correlation id (req-…, task-…, swarm-…) or a trace id (32 hex);
                                   without ID, the recent requests, newest first
      --data DIR                   the local profile's data folder (default: TRACEBRIDGE_DATA_DIR, else
                                   ./.tracebridge/data)
      --loki URL --tempo URL       read Loki and Tempo instead of files
      --tenant ID                  Loki and Tempo tenant (X-Scope-OrgID; a|b for several; default:
                                   TRACEBRIDGE_TENANT)
      --since DURATION             how far back Loki and Tempo are searched: 30m, 24h, 7d (default 24h)
      --json                       print the timeline (or the list) as JSON
      --html FILE                  also write the timeline as one self-contained HTML page
      --limit N                    requests listed (default 20)
      --prices FILE                price the LLM calls' tokens from a JSON table (format: docs/prices.sample.json)
      --color, --no-color          force colour on or off (default: on a terminal, unless NO_COLOR is set)
`,
} as const;

type Command = keyof typeof HELP;

const EXIT_STATUS = `Exit status: 0 success, 1 bad or skipped input lines or an unknown id, 2 usage or input error, 3 an
internal error (a bug: please report it). Every error is one line on stderr ending in its code
([TRACEBRIDGE_ERR_…], see docs/errors.md). A reader that goes away (… | head) ends a command quietly, status 0.
`;

const USAGE = `tracebridge — structured, trace-correlated logs for agent fleets

Usage:
${Object.values(HELP).join('')}  tracebridge help [COMMAND]       this text, or one command's (also: COMMAND --help)
  tracebridge --version

${EXIT_STATUS}`;

/** The help of one command. */
function commandHelp(command: Command): string {
  return `Usage:\n${HELP[command]}\n${EXIT_STATUS}`;
}

/** Status of an error of the program itself, apart from usage and input errors (2). */
export const EXIT_INTERNAL = 3;

/** Where a command reads and writes; the real process streams unless a test passes its own. */
export interface MainStreams {
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs the command line `argv` (without `node` and the script) and returns the exit status. Never
 * throws: a failure is one line on stderr ending in its code (status 2), an unexpected error of the
 * program itself a `TRACEBRIDGE_ERR_INTERNAL` line (status 3), and a reader that goes away ends the
 * command quietly (status 0).
 */
export async function main(argv: readonly string[], streams: MainStreams = {}): Promise<number> {
  const stdin = streams.stdin ?? process.stdin;
  const stdout = streams.stdout ?? process.stdout;
  const stderr = streams.stderr ?? process.stderr;
  const env = streams.env ?? process.env;
  watchOutput(stdout);
  watchOutput(stderr);
  try {
    const [command, ...rest] = argv;
    if (command !== undefined && Object.hasOwn(HELP, command) && wantsHelp(rest)) {
      await write(stdout, commandHelp(command as Command));
      return 0;
    }
    switch (command) {
      case 'validate': {
        const { positionals } = parse(rest, {});
        return await validateCommand({ file: single(positionals), stdin, stdout, stderr });
      }
      case 'convert': {
        const { values, positionals } = parse(rest, {
          'service-name': { type: 'string' },
          environment: { type: 'string' },
          resource: { type: 'string' },
          pretty: { type: 'boolean' },
        });
        const mapping: MappingOptions = {
          resourceAttributes: parseResourceAttributes((values.resource as string | undefined) ?? env.OTEL_RESOURCE_ATTRIBUTES),
        };
        const serviceName = (values['service-name'] as string | undefined) ?? nonEmpty(env.OTEL_SERVICE_NAME);
        if (serviceName !== undefined) mapping.serviceName = serviceName;
        if (values.environment !== undefined) mapping.environment = values.environment as string;
        return await convertCommand({
          file: single(positionals),
          mapping,
          pretty: values.pretty === true,
          stdin,
          stdout,
          stderr,
        });
      }
      case 'demo': {
        const { values, positionals } = parse(rest, {
          data: { type: 'string' },
          reuse: { type: 'boolean' },
          color: { type: 'boolean' },
          'no-color': { type: 'boolean' },
        });
        if (positionals.length > 0) throw new TracebridgeError(ERROR_CODES.USAGE, `demo takes no arguments; run 'tracebridge help'`);
        if (values.data !== undefined && values.reuse === true) {
          throw new TracebridgeError(ERROR_CODES.USAGE, `--data and --reuse both name the data folder: give one; run 'tracebridge help'`);
        }
        const options: DemoCommandOptions = { stdout, stderr, env, reuse: values.reuse === true };
        if (values.data !== undefined) options.dataDir = values.data as string;
        if (values.color === true) options.color = true;
        if (values['no-color'] === true) options.color = false;
        return await demoCommand(options);
      }
      case 'trace': {
        const { values, positionals } = parse(rest, {
          data: { type: 'string' },
          loki: { type: 'string' },
          tempo: { type: 'string' },
          tenant: { type: 'string' },
          since: { type: 'string' },
          json: { type: 'boolean' },
          html: { type: 'string' },
          limit: { type: 'string' },
          prices: { type: 'string' },
          color: { type: 'boolean' },
          'no-color': { type: 'boolean' },
        });
        if (positionals.length > 1) {
          throw new TracebridgeError(ERROR_CODES.USAGE, `expected at most one id, got ${positionals.length}; run 'tracebridge help'`);
        }
        if (values.color === true && values['no-color'] === true) {
          throw new TracebridgeError(ERROR_CODES.USAGE, `--color and --no-color contradict each other; run 'tracebridge help'`);
        }
        const options: TraceCommandOptions = { stdout, stderr, env, json: values.json === true };
        if (positionals[0] !== undefined) options.id = positionals[0];
        for (const key of ['loki', 'tempo', 'html', 'tenant', 'prices'] as const) if (values[key] !== undefined) options[key] = values[key] as string;
        if (values.data !== undefined) options.dataDir = values.data as string;
        if (values.color === true) options.color = true;
        if (values['no-color'] === true) options.color = false;
        if (values.since !== undefined) {
          const ms = parseSince(values.since as string);
          if (ms === undefined) throw new TracebridgeError(ERROR_CODES.USAGE, `--since takes a duration such as 30m, 24h or 7d, not '${String(values.since)}'`);
          options.sinceMs = ms;
        }
        if (values.limit !== undefined) {
          const n = Number(values.limit);
          if (!Number.isInteger(n) || n < 1) throw new TracebridgeError(ERROR_CODES.USAGE, `--limit takes a whole number of at least 1, not '${String(values.limit)}'`);
          options.limit = n;
        }
        return await traceCommand(options);
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h': {
        const topic = command === 'help' ? rest[0] : undefined;
        if (topic !== undefined) {
          if (!Object.hasOwn(HELP, topic)) throw new TracebridgeError(ERROR_CODES.USAGE, `no command '${topic}'; run 'tracebridge help'`);
          await write(stdout, commandHelp(topic as Command));
          return 0;
        }
        await write(stdout, USAGE);
        return command === undefined ? 2 : 0;
      }
      case '--version':
      case '-v':
        await write(stdout, `${version()}\n`);
        return 0;
      default:
        throw new TracebridgeError(ERROR_CODES.USAGE, `unknown command '${command}'; run 'tracebridge help'`);
    }
  } catch (err) {
    return reportFailure(err, stderr, env);
  }
}

/**
 * The last resort of the launcher, for an error thrown outside any command (an event nothing listened
 * to): one `TRACEBRIDGE_ERR_INTERNAL` line rather than a stack trace, and exit status 3.
 */
export function exitOnCrash(err: unknown): never {
  process.exit(reportFailure(err, process.stderr, process.env));
}

/** Prints a failure as one line with its code and gives the exit status. */
function reportFailure(err: unknown, stderr: Writable, env: NodeJS.ProcessEnv): number {
  if (err instanceof OutputClosedError) return 0;
  if (err instanceof TracebridgeError) {
    writeLastLine(stderr, `tracebridge: ${escapeControls(err.message)} [${err.code}]`);
    return 2;
  }
  const internal = new TracebridgeError(
    ERROR_CODES.INTERNAL,
    `internal error: ${describeError(err)}; this is a bug of tracebridge, please report it with the command that caused it (TRACEBRIDGE_DEBUG=1 adds the stack trace)`,
    { cause: err },
  );
  writeLastLine(stderr, `tracebridge: ${escapeControls(internal.message)} [${internal.code}]`);
  let debug: string | undefined;
  try {
    debug = env.TRACEBRIDGE_DEBUG;
  } catch {
    // An environment that cannot be read may be what failed.
  }
  if (debug !== undefined && debug !== '' && debug !== '0' && err instanceof Error && err.stack !== undefined) writeLastLine(stderr, err.stack);
  return EXIT_INTERNAL;
}

/** `Name: message` of an error, whatever was thrown. */
function describeError(err: unknown): string {
  try {
    return err instanceof Error ? `${err.name}: ${err.message}` : `thrown value ${String(err)}`;
  } catch {
    return 'an error that cannot be described';
  }
}

/** `--help` or `-h` among a command's arguments (before a `--` that ends the options). */
function wantsHelp(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}

type OptionSpec = Record<string, { type: 'string' | 'boolean' }>;

function parse(args: string[], options: OptionSpec): { values: Record<string, unknown>; positionals: string[] } {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new TracebridgeError(ERROR_CODES.USAGE, `${(err as Error).message}; run 'tracebridge help'`, { cause: err });
  }
}

function single(positionals: string[]): string | undefined {
  if (positionals.length > 1) {
    throw new TracebridgeError(ERROR_CODES.USAGE, `expected one input file, got ${positionals.length}; run 'tracebridge help'`);
  }
  return positionals[0];
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
