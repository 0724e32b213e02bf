/**
 * Sends {@link LogBatch}es over OTLP/HTTP protobuf with the SDK exporter's own transport: the export
 * delegate of `@opentelemetry/otlp-exporter-base`, configured exactly as `OTLPLogExporter` of
 * `@opentelemetry/exporter-logs-otlp-proto` configures it (`convertLegacyHttpOptions` with the logs
 * signal), so headers, TLS, compression, timeouts, its retries (5 attempts with backoff on 429, 502,
 * 503, 504 and network errors) and the `OTEL_EXPORTER_OTLP_*` variables behave the same; only the
 * serializer is ours: it writes the request from records already encoded, and reads the answer as the
 * SDK's does (otlp-log-response.ts).
 */
import type { ExportResult } from '@opentelemetry/core';
import type { LogBatch } from './otlp-log-encoding.js';
import { decodeLogsExportResponse } from './otlp-log-response.js';
import { otlpExporterBase, otlpExporterBaseNodeHttp } from './sdk-modules.js';

/** What the batch queue needs of an exporter of encoded batches. */
export interface LogBatchExporter {
  export(batch: LogBatch, done: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
}

/** The component type the SDK's protobuf logs exporter reports itself as (its self-observability metrics). */
const COMPONENT_TYPE = 'otlp_http_log_exporter';

export function protobufLogBatchExporter(options: { url: string; headers: Record<string, string>; timeoutMillis: number; resourceField: Buffer }): LogBatchExporter {
  const { resourceField } = options;
  const { convertLegacyHttpOptions, createOtlpHttpExportDelegate } = otlpExporterBaseNodeHttp();
  const delegate = createOtlpHttpExportDelegate(
    convertLegacyHttpOptions({ url: options.url, headers: options.headers, timeoutMillis: options.timeoutMillis }, 'LOGS', 'v1/logs', {
      'Content-Type': 'application/x-protobuf',
    }),
    {
      serializeRequest: (batch: LogBatch) => batch.encodeRequest(resourceField),
      deserializeResponse: decodeLogsExportResponse,
    },
    COMPONENT_TYPE,
    { name: 'log', countItems: (batch: LogBatch) => batch.count },
    undefined,
  );
  return new (otlpExporterBase().OTLPExporterBase)<LogBatch>(delegate);
}
