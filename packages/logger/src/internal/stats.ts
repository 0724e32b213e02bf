import type { DropReason, LoggerStats } from '../types.js';

/**
 * Counter slots. Each slot has one writer thread (the calling thread or the worker), so plain Float64
 * stores are enough: readers may see a value a moment old, never a torn one (aligned 64-bit stores).
 */
export const S_EMITTED = 0;
export const S_EXPORTED = 1;
export const S_WRITTEN = 2;
export const S_SPILLED = 3;
export const S_INVALID = 4;
export const S_REDACTED = 5;
export const S_HELD = 6;
export const S_DROP_QUEUE_FULL = 7;
export const S_DROP_TOO_LARGE = 8;
export const S_DROP_AFTER_SHUTDOWN = 9;
export const S_DROP_SHUTDOWN_MAIN = 10;
export const S_DROP_EXPORT_FAILED = 11;
export const S_DROP_SHUTDOWN_WORKER = 12;
export const S_DROP_SINK_FAILED = 13;
export const S_DROP_QUEUE_FULL_WORKER = 14;
export const S_SAMPLED_OUT = 15;
export const S_RESTORED = 16;
/** Records written to the exit spool for later delivery (settled: no longer queued, not dropped). */
export const S_SPOOLED = 17;
/** Written by the calling thread before it asks for a shutdown: the milliseconds the worker has for it. */
export const S_SHUTDOWN_BUDGET = 18;
/** Written by the calling thread: what it has reported to the exit registry so far (spooled, lost). */
export const S_REPORTED_SPOOLED = 19;
export const S_REPORTED_LOST = 20;
/** Lines of JSON-lines files that rotation deleted beyond `jsonlMaxFiles` (maybe unread by the collector). */
export const S_ROTATED_OUT = 21;
const SLOTS = 24;

export function createStatsMemory(shared: boolean): Float64Array {
  return new Float64Array(shared ? new SharedArrayBuffer(SLOTS * 8) : new ArrayBuffer(SLOTS * 8));
}

/** The slot a drop reason is counted in, on the worker side. */
export function workerDropSlot(reason: 'queue_full' | 'export_failed' | 'sink_failed' | 'shutdown_timeout'): number {
  switch (reason) {
    case 'queue_full':
      return S_DROP_QUEUE_FULL_WORKER;
    case 'export_failed':
      return S_DROP_EXPORT_FAILED;
    case 'sink_failed':
      return S_DROP_SINK_FAILED;
    default:
      return S_DROP_SHUTDOWN_WORKER;
  }
}

/**
 * A snapshot of the counters. `queued` is every record accepted and not yet settled: in the ring, on its
 * way from the ring to the exporter, in the spill, in the batch or in flight, or held by trace-aware
 * sampling. It is what remains once the settled outcomes are taken away, read once each, so that at any
 * instant `emitted = delivered + queued + dropped + sampledOut + spooled` (delivered: `exported`, or `written` when
 * the output is JSON lines only). Adding up places instead (ring + spill + batch, as before) misses the
 * records a thread is moving between two of them at that instant; those are not lost, only in transit.
 * `queuedBytes` comes from the transport.
 */
export function readStats(s: Float64Array, output: 'otlp' | 'jsonl' | 'both', queuedBytes: number): LoggerStats {
  const emitted = s[S_EMITTED] as number;
  const exported = s[S_EXPORTED] as number;
  const written = s[S_WRITTEN] as number;
  const sampledOut = s[S_SAMPLED_OUT] as number;
  const droppedBy: Record<DropReason, number> = {
    queue_full: (s[S_DROP_QUEUE_FULL] as number) + (s[S_DROP_QUEUE_FULL_WORKER] as number),
    export_failed: s[S_DROP_EXPORT_FAILED] as number,
    shutdown_timeout: (s[S_DROP_SHUTDOWN_MAIN] as number) + (s[S_DROP_SHUTDOWN_WORKER] as number),
    too_large: s[S_DROP_TOO_LARGE] as number,
    after_shutdown: s[S_DROP_AFTER_SHUTDOWN] as number,
    sink_failed: s[S_DROP_SINK_FAILED] as number,
  };
  let dropped = 0;
  for (const k of Object.keys(droppedBy) as DropReason[]) dropped += droppedBy[k];
  // With output `both` a record is settled by its OTLP outcome; the file is a second copy, and a line the
  // file could not take is still exported (sink_failed then counts a lost copy, not a lost record).
  const delivered = output === 'jsonl' ? written : exported;
  const settledDrops = output === 'both' ? dropped - droppedBy.sink_failed : dropped;
  const spooled = s[S_SPOOLED] as number;
  return {
    emitted,
    exported,
    written,
    dropped,
    droppedBy,
    spilled: s[S_SPILLED] as number,
    queued: emitted - delivered - settledDrops - sampledOut - spooled,
    spooled,
    rotatedOut: s[S_ROTATED_OUT] as number,
    queuedBytes,
    invalidFields: s[S_INVALID] as number,
    redacted: s[S_REDACTED] as number,
    sampledOut,
    restored: s[S_RESTORED] as number,
  };
}
