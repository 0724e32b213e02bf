/**
 * The bootstrap's exporting span and log-record processors: the SDK's batch processors, on
 * {@link ExitSafeBatch}, so that what they hold when the process ends is spooled, not lost.
 */
import { TraceFlags } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';
import type { LogRecordProcessor, ReadableLogRecord, SdkLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import { ExitSafeBatch } from './exit-safe-batch.js';

/** Exports sampled spans in batches; see {@link ExitSafeBatch}. */
export class ExitSafeSpanProcessor implements SpanProcessor {
  constructor(readonly batch: ExitSafeBatch<ReadableSpan>) {}

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    this.batch.add(span);
  }

  forceFlush(): Promise<void> {
    return this.batch.flush();
  }

  shutdown(): Promise<void> {
    return this.batch.shutdown();
  }
}

/** Exports log records in batches; see {@link ExitSafeBatch}. */
export class ExitSafeLogRecordProcessor implements LogRecordProcessor {
  constructor(readonly batch: ExitSafeBatch<ReadableLogRecord>) {}

  onEmit(record: SdkLogRecord, _context?: Context): void {
    this.batch.add(record);
  }

  forceFlush(): Promise<void> {
    return this.batch.flush();
  }

  shutdown(): Promise<void> {
    return this.batch.shutdown();
  }
}
