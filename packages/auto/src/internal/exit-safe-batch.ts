/**
 * The batching behind the bootstrap's span and log-record processors (exit-safe-processors.ts): the
 * SDK's batch processors' behaviour (queue, batch size, schedule delay, export timeout, the `OTEL_BSP_*`
 * and `OTEL_BLRP_*` settings), with what they lack for an agent that ends abruptly:
 *
 * - the queue and the batches in flight are ours, so at `process.exit()`, an uncaught exception or the
 *   end of a signal, {@link ExitSafeBatch.handOver} writes them synchronously to the exit spool as OTLP
 *   requests (the serializers of `@opentelemetry/otlp-transformer` are synchronous), instead of losing
 *   them with the event loop;
 * - a batch whose export failed (the exporter's own retries exhausted: a collector down for longer than
 *   its timeout) goes back to the head of the queue and is tried again later, instead of being dropped;
 *   only a full queue drops, and counts.
 */
import { context } from '@opentelemetry/api';
import { ExportResultCode, suppressTracing } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { writeSpool } from '@tracebridge/logger/internal';
import type { SpoolConfig, SpoolSignal } from '@tracebridge/logger/internal';

/** What the batch exports through: an OTLP span or log-record exporter. */
export interface BatchExporter<T> {
  export(items: T[], done: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
}

/** Options of {@link ExitSafeBatch}. */
export interface ExitSafeBatchOptions<T> {
  exporter: BatchExporter<T>;
  maxQueueSize: number;
  maxExportBatchSize: number;
  scheduledDelayMillis: number;
  exportTimeoutMillis: number;
  /** One OTLP request body of the items (protobuf), for the spool. */
  serialize(items: T[]): Uint8Array | undefined;
  /** Where to spool, or undefined (spool off, or an exporter the spool cannot stand in for: gRPC). */
  spool: { config: SpoolConfig; url: string; signal: SpoolSignal } | undefined;
  /** Items resolved before export (a resource's asynchronous attributes), when the SDK needs it. */
  prepare?(items: T[]): Promise<void>;
}

/** What {@link ExitSafeBatch.handOver} did. */
export interface HandOver {
  spooled: number;
  lost: number;
}

/** First wait before a failed batch is tried again; doubles up to {@link MAX_RETRY_MS}. */
const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

export class ExitSafeBatch<T> {
  private queue: T[] = [];
  /** Batches handed to the exporter and not yet answered. */
  private readonly inFlight = new Set<T[]>();
  private timer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs = 0;
  private idleWaiters: Array<() => void> = [];
  private stopped = false;
  /** Items dropped because the queue was full. */
  dropped = 0;

  constructor(private readonly options: ExitSafeBatchOptions<T>) {}

  /** Items queued or in flight. */
  held(): number {
    let n = this.queue.length;
    for (const b of this.inFlight) n += b.length;
    return n;
  }

  add(item: T): void {
    if (this.stopped) return;
    if (this.queue.length >= this.options.maxQueueSize) {
      this.dropped++;
      return;
    }
    this.queue.push(item);
    if (this.queue.length >= this.options.maxExportBatchSize) this.pump(false);
    else if (this.timer === undefined && this.retryTimer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.pump(true);
      }, this.options.scheduledDelayMillis);
      // As the SDK's: the schedule must not keep an agent alive; the exit hooks flush instead.
      this.timer.unref();
    }
  }

  /** Starts exports while batches are ready (one in flight at a time, as the SDK does). */
  private pump(partial: boolean): void {
    if (this.retryTimer !== undefined) return;
    while (this.inFlight.size === 0 && this.queue.length > 0) {
      if (!partial && this.queue.length < this.options.maxExportBatchSize) break;
      this.exportBatch(this.queue.splice(0, this.options.maxExportBatchSize));
    }
    this.notifyIdle();
  }

  private exportBatch(batch: T[]): void {
    this.inFlight.add(batch);
    let settled = false;
    const done = (result: ExportResult): void => {
      clearTimeout(timeout);
      // A batch handed over to the spool is no longer ours: its late answer changes nothing.
      if (settled || !this.inFlight.delete(batch)) return;
      settled = true;
      if (result.code === ExportResultCode.SUCCESS) this.retryMs = 0;
      else if (!this.stopped) {
        // Back at the head, in order; beyond the queue's bound the newest wait their turn no more.
        this.queue.unshift(...batch);
        const over = this.queue.length - this.options.maxQueueSize;
        if (over > 0) {
          this.queue.splice(this.queue.length - over, over);
          this.dropped += over;
        }
        this.retryMs = this.idleWaiters.length > 0 || this.retryMs === 0 ? FIRST_RETRY_MS : Math.min(this.retryMs * 2, MAX_RETRY_MS);
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          this.pump(true);
        }, this.retryMs);
        this.retryTimer.unref();
      }
      if (this.retryTimer === undefined) this.pump(this.queue.length > 0 && this.timer === undefined);
      this.notifyIdle();
    };
    const timeout = setTimeout(() => done({ code: ExportResultCode.FAILED, error: new Error('export timed out') }), this.options.exportTimeoutMillis);
    timeout.unref();
    const send = (): void => {
      // The exporter's own HTTP request must not become a span (or a log record) of the app.
      context.with(suppressTracing(context.active()), () => {
        try {
          this.options.exporter.export(batch, done);
        } catch (err) {
          done({ code: ExportResultCode.FAILED, error: err as Error });
        }
      });
    };
    if (this.options.prepare === undefined) send();
    else this.options.prepare(batch).then(send, send);
  }

  private notifyIdle(): void {
    if (this.idleWaiters.length > 0 && this.queue.length === 0 && this.inFlight.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** Exports everything held now; resolves once nothing is queued or in flight (never while the collector stays down). */
  flush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.retryTimer !== undefined) {
      // A flush is a good moment to try again rather than after the backoff.
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
    }
    if (this.queue.length === 0 && this.inFlight.size === 0) return Promise.resolve();
    const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    this.pump(true);
    return idle;
  }

  /** Flushes, then stops taking items and shuts the exporter down. */
  async shutdown(): Promise<void> {
    await this.flush();
    this.stopped = true;
    await this.options.exporter.shutdown().catch(() => undefined);
  }

  /**
   * Synchronously writes everything held to the exit spool and forgets it: the queue as requests that
   * never left (delivered exactly once), the batches in flight as `unsure` ones (the collector may have
   * taken them before the process ended), unless `refused` says no connection was ever made. What the
   * spool cannot take is lost, and counted.
   */
  handOver(refused = false): HandOver {
    const out: HandOver = { spooled: 0, lost: 0 };
    const inFlight = Array.from(this.inFlight);
    this.inFlight.clear();
    const queued = this.queue;
    this.queue = [];
    for (const t of [this.timer, this.retryTimer]) if (t !== undefined) clearTimeout(t);
    this.timer = undefined;
    this.retryTimer = undefined;
    const write = (items: T[], unsure: boolean): void => {
      const spool = this.options.spool;
      let ok = false;
      if (spool !== undefined && items.length > 0) {
        try {
          const body = this.options.serialize(items);
          ok = body !== undefined && writeSpool(spool.config, { url: spool.url, signal: spool.signal, records: items.length, unsure, contentType: 'application/x-protobuf' }, body);
        } catch {
          ok = false;
        }
      }
      if (ok) out.spooled += items.length;
      else out.lost += items.length;
    };
    for (const batch of inFlight) write(batch, !refused);
    const size = this.options.maxExportBatchSize;
    for (let i = 0; i < queued.length; i += size) write(queued.slice(i, i + size), false);
    this.notifyIdle();
    return out;
  }
}
