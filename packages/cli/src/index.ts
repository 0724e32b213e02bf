export type { MainStreams } from './main.js';
export type { ConvertCommandOptions } from './commands/convert.js';
export type { ValidateCommandOptions } from './commands/validate.js';
export { main } from './main.js';
export { CONVERT_CHUNK_RECORDS, convertCommand } from './commands/convert.js';
export { validateCommand } from './commands/validate.js';
export type { LocalData, Signal, StoredLog, StoredSpan } from './local-data.js';
export type {
  ExportMetricsServiceRequest,
  ExportTraceServiceRequest,
  FileLogsRequest,
  OtlpResourceSpans,
  OtlpSpan,
  OtlpSpanEvent,
  OtlpSpanLink,
} from './otlp-traces.js';
export { readLocalData, readRequests, signalFiles } from './local-data.js';
