import { diag } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import type { LogRecordExporter, LogRecordProcessor, ReadableLogRecord, SdkLogRecord } from '@opentelemetry/sdk-logs';

/** Options of {@link BoundedBatchProcessor}. */
export interface BoundedBatchProcessorOptions {
  exporter: LogRecordExporter;
  /** Records held at most; beyond it `onEmit` drops and counts. */
  maxQueueRecords: number;
  maxExportBatchSize: number;
  scheduleDelayMillis: number;
  /** How many export requests may be in flight at once. */
  maxInFlight?: number;
  /** Called with the number of records the receiver acknowledged. */
  onExported?: (count: number) => void;
  /** Called when records are given up, with why. */
  onDropped?: (reason: 'queue_full' | 'export_failed', count: number) => void;
}

/** First retry delay after a failed export; doubles up to {@link MAX_BACKOFF_MS}. */
const FIRST_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;

/**
 * A batch processor that never loses records silently and never gives up on a collector that is only
 * down. The SDK's BatchLogRecordProcessor drops new records when its queue is full (counted only in an
 * internal metric) and drops a batch after its exporter's retries; this one reports every drop, keeps a
 * failed batch and retries it with backoff for as long as the failure is retryable (network, 429, 5xx),
 * and tells its feeder when it has room so back-pressure reaches the caller's queue instead of memory.
 */
export class BoundedBatchProcessor implements LogRecordProcessor {
  private queue: ReadableLogRecord[] = [];
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private backoffMs = 0;
  private backoffTimer: NodeJS.Timeout | undefined;
  private roomWaiters: Array<() => void> = [];
  private idleWaiters: Array<() => void> = [];
  private stopped = false;
  private readonly maxInFlight: number;
  private warnedNonRetryable = false;

  constructor(private readonly options: BoundedBatchProcessorOptions) {
    this.maxInFlight = options.maxInFlight ?? 2;
  }

  /** Records queued or being exported. */
  get held(): number {
    return this.queue.length + this.inFlightRecords;
  }

  private inFlightRecords = 0;
  /** The batches being exported, for {@link handOver}. */
  private readonly inFlightBatches = new Set<ReadableLogRecord[]>();
  private generation = 0;

  /** True when `n` more records fit. */
  hasRoom(n = 1): boolean {
    return this.queue.length + n <= this.options.maxQueueRecords;
  }

  /** Resolves when at least half the queue is free again. */
  waitForRoom(): Promise<void> {
    if (this.queue.length <= this.options.maxQueueRecords / 2) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  onEmit(record: SdkLogRecord, _context?: Context): void {
    if (this.stopped || this.queue.length >= this.options.maxQueueRecords) {
      this.options.onDropped?.('queue_full', 1);
      return;
    }
    this.queue.push(record);
    if (this.queue.length >= this.options.maxExportBatchSize) this.pump();
    else if (this.timer === undefined && this.backoffTimer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.pump(true);
      }, this.options.scheduleDelayMillis);
      this.timer.unref();
    }
  }

  /** Starts exports while batches are ready and the in-flight limit allows. */
  private pump(partial = false): void {
    if (this.backoffTimer !== undefined) return;
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      if (!partial && this.queue.length < this.options.maxExportBatchSize) break;
      const batch = this.queue.splice(0, this.options.maxExportBatchSize);
      this.exportBatch(batch);
    }
    this.notifyRoom();
  }

  private exportBatch(batch: ReadableLogRecord[]): void {
    this.inFlight++;
    this.inFlightRecords += batch.length;
    this.inFlightBatches.add(batch);
    let settled = false;
    const generation = this.generation;
    const done = (result: ExportResult): void => {
      // A batch abandoned at shutdown was already counted as lost: its late result changes nothing.
      if (settled || generation !== this.generation) return;
      settled = true;
      this.inFlightBatches.delete(batch);
      this.inFlight--;
      this.inFlightRecords -= batch.length;
      if (result.code === ExportResultCode.SUCCESS) {
        this.backoffMs = 0;
        this.options.onExported?.(batch.length);
      } else if (this.stopped || !isRetryable(result.error)) {
        if (!this.stopped && !this.warnedNonRetryable) {
          this.warnedNonRetryable = true;
          diag.warn(`tracebridge: the collector refused a batch of logs for good (${describe(result.error)}); such batches are dropped and counted`);
        }
        this.options.onDropped?.('export_failed', batch.length);
      } else {
        // Keep the batch, in order, and wait before the next attempt.
        this.queue.unshift(...batch);
        // While someone waits in forceFlush (a flush, a shutdown) retry promptly: their deadline, not
        // the backoff, bounds the wait.
        this.backoffMs =
          this.idleWaiters.length > 0 || this.backoffMs === 0 ? FIRST_BACKOFF_MS : Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
        this.scheduleRetry();
      }
      if (this.backoffTimer === undefined) this.pump(this.queue.length > 0 && this.timer === undefined);
      this.notifyIdle();
    };
    try {
      this.options.exporter.export(batch, done);
    } catch (err) {
      done({ code: ExportResultCode.FAILED, error: err as Error });
    }
  }

  private scheduleRetry(): void {
    if (this.backoffTimer !== undefined) return;
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = undefined;
      this.pump(true);
    }, this.backoffMs);
    this.backoffTimer.unref();
  }

  private notifyRoom(): void {
    if (this.roomWaiters.length > 0 && this.queue.length <= this.options.maxQueueRecords / 2) {
      const waiters = this.roomWaiters;
      this.roomWaiters = [];
      for (const w of waiters) w();
    }
  }

  private notifyIdle(): void {
    if (this.idleWaiters.length > 0 && this.queue.length === 0 && this.inFlight === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** Exports everything held; resolves when nothing is queued or in flight (or never, if the collector stays down). */
  async forceFlush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.backoffTimer !== undefined) {
      // A flush is a good moment to try again now rather than after the backoff.
      clearTimeout(this.backoffTimer);
      this.backoffTimer = undefined;
    }
    if (this.queue.length === 0 && this.inFlight === 0) return;
    const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    this.pump(true);
    await idle;
  }

  /** Stops accepting records, gives up what is still held (call `abandon()` first to count it). */
  async shutdown(): Promise<void> {
    this.abandon();
    await this.options.exporter.shutdown().catch(() => undefined);
  }

  /**
   * Takes everything held out of the processor, the batches in flight apart (their late answers are
   * ignored): for the exit spool, which writes them as requests for later delivery. The processor goes on
   * taking records.
   */
  handOver(): { queued: ReadableLogRecord[]; inFlight: ReadableLogRecord[][] } {
    this.generation++;
    for (const t of [this.timer, this.backoffTimer]) if (t !== undefined) clearTimeout(t);
    this.timer = undefined;
    this.backoffTimer = undefined;
    const out = { queued: this.queue, inFlight: Array.from(this.inFlightBatches) };
    this.queue = [];
    this.inFlightBatches.clear();
    this.inFlight = 0;
    this.inFlightRecords = 0;
    this.notifyRoom();
    this.notifyIdle();
    return out;
  }

  /** Gives up on everything held, counting it; returns how many records that was. */
  abandon(): number {
    this.stopped = true;
    this.generation++;
    for (const t of [this.timer, this.backoffTimer]) if (t !== undefined) clearTimeout(t);
    this.timer = undefined;
    this.backoffTimer = undefined;
    const lost = this.queue.length + this.inFlightRecords;
    this.queue = [];
    this.inFlightBatches.clear();
    this.inFlight = 0;
    this.inFlightRecords = 0;
    for (const w of [...this.roomWaiters, ...this.idleWaiters]) w();
    this.roomWaiters = [];
    this.idleWaiters = [];
    return lost;
  }
}

/** The OTLP exporters put the HTTP status in `error.code`. */
function isRetryable(error: Error | undefined): boolean {
  const status = (error as { code?: unknown } | undefined)?.code;
  if (typeof status !== 'number') return true;
  return !(status >= 400 && status < 500 && status !== 408 && status !== 429);
}

function describe(error: Error | undefined): string {
  if (error === undefined) return 'no reason given';
  const status = (error as { code?: unknown }).code;
  return typeof status === 'number' ? `HTTP ${status}: ${error.message}` : error.message;
}
