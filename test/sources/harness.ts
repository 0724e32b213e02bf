// Shared by test/sources/*.test.ts, test/collector/derived-metrics.test.ts and test/stack/alerts-rules.test.ts:
// the collector fragments under test, an environment that keeps every source of collector/fragments/sources.yaml inside a test
// folder, the programs the tests drive (redis-server, nginx, promtool, journalctl), and reading back what
// the `local` profile wrote.
import { execFile, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readLocalData } from '@tracebridge/cli';
import type { ExportMetricsServiceRequest, StoredLog } from '@tracebridge/cli';
import { fromKeyValues } from '@tracebridge/schema';
import { fragmentFile, freePort } from '#collector/run-lib.mjs';

/** The fragments' files (collector/stacks.yaml). */
export const SOURCES = fragmentFile('sources');
export const SOURCES_JOURNALD = fragmentFile('sources-journald');
export const DERIVED = fragmentFile('derived-metrics');

/** `${env:NAME:-default}` references of a config file, with their defaults. */
export function envReferences(file: string): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const m of readFileSync(file, 'utf8').matchAll(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-((?:[^{}]|\{[^{}]*\})*))?\}/g)) {
    out.set(m[1]!, m[2]);
  }
  return out;
}

/**
 * Environment for a collector running sources.yaml in a test: every path the file reads (any variable
 * whose default is an absolute path) points into `dir` unless `overrides` says otherwise, so a test never
 * reads the machine's own /var/log; the syslog listeners get free ports; files are read from the start
 * and zone-less timestamps are UTC (the servers the tests start run with TZ=UTC).
 */
export async function sourcesEnv(dir: string, overrides: Record<string, string> = {}): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const file of [SOURCES, SOURCES_JOURNALD]) {
    for (const [name, fallback] of envReferences(file)) {
      if (fallback?.startsWith('/')) env[name] = path.join(dir, 'unused', name.toLowerCase());
    }
  }
  env.TRACEBRIDGE_SYSLOG_TCP_ENDPOINT = `127.0.0.1:${await freePort()}`;
  env.TRACEBRIDGE_SYSLOG_UDP_ENDPOINT = `127.0.0.1:${await freePort()}`;
  env.TRACEBRIDGE_SOURCES_START_AT = 'beginning';
  env.TRACEBRIDGE_SOURCES_TIMEZONE = 'UTC';
  return { ...env, ...overrides };
}

/** The path of a program on PATH (or the usual sbin folders, where Debian puts nginx), or undefined. */
export function findProgram(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin', '/usr/local/sbin', '/lib/systemd', '/usr/lib/systemd'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** A program the tests need; a missing one fails the test with the package that provides it. */
export function requireProgram(name: string, debianPackage: string): string {
  const found = findProgram(name);
  if (!found) {
    throw new Error(`${name} is not installed: run \`apt-get install -y ${debianPackage}\` (.ci/run installs it on CI)`);
  }
  return found;
}

/** Runs a program to completion; resolves with its exit code and output (never rejects on a non-zero exit). */
export function run(file: string, args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { timeout: options.timeoutMs ?? 60_000, env: options.env ?? process.env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof (err as NodeJS.ErrnoException).code === 'string') reject(err);
      else resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** A long-running program a test started: stopped (SIGTERM, then SIGKILL) by `stop()`. */
export interface Server {
  process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Starts a program and waits until `ready()` says it serves, or fails with what it printed. */
export async function startServer(file: string, args: string[], options: { env?: NodeJS.ProcessEnv; ready: () => boolean | Promise<boolean>; timeoutMs?: number }): Promise<Server> {
  const child = spawn(file, args, { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const stop = async (): Promise<void> => {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exit;
    clearTimeout(timer);
  };
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    if (exited) throw new Error(`${path.basename(file)} exited during start-up:\n${output}`);
    if (await options.ready()) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${path.basename(file)} did not become ready:\n${output}`);
    }
    await sleep(100);
  }
  return { process: child, output: () => output, stop };
}

/** The log records the `local` profile wrote to `dataDir`. */
export async function readLogs(dataDir: string): Promise<StoredLog[]> {
  return (await readLocalData(dataDir)).logs;
}

/** Records of one source (resource tracebridge.source). */
export function ofSource(logs: StoredLog[], source: string): StoredLog[] {
  return logs.filter((l) => l.resource['tracebridge.source'] === source);
}

/** The record's time in milliseconds since the epoch (undefined when unset). */
export function timeMs(log: StoredLog): number | undefined {
  const t = log.record.timeUnixNano;
  return t === undefined || BigInt(t) === 0n ? undefined : Number(BigInt(t) / 1_000_000n);
}

/** A body as text. */
export function bodyText(log: StoredLog): string {
  return (log.record.body as { stringValue?: string } | undefined)?.stringValue ?? '';
}

/** One metric data point as written by the `local` profile, with its resource and metric. */
export interface StoredPoint {
  name: string;
  type: 'sum' | 'gauge' | 'histogram' | 'exponentialHistogram' | 'summary';
  unit: string | undefined;
  temporality: number | undefined;
  resource: Record<string, unknown>;
  scope: string;
  attributes: Record<string, unknown>;
  /** asInt / asDouble, or a histogram's count. */
  value: number;
  timeMs: number;
  point: Record<string, any>;
}

/** Every data point of every metric the `local` profile wrote to `dataDir`. */
export async function readPoints(dataDir: string): Promise<StoredPoint[]> {
  const { metrics } = await readLocalData(dataDir, { metrics: true });
  const out: StoredPoint[] = [];
  for (const request of metrics as Array<ExportMetricsServiceRequest & { resourceMetrics?: any[] }>) {
    for (const rm of request.resourceMetrics ?? []) {
      const resource = fromKeyValues(rm.resource?.attributes);
      for (const sm of rm.scopeMetrics ?? []) {
        for (const m of sm.metrics ?? []) {
          const type = (['sum', 'gauge', 'histogram', 'exponentialHistogram', 'summary'] as const).find((k) => m[k] !== undefined)!;
          for (const dp of m[type]?.dataPoints ?? []) {
            const raw = dp.asInt ?? dp.asDouble ?? dp.count ?? 0;
            out.push({
              name: m.name,
              type,
              unit: m.unit,
              temporality: m[type].aggregationTemporality,
              resource,
              scope: sm.scope?.name ?? '',
              attributes: fromKeyValues(dp.attributes),
              value: Number(raw),
              timeMs: Number(BigInt(dp.timeUnixNano ?? 0) / 1_000_000n),
              point: dp,
            });
          }
        }
      }
    }
  }
  return out;
}

/** True where systemd's journalctl is on PATH. */
export function hasJournalctl(): boolean {
  return findProgram('journalctl') !== undefined && spawnSync('journalctl', ['--version'], { stdio: 'ignore' }).status === 0;
}
