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
export type { DemoCommandOptions } from './commands/demo.js';
export type { TraceCommandOptions } from './commands/trace.js';
export type {
  BuildTimelineOptions,
  TelemetryData,
  TimelineDocument,
  TimelineException,
  TimelineLogRow,
  TimelineRow,
  TimelineSpanRow,
  TraceTimeline,
} from './timeline.js';
export type { ListRequestsOptions, RequestSummary } from './request-list.js';
export type { LlmCall, UsageSummary, UsageTotals } from './llm-usage.js';
export type { ModelPrice, PriceTable } from './prices.js';
export { llmCallOf, summarizeUsage } from './llm-usage.js';
export { loadPriceTable, parsePriceTable, priceFor } from './prices.js';
export type { RemoteData, RemoteSource } from './remote-data.js';
export type { TerminalRenderOptions } from './render-terminal.js';
export type { RequestListRenderOptions } from './render-request-list.js';
export { AGENT_IMPORT, demoCommand } from './commands/demo.js';
export { DEFAULT_DATA_DIR, traceCommand } from './commands/trace.js';
export { TIMELINE_FORMAT_VERSION, buildTimeline, idKind, isEmptyTimeline } from './timeline.js';
export { listRequests } from './request-list.js';
export { readRemoteRecentData, readRemoteTimelineData } from './remote-data.js';
export { barOf, renderTimelineText } from './render-terminal.js';
export { renderRequestList } from './render-request-list.js';
export { renderTimelineHtml } from './render-html.js';
