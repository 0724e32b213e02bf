import type { MappedRecord } from '@tracebridge/schema';
import { BoundedExportQueue } from './bounded-export-queue.js';
import { LogBatch, encodeResourceField, nanosFixed64 } from './otlp-log-encoding.js';
import type { LogRecordFields, RecordLimits } from './otlp-log-encoding.js';
import { protobufLogBatchExporter } from './otlp-log-transport.js';
import type { LogBatchExporter } from './otlp-log-transport.js';
import type { HeldRequest, HeldRequests, OtlpRoute, OtlpRouteHooks } from './otlp-route.js';
import type { Sealed } from './bounded-export-queue.js';

/** In a run of records read without pause, one clock read for this many (a few tens of microseconds). */
const OBSERVE_EVERY = 16;

/** The most a batch's writer starts with (a batch grows past it if it must). */
const MAX_BATCH_HINT = 16 * 1024 * 1024;

/** Options of {@link ProtobufOtlpRoute}. */
export interface ProtobufOtlpRouteOptions {
  url: string;
  headers: Record<string, string>;
  exportTimeoutMillis: number;
  /** The resource every record is sent under (the SDK route's: the agent resource and `telemetry.sdk.*`). */
  resource: Readonly<Record<string, unknown>>;
  limits: RecordLimits;
  maxQueueRecords: number;
  maxExportBatchSize: number;
  scheduleDelayMillis: number;
  /** Replaces the HTTP exporter (tests). */
  exporter?: LogBatchExporter;
}

/**
 * The default OTLP route: each record is written as an OTLP LogRecord once, when it is accepted, into
 * the batch it will be sent in (otlp-log-encoding.ts), and batches go out through the SDK exporter's
 * own transport (otlp-log-transport.ts). No SDK LogRecord, no intermediate objects: a held record is
 * its bytes. Decodes to what the SDK route sends.
 */
export class ProtobufOtlpRoute implements OtlpRoute {
  private readonly queue: BoundedExportQueue<LogBatch>;
  private readonly exporter: LogBatchExporter;
  private readonly limits: RecordLimits;
  /** Scope fields, encoded once per scope name. */
  private readonly scopeFields = new Map<string, Buffer>();
  /** The record being written: one object for all. */
  private readonly fields: LogRecordFields = { seconds: 0, nanos: 0, attributes: {} };

  /** The resource every request is sent under, encoded once. */
  private readonly resourceField: Buffer;
  /** Bytes of the last batch sent: the size the next one starts with. */
  private batchBytes = 16 * 1024;

  constructor(options: ProtobufOtlpRouteOptions, hooks: OtlpRouteHooks) {
    this.limits = options.limits;
    this.resourceField = encodeResourceField(options.resource);
    this.exporter =
      options.exporter ??
      protobufLogBatchExporter({
        url: options.url,
        headers: options.headers,
        timeoutMillis: options.exportTimeoutMillis,
        resourceField: this.resourceField,
      });
    const exporter = this.exporter;
    this.queue = new BoundedExportQueue<LogBatch>({
      newBatch: () => new LogBatch(this.scopeFields, this.resourceField, this.batchBytes),
      send: (batch, _count, done) => {
        // The next batch's writer starts at this one's size: no growing (and copying) on the way.
        this.batchBytes = Math.min(MAX_BATCH_HINT, Math.max(16 * 1024, Math.ceil(batch.bytes * 1.1)));
        exporter.export(batch, done);
      },
      maxQueueRecords: options.maxQueueRecords,
      maxExportBatchSize: options.maxExportBatchSize,
      scheduleDelayMillis: options.scheduleDelayMillis,
      onExported: (n) => hooks.onExported(n),
      onDropped: (reason, n) => hooks.onDropped(reason, n),
    });
  }

  emit(mapped: MappedRecord, seconds: number, nanos: number, uidMillis?: number): void {
    const batch = this.queue.batchForNext();
    if (batch === undefined) return;
    const f = this.fields;
    f.seconds = seconds;
    f.nanos = nanos;
    f.severityNumber = mapped.severityNumber;
    f.severityText = mapped.severityText;
    f.body = mapped.body;
    f.attributes = mapped.attributes;
    f.traceId = mapped.traceId;
    f.spanId = mapped.spanId;
    f.flags = mapped.flags;
    f.uidMillis = uidMillis;
    this.observe();
    batch.add(mapped.scope, f, this.observedLow, this.observedHigh, this.limits);
    this.queue.added();
  }

  private observedAt = -1;
  private observedLow = 0;
  private observedHigh = 0;
  /** Records until the clock is read again, when the reader said it reads in runs ({@link startReading}). */
  private observeCountdown = 0;
  private inRuns = false;

  /**
   * The reader (the export worker) starts a run of records read without pause: the next record reads
   * the clock, then one in {@link OBSERVE_EVERY}. Reading it per record cost about 2 % of the worker.
   */
  startReading(): void {
    this.inRuns = true;
    this.observeCountdown = 0;
  }

  /** When the bridge saw the record: one clock read per millisecond is precise enough. */
  private observe(): void {
    if (this.inRuns && --this.observeCountdown > 0) return;
    this.observeCountdown = OBSERVE_EVERY;
    const now = Date.now();
    if (now === this.observedAt) return;
    this.observedAt = now;
    [this.observedLow, this.observedHigh] = nanosFixed64(Math.floor(now / 1000), (now % 1000) * 1_000_000);
  }

  hasRoom(): boolean {
    return this.queue.hasRoom();
  }

  waitForRoom(): Promise<void> {
    return this.queue.waitForRoom();
  }

  sendNow(): void {
    this.queue.sendNow();
  }

  held(): number {
    return this.queue.held;
  }

  flush(): Promise<void> {
    return this.queue.forceFlush();
  }

  handOver(): HeldRequests {
    const { queued, inFlight } = this.queue.handOver();
    const request = (s: Sealed<LogBatch>): HeldRequest => ({ body: s.batch.encodeRequest(this.resourceField), records: s.count });
    return { queued: queued.map(request), inFlight: inFlight.map(request) };
  }

  abandon(): number {
    return this.queue.abandon();
  }

  async close(): Promise<void> {
    this.queue.abandon();
    await this.exporter.shutdown().catch(() => undefined);
  }
}
