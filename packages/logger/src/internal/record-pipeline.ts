import type { LogRecordExporter, LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { ATTR_GEN_AI_AGENT_ID, OTLP_SENT_FIELD, mapRecord } from '@tracebridge/schema';
import type { Attributes, MappingOptions } from '@tracebridge/schema';
import type { OtlpProtocol, OutputMode } from '../types.js';
import { JsonlSink } from './jsonl-sink.js';
import { isoMicros } from './clock.js';
import { callHrTime, toRecord } from './call.js';
import type { Call } from './call.js';
import type { HeldRequests, OtlpRoute } from './otlp-route.js';
import { ProtobufOtlpRoute } from './protobuf-otlp-route.js';
import { createRedactor } from './redact.js';
import { SdkOtlpRoute } from './sdk-otlp-route.js';
import { jsonLogExporter, otelCore, protoLogExporter } from './sdk-modules.js';
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
 * Turns calls into records and records into OTLP and/or JSON lines. Runs in the export worker, or on
 * the calling thread when the logger is created with `thread: false`. Every record goes through the
 * schema's one mapping; the OTLP side is the protobuf route, or the OpenTelemetry logs SDK when custom
 * processors or an exporter are given, or the protocol is `http/json` (otlp-route.ts).
 */
export class RecordPipeline {
  private readonly otlp: OtlpRoute | undefined;
  private readonly sink: JsonlSink | undefined;
  private readonly redact: ((record: Record<string, unknown>) => number) | undefined;

  constructor(
    private readonly config: PipelineConfig,
    private readonly hooks: PipelineHooks,
    custom: { exporter?: LogRecordExporter; processors?: LogRecordProcessor[] } = {},
  ) {
    if (config.redaction !== false) this.redact = createRedactor(config.redaction);
    if (config.output !== 'jsonl') this.otlp = createRoute(config, hooks, custom);
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
      if (this.otlp !== undefined) (line as Record<string, unknown>)[OTLP_SENT_FIELD] = true;
      this.sink.write(line);
    }
    if (this.otlp === undefined) return;
    const mapped = mapRecord(record, this.config.mapping, this.config.resource);
    if (mapped.invalid.length > 0) this.hooks.onInvalid(mapped.invalid.length);
    // MAPPING.md: a logger writing for another agent than its process names that agent on the record.
    if (agentId !== this.config.agentId) mapped.attributes[ATTR_GEN_AI_AGENT_ID] = agentId;
    const [seconds, nanos] = callHrTime(time);
    // One id per record (`log.record.uid`, added by the route), fixed before the first export attempt:
    // a batch resent after a lost answer (a collector killed mid-request) arrives twice, and the store
    // tells the copies apart by it.
    this.otlp.emit(mapped, seconds, nanos, this.config.recordUid ? time : undefined);
  }

  /** A run of records read without pause starts (OtlpRoute.startReading). */
  startReading(): void {
    this.otlp?.startReading();
  }

  /** True when the OTLP side can take more records now. */
  hasRoom(): boolean {
    return this.otlp === undefined || this.otlp.hasRoom();
  }

  waitForRoom(): Promise<void> {
    return this.otlp === undefined ? Promise.resolve() : this.otlp.waitForRoom();
  }

  /** Sends the records waiting for their batch delay now (they already waited it elsewhere). */
  sendNow(): void {
    this.otlp?.sendNow();
  }

  /** Records held by the OTLP side (queued or in flight). */
  held(): number {
    return this.otlp?.held() ?? 0;
  }

  /** Writes buffered lines and exports everything held. Does not resolve while the collector is down. */
  async flush(): Promise<void> {
    this.sink?.flush();
    if (this.otlp !== undefined) await this.otlp.flush();
  }

  /** Flushes the file sink now (cheap; called on idle ticks). */
  flushSink(): void {
    this.sink?.flush();
  }

  /** Takes what the OTLP side holds out of it as OTLP requests, for the exit spool (OtlpRoute.handOver). */
  handOver(): HeldRequests {
    return this.otlp?.handOver() ?? { queued: [], inFlight: [] };
  }

  /** Gives up whatever is still held and returns how many records that was (the caller counts them). */
  abandon(): number {
    this.sink?.close();
    return this.otlp?.abandon() ?? 0;
  }

  /** Releases the exporter and files; call after {@link abandon}. May wait on a hanging connection. */
  async close(): Promise<void> {
    this.sink?.close();
    await this.otlp?.close();
  }
}

/** The OTLP route for a configuration (see otlp-route.ts). */
function createRoute(
  config: PipelineConfig,
  hooks: PipelineHooks,
  custom: { exporter?: LogRecordExporter; processors?: LogRecordProcessor[] },
): OtlpRoute {
  const resource = { ...config.resource, ...otelCore().SDK_INFO };
  const limits: { attributeCountLimit: number; attributeValueLengthLimit?: number } = { attributeCountLimit: config.attributeCountLimit };
  if (config.attributeValueLengthLimit !== undefined) limits.attributeValueLengthLimit = config.attributeValueLengthLimit;
  const queue = { maxQueueRecords: config.maxHeldRecords, maxExportBatchSize: config.maxExportBatchSize, scheduleDelayMillis: config.scheduleDelayMillis };
  if (custom.exporter === undefined && custom.processors === undefined && config.protocol === 'http/protobuf') {
    return new ProtobufOtlpRoute(
      { url: config.endpoint, headers: config.headers, exportTimeoutMillis: config.exportTimeoutMillis, resource, limits, ...queue },
      hooks,
    );
  }
  return new SdkOtlpRoute({ exporter: custom.exporter ?? createExporter(config), processors: custom.processors ?? [], resource, limits, ...queue }, hooks);
}

function createExporter(config: PipelineConfig): LogRecordExporter {
  return otlpExporter(config.endpoint, config.protocol, config.headers, config.exportTimeoutMillis);
}

/** The OTLP/HTTP logs exporter of the OpenTelemetry JS SDK for a protocol. */
export function otlpExporter(url: string, protocol: OtlpProtocol, headers: Record<string, string>, timeoutMillis: number): LogRecordExporter {
  const options = { url, headers, timeoutMillis };
  return protocol === 'http/json' ? new (jsonLogExporter().OTLPLogExporter)(options) : new (protoLogExporter().OTLPLogExporter)(options);
}
