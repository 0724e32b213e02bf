import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type { Context, HrTime } from '@opentelemetry/api';
import type { Logger as SdkLogger } from '@opentelemetry/api-logs';
import type { LoggerProvider, LogRecordExporter, LogRecordProcessor, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { ATTR_LOG_RECORD_UID } from '@tracebridge/schema';
import type { MappedRecord } from '@tracebridge/schema';
import { BoundedBatchProcessor } from './bounded-batch-processor.js';
import type { RecordLimits } from './otlp-log-encoding.js';
import type { HeldRequest, HeldRequests, OtlpRoute, OtlpRouteHooks } from './otlp-route.js';
import { otelResources, otlpTransformer, sdkLogs } from './sdk-modules.js';

/** Records of one spooled request (the export batch size the SDK would use). */
const SPOOL_REQUEST_RECORDS = 2048;
import { uuidv7 } from './uuidv7.js';

/** Options of {@link SdkOtlpRoute}. */
export interface SdkOtlpRouteOptions {
  exporter: LogRecordExporter;
  /** Run before the batch processor, in order. */
  processors: LogRecordProcessor[];
  resource: Readonly<Record<string, unknown>>;
  limits: RecordLimits;
  maxQueueRecords: number;
  maxExportBatchSize: number;
  scheduleDelayMillis: number;
}

/**
 * The OTLP route through the OpenTelemetry logs SDK (`LoggerProvider` → processors → exporter): for
 * custom processors or an exporter (`thread: false`), which see SDK records, and for `http/json`.
 */
export class SdkOtlpRoute implements OtlpRoute {
  private readonly provider: LoggerProvider;
  private readonly batch: BoundedBatchProcessor;
  private readonly scopes = new Map<string, SdkLogger>();

  constructor(options: SdkOtlpRouteOptions, hooks: OtlpRouteHooks) {
    this.batch = new BoundedBatchProcessor({
      exporter: options.exporter,
      maxQueueRecords: options.maxQueueRecords,
      maxExportBatchSize: options.maxExportBatchSize,
      scheduleDelayMillis: options.scheduleDelayMillis,
      onExported: (n) => hooks.onExported(n),
      onDropped: (reason, n) => hooks.onDropped(reason, n),
    });
    const limits: { attributeCountLimit: number; attributeValueLengthLimit?: number } = { attributeCountLimit: options.limits.attributeCountLimit };
    if (options.limits.attributeValueLengthLimit !== undefined) limits.attributeValueLengthLimit = options.limits.attributeValueLengthLimit;
    const { resourceFromAttributes } = otelResources();
    this.provider = new (sdkLogs().LoggerProvider)({
      resource: resourceFromAttributes(options.resource as Parameters<typeof resourceFromAttributes>[0]),
      logRecordLimits: limits,
      processors: [...options.processors, this.batch],
    });
  }

  emit(mapped: MappedRecord, seconds: number, nanos: number, uidMillis?: number): void {
    if (uidMillis !== undefined) mapped.attributes[ATTR_LOG_RECORD_UID] = uuidv7(uidMillis);
    let logger = this.scopes.get(mapped.scope);
    if (logger === undefined) {
      logger = this.provider.getLogger(mapped.scope);
      this.scopes.set(mapped.scope, logger);
    }
    const emit: Parameters<SdkLogger['emit']>[0] = {
      timestamp: [seconds, nanos],
      observedTimestamp: this.observed(),
      attributes: mapped.attributes,
      context: this.contextFor(mapped.traceId, mapped.spanId, mapped.flags ?? 0),
    };
    if (mapped.severityNumber !== undefined) emit.severityNumber = mapped.severityNumber;
    if (mapped.severityText !== undefined) emit.severityText = mapped.severityText;
    if (mapped.body !== undefined) emit.body = mapped.body;
    logger.emit(emit);
  }

  private lastContext: Context = ROOT_CONTEXT;
  private lastTraceId: string | undefined;
  private lastSpanId: string | undefined;
  private lastFlags = 0;

  /** The SDK reads trace ids from a Context: consecutive records of one span share one. */
  private contextFor(traceId: string | undefined, spanId: string | undefined, flags: number): Context {
    if (traceId === undefined || spanId === undefined) return ROOT_CONTEXT;
    if (traceId !== this.lastTraceId || spanId !== this.lastSpanId || flags !== this.lastFlags) {
      this.lastContext = trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId, traceFlags: flags });
      this.lastTraceId = traceId;
      this.lastSpanId = spanId;
      this.lastFlags = flags;
    }
    return this.lastContext;
  }

  private observedAt = 0;
  private observedTime: HrTime = [0, 0];

  /** When the bridge saw the record: one clock read per millisecond is precise enough. */
  private observed(): HrTime {
    const now = Date.now();
    if (now !== this.observedAt) {
      this.observedAt = now;
      this.observedTime = [Math.floor(now / 1000), (now % 1000) * 1_000_000];
    }
    return this.observedTime;
  }

  startReading(): void {}

  hasRoom(): boolean {
    return this.batch.hasRoom();
  }

  waitForRoom(): Promise<void> {
    return this.batch.waitForRoom();
  }

  sendNow(): void {
    this.batch.sendNow();
  }

  held(): number {
    return this.batch.held;
  }

  flush(): Promise<void> {
    return this.batch.forceFlush();
  }

  handOver(): HeldRequests {
    const { queued, inFlight } = this.batch.handOver();
    const { ProtobufLogsSerializer } = otlpTransformer();
    const requests = (records: ReadableLogRecord[]): HeldRequest[] => {
      const out: HeldRequest[] = [];
      for (let i = 0; i < records.length; i += SPOOL_REQUEST_RECORDS) {
        const part = records.slice(i, i + SPOOL_REQUEST_RECORDS);
        const body = ProtobufLogsSerializer.serializeRequest(part);
        if (body !== undefined) out.push({ body, records: part.length });
      }
      return out;
    };
    return { queued: requests(queued.flat()), inFlight: inFlight.flatMap(requests) };
  }

  abandon(): number {
    return this.batch.abandon();
  }

  async close(): Promise<void> {
    await this.provider.shutdown().catch(() => undefined);
  }
}
