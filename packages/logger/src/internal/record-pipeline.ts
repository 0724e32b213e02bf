import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type { Context, HrTime } from '@opentelemetry/api';
import type { Logger as SdkLogger } from '@opentelemetry/api-logs';
import { SDK_INFO } from '@opentelemetry/core';
import { OTLPLogExporter as JsonExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import type { LogRecordExporter, LogRecordProcessor, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { ATTR_GEN_AI_AGENT_ID, ATTR_LOG_RECORD_UID, OTLP_SENT_FIELD, mapRecord } from '@tracebridge/schema';
import type { Attributes, MappingOptions } from '@tracebridge/schema';
import type { OtlpProtocol, OutputMode } from '../types.js';
import { BoundedBatchProcessor } from './bounded-batch-processor.js';
import { JsonlSink } from './jsonl-sink.js';
import { isoMicros } from './clock.js';
import { callHrTime, toRecord } from './call.js';
import type { Call } from './call.js';
import { createRedactor } from './redact.js';
import { uuidv7 } from './uuidv7.js';
import type { RedactionConfig } from './redact.js';

/** Everything the export side needs, as plain data (it crosses into the worker). */
export interface PipelineConfig {
  output: OutputMode;
  /** The process's agent: the OTLP resource. */
  agentId: string;
  mapping: MappingOptions;
  resource: Attributes;
  endpoint: string;
  protocol: OtlpProtocol;
  headers: Record<string, string>;
  exportTimeoutMillis: number;
  maxExportBatchSize: number;
  scheduleDelayMillis: number;
  /** Records the batch processor may hold. */
  maxHeldRecords: number;
  attributeCountLimit: number;
  attributeValueLengthLimit?: number;
  jsonlPath: string;
  jsonlMaxBytes: number;
  jsonlMaxFiles: number;
  /** Secrets replaced before export, or false. */
  redaction: RedactionConfig | false;
  /** Add `log.record.uid` (UUIDv7) to every OTLP record. */
  recordUid: boolean;
  /** The exit spool (spool.ts) for what could not be exported before the end, or undefined (off). */
  spool?: { dir: string; maxBytes: number };
}

/** Counters the pipeline reports into. */
export interface PipelineHooks {
  onExported(count: number): void;
  onWritten(count: number): void;
  onDropped(reason: 'queue_full' | 'export_failed' | 'sink_failed' | 'shutdown_timeout', count: number): void;
  onInvalid(count: number): void;
  onRedacted(count: number): void;
  /** Lines in a JSON-lines file that rotation deleted (beyond `jsonlMaxFiles`): the collector may not have read them all. */
  onRotatedOut?(lines: number, file: string): void;
}

/**
 * Turns calls into records and records into OTLP (through the OpenTelemetry logs SDK: provider,
 * processors, exporter) and/or JSON lines. Runs in the export worker, or on the calling thread when the
 * logger is created with `thread: false`. Every record goes through the schema's one mapping.
 */
export class RecordPipeline {
  private readonly provider: LoggerProvider | undefined;
  private readonly batch: BoundedBatchProcessor | undefined;
  private readonly sink: JsonlSink | undefined;
  private readonly scopes = new Map<string, SdkLogger>();
  private readonly redact: ((record: Record<string, unknown>) => number) | undefined;

  constructor(
    private readonly config: PipelineConfig,
    private readonly hooks: PipelineHooks,
    custom: { exporter?: LogRecordExporter; processors?: LogRecordProcessor[] } = {},
  ) {
    if (config.redaction !== false) this.redact = createRedactor(config.redaction);
    if (config.output !== 'jsonl') {
      const exporter = custom.exporter ?? createExporter(config);
      this.batch = new BoundedBatchProcessor({
        exporter,
        maxQueueRecords: config.maxHeldRecords,
        maxExportBatchSize: config.maxExportBatchSize,
        scheduleDelayMillis: config.scheduleDelayMillis,
        onExported: (n) => hooks.onExported(n),
        onDropped: (reason, n) => hooks.onDropped(reason, n),
      });
      const limits: { attributeCountLimit: number; attributeValueLengthLimit?: number } = {
        attributeCountLimit: config.attributeCountLimit,
      };
      if (config.attributeValueLengthLimit !== undefined) limits.attributeValueLengthLimit = config.attributeValueLengthLimit;
      this.provider = new LoggerProvider({
        resource: resourceFromAttributes({ ...config.resource, ...SDK_INFO }),
        logRecordLimits: limits,
        processors: [...(custom.processors ?? []), this.batch],
      });
    }
    if (config.output !== 'otlp') {
      this.sink = new JsonlSink(
        { path: config.jsonlPath, maxBytes: config.jsonlMaxBytes, maxFiles: config.jsonlMaxFiles },
        (n) => hooks.onWritten(n),
        (n) => hooks.onDropped('sink_failed', n),
        (lines, file) => hooks.onRotatedOut?.(lines, file),
      );
    }
  }

  /**
   * One call: into a record, redacted, then to each output. The call object is read before anything
   * else runs (a processor or a value's toJSON may log, and the transport reuses the object).
   */
  accept(call: Call): void {
    const time = call.time;
    const agentId = call.who.agentId;
    const record = toRecord(call, false);
    if (this.redact !== undefined) {
      const n = this.redact(record);
      if (n > 0) this.hooks.onRedacted(n);
    }
    if (this.sink !== undefined) {
      // Output `both`: the line says that this record also goes over OTLP, so a collector that tails the
      // file and receives the OTLP stores it once (its file route drops marked lines; docs/mapping.md).
      const line = { timestamp: isoMicros(time), ...record };
      if (this.provider !== undefined) (line as Record<string, unknown>)[OTLP_SENT_FIELD] = true;
      this.sink.write(line);
    }
    if (this.provider === undefined) return;
    const mapped = mapRecord(record, this.config.mapping, this.config.resource);
    if (mapped.invalid.length > 0) this.hooks.onInvalid(mapped.invalid.length);
    // MAPPING.md: a logger writing for another agent than its process names that agent on the record.
    if (agentId !== this.config.agentId) mapped.attributes[ATTR_GEN_AI_AGENT_ID] = agentId;
    // One id per record, fixed before the first export attempt: a batch resent after a lost answer (a
    // collector killed mid-request) arrives twice, and the store tells the copies apart by it.
    if (this.config.recordUid) mapped.attributes[ATTR_LOG_RECORD_UID] = uuidv7(time);
    let logger = this.scopes.get(mapped.scope);
    if (logger === undefined) {
      logger = this.provider.getLogger(mapped.scope);
      this.scopes.set(mapped.scope, logger);
    }
    const emit: Parameters<SdkLogger['emit']>[0] = {
      timestamp: callHrTime(time),
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

  /** True when the OTLP side can take more records now. */
  hasRoom(): boolean {
    return this.batch === undefined || this.batch.hasRoom();
  }

  waitForRoom(): Promise<void> {
    return this.batch === undefined ? Promise.resolve() : this.batch.waitForRoom();
  }

  /** Records held by the OTLP side (queued or in flight). */
  held(): number {
    return this.batch?.held ?? 0;
  }

  /** Writes buffered lines and exports everything held. Does not resolve while the collector is down. */
  async flush(): Promise<void> {
    this.sink?.flush();
    if (this.batch !== undefined) await this.batch.forceFlush();
  }

  /** Flushes the file sink now (cheap; called on idle ticks). */
  flushSink(): void {
    this.sink?.flush();
  }

  /** Takes what the OTLP side holds out of it, for the exit spool (see BoundedBatchProcessor.handOver). */
  handOver(): { queued: ReadableLogRecord[]; inFlight: ReadableLogRecord[][] } {
    return this.batch?.handOver() ?? { queued: [], inFlight: [] };
  }

  /** Gives up whatever is still held and returns how many records that was (the caller counts them). */
  abandon(): number {
    this.sink?.close();
    return this.batch?.abandon() ?? 0;
  }

  /** Releases the exporter and files; call after {@link abandon}. May wait on a hanging connection. */
  async close(): Promise<void> {
    this.sink?.close();
    if (this.provider !== undefined) await this.provider.shutdown().catch(() => undefined);
  }
}

function createExporter(config: PipelineConfig): LogRecordExporter {
  return otlpExporter(config.endpoint, config.protocol, config.headers, config.exportTimeoutMillis);
}

/** The OTLP/HTTP logs exporter of the OpenTelemetry JS SDK for a protocol. */
export function otlpExporter(url: string, protocol: OtlpProtocol, headers: Record<string, string>, timeoutMillis: number): LogRecordExporter {
  const options = { url, headers, timeoutMillis };
  return protocol === 'http/json' ? new JsonExporter(options) : new ProtoExporter(options);
}
