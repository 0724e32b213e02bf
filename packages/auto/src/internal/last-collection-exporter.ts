/**
 * Remembers the metric collection its exporter has not had acknowledged, so that the exit spool can take
 * it when the process ends before the export finished (or after it failed). Metrics are collected
 * asynchronously (observable callbacks), so nothing new can be collected at `process.exit()`: what the
 * spool gets there is the last collection, the one of the last `OTEL_METRIC_EXPORT_INTERVAL` or of an
 * awaited flush.
 */
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import type { AggregationTemporality, InstrumentType, PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { writeSpool } from '@tracebridge/logger/internal';
import type { SpoolConfig } from '@tracebridge/logger/internal';
import type { HandOver } from './exit-safe-batch.js';

/** Data points of a collection: what the spool counts for metrics. */
export function dataPoints(metrics: ResourceMetrics): number {
  let n = 0;
  for (const sm of metrics.scopeMetrics) for (const m of sm.metrics) n += m.dataPoints.length;
  return n;
}

/** Writes one collection to the spool; counts its data points as spooled or lost. */
export function spoolMetrics(metrics: ResourceMetrics, spool: { config: SpoolConfig; url: string } | undefined, unsure: boolean): HandOver {
  const points = dataPoints(metrics);
  if (points === 0) return { spooled: 0, lost: 0 };
  let ok = false;
  if (spool !== undefined) {
    try {
      const body = ProtobufMetricsSerializer.serializeRequest(metrics);
      ok = body !== undefined && writeSpool(spool.config, { url: spool.url, signal: 'metrics', records: points, unsure, contentType: 'application/x-protobuf' }, body);
    } catch {
      ok = false;
    }
  }
  return ok ? { spooled: points, lost: 0 } : { spooled: 0, lost: points };
}

export class LastCollectionExporter implements PushMetricExporter {
  /** The collection not yet acknowledged, and whether its export is still under way. */
  private unacked: { metrics: ResourceMetrics; inFlight: boolean } | undefined;

  constructor(
    private readonly inner: PushMetricExporter,
    private readonly spool: { config: SpoolConfig; url: string } | undefined,
  ) {
    if (inner.selectAggregationTemporality !== undefined) {
      this.selectAggregationTemporality = (type: InstrumentType): AggregationTemporality =>
        (inner.selectAggregationTemporality as (t: InstrumentType) => AggregationTemporality)(type);
    }
    if (inner.selectAggregation !== undefined) this.selectAggregation = inner.selectAggregation.bind(inner);
  }

  selectAggregationTemporality?: (type: InstrumentType) => AggregationTemporality;
  selectAggregation?: PushMetricExporter['selectAggregation'];

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    const entry = { metrics, inFlight: true };
    this.unacked = entry;
    this.inner.export(metrics, (result) => {
      entry.inFlight = false;
      if (result.code === ExportResultCode.SUCCESS && this.unacked === entry) this.unacked = undefined;
      resultCallback(result);
    });
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  /** Forgets the unacknowledged collection (a newer one was spooled in its place: cumulative sums supersede it). */
  forget(): void {
    this.unacked = undefined;
  }

  /** Spools the unacknowledged collection (unsure while its export was under way) and forgets it. */
  handOver(refused = false): HandOver {
    const entry = this.unacked;
    this.unacked = undefined;
    if (entry === undefined) return { spooled: 0, lost: 0 };
    return spoolMetrics(entry.metrics, this.spool, entry.inFlight && !refused);
  }
}
