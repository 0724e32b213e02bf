/**
 * Trace-aware log sampling: DEBUG records of traces that were not sampled are held back per trace
 * instead of written; when such a trace logs an ERROR, its held DEBUG lines are released first (the
 * context of a failure is what DEBUG lines are for), otherwise they are dropped and counted.
 * Bounded: `perTrace` newest lines per trace, `maxTraces` traces (oldest evicted).
 */
import { LEVEL_NUMBER } from '@tracebridge/schema/internal';
import type { Call } from './call.js';

/** {@link samplingStep}: hold the call (a DEBUG line of an unsampled trace). */
export const HOLD = 1;
/** {@link samplingStep}: release the trace's held lines ahead of the call (an ERROR or FATAL of one). */
export const RELEASE = 2;

/** What trace-aware sampling does with a call: {@link HOLD}, {@link RELEASE}, or nothing (0). */
export function samplingStep(call: Call): number {
  const sc = call.spanContext;
  if (sc === undefined || (sc.traceFlags & 1) !== 0) return 0;
  if (call.level === LEVEL_NUMBER.DEBUG) return HOLD;
  return call.level >= LEVEL_NUMBER.ERROR ? RELEASE : 0;
}

export class TraceBuffer<T> {
  private readonly traces = new Map<string, T[]>();
  /** Lines given up so far (evicted, or never released). */
  sampledOut = 0;

  constructor(
    private readonly perTrace: number,
    private readonly maxTraces: number,
  ) {}

  /** Holds one line of a trace. */
  hold(traceId: string, line: T): void {
    let lines = this.traces.get(traceId);
    if (lines === undefined) {
      if (this.traces.size >= this.maxTraces) {
        const oldest = this.traces.keys().next().value as string;
        this.sampledOut += this.traces.get(oldest)?.length ?? 0;
        this.traces.delete(oldest);
      }
      lines = [];
      this.traces.set(traceId, lines);
    }
    if (lines.length >= this.perTrace) {
      lines.shift();
      this.sampledOut++;
    }
    lines.push(line);
  }

  /** The held lines of a trace, oldest first, forgotten here. */
  release(traceId: string): T[] {
    const lines = this.traces.get(traceId);
    if (lines === undefined) return [];
    this.traces.delete(traceId);
    return lines;
  }

  /** Lines held right now. */
  size(): number {
    let n = 0;
    for (const lines of this.traces.values()) n += lines.length;
    return n;
  }

  /** Gives up everything held (at shutdown), counting it. */
  clear(): void {
    this.sampledOut += this.size();
    this.traces.clear();
  }
}
