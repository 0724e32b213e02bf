import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type { HrTime } from '@opentelemetry/api';
import type { Logger as SdkLogger } from '@opentelemetry/api-logs';
import type { LoggerProvider, LogRecordExporter } from '@opentelemetry/sdk-logs';
import { mapRecord, parseResourceAttributes } from '@tracebridge/schema';
import { canonicalJson } from '@tracebridge/schema/internal';
import type { MappingOptions } from '@tracebridge/schema';
import { resolveEndpoint } from './config.js';
import { otlpExporter } from './internal/record-pipeline.js';
import { otelResources, sdkLogs } from './internal/sdk-modules.js';
import type { OtlpProtocol } from './types.js';

/** Options of {@link sendRecords}. */
export interface SendRecordsOptions {
  /** OTLP/HTTP logs endpoint. @default as `createLogger` resolves it from `OTEL_EXPORTER_OTLP_*` */
  endpoint?: string;
  /** @default `'http/protobuf'` */
  protocol?: OtlpProtocol;
  headers?: Record<string, string>;
  /** `service.name` of every resource. @default `OTEL_SERVICE_NAME`, else each record's role */
  serviceName?: string;
  /** `deployment.environment.name` of every resource. */
  environment?: string;
  /** Extra resource attributes. @default `OTEL_RESOURCE_ATTRIBUTES` */
  resourceAttributes?: Record<string, string>;
  /** Replaces the OTLP exporter (one per agent resource; called once per resource). */
  exporterFactory?: () => LogRecordExporter;
  /** @default 30000 */
  timeoutMillis?: number;
}

/**
 * Sends records already in the record format (a JSON-lines file's, say) over OTLP through the
 * OpenTelemetry logs SDK, with each record's own time, trace context and agent resource: the SDK route
 * for records the logger did not write. The resource is exactly the mapping's agent resource (no
 * `telemetry.sdk.*`: these records were not produced by this SDK), so a record gives the same OTLP here
 * as through the collector's file route. Resolves once everything was exported or failed.
 */
export async function sendRecords(
  records: Iterable<Readonly<Record<string, unknown>>> | AsyncIterable<Readonly<Record<string, unknown>>>,
  options: SendRecordsOptions = {},
): Promise<{ sent: number; invalidFields: number }> {
  const env = process.env;
  const mapping: MappingOptions = {
    resourceAttributes: options.resourceAttributes ?? parseResourceAttributes(env.OTEL_RESOURCE_ATTRIBUTES),
  };
  const serviceName = options.serviceName ?? env.OTEL_SERVICE_NAME;
  if (serviceName !== undefined && serviceName !== '') mapping.serviceName = serviceName;
  if (options.environment !== undefined) mapping.environment = options.environment;
  const endpoint = options.endpoint ?? resolveEndpoint(env);
  const timeout = options.timeoutMillis ?? 30_000;
  const { BatchLogRecordProcessor, LoggerProvider } = sdkLogs();
  const { resourceFromAttributes } = otelResources();
  const providers = new Map<string, { provider: LoggerProvider; scopes: Map<string, SdkLogger> }>();
  let sent = 0;
  let invalidFields = 0;
  for await (const record of records) {
    const mapped = mapRecord(record, mapping);
    invalidFields += mapped.invalid.length;
    const key = canonicalJson(mapped.resource);
    let entry = providers.get(key);
    if (entry === undefined) {
      const exporter = options.exporterFactory?.() ?? otlpExporter(endpoint, options.protocol ?? 'http/protobuf', options.headers ?? {}, timeout);
      const provider = new LoggerProvider({
        resource: resourceFromAttributes(mapped.resource as Parameters<typeof resourceFromAttributes>[0]),
        processors: [new BatchLogRecordProcessor({ exporter, maxQueueSize: 100_000, maxExportBatchSize: 2048, scheduledDelayMillis: 100 })],
        logRecordLimits: { attributeCountLimit: 100_000 },
      });
      entry = { provider, scopes: new Map() };
      providers.set(key, entry);
    }
    let logger = entry.scopes.get(mapped.scope);
    if (logger === undefined) {
      logger = entry.provider.getLogger(mapped.scope);
      entry.scopes.set(mapped.scope, logger);
    }
    const context =
      mapped.traceId !== undefined && mapped.spanId !== undefined
        ? trace.setSpanContext(ROOT_CONTEXT, { traceId: mapped.traceId, spanId: mapped.spanId, traceFlags: mapped.flags ?? 0 })
        : ROOT_CONTEXT;
    const emit: Parameters<SdkLogger['emit']>[0] = {
      // A record without a valid timestamp has none: time 0, as on the file route (backends then use
      // the observed time), rather than the SDK's default of "now".
      timestamp: mapped.timeUnixNano === undefined ? [0, 0] : toHrTime(mapped.timeUnixNano),
      attributes: mapped.attributes,
      context,
    };
    if (mapped.severityNumber !== undefined) emit.severityNumber = mapped.severityNumber;
    if (mapped.severityText !== undefined) emit.severityText = mapped.severityText;
    if (mapped.body !== undefined) emit.body = mapped.body;
    logger.emit(emit);
    sent++;
    // Keep the SDK's queue short: flush every batch's worth so a large input is never held whole.
    if (sent % 50_000 === 0) await Promise.all([...providers.values()].map((e) => e.provider.forceFlush()));
  }
  await Promise.all([...providers.values()].map(async (e) => {
    await e.provider.forceFlush();
    await e.provider.shutdown();
  }));
  return { sent, invalidFields };
}

function toHrTime(unixNano: string): HrTime {
  return unixNano.length > 9 ? [Number(unixNano.slice(0, -9)), Number(unixNano.slice(-9))] : [0, Number(unixNano)];
}
