import type { Context } from '@opentelemetry/api';
import type { LogRecordExporter, LogRecordProcessor, ReadableLogRecord, SdkLogRecord } from '@opentelemetry/sdk-logs';
import { BoundedExportQueue } from './bounded-export-queue.js';

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

/**
 * The SDK route's batch processor (custom processors or exporter, `http/json`): the SDK's records in a
 * {@link BoundedExportQueue}, which bounds them, retries and counts every loss.
 */
export class BoundedBatchProcessor implements LogRecordProcessor {
  private readonly queue: BoundedExportQueue<ReadableLogRecord[]>;

  constructor(private readonly options: BoundedBatchProcessorOptions) {
    const { exporter, ...limits } = options;
    this.queue = new BoundedExportQueue<ReadableLogRecord[]>({
      ...limits,
      newBatch: () => [],
      send: (batch, _count, done) => exporter.export(batch, done),
    });
  }

  /** Records queued or being exported. */
  get held(): number {
    return this.queue.held;
  }

  /** True when `n` more records fit. */
  hasRoom(n = 1): boolean {
    return this.queue.hasRoom(n);
  }

  /** Resolves when at least half the queue is free again. */
  waitForRoom(): Promise<void> {
    return this.queue.waitForRoom();
  }

  /** Starts sending what waits for the batch delay, as far as the in-flight limit allows. */
  sendNow(): void {
    this.queue.sendNow();
  }

  onEmit(record: SdkLogRecord, _context?: Context): void {
    const batch = this.queue.batchForNext();
    if (batch === undefined) return;
    batch.push(record);
    this.queue.added();
  }

  /** Exports everything held; resolves when nothing is queued or in flight (or never, if the collector stays down). */
  forceFlush(): Promise<void> {
    return this.queue.forceFlush();
  }

  /** Stops accepting records, gives up what is still held (call `abandon()` first to count it). */
  async shutdown(): Promise<void> {
    this.queue.abandon();
    await this.options.exporter.shutdown().catch(() => undefined);
  }

  /** Takes everything held out of the processor as batches of records, for the exit spool (BoundedExportQueue.handOver). */
  handOver(): { queued: ReadableLogRecord[][]; inFlight: ReadableLogRecord[][] } {
    const { queued, inFlight } = this.queue.handOver();
    return { queued: queued.map((s) => s.batch), inFlight: inFlight.map((s) => s.batch) };
  }

  /** Gives up on everything held, counting it; returns how many records that was. */
  abandon(): number {
    return this.queue.abandon();
  }
}
