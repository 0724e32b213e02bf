import { metrics } from '@opentelemetry/api';
import type { Histogram, MeterProvider } from '@opentelemetry/api';
import type { DropReason, LoggerStats } from '../types.js';

/** Name of the meter the logger's instruments belong to. */
const METER = '@tracebridge/logger';

let provider: MeterProvider | undefined;
let histogram: Histogram | undefined;

/**
 * The `tracebridge.operation.duration` histogram of `performance()` calls. Re-created when a
 * MeterProvider is registered after the first call: the metrics API hands out no-op instruments
 * until then and, unlike the trace API, has no proxy that would upgrade them.
 */
export function durationHistogram(): Histogram {
  const current = metrics.getMeterProvider();
  if (histogram === undefined || current !== provider) {
    provider = current;
    histogram = current.getMeter(METER).createHistogram('tracebridge.operation.duration', {
      description: 'Duration of operations logged with performance()',
      unit: 'ms',
    });
  }
  return histogram;
}

const sources = new Set<() => LoggerStats>();
let observedProvider: MeterProvider | undefined;

/**
 * What loggers already shut down had counted. `dropped` and `exported` are cumulative counters of the
 * process: if a logger's counts left them when it shut down, they would go down, which a backend reads
 * as a counter reset. And under `--import` the SDK's last collection runs at exit, often after the
 * logger's own exit hook has shut it down: its final counts (shutdown drops included) must still be in it.
 */
const retired: { droppedBy: Map<DropReason, number>; exported: number } = { droppedBy: new Map(), exported: 0 };

/**
 * Reports the logger's own health as metrics: records dropped (by reason) and queued. Observable
 * instruments read `stats()` at collection time, so the hot path pays nothing for them.
 */
export function observeStats(read: () => LoggerStats): void {
  sources.add(read);
  const current = metrics.getMeterProvider();
  if (current === observedProvider) return;
  observedProvider = current;
  const meter = current.getMeter(METER);
  meter
    .createObservableCounter('tracebridge.logger.dropped', { description: 'Log records dropped, by reason', unit: '{record}' })
    .addCallback((result) => {
      const totals = new Map<DropReason, number>(retired.droppedBy);
      for (const source of sources) {
        for (const [reason, n] of Object.entries(source().droppedBy) as Array<[DropReason, number]>) {
          totals.set(reason, (totals.get(reason) ?? 0) + n);
        }
      }
      for (const [reason, n] of totals) result.observe(n, { reason });
    });
  meter
    .createObservableGauge('tracebridge.logger.queue.size', { description: 'Log records waiting to be exported', unit: '{record}' })
    .addCallback((result) => {
      let queued = 0;
      for (const source of sources) queued += source().queued;
      result.observe(queued);
    });
  meter
    .createObservableCounter('tracebridge.logger.exported', { description: 'Log records acknowledged by the collector', unit: '{record}' })
    .addCallback((result) => {
      let exported = retired.exported;
      for (const source of sources) exported += source().exported;
      result.observe(exported);
    });
}

/** Stops observing a logger that shut down; its final counts stay in the process totals. */
export function unobserveStats(read: () => LoggerStats): void {
  if (!sources.delete(read)) return;
  try {
    const last = read();
    for (const [reason, n] of Object.entries(last.droppedBy) as Array<[DropReason, number]>) {
      retired.droppedBy.set(reason, (retired.droppedBy.get(reason) ?? 0) + n);
    }
    retired.exported += last.exported;
  } catch {
    // A transport that cannot report any more: its counts are lost, nothing else is.
  }
}
