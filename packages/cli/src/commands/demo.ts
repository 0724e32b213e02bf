import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES, TracebridgeError } from '@tracebridge/schema';

/** Options of `tracebridge demo`. */
export interface DemoCommandOptions {
  /** Data folder to write. @default a fresh `.tracebridge/demo-<time>` under `cwd` */
  dataDir?: string;
  /** Write into `.tracebridge/data` (what `tracebridge trace` reads by default) instead of a fresh folder. */
  reuse?: boolean;
  /** `--color` / `--no-color` for the timeline; by default colour only on a terminal without `NO_COLOR`. */
  color?: boolean;
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
  /** @default process.cwd() */
  cwd?: string;
}

/**
 * The demo's runner: `examples/swarm` of the checkout this package sits in (`packages/cli`). The swarm
 * (agents on @tracebridge/auto, logger and pino) and the collector it runs through belong to the
 * checkout, not to this package, which depends on @tracebridge/schema alone.
 */
const RUNNER = fileURLToPath(new URL('../../../../examples/swarm/dist/main.js', import.meta.url));
/** This package's folder. */
const PACKAGE_DIR = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Why the demo cannot run here, as one line: this CLI installed as a package (from npm or a tarball)
 * has no checkout around it; a checkout that was not built has no runner yet.
 */
function notRunnableHere(cwd: string): string {
  if (PACKAGE_DIR.split(path.sep).includes('node_modules')) {
    return (
      `tracebridge demo runs only in a tracebridge source checkout (its example swarm and the collector it builds), and this tracebridge is an installed package (${path.relative(cwd, PACKAGE_DIR) || '.'}); ` +
      `to see the demo, clone the repository and run 'npm ci && npm run demo' there; in your own project, run your agents with 'node --import @tracebridge/auto/register' ` +
      `against a collector and read their data with 'tracebridge trace --data DIR' (README, "In your own project")`
    );
  }
  return `the demo runs from a tracebridge checkout (its collector and example swarm): ${path.relative(cwd, RUNNER)} is missing; run 'npm ci && npm run demo' in the checkout`;
}

/**
 * `tracebridge demo` (what `npm run demo` runs): runs the example swarm of the checkout with the same
 * options, its output on this command's streams. An interrupt (SIGINT, SIGTERM) is passed on, and the
 * runner stops its agents and the collector before it ends. Resolves with the runner's exit status.
 */
export async function demoCommand(options: DemoCommandOptions): Promise<number> {
  if (!existsSync(RUNNER)) throw new TracebridgeError(ERROR_CODES.INPUT, notRunnableHere(options.cwd ?? process.cwd()));
  const args: string[] = [];
  if (options.dataDir !== undefined) args.push('--data', path.resolve(options.cwd ?? process.cwd(), options.dataDir));
  if (options.reuse === true) args.push('--reuse');
  if (options.color !== undefined) args.push(options.color ? '--color' : '--no-color');
  const child = spawn(process.execPath, [RUNNER, ...args], { cwd: options.cwd ?? process.cwd(), env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(options.stdout, { end: false });
  child.stderr.pipe(options.stderr, { end: false });
  const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  try {
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (c, s) => resolve([c, s]));
    });
    return code ?? (signal === 'SIGINT' ? 130 : 143);
  } finally {
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
  }
}
