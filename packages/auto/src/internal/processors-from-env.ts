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
 * exporters themselves.
 */
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BatchLogRecordProcessor, ConsoleLogRecordExporter, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { LogRecordExporter, LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';

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

/** The exporting span processors `OTEL_TRACES_EXPORTER` asks for (none for `none`). */
export function spanProcessorsFromEnv(env: NodeJS.ProcessEnv, warnings: string[]): SpanProcessor[] {
  const names = list(env.OTEL_TRACES_EXPORTER);
  if (names.includes('none')) return [];
  const out: SpanProcessor[] = [];
  for (const name of names.length === 0 ? ['otlp'] : names) {
    if (name === 'console') out.push(new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() }));
    else if (name === 'otlp') {
      const p = protocol('TRACES', env, warnings);
      const exporter: SpanExporter = p === 'grpc' ? new GrpcTraceExporter() : p === 'http/json' ? new JsonTraceExporter() : new ProtoTraceExporter();
      out.push(new BatchSpanProcessor({ exporter, ...batchOptions(env, 'OTEL_BSP', warnings) }));
    } else warnings.push(`OTEL_TRACES_EXPORTER: "${name}" is not supported here (otlp, console, none); ignored`);
  }
  return out;
}

/** The exporting log-record processors `OTEL_LOGS_EXPORTER` asks for (none for `none`). */
export function logRecordProcessorsFromEnv(env: NodeJS.ProcessEnv, warnings: string[]): LogRecordProcessor[] {
  const names = list(env.OTEL_LOGS_EXPORTER);
  if (names.includes('none')) return [];
  const out: LogRecordProcessor[] = [];
  for (const name of names.length === 0 ? ['otlp'] : names) {
    if (name === 'console') out.push(new SimpleLogRecordProcessor({ exporter: new ConsoleLogRecordExporter() }));
    else if (name === 'otlp') {
      const p = protocol('LOGS', env, warnings);
      const exporter: LogRecordExporter = p === 'grpc' ? new GrpcLogExporter() : p === 'http/json' ? new JsonLogExporter() : new ProtoLogExporter();
      // The options form: the positional one compiles, runs, and exports nothing (see FACTS).
      out.push(new BatchLogRecordProcessor({ exporter, maxQueueSize: DEFAULT_LOG_QUEUE_SIZE, ...batchOptions(env, 'OTEL_BLRP', warnings) }));
    } else warnings.push(`OTEL_LOGS_EXPORTER: "${name}" is not supported here (otlp, console, none); ignored`);
  }
  return out;
}
