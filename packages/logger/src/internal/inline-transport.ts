import type { SpanContext } from '@opentelemetry/api';
import type { LogRecordExporter, LogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { LogFields, LoggerStats } from '../types.js';
import { captureCall, copyCall, newCall } from './call.js';
import type { Call, Identity, PerformanceRecord } from './call.js';
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
import type { Transport } from './transport.js';
import { HOLD, RELEASE, TraceBuffer, samplingStep } from './trace-buffer.js';
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
  /** The call object every log call is captured into, but one made while another is in the pipeline. */
  private readonly call: Call = newCall();
  private busy = false;
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
    // A processor (or a toJSON the mapping calls) that logs reaches here while the call object is in use.
    const nested = this.busy;
    this.busy = true;
    try {
      const call = captureCall(nested ? newCall() : this.call, level, who, baseContext, message, fields, performance);
      const step = this.held === undefined ? 0 : samplingStep(call);
      if (step === HOLD) {
        // Held as a ready call: its values are read at release (in-process callers own them meanwhile).
        const held = copyCall(call);
        (this.held as TraceBuffer<() => void>).hold((call.spanContext as SpanContext).traceId, () => this.pipeline.accept(held));
        s[S_SAMPLED_OUT] = (this.held as TraceBuffer<() => void>).sampledOut;
        return;
      }
      if (step === RELEASE) {
        const lines = (this.held as TraceBuffer<() => void>).release((call.spanContext as SpanContext).traceId);
        for (const line of lines) line();
        s[S_RESTORED] = (s[S_RESTORED] as number) + lines.length;
      }
      this.pipeline.accept(call);
    } catch (err) {
      // The mapping never throws; a custom processor might. The agent must not notice.
      warnOnce('processor-threw', `tracebridge: a log processor threw (${(err as Error).message}); the record may be incomplete`);
    } finally {
      this.busy = nested;
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
