export type {
  AttributeValue,
  Attributes,
  Level,
  MappedRecord,
  MappingOptions,
  RecordError,
  RecordPerformance,
  TracebridgeRecord,
  ValidationProblem,
} from './types.js';
export type {
  ExportLogsServiceRequest,
  OtlpAnyValue,
  OtlpKeyValue,
  OtlpLogRecord,
  OtlpResourceLogs,
  OtlpScopeLogs,
} from './otlp-json.js';
export type { ErrorCode } from './errors.js';
export {
  ATTR_AGENT_PARENT_ID,
  ATTR_CONTEXT_PREFIX,
  ATTR_CORRELATION_ID,
  ATTR_DEPLOYMENT_ENVIRONMENT_NAME,
  ATTR_ERROR_TYPE,
  ATTR_EXCEPTION_MESSAGE,
  ATTR_EXCEPTION_STACKTRACE,
  ATTR_EXCEPTION_TYPE,
  ATTR_GEN_AI_AGENT_ID,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_IF_CITATION,
  ATTR_INVALID_PREFIX,
  ATTR_LOG_RECORD_UID,
  ATTR_METADATA_PREFIX,
  ATTR_PERFORMANCE_PREFIX,
  ATTR_SERVICE_INSTANCE_ID,
  ATTR_SERVICE_NAME,
  ATTR_TAGS,
  BAGGAGE_CORRELATION_ID,
  BAGGAGE_PARENT_AGENT_ID,
} from './attributes.js';
export { ERROR_CODES, TracebridgeError } from './errors.js';
export { toRecordError } from './error-record.js';
export { MAX_FLATTEN_DEPTH, flattenAttributes } from './flatten-attributes.js';
export { INVALID_VALUE_MAX_LENGTH, OTLP_SENT_FIELD, RECORD_FIELDS, UNKNOWN_SCOPE, invalidValue, mapRecord } from './map-record.js';
export { fromAnyValue, fromKeyValues, toAnyValue, toKeyValues } from './otlp-json.js';
export { recordJsonSchema } from './record-schema.js';
export { UNKNOWN_SERVICE, agentResource, agentRole, parseResourceAttributes } from './resource.js';
export { LEVELS, SEVERITY_NUMBER, isLevel } from './severity.js';
export { toOtlp, toOtlpLogRecord } from './to-otlp.js';
export { pathOf, validate } from './validate.js';
