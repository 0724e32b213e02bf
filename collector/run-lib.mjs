// Runs the collector that build-lib.mjs builds: free ports on 127.0.0.1, a stack of stacks.yaml (its files
// in order, the feature gates it needs), a health wait, a clean stop, its own metrics; and the real
// collector's merge of several files (`print-config`). The one copy used by the demo (examples/swarm), the tests and the
// benchmarks. Plain ESM beside build-lib.mjs, with its types in run-lib.d.mts: like build-lib.mjs it runs
// without a compile step (a fresh clone's first `npm run demo`, `node collector/build.mjs`), and every
// TypeScript caller is checked against the declarations by `tsc -b`.

import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCollector } from './build-lib.mjs';
import { gatesFor, readStacks, stackFiles } from './stacks.mjs';

export { collectorArgs, fragmentFile, profileFiles, readStacks, resolveStack, stackFiles } from './stacks.mjs';

/** This folder: the base configuration, profiles/, the fragments, the build scripts. */
export const COLLECTOR_DIR = path.dirname(fileURLToPath(import.meta.url));

/** The base configuration every stack starts from. */
export const BASE_CONFIG = path.join(COLLECTOR_DIR, 'config.yaml');

/**
 * A free TCP port on 127.0.0.1: bound to port 0, read, released. Another process could take it before it
 * is used; on one host that is rare, and the collector then fails to start and says which port.
 * @returns {Promise<number>}
 */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {net.AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

/**
 * The feature gates the given configuration files need, as collector/stacks.yaml declares them (the one
 * place they are written; a file it does not name needs none).
 * @param {...string} files default: config.yaml
 * @returns {string[]}
 */
export function collectorFeatureGates(...files) {
  return gatesFor(files.length > 0 ? files : [BASE_CONFIG]);
}

/** The built collector binary (built once per machine, see build-lib.mjs; `OTELCOL_BIN` wins). */
export function collectorBinary({ log = () => undefined } = {}) {
  return ensureCollector({ log });
}

/**
 * The `--config` files to load, in order: a stack of stacks.yaml with its fragments (and the fragments'
 * files among `extraConfigs`, each in its place in the manifest's order), or config.yaml and a file of the
 * caller's own; then the other `extraConfigs`, last.
 */
export function stackConfigs({ profile, configs, fragments = [], extraConfigs = [] }) {
  if (configs !== undefined) return [...configs, ...extraConfigs];
  if (profile === undefined) throw new TypeError('startCollector: give a profile (a stack of stacks.yaml, or a file) or configs');
  const manifest = readStacks();
  const fragmentOf = (file) => manifest.fragments.find((f) => path.join(COLLECTOR_DIR, f.file) === path.resolve(file))?.name;
  const add = [...fragments, ...extraConfigs.flatMap((f) => fragmentOf(f) ?? [])];
  return [
    ...(profile.includes('/') ? [BASE_CONFIG, profile] : stackFiles(profile, { add })),
    ...extraConfigs.filter((f) => fragmentOf(f) === undefined),
  ];
}

/**
 * Starts the collector with a stack of stacks.yaml (or config.yaml + a file of the caller's own) and the
 * feature gates it needs, on free ports of 127.0.0.1, and resolves once its health check answers (rejects, having killed it, when it
 * exits or stays unhealthy past `timeoutMs`). The caller must `stop()` it, also when a test fails.
 */
export async function startCollector(options) {
  const bin = options.bin ?? (await collectorBinary());
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'tb-collector-'));
  const [grpc, http, health, metrics] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const configs = stackConfigs(options);
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
  // The caller's env may pin a port (a restart on the same one): the URLs follow what the collector got.
  const httpEndpoint = env.OTLP_HTTP_ENDPOINT;
  const grpcEndpoint = env.OTLP_GRPC_ENDPOINT;
  const healthUrl = `http://${env.HEALTH_ENDPOINT}/`;
  const metricsUrl = `http://127.0.0.1:${env.COLLECTOR_METRICS_PORT}/metrics`;
  // A wrapper (`taskset -c 1`, `unshare ... sh -c '... exec "$@"'`) must exec the collector in its own
  // process, so that the pid, the signals and /proc/<pid> are the collector's.
  const [command, ...commandArgs] = [...(options.wrapper ?? []), bin, ...args];
  const child = spawn(command, commandArgs, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  options.onSpawn?.(child);
  let output = '';
  const keep = (d) => {
    output += d.toString();
    // What a test or the demo shows on failure is the tail; a collector that logs for an hour must not
    // grow this string without bound.
    if (output.length > 4 * 1024 * 1024) output = output.slice(-2 * 1024 * 1024);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let alive = true;
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      alive = false;
      resolve(code ?? signal ?? 'unknown');
    });
    child.once('error', (err) => {
      alive = false;
      output += `\n${err.message}\n`;
      resolve('spawn-failed');
    });
  });
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!alive) throw new Error(`the collector exited during start-up:\n${output.slice(-8000)}`);
    try {
      const res = await fetch(healthUrl, { signal: AbortSignal.timeout(2000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the collector did not become healthy in ${timeoutMs / 1000} s:\n${output.slice(-8000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const stop = async (signal, graceMs) => {
    if (!alive) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return {
    otlpHttp: `http://${httpEndpoint}`,
    otlpGrpc: grpcEndpoint,
    healthUrl,
    metricsPort: Number(env.COLLECTOR_METRICS_PORT),
    async metric(name, labels = {}) {
      const text = await (await fetch(metricsUrl, { signal: AbortSignal.timeout(10_000) })).text();
      let sum = 0;
      for (const line of text.split('\n')) {
        const m = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
        if (m === null || m[1] !== name) continue;
        if (Object.entries(labels).every(([k, v]) => (m[2] ?? '').includes(`${k}="${v}"`))) sum += Number(m[3]);
      }
      return sum;
    },
    dataDir,
    configs,
    process: child,
    exited,
    alive: () => alive,
    output: () => output,
    stop: ({ graceMs = 15_000 } = {}) => stop('SIGTERM', graceMs),
    kill: () => stop('SIGKILL', 0),
  };
}

/**
 * The configuration the collector itself makes of several files (`print-config`: merged left to right,
 * lists replaced, `${env:…}` resolved, defaults filled in), as JSON. No JavaScript merge can drift from
 * what the collector does. Validation is off: this is the merged view, `validate` is another command.
 */
export async function printConfig({ configs, env = {}, bin }) {
  const binary = bin ?? (await collectorBinary());
  const gates = collectorFeatureGates(...configs);
  const args = ['print-config', ...configs.flatMap((file) => ['--config', file]), '--format=json', '--mode=unredacted', '--validate=false'];
  if (gates.length > 0) args.push(`--feature-gates=${gates.join(',')}`);
  const stdout = await new Promise((resolve, reject) => {
    execFile(
      binary,
      args,
      { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
      (err, out, errOut) => (err ? reject(new Error(`print-config ${configs.join(' ')} failed: ${err.message}\n${errOut}`)) : resolve(out)),
    );
  });
  return JSON.parse(stdout);
}
