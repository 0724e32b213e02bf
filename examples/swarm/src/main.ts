// `npm run demo` runs this (through `tracebridge demo`, or as `node examples/swarm/dist/main.js`):
// the options of the demo from the command line, the exit status from the run.
import { parseArgs } from 'node:util';
import { runDemo } from './demo.js';
import type { DemoOptions } from './demo.js';

const USAGE = 'usage: node examples/swarm/dist/main.js [--data DIR | --reuse] [--color | --no-color]\n';

let parsed;
try {
  parsed = parseArgs({
    args: process.argv.slice(2),
    options: { data: { type: 'string' }, reuse: { type: 'boolean' }, color: { type: 'boolean' }, 'no-color': { type: 'boolean' } },
    strict: true,
  });
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n${USAGE}`);
  process.exit(2);
}
const { values } = parsed;
if (values.data !== undefined && values.reuse === true) {
  process.stderr.write(`--data and --reuse both name the data folder: give one\n${USAGE}`);
  process.exit(2);
}
const options: DemoOptions = { stdout: process.stdout, stderr: process.stderr, env: process.env, reuse: values.reuse === true };
if (values.data !== undefined) options.dataDir = values.data;
if (values.color === true) options.color = true;
if (values['no-color'] === true) options.color = false;
process.exitCode = await runDemo(options);
