/**
 * Span and log-record processors from the standard environment variables, as NodeSDK builds them
 * (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/). NodeSDK builds
 * its own only when it is given none, and it has no way to put ours in front of them, so the
 * bootstrap builds the exporting ones here and passes the whole list. Metric readers are left to
 * NodeSDK, which still reads `OTEL_METRICS_EXPORTER` itself.
 *
 * Supported: `OTEL_TRACES_EXPORTER` / `OTEL_LOGS_EXPORTER` = `otlp` (default), `console`, `none`;
 * `OTEL_EXPORTER_OTLP[_TRACES|_LOGS]_PROTOCOL` = `http/protobuf` (default), `http/json`, `grpc`;
 * `OTEL_BSP_*` and `OTEL_BLRP_*`. Endpoints, headers, timeouts and compression are read by the
 * exporters themselves. The `otlp` ones batch through {@link ExitSafeBatch} (exit-safe-processors.ts):
 * the SDK's batching, plus the exit spool. Metric readers: `otlp` alone (the default) is built here, so
 * that its exporter remembers the collection it has not had acknowledged; any other
 * `OTEL_METRICS_EXPORTER` is left to NodeSDK.
 */
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPMetricExporter as GrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { ConsoleLogRecordExporter, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { LogRecordExporter, LogRecordProcessor, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { ConsoleSpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import type { ReadableSpan, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { SpoolConfig, SpoolSignal } from '@tracebridge/logger/internal';
import { ExitSafeBatch } from './exit-safe-batch.js';
import { ExitSafeLogRecordProcessor, ExitSafeSpanProcessor } from './exit-safe-processors.js';
import { LastCollectionExporter } from './last-collection-exporter.js';

type Protocol = 'http/protobuf' | 'http/json' | 'grpc';

function list(value: string | undefined): string[] {
  return Array.from(new Set((value ?? '').split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '' && s !== 'null')));
}

function protocol(signal: 'TRACES' | 'LOGS', env: NodeJS.ProcessEnv, warnings: string[]): Protocol {
  const raw = (env[`OTEL_EXPORTER_OTLP_${signal}_PROTOCOL`] ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? '').trim();
  if (raw === '' || raw === 'http/protobuf') return 'http/protobuf';
  if (raw === 'http/json' || raw === 'grpc') return raw;
  warnings.push(`OTLP protocol "${raw}" is not http/protobuf, http/json or grpc; using http/protobuf`);
  return 'http/protobuf';
}

function nonNegative(env: NodeJS.ProcessEnv, name: string, warnings: string[]): number | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (Number.isFinite(n) && n >= 0) return n;
  warnings.push(`${name}="${raw}" is not a non-negative number; using the default`);
  return undefined;
}

/** Options with the unset ones left out, so the processors' own defaults apply. */
function batchOptions(env: NodeJS.ProcessEnv, prefix: 'OTEL_BSP' | 'OTEL_BLRP', warnings: string[]) {
  const out: { maxQueueSize?: number; scheduledDelayMillis?: number; exportTimeoutMillis?: number; maxExportBatchSize?: number } = {};
  const pairs = [
    ['maxQueueSize', 'MAX_QUEUE_SIZE'],
    ['scheduledDelayMillis', 'SCHEDULE_DELAY'],
    ['exportTimeoutMillis', 'EXPORT_TIMEOUT'],
    ['maxExportBatchSize', 'MAX_EXPORT_BATCH_SIZE'],
  ] as const;
  for (const [key, suffix] of pairs) {
    const n = nonNegative(env, `${prefix}_${suffix}`, warnings);
    if (n !== undefined) out[key] = n;
  }
  return out;
}

/**
 * Log queue bound when `OTEL_BLRP_MAX_QUEUE_SIZE` is unset: the logger's, not the SDK's 2048. A full
 * queue drops new records silently, and an agent that prints a few thousand lines in a burst (a tool's
 * output echoed line by line) fills 2048 within one schedule delay. 16384 records of ~1 KiB is ~16 MiB.
 */
export const DEFAULT_LOG_QUEUE_SIZE = 16_384;

/** The SDK's batch defaults (the specification's), where the environment says nothing. */
const BSP_DEFAULTS = { maxQueueSize: 2048, scheduledDelayMillis: 5000, exportTimeoutMillis: 30_000, maxExportBatchSize: 512 };
const BLRP_DEFAULTS = { maxQueueSize: DEFAULT_LOG_QUEUE_SIZE, scheduledDelayMillis: 1000, exportTimeoutMillis: 30_000, maxExportBatchSize: 512 };

/**
 * The OTLP/HTTP URL of a signal, as the exporters resolve it: the signal's own variable as given, else
 * `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/<signal>`, else localhost:4318.
 */
export function signalUrl(env: NodeJS.ProcessEnv, signal: SpoolSignal): string {
  const own = env[`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`]?.trim();
  if (own !== undefined && own !== '') return own;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  return `${base !== undefined && base !== '' ? base.replace(/\/+$/, '') : 'http://localhost:4318'}/v1/${signal}`;
}

/** A batch that feeds the exit spool, with the endpoint its exporter sends to. */
export interface SpooledBatch<T> {
  batch: ExitSafeBatch<T>;
  url: string;
}

/** The processors, and the batches the exit task hands over to the spool. */
export interface ExportingProcessors<P, T> {
  processors: P[];
  batches: Array<SpooledBatch<T>>;
}

/**
 * The spool target of an OTLP exporter: its OTLP/HTTP URL. A gRPC exporter's endpoint takes no
 * OTLP/HTTP request, so its batches are not spooled (what they hold at the end is counted as lost).
 */
function spoolTarget(protocolName: Protocol, env: NodeJS.ProcessEnv, signal: SpoolSignal, spool: SpoolConfig | undefined) {
  if (spool === undefined || protocolName === 'grpc') return undefined;
  return { config: spool, url: signalUrl(env, signal), signal };
}

/** The exporting span processors `OTEL_TRACES_EXPORTER` asks for (none for `none`). */
export function spanProcessorsFromEnv(env: NodeJS.ProcessEnv, warnings: string[], spool?: SpoolConfig): ExportingProcessors<SpanProcessor, ReadableSpan> {
  const names = list(env.OTEL_TRACES_EXPORTER);
  const out: ExportingProcessors<SpanProcessor, ReadableSpan> = { processors: [], batches: [] };
  if (names.includes('none')) return out;
  for (const name of names.length === 0 ? ['otlp'] : names) {
    if (name === 'console') out.processors.push(new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() }));
    else if (name === 'otlp') {
      const p = protocol('TRACES', env, warnings);
      const exporter: SpanExporter = p === 'grpc' ? new GrpcTraceExporter() : p === 'http/json' ? new JsonTraceExporter() : new ProtoTraceExporter();
      const batch = new ExitSafeBatch<ReadableSpan>({
        ...BSP_DEFAULTS,
        ...batchOptions(env, 'OTEL_BSP', warnings),
        exporter,
        serialize: (spans) => ProtobufTraceSerializer.serializeRequest(spans),
        spool: spoolTarget(p, env, 'traces', spool),
        prepare: waitForResources,
      });
      out.processors.push(new ExitSafeSpanProcessor(batch));
      out.batches.push({ batch, url: signalUrl(env, 'traces') });
    } else warnings.push(`OTEL_TRACES_EXPORTER: "${name}" is not supported here (otlp, console, none); ignored`);
  }
  return out;
}

/** The exporting log-record processors `OTEL_LOGS_EXPORTER` asks for (none for `none`). */
export function logRecordProcessorsFromEnv(env: NodeJS.ProcessEnv, warnings: string[], spool?: SpoolConfig): ExportingProcessors<LogRecordProcessor, ReadableLogRecord> {
  const names = list(env.OTEL_LOGS_EXPORTER);
  const out: ExportingProcessors<LogRecordProcessor, ReadableLogRecord> = { processors: [], batches: [] };
  if (names.includes('none')) return out;
  for (const name of names.length === 0 ? ['otlp'] : names) {
    if (name === 'console') out.processors.push(new SimpleLogRecordProcessor({ exporter: new ConsoleLogRecordExporter() }));
    else if (name === 'otlp') {
      const p = protocol('LOGS', env, warnings);
      const exporter: LogRecordExporter = p === 'grpc' ? new GrpcLogExporter() : p === 'http/json' ? new JsonLogExporter() : new ProtoLogExporter();
      const batch = new ExitSafeBatch<ReadableLogRecord>({
        ...BLRP_DEFAULTS,
        ...batchOptions(env, 'OTEL_BLRP', warnings),
        exporter,
        serialize: (records) => ProtobufLogsSerializer.serializeRequest(records),
        spool: spoolTarget(p, env, 'logs', spool),
        prepare: waitForResources,
      });
      out.processors.push(new ExitSafeLogRecordProcessor(batch));
      out.batches.push({ batch, url: signalUrl(env, 'logs') });
    } else warnings.push(`OTEL_LOGS_EXPORTER: "${name}" is not supported here (otlp, console, none); ignored`);
  }
  return out;
}

/** A resource whose detectors are still running is waited for before export, as the SDK's processors do. */
async function waitForResources(items: Array<{ resource: { asyncAttributesPending?: boolean; waitForAsyncAttributes?(): Promise<void> } }>): Promise<void> {
  const pending = new Set<Promise<void>>();
  for (const item of items) {
    const r = item.resource;
    if (r.asyncAttributesPending && r.waitForAsyncAttributes !== undefined) pending.add(r.waitForAsyncAttributes());
  }
  if (pending.size > 0) await Promise.all(pending);
}

/** The metric reader the bootstrap builds itself (`OTEL_METRICS_EXPORTER` unset or `otlp`), with its exporter. */
export interface OtlpMetrics {
  reader: PeriodicExportingMetricReader;
  exporter: LastCollectionExporter;
  url: string;
  spool: { config: SpoolConfig; url: string } | undefined;
}

/**
 * `OTEL_METRICS_EXPORTER` = `otlp` (or unset): a periodic reader as NodeSDK builds it
 * (`OTEL_METRIC_EXPORT_INTERVAL`, `OTEL_METRIC_EXPORT_TIMEOUT` clamped to the interval), whose exporter
 * remembers the unacknowledged collection. Undefined for anything else, which NodeSDK builds.
 */
export function otlpMetricsFromEnv(env: NodeJS.ProcessEnv, warnings: string[], spool?: SpoolConfig): OtlpMetrics | undefined {
  const names = list(env.OTEL_METRICS_EXPORTER);
  if (names.length > 1 || (names.length === 1 && names[0] !== 'otlp')) return undefined;
  const raw = (env.OTEL_EXPORTER_OTLP_METRICS_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? '').trim();
  const p: Protocol = raw === 'http/json' || raw === 'grpc' ? raw : 'http/protobuf';
  if (raw !== '' && raw !== p) warnings.push(`OTLP protocol "${raw}" is not http/protobuf, http/json or grpc; using http/protobuf`);
  const inner: PushMetricExporter = p === 'grpc' ? new GrpcMetricExporter() : p === 'http/json' ? new JsonMetricExporter() : new ProtoMetricExporter();
  const url = signalUrl(env, 'metrics');
  const target = spool === undefined || p === 'grpc' ? undefined : { config: spool, url };
  const exporter = new LastCollectionExporter(inner, target);
  const interval = nonNegative(env, 'OTEL_METRIC_EXPORT_INTERVAL', warnings) ?? 60_000;
  const timeout = Math.min(nonNegative(env, 'OTEL_METRIC_EXPORT_TIMEOUT', warnings) ?? 30_000, interval);
  return { reader: new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: interval, exportTimeoutMillis: timeout }), exporter, url, spool: target };
}
