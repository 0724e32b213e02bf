/**
 * The OpenTelemetry SDK packages the logger uses only on some paths, loaded on first use instead of
 * with the logger. The calling thread of the default (worker) transport needs none of them, nor does
 * the export worker on the protobuf route: importing them statically cost every process that creates
 * a logger their start-up time and heap (and the heap's garbage collections while idle, #22). They are
 * CommonJS packages, so `require` loads them synchronously where a constructor needs them.
 */
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

export function sdkLogs(): typeof import('@opentelemetry/sdk-logs') {
  return load('@opentelemetry/sdk-logs') as typeof import('@opentelemetry/sdk-logs');
}

export function otelResources(): typeof import('@opentelemetry/resources') {
  return load('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
}

export function otelCore(): typeof import('@opentelemetry/core') {
  return load('@opentelemetry/core') as typeof import('@opentelemetry/core');
}

export function protoLogExporter(): typeof import('@opentelemetry/exporter-logs-otlp-proto') {
  return load('@opentelemetry/exporter-logs-otlp-proto') as typeof import('@opentelemetry/exporter-logs-otlp-proto');
}

export function jsonLogExporter(): typeof import('@opentelemetry/exporter-logs-otlp-http') {
  return load('@opentelemetry/exporter-logs-otlp-http') as typeof import('@opentelemetry/exporter-logs-otlp-http');
}

export function otlpExporterBase(): typeof import('@opentelemetry/otlp-exporter-base') {
  return load('@opentelemetry/otlp-exporter-base') as typeof import('@opentelemetry/otlp-exporter-base');
}

export function otlpExporterBaseNodeHttp(): typeof import('@opentelemetry/otlp-exporter-base/node-http') {
  return load('@opentelemetry/otlp-exporter-base/node-http') as typeof import('@opentelemetry/otlp-exporter-base/node-http');
}

export function otlpTransformer(): typeof import('@opentelemetry/otlp-transformer') {
  return load('@opentelemetry/otlp-transformer') as typeof import('@opentelemetry/otlp-transformer');
}
