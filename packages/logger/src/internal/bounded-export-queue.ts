import { diag } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';

/**
 * `ExportResultCode` of `@opentelemetry/core` (a numeric enum), without loading that package on the
 * calling thread, which never exports.
 */
const SUCCESS = 0;
const FAILED = 1;

/** Options of {@link BoundedExportQueue}. */
export interface BoundedExportQueueOptions<B> {
  /** An empty batch to add records to. */
  newBatch(): B;
  /** Sends one batch of `count` records; calls `done` once with the result. May throw. */
  send(batch: B, count: number, done: (result: ExportResult) => void): void;
  /** Records held at most; beyond it a record is dropped and counted. */
  maxQueueRecords: number;
  maxExportBatchSize: number;
  scheduleDelayMillis: number;
  /** How many export requests may be in flight at once. @default 2 */
  maxInFlight?: number;
  /** Called with the number of records the receiver acknowledged. */
  onExported?: (count: number) => void;
  /** Called when records are given up, with why. */
  onDropped?: (reason: 'queue_full' | 'export_failed', count: number) => void;
}

/** First retry delay after a failed export; doubles up to {@link MAX_BACKOFF_MS}. */
const FIRST_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;

/** A batch no longer taking records, and how many it holds. */
export interface Sealed<B> {
  batch: B;
  count: number;
}

/**
 * Batches on their way to the collector, whatever a batch holds (SDK log records, or records already
 * written as OTLP protobuf): one batch open for new records, sealed batches waiting, a few in flight.
 *
 * It never loses records silently and never gives up on a collector that is only down. The SDK's
 * BatchLogRecordProcessor drops new records when its queue is full (counted only in an internal
 * metric) and drops a batch after its exporter's retries; this reports every drop, keeps a failed batch
 * and retries it with backoff for as long as the failure is retryable (network, 429, 5xx), and tells
 * its feeder when it has room so back-pressure reaches the caller's queue instead of memory. No timer
 * runs while nothing is held.
 */
export class BoundedExportQueue<B> {
  private open: B | undefined;
  private openCount = 0;
  private sealed: Array<Sealed<B>> = [];
  private sealedCount = 0;
  private inFlight = 0;
  private inFlightRecords = 0;
  /** The batches being exported, for {@link handOver}. */
  private readonly inFlightBatches = new Set<Sealed<B>>();
  private timer: NodeJS.Timeout | undefined;
  private backoffMs = 0;
  private backoffTimer: NodeJS.Timeout | undefined;
  private roomWaiters: Array<() => void> = [];
  private idleWaiters: Array<() => void> = [];
  private stopped = false;
  private generation = 0;
  private readonly maxInFlight: number;
  private warnedNonRetryable = false;

  constructor(private readonly options: BoundedExportQueueOptions<B>) {
    this.maxInFlight = options.maxInFlight ?? 2;
  }

  /** Records waiting (not in flight). */
  get queued(): number {
    return this.openCount + this.sealedCount;
  }

  /** Records queued or being exported. */
  get held(): number {
    return this.queued + this.inFlightRecords;
  }

  /** True when `n` more records fit. */
  hasRoom(n = 1): boolean {
    return this.queued + n <= this.options.maxQueueRecords;
  }

  /** Resolves when at least half the queue is free again. */
  waitForRoom(): Promise<void> {
    if (this.queued <= this.options.maxQueueRecords / 2) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /**
   * The batch the next record goes into (call {@link added} once it is in), or undefined when the
   * queue is full or stopped: the record is dropped, and counted here.
   */
  batchForNext(): B | undefined {
    if (this.stopped || this.queued >= this.options.maxQueueRecords) {
      this.options.onDropped?.('queue_full', 1);
      return undefined;
    }
    if (this.open === undefined) this.open = this.options.newBatch();
    return this.open;
  }

  /** One record was added to the batch {@link batchForNext} gave. */
  added(): void {
    this.openCount++;
    if (this.openCount >= this.options.maxExportBatchSize) {
      this.seal();
      this.pump();
    } else if (this.timer === undefined && this.backoffTimer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.pump(true);
      }, this.options.scheduleDelayMillis);
      this.timer.unref();
    }
  }

  /** Starts sending what waits for the batch delay, as far as the in-flight limit allows. */
  sendNow(): void {
    if (this.queued > 0) this.pump(true);
  }

  private seal(): void {
    if (this.open === undefined || this.openCount === 0) return;
    this.sealed.push({ batch: this.open, count: this.openCount });
    this.sealedCount += this.openCount;
    this.open = undefined;
    this.openCount = 0;
  }

  /** Starts exports while batches are ready and the in-flight limit allows; `partial`: the open batch too. */
  private pump(partial = false): void {
    if (this.backoffTimer !== undefined) return;
    while (this.inFlight < this.maxInFlight) {
      if (this.sealed.length === 0) {
        if (!partial || this.openCount === 0) break;
        this.seal();
      }
      const next = this.sealed.shift() as Sealed<B>;
      this.sealedCount -= next.count;
      this.exportBatch(next);
    }
    if (this.timer !== undefined && this.openCount === 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.notifyRoom();
  }

  private exportBatch(entry: Sealed<B>): void {
    this.inFlight++;
    this.inFlightRecords += entry.count;
    this.inFlightBatches.add(entry);
    let settled = false;
    const generation = this.generation;
    const done = (result: ExportResult): void => {
      // A batch abandoned at shutdown was already counted as lost: its late result changes nothing.
      if (settled || generation !== this.generation) return;
      settled = true;
      this.inFlightBatches.delete(entry);
      this.inFlight--;
      this.inFlightRecords -= entry.count;
      if (result.code === SUCCESS) {
        this.backoffMs = 0;
        this.options.onExported?.(entry.count);
      } else if (this.stopped || !isRetryable(result.error)) {
        if (!this.stopped && !this.warnedNonRetryable) {
          this.warnedNonRetryable = true;
          diag.warn(`tracebridge: the collector refused a batch of logs for good (${describe(result.error)}); such batches are dropped and counted`);
        }
        this.options.onDropped?.('export_failed', entry.count);
      } else {
        // Keep the batch, in order, and wait before the next attempt.
        this.sealed.unshift(entry);
        this.sealedCount += entry.count;
        // While someone waits in forceFlush (a flush, a shutdown) retry promptly: their deadline, not
        // the backoff, bounds the wait.
        this.backoffMs =
          this.idleWaiters.length > 0 || this.backoffMs === 0 ? FIRST_BACKOFF_MS : Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
        this.scheduleRetry();
      }
      if (this.backoffTimer === undefined) this.pump(this.queued > 0 && this.timer === undefined);
      this.notifyIdle();
    };
    try {
      this.options.send(entry.batch, entry.count, done);
    } catch (err) {
      done({ code: FAILED, error: err as Error });
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
    if (this.roomWaiters.length > 0 && this.queued <= this.options.maxQueueRecords / 2) {
      const waiters = this.roomWaiters;
      this.roomWaiters = [];
      for (const w of waiters) w();
    }
  }

  private notifyIdle(): void {
    if (this.idleWaiters.length > 0 && this.queued === 0 && this.inFlight === 0) {
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
    if (this.queued === 0 && this.inFlight === 0) return;
    const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    this.pump(true);
    await idle;
  }

  /**
   * Takes everything held out of the queue, the batches in flight apart (their late answers are
   * ignored): for the exit spool, which writes them as requests for later delivery. The queue goes on
   * taking records.
   */
  handOver(): { queued: Array<Sealed<B>>; inFlight: Array<Sealed<B>> } {
    this.generation++;
    for (const t of [this.timer, this.backoffTimer]) if (t !== undefined) clearTimeout(t);
    this.timer = undefined;
    this.backoffTimer = undefined;
    this.seal();
    const out = { queued: this.sealed, inFlight: Array.from(this.inFlightBatches) };
    this.sealed = [];
    this.sealedCount = 0;
    this.inFlightBatches.clear();
    this.inFlight = 0;
    this.inFlightRecords = 0;
    this.notifyRoom();
    this.notifyIdle();
    return out;
  }

  /** Gives up on everything held and stops taking records; returns how many records that was. */
  abandon(): number {
    this.stopped = true;
    this.generation++;
    for (const t of [this.timer, this.backoffTimer]) if (t !== undefined) clearTimeout(t);
    this.timer = undefined;
    this.backoffTimer = undefined;
    const lost = this.held;
    this.open = undefined;
    this.openCount = 0;
    this.sealed = [];
    this.sealedCount = 0;
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
