import type { LogFields, LoggerStats } from '../types.js';
import type { Identity, PerformanceRecord } from './call.js';

/**
 * Where log calls go once a logger accepted them. One per process and configuration, shared by a
 * logger and all its children. `write` is the hot path: it never throws and never blocks.
 */
export interface Transport {
  /** The identity (agent id + component) records of a logger carry; cheap to ask again. */
  identity(agentId: string, component: string): Identity;
  /** One log call (see `captureCall` for what it is made of). */
  write(
    level: number,
    who: Identity,
    baseContext: Record<string, unknown> | undefined,
    message: unknown,
    fields: LogFields | undefined,
    performance: PerformanceRecord | undefined,
  ): void;
  /** Resolves true once everything written before the call was exported (or written), false on timeout. */
  flush(timeoutMillis: number): Promise<boolean>;
  /** Flushes within the timeout, then releases everything; what could not be sent is counted as dropped. */
  shutdown(timeoutMillis: number): Promise<void>;
  stats(): LoggerStats;
  /** Records queued right now. */
  pending(): number;
  /** At `process.exit()`: drain synchronously within the shutdown timeout, or count what is lost. */
  shutdownSync?(): void;
  readonly closed: boolean;
}
