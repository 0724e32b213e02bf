// A real VictoriaLogs for tests (built from Go modules into the machine cache, see collector/stores/README.md):
// OTLP logs in, LogsQL out, on a free 127.0.0.1 port over a temp directory. It can be stopped and started
// again on the same port and directory, which is how the fault tests take the log store away and give it
// back.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureStore } from '#collector/build-lib.mjs';
import { freePort } from '#collector/run-lib.mjs';

/** One row of a LogsQL answer: every field as a string (VictoriaLogs stores all values as text). */
export type LogRow = Record<string, string>;

/** A running (or stopped, restartable) VictoriaLogs. */
export interface VictoriaLogs {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Where an `otlp_http` exporter's `logs_endpoint` points (protobuf only). */
  otlpLogsEndpoint: string;
  dataDir: string;
  /** The OS process id while it runs (for CPU figures). */
  pid(): number | undefined;
  /** Rows matching a LogsQL query (`correlation.id:="task-x"`, `trace_id:="…"`, with pipes). */
  query(logsql: string): Promise<LogRow[]>;
  /** Rows matching `filter`, and how many distinct `log.record.uid` values they hold. */
  count(filter: string): Promise<{ rows: number; uids: number }>;
  /** What the server printed so far, across restarts. */
  output(): string;
  /** SIGTERM and wait (SIGKILL after 10 s); its data stays on disk. Safe when already stopped. */
  stop(): Promise<void>;
  /** Starts it again on the same port and directory (after stop()), and waits until it is healthy. */
  start(): Promise<void>;
  /** stop(), then removes the data directory. */
  destroy(): Promise<void>;
}

/** Starts VictoriaLogs on a free port and waits until `/health` answers. The caller must `destroy()` it. */
export async function startVictoriaLogs(): Promise<VictoriaLogs> {
  const bin = (await ensureStore('victorialogs', { log: () => undefined })) as string;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tb-victorialogs-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let output = '';

  const start = async (): Promise<void> => {
    if (child) return;
    const proc = spawn(bin, [`-storageDataPath=${dataDir}`, `-httpListenAddr=127.0.0.1:${port}`, '-loggerLevel=WARN'], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let alive = true;
    exited = new Promise((resolve) =>
      proc.once('exit', () => {
        alive = false;
        if (child === proc) child = undefined;
        resolve();
      }),
    );
    proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (!alive) throw new Error(`VictoriaLogs exited during start-up:\n${output}`);
      try {
        if ((await fetch(`${url}/health`)).ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`VictoriaLogs did not answer /health in 30 s:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const stop = async (): Promise<void> => {
    const proc = child;
    if (!proc) return;
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  const query = async (logsql: string): Promise<LogRow[]> => {
    const res = await fetch(`${url}/select/logsql/query`, { method: 'POST', body: new URLSearchParams({ query: logsql }) });
    const text = await res.text();
    if (!res.ok) throw new Error(`LogsQL ${logsql} answered ${res.status}: ${text}`);
    return text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as LogRow);
  };

  await start();
  return {
    url,
    otlpLogsEndpoint: `${url}/insert/opentelemetry/v1/logs`,
    dataDir,
    pid: () => child?.pid,
    query,
    async count(filter) {
      const [row] = await query(`${filter} | stats count() rows, count_uniq("log.record.uid") uids`);
      return { rows: Number(row?.rows ?? 0), uids: Number(row?.uids ?? 0) };
    },
    output: () => output,
    stop,
    start,
    async destroy() {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
