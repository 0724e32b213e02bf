import type { SpanContext } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';
import type { LogRecordExporter, LogRecordProcessor, SdkLogRecord } from '@opentelemetry/sdk-logs';
import type { LogFields, LoggerStats } from '../types.js';
import { newCall } from './call.js';
import type { Call, Identity, PerformanceRecord } from './call.js';
import { NO_STATE, decodeCall, encodeCall } from './call-codec.js';
import type { DecodeState } from './call-codec.js';
import { CallTurns } from './call-turns.js';
import { Decoder, Encoder } from './codec.js';
import { RecordPipeline } from './record-pipeline.js';
import type { PipelineConfig } from './record-pipeline.js';
import {
  S_DROP_AFTER_SHUTDOWN,
  S_DROP_EXPORT_FAILED,
  S_DROP_SHUTDOWN_WORKER,
  S_DROP_TOO_LARGE,
  S_EMITTED,
  S_EXPORTED,
  S_INVALID,
  S_REDACTED,
  S_RESTORED,
  S_ROTATED_OUT,
  S_SAMPLED_OUT,
  S_WRITTEN,
  createStatsMemory,
  readStats,
  workerDropSlot,
} from './stats.js';
import type { Transport } from './transport.js';
import { HOLD, RELEASE, TraceBuffer, samplingStep } from './trace-buffer.js';
import { warnOnce } from './warn-once.js';

/**
 * Runs the SDK pipeline on the calling thread: for custom processors and exporters (an in-memory
 * exporter in tests, a processor that must see the live context). Same records as the worker
 * transport, made the same way: each call is encoded with the worker's wire format and decoded again
 * before the pipeline reads it, so its values are read once, at the call, with the same placeholders
 * (a Proxy, a throwing getter, a cycle) and the same size bound. Each call costs the SDK's emit on the
 * caller's thread.
 */
export class InlineTransport implements Transport {
  private readonly s = createStatsMemory(false);
  private readonly pipeline: RecordPipeline;
  private readonly identities = new Map<string, Identity>();
  private readonly decodeState: DecodeState = { identities: new Map() };
  private readonly enc: Encoder;
  /** Each log call in its turn: captured, then sent through the pipeline by {@link send}. */
  private readonly turns = new CallTurns((call) => this.send(call));
  /** Every record is decoded into this one object; the pipeline is done with it before the next. */
  private readonly decoded: Call = newCall();
  private closing: Promise<void> | undefined;
  closed = false;

  private readonly held: TraceBuffer<Uint8Array> | undefined;
  private readonly output: PipelineConfig['output'];

  constructor(
    config: PipelineConfig,
    custom: { exporter?: LogRecordExporter; processors?: LogRecordProcessor[] },
    traceSampling?: { perTrace: number; maxTraces: number },
    private readonly maxRecordBytes = 1024 * 1024,
  ) {
    const s = this.s;
    this.output = config.output;
    this.enc = new Encoder(16 * 1024, maxRecordBytes * 3 + 1024);
    if (traceSampling !== undefined) this.held = new TraceBuffer(traceSampling.perTrace, traceSampling.maxTraces);
    const guarded: { exporter?: LogRecordExporter; processors?: LogRecordProcessor[] } = {};
    if (custom.exporter !== undefined) guarded.exporter = custom.exporter;
    // A custom processor that throws must not cost the record its export: the SDK calls processors one
    // after the other without a guard, and ours (the exporting one) comes last.
    if (custom.processors !== undefined) guarded.processors = custom.processors.map(guardProcessor);
    this.pipeline = new RecordPipeline(
      config,
      {
        onExported: (n) => (s[S_EXPORTED] = (s[S_EXPORTED] as number) + n),
        onWritten: (n) => (s[S_WRITTEN] = (s[S_WRITTEN] as number) + n),
        onDropped: (reason, n) => {
          const slot = workerDropSlot(reason);
          s[slot] = (s[slot] as number) + n;
          warnOnce(reason, `tracebridge: log records were dropped (${reason}); see stats()`);
        },
        onInvalid: (n) => (s[S_INVALID] = (s[S_INVALID] as number) + n),
        onRedacted: (n) => (s[S_REDACTED] = (s[S_REDACTED] as number) + n),
        onRotatedOut: (n, file) => {
          s[S_ROTATED_OUT] = (s[S_ROTATED_OUT] as number) + n;
          warnOnce('rotated_out', `tracebridge: rotation deleted ${file} (beyond jsonlMaxFiles) with ${n} lines; lines the collector had not read yet are lost (counted in stats().rotatedOut)`);
        },
      },
      guarded,
    );
  }

  identity(agentId: string, component: string): Identity {
    const key = `${agentId}\u0000${component}`;
    let id = this.identities.get(key);
    if (id === undefined) {
      id = { id: this.identities.size & 0xffff, agentId, component, registered: true };
      this.identities.set(key, id);
      this.decodeState.identities.set(id.id, id);
    }
    return id;
  }

  write(
    level: number,
    who: Identity,
    baseContext: Record<string, unknown> | undefined,
    message: unknown,
    fields: LogFields | undefined,
    performance: PerformanceRecord | undefined,
  ): void {
    const s = this.s;
    s[S_EMITTED]++;
    if (this.closed) {
      s[S_DROP_AFTER_SHUTDOWN]++;
      return;
    }
    this.turns.take(level, who, baseContext, message, fields, performance);
  }

  /** Encodes a captured call, then holds it (trace-aware sampling) or hands it to the pipeline. */
  private send(call: Call): void {
    const s = this.s;
    const step = this.held === undefined ? 0 : samplingStep(call);
    if (step === RELEASE) {
      const lines = (this.held as TraceBuffer<Uint8Array>).release((call.spanContext as SpanContext).traceId);
      for (const bytes of lines) this.accept(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), bytes.byteLength);
      s[S_RESTORED] = (s[S_RESTORED] as number) + lines.length;
    }
    const max = this.maxRecordBytes;
    try {
      encodeCall(this.enc, call, NO_STATE, max, false);
    } catch {
      try {
        encodeCall(this.enc, call, NO_STATE, max, true);
      } catch {
        s[S_DROP_TOO_LARGE]++;
        warnOnce('too_large', `tracebridge: a log record larger than ${max} bytes was dropped`);
        return;
      }
    }
    const e = this.enc;
    if (step === HOLD) {
      const held = this.held as TraceBuffer<Uint8Array>;
      held.hold((call.spanContext as SpanContext).traceId, new Uint8Array(e.u8.subarray(0, e.pos)));
      s[S_SAMPLED_OUT] = held.sampledOut;
      return;
    }
    this.accept(e.buf, e.pos);
  }

  /** Decodes one encoded call and hands it to the pipeline; a record it cannot take is counted. */
  private accept(buf: Buffer, end: number): void {
    try {
      this.pipeline.accept(decodeCall(new Decoder(buf, 0, end), this.decodeState, this.decoded));
    } catch (err) {
      // The mapping never throws and custom processors are guarded: this is a bug, but the record must
      // still be accounted for (emitted = exported + queued + dropped + sampledOut).
      this.s[S_DROP_EXPORT_FAILED] = (this.s[S_DROP_EXPORT_FAILED] as number) + 1;
      warnOnce('pipeline-threw', `tracebridge: a log record could not be processed (${(err as Error).message}); it was dropped and counted`);
    }
  }

  async flush(timeoutMillis: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMillis);
      timer.unref();
    });
    try {
      return await Promise.race([this.pipeline.flush().then(() => true), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  shutdown(timeoutMillis: number): Promise<void> {
    if (this.closing === undefined) {
      this.closed = true;
      if (this.held !== undefined) {
        this.held.clear();
        this.s[S_SAMPLED_OUT] = this.held.sampledOut;
      }
      this.closing = this.flush(timeoutMillis).then(async () => {
        const lost = this.pipeline.abandon();
        if (lost > 0) this.s[S_DROP_SHUTDOWN_WORKER] = (this.s[S_DROP_SHUTDOWN_WORKER] as number) + lost;
        await this.pipeline.close();
      });
    }
    return this.closing;
  }

  stats(): LoggerStats {
    return readStats(this.s, this.output, 0);
  }

  pending(): number {
    return this.pipeline.held();
  }

  /** At `process.exit()` the SDK cannot export (that needs the event loop): count what is lost. */
  shutdownSync(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.held !== undefined) {
      this.held.clear();
      this.s[S_SAMPLED_OUT] = this.held.sampledOut;
    }
    const lost = this.pipeline.abandon();
    if (lost > 0) this.s[S_DROP_SHUTDOWN_WORKER] = (this.s[S_DROP_SHUTDOWN_WORKER] as number) + lost;
  }
}

/** A custom processor whose `onEmit` cannot throw into the SDK's loop over processors. */
function guardProcessor(p: LogRecordProcessor): LogRecordProcessor {
  const guarded: LogRecordProcessor = {
    onEmit(record: SdkLogRecord, context?: Context): void {
      try {
        p.onEmit(record, context);
      } catch (err) {
        warnOnce('processor-threw', `tracebridge: a log processor threw (${(err as Error).message}); the record is exported without its change`);
      }
    },
    forceFlush: () => p.forceFlush(),
    shutdown: () => p.shutdown(),
  };
  if (p.enabled !== undefined) guarded.enabled = (options) => (p.enabled as NonNullable<LogRecordProcessor['enabled']>)(options);
  return guarded;
}

/** The transport of a disabled logger (`OTEL_SDK_DISABLED=true`): accepts and forgets. */
export class DisabledTransport implements Transport {
  closed = false;
  identity(agentId: string, component: string): Identity {
    return { id: 0, agentId, component, registered: true };
  }
  write(): void {}
  flush(): Promise<boolean> {
    return Promise.resolve(true);
  }
  shutdown(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
  stats(): LoggerStats {
    return readStats(createStatsMemory(false), 'otlp', 0);
  }
  pending(): number {
    return 0;
  }
}
