import type { LogRecordExporter, LogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { LogFields, LoggerStats } from '../types.js';
import { captureActive } from './capture.js';
import { nowMillis } from './clock.js';
import type { Identity } from './messages.js';
import { callError } from './record.js';
import type { Call } from './record.js';
import { RecordPipeline } from './record-pipeline.js';
import type { PipelineConfig } from './record-pipeline.js';
import {
  S_DROP_AFTER_SHUTDOWN,
  S_DROP_SHUTDOWN_WORKER,
  S_EMITTED,
  S_EXPORTED,
  S_INVALID,
  S_REDACTED,
  S_RESTORED,
  S_SAMPLED_OUT,
  S_WRITTEN,
  createStatsMemory,
  readStats,
  workerDropSlot,
} from './stats.js';
import type { PerformanceRecord, Transport } from './transport.js';
import { TraceBuffer } from './trace-buffer.js';
import { warnOnce } from './warn-once.js';

/**
 * Runs the SDK pipeline on the calling thread: for custom processors and exporters (an in-memory
 * exporter in tests, a processor that must see the live context). Same mapping, same records as the
 * worker transport; each call costs the SDK's emit on the caller's thread.
 */
export class InlineTransport implements Transport {
  private readonly s = createStatsMemory(false);
  private readonly pipeline: RecordPipeline;
  private readonly identities = new Map<string, Identity>();
  private closing: Promise<void> | undefined;
  closed = false;

  private readonly held: TraceBuffer<() => void> | undefined;
  private readonly output: PipelineConfig['output'];

  constructor(
    config: PipelineConfig,
    custom: { exporter?: LogRecordExporter; processors?: LogRecordProcessor[] },
    traceSampling?: { perTrace: number; maxTraces: number },
  ) {
    const s = this.s;
    this.output = config.output;
    if (traceSampling !== undefined) this.held = new TraceBuffer(traceSampling.perTrace, traceSampling.maxTraces);
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
      },
      custom,
    );
  }

  identity(agentId: string, component: string): Identity {
    const key = `${agentId}\u0000${component}`;
    let id = this.identities.get(key);
    if (id === undefined) {
      id = { id: this.identities.size, agentId, component, registered: true };
      this.identities.set(key, id);
    }
    return id;
  }

  write(
    level: number,
    identity: Identity,
    message: unknown,
    fields: LogFields | undefined,
    performance: PerformanceRecord | undefined,
    baseContext: Record<string, unknown> | undefined,
  ): void {
    const s = this.s;
    s[S_EMITTED]++;
    if (this.closed) {
      s[S_DROP_AFTER_SHUTDOWN]++;
      return;
    }
    try {
      const captured = captureActive();
      const call: Call = { level, time: nowMillis(), message };
      const sc = captured.spanContext;
      if (sc !== undefined) {
        call.traceId = sc.traceId;
        call.spanId = sc.spanId;
        call.traceFlags = sc.traceFlags;
      }
      if (captured.correlationId !== undefined) call.correlationId = captured.correlationId;
      if (captured.parentAgentId !== undefined) call.parentAgentId = captured.parentAgentId;
      if (fields !== undefined && fields !== null) {
        if (fields.context !== undefined) call.context = fields.context;
        if (fields.metadata !== undefined) call.metadata = fields.metadata;
        if (fields.tags !== undefined) call.tags = fields.tags;
        if (fields.error !== undefined) call.error = callError(fields.error);
        if (fields.errorCode !== undefined) call.errorCode = fields.errorCode;
        if (fields.citation !== undefined) call.citation = fields.citation;
      }
      if (performance !== undefined) call.performance = performance;
      const who =
        baseContext === undefined
          ? { agentId: identity.agentId, component: identity.component }
          : { agentId: identity.agentId, component: identity.component, context: baseContext };
      if (this.held !== undefined && sc !== undefined && (sc.traceFlags & 1) === 0) {
        if (level === 0) {
          // Held as a ready call: its values are read at release (in-process callers own them meanwhile).
          this.held.hold(sc.traceId, () => this.pipeline.accept(call, who));
          s[S_SAMPLED_OUT] = this.held.sampledOut;
          return;
        }
        if (level >= 3) {
          const lines = this.held.release(sc.traceId);
          for (const line of lines) line();
          s[S_RESTORED] = (s[S_RESTORED] as number) + lines.length;
        }
      }
      this.pipeline.accept(call, who);
    } catch (err) {
      // The mapping never throws; a custom processor might. The agent must not notice.
      warnOnce('processor-threw', `tracebridge: a log processor threw (${(err as Error).message}); the record may be incomplete`);
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
    const lost = this.pipeline.held();
    if (lost > 0) this.s[S_DROP_SHUTDOWN_WORKER] = (this.s[S_DROP_SHUTDOWN_WORKER] as number) + lost;
  }
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
