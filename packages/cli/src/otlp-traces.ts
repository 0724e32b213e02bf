/**
 * The OTLP/JSON shapes of traces (and the bits of metrics) the collector's file exporter writes: the
 * protobuf JSON mapping, hex ids, 64-bit integers as decimal strings.
 */
import type { OtlpKeyValue, OtlpResourceLogs } from '@tracebridge/schema';

export interface OtlpSpanEvent {
  timeUnixNano?: string;
  name?: string;
  attributes?: OtlpKeyValue[];
}

export interface OtlpSpanLink {
  traceId?: string;
  spanId?: string;
  attributes?: OtlpKeyValue[];
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name?: string;
  /** 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind?: number;
  startTimeUnixNano?: string;
  endTimeUnixNano?: string;
  attributes?: OtlpKeyValue[];
  events?: OtlpSpanEvent[];
  links?: OtlpSpanLink[];
  /** code 2 = error. */
  status?: { code?: number; message?: string };
}

export interface OtlpResourceSpans {
  resource?: { attributes?: OtlpKeyValue[] };
  scopeSpans?: Array<{ scope?: { name?: string; version?: string }; spans?: OtlpSpan[] }>;
}

export interface ExportTraceServiceRequest {
  resourceSpans?: OtlpResourceSpans[];
}

export interface ExportMetricsServiceRequest {
  resourceMetrics?: Array<{
    resource?: { attributes?: OtlpKeyValue[] };
    scopeMetrics?: Array<{ scope?: { name?: string }; metrics?: Array<Record<string, unknown> & { name: string }> }>;
  }>;
}

/** A logs request as the file exporter writes it (same shape as the schema's, lists possibly absent). */
export interface FileLogsRequest {
  resourceLogs?: OtlpResourceLogs[];
}
