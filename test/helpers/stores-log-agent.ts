// Runs test/fixtures/stores/log-agent.mjs (an agent process that logs with @tracebridge/logger and serves
// HTTP throughout) and talks to it: its stdout lines, its /stats endpoint, and a SIGTERM whose shutdown
// is timed from outside.
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LoggerStats } from '@tracebridge/logger';

const SCRIPT = fileURLToPath(new URL('../fixtures/stores/log-agent.mjs', import.meta.url));

/** What GET /stats answers. */
export interface AgentSnapshot {
  emitted: number;
  rss: number;
  cpuMicros: number;
  stats: LoggerStats;
}

/** The agent's line once it wrote everything and flushed. */
export interface AgentDone {
  emitted: number;
  flushed: boolean;
  flushMs: number;
  stats: LoggerStats;
}

export interface LogAgent {
  child: ChildProcessWithoutNullStreams;
  port: number;
  /** Resolves once it wrote its records (or was told to stop) and flushed. */
  done: Promise<AgentDone>;
  /** GET /stats, failing after `timeoutMs`. */
  snapshot(timeoutMs?: number): Promise<AgentSnapshot>;
  /** POST /stop: stop writing, then flush. */
  stopWriting(): Promise<void>;
  /** SIGTERM; resolves with the shutdown it reported and the time from the signal to the process's exit. */
  terminate(): Promise<{ exitMs: number; shutdownMs: number; stats: LoggerStats }>;
  stderr(): string;
  /** If still running: SIGTERM, so the logger removes its spill folder; SIGKILL after 10 s (for afterAll). */
  close(): Promise<void>;
}

export interface LogAgentOptions {
  agentId: string;
  /** OTLP/HTTP base URL of the collector (`/v1/logs` is appended by the logger). */
  endpoint: string;
  correlationId: string;
  /** Records to write; 0 = until stopWriting(). */
  count: number;
  /** Records per second; 0 = as fast as the logger takes them. */
  rate: number;
  /** More environment (AGENT_MAX_QUEUE_BYTES, AGENT_MAX_SPILL_BYTES, AGENT_SHUTDOWN_MS, AGENT_FLUSH_MS). */
  env?: Record<string, string>;
}

/** Starts the agent and resolves once it listens (it starts writing right away). */
export async function startLogAgent(options: LogAgentOptions): Promise<LogAgent> {
  const child = spawn(process.execPath, [SCRIPT], {
    env: {
      PATH: process.env.PATH ?? '',
      TRACEBRIDGE_AGENT_ID: options.agentId,
      OTEL_EXPORTER_OTLP_ENDPOINT: options.endpoint,
      AGENT_CORRELATION_ID: options.correlationId,
      AGENT_COUNT: String(options.count),
      AGENT_RATE: String(options.rate),
      ...options.env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines: Array<Record<string, any>> = [];
  const waiters: Array<() => void> = [];
  let buf = '';
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    for (const p of parts) {
      if (p.trim() === '') continue;
      lines.push(JSON.parse(p) as Record<string, any>);
      for (const w of waiters.splice(0)) w();
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => {
    for (const w of waiters.splice(0)) w();
  });
  const line = async (key: string): Promise<Record<string, any>> => {
    for (;;) {
      const found = lines.find((l) => l[key] === true);
      if (found !== undefined) return found;
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the agent exited before it printed "${key}":\n${stderr}`);
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  const ready = await Promise.race([
    line('ready'),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`the agent did not start in 30 s:\n${stderr}`)), 30_000)),
  ]);
  const port = Number(ready.port);
  const done = line('done') as Promise<unknown> as Promise<AgentDone>;
  // Nobody may await `done` (a test that fails first): never an unhandled rejection.
  done.catch(() => undefined);
  return {
    child,
    port,
    done,
    async snapshot(timeoutMs = 5_000) {
      const res = await fetch(`http://127.0.0.1:${port}/stats`, { signal: AbortSignal.timeout(timeoutMs) });
      return (await res.json()) as AgentSnapshot;
    },
    async stopWriting() {
      await fetch(`http://127.0.0.1:${port}/stop`, { method: 'POST', signal: AbortSignal.timeout(5_000) });
    },
    async terminate() {
      const started = Date.now();
      child.kill('SIGTERM');
      const shutdown = await line('shutdown');
      await exited;
      return { exitMs: Date.now() - started, shutdownMs: Number(shutdown.ms), stats: shutdown.stats as LoggerStats };
    },
    stderr: () => stderr,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
