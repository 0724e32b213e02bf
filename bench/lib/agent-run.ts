import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { AgentConfig } from './agent-main.js';
import { newTag } from './record-id.js';
import type { Delivery, SinkProcess } from './sink-process.js';

/** How long the sink must stay quiet after the last arrival before the counts are final (late duplicates). */
export const SETTLE_MILLIS = Number(process.env.BENCH_SETTLE_MS ?? 3000);
/** Nothing arrived for this long while records are missing: they are counted as missing. */
export const QUIET_MILLIS = Math.max(SETTLE_MILLIS, Number(process.env.BENCH_QUIET_MS ?? 10_000));

/** One agent process (agent-main.ts) and its IPC. */
export class Agent {
  readonly child: ChildProcess;
  private inbox: Array<Record<string, unknown>> = [];
  private waiting: { op: string; resolve: (m: Record<string, unknown>) => void } | undefined;

  constructor(config: AgentConfig) {
    this.child = fork(fileURLToPath(new URL('./agent-main.js', import.meta.url)), [JSON.stringify(config)], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      execArgv: ['--max-old-space-size=4096'],
    });
    this.child.on('message', (m: Record<string, unknown>) => {
      if (this.waiting !== undefined && m.op === this.waiting.op) {
        const { resolve } = this.waiting;
        this.waiting = undefined;
        resolve(m);
      } else this.inbox.push(m);
    });
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /** The next message `op` from the agent (fails if the agent exits first). */
  next(op: string): Promise<Record<string, unknown>> {
    const i = this.inbox.findIndex((m) => m.op === op);
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0] as Record<string, unknown>);
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`agent exited (${code}) while the bench waited for "${op}"`));
      this.child.once('exit', onExit);
      this.waiting = {
        op,
        resolve: (m) => {
          this.child.off('exit', onExit);
          resolve(m);
        },
      };
    });
  }

  send(message: Record<string, unknown>): void {
    this.child.send(message);
  }

  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGKILL');
    await exited;
  }
}

/** What one measured phase of one competitor gave. */
export interface RunResult {
  name: string;
  mode: 'burst' | 'paced';
  /** Records per second asked for (paced). */
  rate: number;
  delivery: Delivery;
  /**
   * Burst: distinct records per second from the first call to the last new arrival. Paced: the arrival
   * rate at the sink (Delivery.arrivalRate), not the rate asked for.
   */
  perSec: number;
  /** CPU per distinct delivered record, from go until all arrived: the calling (main) thread alone, the whole process. */
  callerCpuMicros: number;
  processCpuMicros: number;
  peakRssMb: number;
  /** Event-loop delay p99 during the phase, and in the same process idle just before it (same histogram). */
  lagP99Ms: number;
  idleLagP99Ms: number;
  /** How long the calls took (burst), or the pacing (paced). */
  emitMs: number;
  stats: unknown;
}

/** Runs one competitor in a fresh agent process through one measured phase, counted at the sink. */
export async function runPhase(sink: SinkProcess, name: string, mode: 'burst' | 'paced', count: number, rate = 0): Promise<RunResult> {
  const agent = new Agent({ name, mode, url: sink.url, count, rate, warmup: 2000, idleMillis: 2000 });
  try {
    await agent.next('ready');
    const tag = newTag('m');
    await sink.expect(tag, count);
    const goAt = Date.now();
    agent.send({ op: 'go', tag });
    const emitted = await agent.next('emitted');
    let report: Record<string, unknown> = {};
    const delivery = await sink.waitDelivered(count, {
      since: emitted.at as number,
      settleMillis: SETTLE_MILLIS,
      quietMillis: QUIET_MILLIS,
      maxMillis: 600_000,
      onComplete: async () => {
        agent.send({ op: 'report' });
        report = await agent.next('report');
      },
    });
    const perRecord = (seconds: number): number => (seconds * 1e6) / Math.max(1, delivery.distinct);
    return {
      name,
      mode,
      rate,
      delivery,
      perSec: mode === 'burst' ? delivery.distinct / Math.max(0.001, (delivery.lastNewAt - goAt) / 1000) : delivery.arrivalRate,
      callerCpuMicros: perRecord(report.threadCpuSeconds as number),
      processCpuMicros: perRecord(report.processCpuSeconds as number),
      peakRssMb: (report.peakRss as number) / (1024 * 1024),
      lagP99Ms: report.lagP99Ms as number,
      idleLagP99Ms: report.idleLagP99Ms as number,
      emitMs: emitted.ms as number,
      stats: report.stats,
    };
  } finally {
    await agent.kill();
  }
}
