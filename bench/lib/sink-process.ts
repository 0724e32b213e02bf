import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

/** What the sink counted of the expected phase since `expect()` (times are `Date.now()` of the sink). */
export interface SinkStatus {
  tag: string;
  /** Records of the phase that arrived at least once. */
  distinct: number;
  /** Arrivals beyond the first of a record (a transport re-sending a batch it thinks failed). */
  duplicates: number;
  /** Records of the phase numbered beyond what was expected (a bench bug if ever non-zero). */
  outOfRange: number;
  /** Records of another phase or process: ignored. */
  otherTags: number;
  /** Records without a bench id: ignored. */
  unidentified: number;
  requests: number;
  /** When the first record of the phase arrived, and how many arrived at that instant. */
  firstAt: number;
  firstDistinct: number;
  /** When the last new record of the phase arrived. */
  lastNewAt: number;
  /** When the last record of the phase arrived, new or duplicate. */
  lastArrivalAt: number;
}

/** What arrived of one phase, once the sink was quiet for the settle window. */
export interface Delivery extends SinkStatus {
  expected: number;
  missing: number;
  /** When the parent saw every record there, or gave up waiting (`Date.now()`). */
  completeAt: number;
  /** Distinct records per second between the first and the last arrival, not counting the first arrival's. */
  arrivalRate: number;
}

/**
 * An OTLP/HTTP logs receiver in its own process (so its CPU is not the agent's) that identifies
 * records and counts one phase at a time (sink-main.ts).
 */
export class SinkProcess {
  url = '';
  private child: ChildProcess | undefined;
  private waiters = new Map<number, (s: SinkStatus) => void>();
  private seq = 0;

  async start(): Promise<this> {
    const child = fork(fileURLToPath(new URL('./sink-main.js', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child = child;
    const [msg] = (await once(child, 'message')) as [{ url: string }];
    this.url = msg.url;
    child.on('message', (m: { seq?: number; status?: SinkStatus }) => {
      if (m.seq !== undefined && m.status !== undefined) {
        this.waiters.get(m.seq)?.(m.status);
        this.waiters.delete(m.seq);
      }
    });
    return this;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private ask(message: Record<string, unknown>): Promise<SinkStatus> {
    const seq = ++this.seq;
    return new Promise((resolve) => {
      this.waiters.set(seq, resolve);
      this.child?.send({ seq, ...message });
    });
  }

  /** Starts counting the phase `tag`, sequence numbers 0 to `capacity` − 1; forgets the previous one. */
  expect(tag: string, capacity: number): Promise<SinkStatus> {
    return this.ask({ op: 'expect', tag, capacity });
  }

  status(): Promise<SinkStatus> {
    return this.ask({ op: 'status' });
  }

  /**
   * Waits until `expected` distinct records arrived and then nothing more for `settleMillis` (late
   * duplicates are counted), or nothing arrived for `quietMillis` (records are missing), or `maxMillis`
   * passed. `since` is when records could first arrive (the end of a synchronous burst: nothing can be
   * sent before it). `onComplete` runs once, when every record is there (before the settle window) or
   * waiting gave up (after the quiet window), to read the agent's CPU at that moment.
   */
  async waitDelivered(
    expected: number,
    options: { since: number; settleMillis: number; quietMillis: number; maxMillis: number; onComplete?: () => Promise<void> },
  ): Promise<Delivery> {
    let completeAt = 0;
    const complete = async (): Promise<void> => {
      if (completeAt !== 0) return;
      completeAt = Date.now();
      await options.onComplete?.();
    };
    let s = await this.status();
    for (;;) {
      const now = Date.now();
      const quiet = now - Math.max(options.since, s.lastArrivalAt);
      if (s.distinct >= expected) {
        await complete();
        if (quiet >= options.settleMillis) break;
      } else if (quiet >= Math.max(options.quietMillis, options.settleMillis) || now - options.since >= options.maxMillis) {
        // The quiet window is at least the settle window: late arrivals had as long to come.
        await complete();
        break;
      }
      await sleep(25);
      s = await this.status();
    }
    const window = (s.lastNewAt - s.firstAt) / 1000;
    return {
      ...s,
      expected,
      missing: expected - s.distinct,
      completeAt,
      arrivalRate: window > 0 ? (s.distinct - s.firstDistinct) / window : NaN,
    };
  }

  stop(): void {
    this.child?.kill();
  }
}
