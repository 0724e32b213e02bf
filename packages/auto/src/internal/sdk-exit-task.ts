/**
 * The bootstrap's SDK as a task of the logger's exit registry: how the SDK's spans, log records and
 * metrics reach the collector, or the exit spool, however the process ends.
 *
 * - flush (an awaited `logger.flush()` / `shutdown()`, a signal the app handles itself): the span and
 *   log batches and the meter provider are flushed; resolves false at once when the endpoint refuses
 *   connections (nothing to wait for: what is held is spooled at the end).
 * - shutdown (the loop ran dry, a signal): when the endpoint refuses connections, everything held (and a
 *   last metric collection) is spooled at once and the process is not held up by exporters retrying;
 *   otherwise the SDK is shut down (everything exported), within the registry's bound.
 * - exitSync (`process.exit()`, an uncaught exception, the end of a signal): what is still held is
 *   spooled: queued items as requests that never left, batches in flight as `unsure` ones, the last
 *   unacknowledged metric collection.
 */
import { metrics } from '@opentelemetry/api';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { ABANDONED, endpointRefuses, exitRegistry } from '@tracebridge/logger/internal';
import type { ExitTask, SpoolConfig } from '@tracebridge/logger/internal';
import type { HandOver } from './exit-safe-batch.js';
import { spoolMetrics } from './last-collection-exporter.js';
import type { OtlpMetrics, SpooledBatch } from './processors-from-env.js';

/** What the task works on. */
export interface SdkParts {
  shutdownSdk(): Promise<void>;
  spans: Array<SpooledBatch<ReadableSpan>>;
  logs: Array<SpooledBatch<ReadableLogRecord>>;
  metrics: OtlpMetrics | undefined;
  spool: SpoolConfig | undefined;
  timeoutMillis: number;
}

/** The longest a refusal probe may take before the endpoint counts as "answering, maybe slowly". */
const PROBE_MS = 500;
/** A flush still waiting after this long asks whether the endpoint refuses connections. */
const PROBE_AFTER_MS = 100;

export function sdkExitTask(parts: SdkParts): ExitTask {
  const endpoints = (): string[] => {
    const urls = new Set<string>();
    for (const b of [...parts.spans, ...parts.logs]) urls.add(b.url);
    if (parts.metrics !== undefined) urls.add(parts.metrics.url);
    return Array.from(urls);
  };
  /** Resolves true once any endpoint refuses connections; never when all answer. */
  const refusal = (): Promise<true> =>
    new Promise((resolve) => {
      for (const url of endpoints()) void endpointRefuses(url, PROBE_MS).then((refused) => refused && resolve(true));
    });
  const anyRefuses = async (): Promise<boolean> => (await Promise.all(endpoints().map((u) => endpointRefuses(u, PROBE_MS)))).some(Boolean);

  const note = (what: string, url: string | undefined, r: HandOver, dropped = 0): void => {
    const lost = r.lost + dropped;
    if (r.spooled === 0 && lost === 0) return;
    exitRegistry().undelivered?.({ what, spooled: r.spooled, lost, ...(parts.spool === undefined ? {} : { dir: parts.spool.dir }), ...(url === undefined ? {} : { url }) });
  };
  const handOverAll = (refused: boolean): void => {
    for (const [what, list] of [
      ['spans', parts.spans],
      ['log records', parts.logs],
    ] as const) {
      for (const { batch, url } of list as Array<SpooledBatch<unknown>>) {
        const dropped = batch.dropped;
        batch.dropped = 0;
        note(what, url, batch.handOver(refused), dropped);
      }
    }
    if (parts.metrics !== undefined) note('metric points', parts.metrics.url, parts.metrics.exporter.handOver(refused));
  };

  return {
    name: '@tracebridge/auto (OpenTelemetry SDK)',
    timeoutMillis: parts.timeoutMillis,
    // No pending(): the registry then shuts the SDK down when the loop runs dry, which also gives the
    // metric reader its last collection and export.
    async flush() {
      const flushed = Promise.all([
        ...parts.spans.map((b) => b.batch.flush()),
        ...parts.logs.map((b) => b.batch.flush()),
        (metrics.getMeterProvider() as { forceFlush?: () => Promise<void> }).forceFlush?.(),
      ]).then(
        () => true,
        () => false,
      );
      // Asked only of a flush that did not finish at once: one TCP connect, not one per flush.
      let timer: NodeJS.Timeout | undefined;
      const refused = new Promise<false>((resolve) => {
        timer = setTimeout(() => void refusal().then(() => resolve(false)), PROBE_AFTER_MS);
        timer.unref();
      });
      try {
        return await Promise.race([flushed, refused]);
      } finally {
        clearTimeout(timer);
      }
    },
    async shutdown() {
      if (!(await anyRefuses())) {
        await parts.shutdownSdk();
        return true;
      }
      // Nothing listens: waiting would only let the exporters retry for their whole timeout. The last
      // metric collection is taken now (no network), and everything goes to the spool.
      if (parts.metrics !== undefined) {
        try {
          const { resourceMetrics } = await parts.metrics.reader.collect({ timeoutMillis: PROBE_MS });
          note('metric points', parts.metrics.url, spoolMetrics(resourceMetrics, parts.metrics.spool, false));
          parts.metrics.exporter.forget();
        } catch {
          // no collection: the unacknowledged one, if any, is handed over below
        }
      }
      handOverAll(true);
      return ABANDONED;
    },
    exitSync() {
      handOverAll(false);
    },
  };
}
