import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error: a plain ESM script shared with `npm run collector:build`, without type declarations.
import { ensureCollector } from '../../collector/build-lib.mjs';
import { gatesFor, readStacks, stackFiles } from '../../collector/stacks.mjs';

export { collectorArgs, fragmentFile, profileFiles, readStacks, resolveStack, stackFiles } from '../../collector/stacks.mjs';

/** Repository folder of the collector configuration. */
export const COLLECTOR_DIR = fileURLToPath(new URL('../../collector/', import.meta.url));

/**
 * The feature gates the given configuration files need, as collector/stacks.yaml declares them (the one
 * place they are written; a test's own file needs none).
 * @default files: collector/config.yaml
 */
export function collectorFeatureGates(...files: string[]): string[] {
  return gatesFor(files.length > 0 ? files : [path.join(COLLECTOR_DIR, 'config.yaml')]);
}

/** A free TCP port on 127.0.0.1 (bound then released; good enough for tests on one host). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The built collector binary (built once per machine; see collector/build-lib.mjs). */
export async function collectorBinary(): Promise<string> {
  return (await ensureCollector({ log: () => undefined })) as string;
}

/** A collector process started by a test. */
export interface RunningCollector {
  /** OTLP/HTTP base URL (`http://127.0.0.1:port`); logs go to `${otlpHttp}/v1/logs`. */
  otlpHttp: string;
  /** OTLP/gRPC `host:port`. */
  otlpGrpc: string;
  dataDir: string;
  process: ChildProcess;
  /** What the collector printed on stderr so far. */
  output(): string;
  /** SIGTERM and wait; SIGKILL after 15 s. */
  stop(): Promise<void>;
  /** SIGKILL now (a crash). */
  kill(): Promise<void>;
}

export interface StartCollectorOptions {
  /**
   * A stack of collector/stacks.yaml (`local`, `lgtm`, `compose`, ...), whose files are loaded; or a path
   * to a config file of the test's own, loaded after config.yaml.
   */
  profile: string;
  /** Fragments of collector/stacks.yaml added to the stack, each in its place in the manifest's order. */
  fragments?: string[];
  /**
   * Further --config files (merged after the stack). A fragment's file of collector/stacks.yaml counts as
   * that fragment (its place in the load order and its rules); others are the test's own, loaded last.
   */
  extraConfigs?: string[];
  /** Environment of the collector (merged over the ports and data dir chosen here). */
  env?: Record<string, string>;
  /** Data folder; a fresh temp folder by default. */
  dataDir?: string;
  /**
   * Extra command-line arguments. The feature gates the stack's files need are always passed (see
   * {@link collectorFeatureGates}); more `--feature-gates` add to them.
   */
  args?: string[];
}

/**
 * Starts the real collector with a stack of collector/stacks.yaml (its files in order and the feature
 * gates they need) on free ports of 127.0.0.1 and waits until its health check answers. The test must
 * call `stop()` (in afterAll/afterEach).
 */
export async function startCollector(options: StartCollectorOptions): Promise<RunningCollector> {
  const bin = await collectorBinary();
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'tb-collector-'));
  const [grpc, http, health, metrics] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const manifest = readStacks();
  const fragmentOf = (file: string) => manifest.fragments.find((f) => path.join(COLLECTOR_DIR, f.file) === path.resolve(file))?.name;
  const extras = options.extraConfigs ?? [];
  const add = [...(options.fragments ?? []), ...extras.flatMap((f) => fragmentOf(f) ?? [])];
  const configs = [
    ...(options.profile.includes('/') ? [path.join(COLLECTOR_DIR, 'config.yaml'), options.profile] : stackFiles(options.profile, { add })),
    ...extras.filter((f) => fragmentOf(f) === undefined),
  ];
  const args = configs.flatMap((file) => ['--config', file]);
  const gates = collectorFeatureGates(...configs);
  if (gates.length > 0) args.push(`--feature-gates=${gates.join(',')}`);
  args.push(...(options.args ?? []));
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    OTLP_GRPC_ENDPOINT: `127.0.0.1:${grpc}`,
    OTLP_HTTP_ENDPOINT: `127.0.0.1:${http}`,
    HEALTH_ENDPOINT: `127.0.0.1:${health}`,
    COLLECTOR_METRICS_PORT: String(metrics),
    TRACEBRIDGE_DATA_DIR: dataDir,
    ...options.env,
  };
  const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let alive = true;
  void exited.then(() => (alive = false));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (!alive) throw new Error(`the collector exited during start-up:\n${output}`);
    try {
      const res = await fetch(`http://127.0.0.1:${health}/`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the collector did not become healthy in 60 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const stop = async (signal: NodeJS.Signals): Promise<void> => {
    if (!alive) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  return {
    otlpHttp: `http://127.0.0.1:${http}`,
    otlpGrpc: `127.0.0.1:${grpc}`,
    dataDir,
    process: child,
    output: () => output,
    stop: () => stop('SIGTERM'),
    kill: () => stop('SIGKILL'),
  };
}
