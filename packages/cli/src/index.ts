// The public API of @tracebridge/cli: the command line as a function, the reader of the `local` profile's
// files, and the types of what `tracebridge trace --json` prints and `--prices` reads. Everything else is internal: the
// package's own tests import it from src/ by relative path.
export type { MainStreams } from './main.js';
export { main } from './main.js';
export type { LocalData, Signal, StoredLog, StoredSpan } from './local-data.js';
export { readLocalData } from './local-data.js';
export type {
  ExportMetricsServiceRequest,
  ExportTraceServiceRequest,
  FileLogsRequest,
  OtlpResourceSpans,
  OtlpSpan,
  OtlpSpanEvent,
  OtlpSpanLink,
} from './otlp-traces.js';
export type {
  TimelineDocument,
  TimelineException,
  TimelineLogRow,
  TimelineRow,
  TimelineSpanRow,
  TraceTimeline,
} from './timeline.js';
export { TIMELINE_FORMAT_VERSION } from './timeline.js';
export type { RequestSummary } from './request-list.js';
export type { LlmCall, UsageSummary, UsageTotals } from './llm-usage.js';
export type { ModelPrice, PriceTable } from './prices.js';
