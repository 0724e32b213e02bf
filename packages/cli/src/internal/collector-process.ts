import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ERROR_CODES, TracebridgeError } from '@tracebridge/schema';
import type { Child, ChildProcesses } from './child-processes.js';
import { freePort } from './free-port.js';

/** The collector folder of a tracebridge checkout: its build script and configuration. */
export interface CollectorAssets {
  dir: string;
  /** `build-lib.mjs`: builds the distribution from Go modules into the machine cache, or reuses it. */
  buildLib: string;
  /** `stacks.mjs`: which configuration files a stack loads, in which order, with which feature gates. */
  stacks: string;
}

/** The stack the demo runs (collector/stacks.yaml): OTLP/JSON files in one data folder. */
const DEMO_STACK = 'local';

/** A collector started by the demo. */
export interface RunningCollector {
  child: Child;
  /** OTLP/HTTP base URL, for `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  otlpHttp: string;
}

/**
 * Finds the collector folder: `TRACEBRIDGE_COLLECTOR_DIR`, else the `collector/` of the checkout this
 * package sits in (`packages/cli` of the monorepo), else one in the working directory or above it.
 * The collector is built from the checkout's manifest, so the demo needs one.
 */
export function findCollectorAssets(env: NodeJS.ProcessEnv, cwd: string): CollectorAssets {
  const candidates: string[] = [];
  if (env.TRACEBRIDGE_COLLECTOR_DIR) candidates.push(path.resolve(cwd, env.TRACEBRIDGE_COLLECTOR_DIR));
  for (const start of [fileURLToPath(new URL('../../', import.meta.url)), cwd]) {
    for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
      candidates.push(path.join(dir, 'collector'));
      if (path.dirname(dir) === dir) break;
    }
  }
  for (const dir of candidates) {
    const assets = { dir, buildLib: path.join(dir, 'build-lib.mjs'), stacks: path.join(dir, 'stacks.mjs') };
    if (existsSync(assets.buildLib) && existsSync(assets.stacks)) return assets;
  }
  throw new TracebridgeError(
    ERROR_CODES.INPUT,
    'no collector/ folder (build-lib.mjs, stacks.mjs) found: run the demo from a tracebridge checkout, or set TRACEBRIDGE_COLLECTOR_DIR',
  );
}

/** Builds the collector or reuses the cached binary (or `OTELCOL_BIN`); `log` gets the build's progress. */
export async function ensureCollectorBinary(assets: CollectorAssets, log: (line: string) => void): Promise<string> {
  const lib = (await import(pathToFileURL(assets.buildLib).href)) as {
    ensureCollector(options: { log: (line: string) => void }): Promise<string>;
  };
  return lib.ensureCollector({ log });
}

/**
 * Starts the collector with stack `local` (the files and feature gates collector/stacks.yaml declares),
 * on free ports of 127.0.0.1, writing into `dataDir`, and waits (at most `timeoutMs`) until its health
 * check answers.
 */
export async function startLocalCollector(
  children: ChildProcesses,
  options: { bin: string; assets: CollectorAssets; dataDir: string; timeoutMs?: number },
): Promise<RunningCollector> {
  const [grpc, http, health, metrics] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const stacks = (await import(pathToFileURL(options.assets.stacks).href)) as {
    collectorArgs(name: string, options: { dir: string }): string[];
  };
  const args = stacks.collectorArgs(DEMO_STACK, { dir: options.assets.dir });
  const child = children.spawn('collector', options.bin, args, {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      OTLP_GRPC_ENDPOINT: `127.0.0.1:${grpc}`,
      OTLP_HTTP_ENDPOINT: `127.0.0.1:${http}`,
      HEALTH_ENDPOINT: `127.0.0.1:${health}`,
      COLLECTOR_METRICS_PORT: String(metrics),
      TRACEBRIDGE_DATA_DIR: options.dataDir,
    },
  });
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (!child.alive()) throw new Error(`the collector exited while starting:\n${child.output().slice(-4000)}`);
    try {
      const res = await fetch(`http://127.0.0.1:${health}/`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the collector did not become healthy in time:\n${child.output().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, otlpHttp: `http://127.0.0.1:${http}` };
}
