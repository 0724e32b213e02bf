export type {
  ChildOptions,
  DropReason,
  EnvCarrier,
  EnvContextOptions,
  LogFields,
  LoggerOptions,
  LoggerStats,
  OtlpProtocol,
  OutputMode,
  PerformanceFields,
  RedactOptions,
} from './types.js';
export type { LogMethod } from './logger.js';
export type { CorrelationKind, CorrelationOptions } from './correlation.js';
export { Logger } from './logger.js';
export { createLogger } from './create-logger.js';
export { getCorrelationId, getParentAgentId, newCorrelationId, withCorrelation, withoutCorrelation } from './correlation.js';
export { traceCorrelationId } from './internal/capture.js';
export { BaggageLogRecordProcessor, CorrelationSpanProcessor } from './processors.js';
export type { SendRecordsOptions } from './send-records.js';
export { sendRecords } from './send-records.js';
export { envGetter, envSetter, envVariableName, extractEnv, injectEnv } from './env-carrier.js';
