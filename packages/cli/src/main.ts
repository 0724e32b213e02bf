import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { ERROR_CODES, TracebridgeError, parseResourceAttributes } from '@tracebridge/schema';
import type { MappingOptions } from '@tracebridge/schema';
import type { Writable } from 'node:stream';
import { convertCommand } from './commands/convert.js';
import { validateCommand } from './commands/validate.js';

const USAGE = `tracebridge — structured, trace-correlated logs for agent fleets

Usage:
  tracebridge validate [FILE|-]    check JSON-lines records against the schema; prints LINE: path: reason
  tracebridge convert [FILE|-]     JSON-lines records → one OTLP/JSON ExportLogsServiceRequest on stdout
      --service-name NAME          service.name of the resource (default: OTEL_SERVICE_NAME, else the agent's role)
      --environment NAME           deployment.environment.name of the resource
      --resource k=v,...           extra resource attributes (default: OTEL_RESOURCE_ATTRIBUTES)
      --pretty                     indent the JSON
  tracebridge help | --help        this text
  tracebridge --version

Exit status: 0 success, 1 bad or skipped input lines, 2 usage or input error.
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
