// Starts an agent of a test swarm as the README says to run one: `node --import=@tracebridge/auto/register
// <script>`, with a pinned environment (nothing of the test runner's own OTEL_* settings leaks in), and
// resolves once it prints `{"ready":true,"port":N}`.
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The swarm of the auto-instrumentation tests: a coordinator, an HTTP worker and a queue worker. */
export const AUTO_FIXTURES = fileURLToPath(new URL('../fixtures/auto/', import.meta.url));

/** An agent process that said it is ready. */
export interface Agent {
  child: ChildProcessWithoutNullStreams;
  /** The port it listens on. */
  port: number;
  /** Resolves with the exit code and signal once it has ended. */
  exited: Promise<[number | null, NodeJS.Signals | null]>;
  stderr(): string;
  stdout(): string;
  /** What `readyPattern` matched. */
  match: RegExpExecArray;
}

export interface StartAgentOptions {
  /** The script, relative to `cwd`. */
  script: string;
  /** `TRACEBRIDGE_AGENT_ID`. */
  agentId: string;
  /** `OTEL_EXPORTER_OTLP_ENDPOINT`: the collector's OTLP/HTTP base URL. */
  otlpHttp: string;
  /** `TRACEBRIDGE_ENVIRONMENT`. @default 'test' */
  environment?: string;
  /** More environment. */
  env?: Record<string, string>;
  /** Folder of the script, where `--import` resolves the package from. @default AUTO_FIXTURES */
  cwd?: string;
  /** How long it may take to say it is ready. @default 30000 */
  timeoutMs?: number;
  /** What it prints once ready; its first group, when a number, is the port. @default `{"ready":true,"port":N}` */
  readyPattern?: RegExp;
}

/** Starts the agent and resolves once it listens; rejects (and kills it) when it exits or stays silent. */
export async function startAgent(options: StartAgentOptions): Promise<Agent> {
  const child = spawn(process.execPath, ['--import=@tracebridge/auto/register', options.script], {
    cwd: options.cwd ?? AUTO_FIXTURES,
    env: {
      PATH: process.env.PATH ?? '',
      TRACEBRIDGE_AGENT_ID: options.agentId,
      TRACEBRIDGE_ENVIRONMENT: options.environment ?? 'test',
      OTEL_EXPORTER_OTLP_ENDPOINT: options.otlpHttp,
      // An exit spool of its own: what an agent spools names its collector's port, and a folder shared
      // with other tests could hand it to a later test's sink that took that port.
      TRACEBRIDGE_SPOOL_DIR: mkdtempSync(path.join(tmpdir(), 'tb-agent-spool-')),
      ...options.env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const pattern = options.readyPattern ?? /\{"ready":true,"port":(\d+)\}/;
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${options.script} did not start in ${timeoutMs / 1000} s:\n${stderr}`));
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = pattern.exec(stdout);
      if (m !== null) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${options.script} exited during start-up:\n${stderr}`));
    });
  });
  const port = Number(match[1]);
  return { child, port: Number.isInteger(port) ? port : 0, exited, stderr: () => stderr, stdout: () => stdout, match };
}
