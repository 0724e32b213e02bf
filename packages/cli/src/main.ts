import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { ERROR_CODES, TracebridgeError, parseResourceAttributes } from '@tracebridge/schema';
import type { MappingOptions } from '@tracebridge/schema';
import type { Writable } from 'node:stream';
import { convertCommand } from './commands/convert.js';
import { demoCommand } from './commands/demo.js';
import type { DemoCommandOptions } from './commands/demo.js';
import { parseSince, traceCommand } from './commands/trace.js';
import type { TraceCommandOptions } from './commands/trace.js';
import { validateCommand } from './commands/validate.js';

const USAGE = `tracebridge — structured, trace-correlated logs for agent fleets

Usage:
  tracebridge validate [FILE|-]    check JSON-lines records against the schema; prints LINE: path: reason
  tracebridge convert [FILE|-]     JSON-lines records → one OTLP/JSON ExportLogsServiceRequest on stdout
      --service-name NAME          service.name of the resource (default: OTEL_SERVICE_NAME, else the agent's role)
      --environment NAME           deployment.environment.name of the resource
      --resource k=v,...           extra resource attributes (default: OTEL_RESOURCE_ATTRIBUTES)
      --pretty                     indent the JSON
  tracebridge demo                 build or reuse the collector, run a coordinator and two workers instrumented
                                   with --import, then draw one request's timeline (what npm run demo runs)
      --data DIR                   data folder (default: a fresh .tracebridge/demo-<time>)
      --reuse                      write into .tracebridge/data, what 'tracebridge trace' reads by default
      --color, --no-color          as for trace
  tracebridge trace [ID]           one request's timeline: span waterfall, each log under its span, errors;
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
  tracebridge help | --help        this text
  tracebridge --version

Exit status: 0 success, 1 bad or skipped input lines or an unknown id, 2 usage or input error.
`;

/** Where a command writes; the real process streams unless a test passes its own. */
export interface MainStreams {
  stdout?: Writable;
  stderr?: Writable;
  env?: NodeJS.ProcessEnv;
}

/** Runs the command line `argv` (without `node` and the script) and returns the exit status. */
export async function main(argv: readonly string[], streams: MainStreams = {}): Promise<number> {
  const stdout = streams.stdout ?? process.stdout;
  const stderr = streams.stderr ?? process.stderr;
  const env = streams.env ?? process.env;
  try {
    const [command, ...rest] = argv;
    switch (command) {
      case 'validate': {
        const { positionals } = parse(rest, {});
        return await validateCommand({ file: single(positionals), stdout, stderr });
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
      case '-h':
        stdout.write(USAGE);
        return command === undefined ? 2 : 0;
      case '--version':
      case '-v':
        stdout.write(`${version()}\n`);
        return 0;
      default:
        throw new TracebridgeError(ERROR_CODES.USAGE, `unknown command '${command}'; run 'tracebridge help'`);
    }
  } catch (err) {
    if (err instanceof TracebridgeError) {
      stderr.write(`tracebridge: ${err.message} [${err.code}]\n`);
      return 2;
    }
    throw err;
  }
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
