import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { SinkProcess } from './sink-process.js';

/** What one run of one competitor measured. */
export interface RunResult {
  name: string;
  emitted: number;
  delivered: number;
  /** Records sent that never arrived. */
  dropped: number;
  /** Records that arrived more than once (a transport that re-sends a batch it thinks failed). */
  duplicates: number;
  /** Records acknowledged per second, from the first call to the last record received. */
  deliveredPerSec: number;
  /** Agent CPU time (all threads) per delivered record. */
  cpuMicrosPerRecord: number;
  peakRssMb: number;
  lagP99Ms: number;
  emitMs: number;
}

/** Runs one agent process to completion against the sink. */
export async function runAgent(sink: SinkProcess, name: string, mode: 'burst' | 'paced', count: number, rate = 0): Promise<RunResult> {
  const child = fork(fileURLToPath(new URL('./agent-main.js', import.meta.url)), [name, mode, String(count), String(rate), sink.url], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    execArgv: ['--max-old-space-size=4096'],
  });
  const next = async (op: string): Promise<Record<string, unknown>> => {
    for (;;) {
      const [m] = (await once(child, 'message')) as [Record<string, unknown>];
      if (m.op === op) return m;
    }
  };
  await next('ready');
  await sink.reset();
  const started = Date.now();
  child.send({ op: 'go' });
  const emitted = await next('emitted');
  // Delivered when the sink has them all, or when nothing more arrived for a while (drops).
  const { count: delivered, at } = await sink.waitFor(count, 5000, 300_000);
  child.send({ op: 'report' });
  const report = await next('report');
  child.kill('SIGKILL');
  const seconds = Math.max(0.001, (at - started) / 1000);
  return {
    name,
    emitted: count,
    delivered,
    dropped: Math.max(0, count - delivered),
    duplicates: Math.max(0, delivered - count),
    deliveredPerSec: delivered / seconds,
    cpuMicrosPerRecord: (report.cpuMicros as number) / Math.max(1, delivered),
    peakRssMb: (report.peakRss as number) / (1024 * 1024),
    lagP99Ms: report.lagP99Ms as number,
    emitMs: emitted.ms as number,
  };
}
