import { tmpdir } from 'node:os';
import { ERROR_CODES, TracebridgeError, agentResource, isLevel, parseResourceAttributes } from '@tracebridge/schema';
import type { Attributes, Level, MappingOptions } from '@tracebridge/schema';
import type { PipelineConfig } from './internal/record-pipeline.js';
import { DEFAULT_EXACT_KEYS, DEFAULT_KEY_PARTS, DEFAULT_PATTERNS } from './internal/redact.js';
import type { RedactionConfig } from './internal/redact.js';
import { spoolConfigFromEnv } from './internal/spool.js';
import { warnOnce } from './internal/warn-once.js';
import type { LoggerOptions, OtlpProtocol, OutputMode } from './types.js';

/** Options after defaults and environment variables were applied. */
export interface ResolvedConfig {
  level: Level;
  disabled: boolean;
  thread: boolean;
  handleExit: boolean;
  maxQueueBytes: number;
  maxRecordBytes: number;
  spillDir: string | false;
  maxSpillBytes: number;
  shutdownTimeoutMillis: number;
  traceSampling: { perTrace: number; maxTraces: number } | undefined;
  recordErrorsOnSpans: boolean;
  pipeline: PipelineConfig;
}

const OUTPUTS: readonly OutputMode[] = ['otlp', 'jsonl', 'both'];
const PROTOCOLS: readonly OtlpProtocol[] = ['http/protobuf', 'http/json'];

/**
 * Applies defaults and the standard environment variables. Explicit options that make no sense throw
 * (a programming error, seen at startup); bad environment values are warned about once and replaced by
 * their default (an operator's typo must not stop an agent).
 */
export function resolveConfig(options: LoggerOptions, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  const agentId = options.agentId ?? nonEmpty(env.TRACEBRIDGE_AGENT_ID);
  if (agentId === undefined) {
    throw invalid('agentId', 'is required (or set TRACEBRIDGE_AGENT_ID), e.g. "A1-haiku-001"');
  }
  if (typeof options.component !== 'string' || options.component === '') {
    throw invalid('component', 'is required: the subsystem writing, e.g. "redis_bus"');
  }
  const level = resolveLevel(options.level, env.TRACEBRIDGE_LOG_LEVEL);
  const output = pick('output', options.output, env.TRACEBRIDGE_LOG_OUTPUT, OUTPUTS, 'otlp');
  const protocol = pick(
    'protocol',
    options.protocol,
    env.OTEL_EXPORTER_OTLP_LOGS_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL,
    PROTOCOLS,
    'http/protobuf',
  );
  const custom = options.exporter !== undefined || options.processors !== undefined;
  const thread = options.thread ?? !custom;
  if (thread && custom) throw invalid('thread', 'must be false when a custom exporter or processors are given');

  const resourceAttributes: Attributes = {
    ...parseResourceAttributes(env.OTEL_RESOURCE_ATTRIBUTES),
    ...(options.resourceAttributes ?? {}),
  };
  const mapping: MappingOptions = { resourceAttributes };
  const serviceName = options.serviceName ?? nonEmpty(env.OTEL_SERVICE_NAME);
  if (serviceName !== undefined) mapping.serviceName = serviceName;
  const environment = options.environment ?? nonEmpty(env.TRACEBRIDGE_ENVIRONMENT);
  if (environment !== undefined) mapping.environment = environment;

  const batch = positive('maxExportBatchSize', options.maxExportBatchSize, env.OTEL_BLRP_MAX_EXPORT_BATCH_SIZE, 4096);
  const pipeline: PipelineConfig = {
    output,
    agentId,
    mapping,
    resource: agentResource(agentId, mapping),
    endpoint: options.endpoint ?? resolveEndpoint(env),
    protocol,
    headers: { ...parseHeaders(env.OTEL_EXPORTER_OTLP_HEADERS), ...parseHeaders(env.OTEL_EXPORTER_OTLP_LOGS_HEADERS), ...(options.headers ?? {}) },
    exportTimeoutMillis: positive('exportTimeoutMillis', options.exportTimeoutMillis, env.OTEL_BLRP_EXPORT_TIMEOUT, 10_000),
    maxExportBatchSize: batch,
    scheduleDelayMillis: positive('scheduleDelayMillis', options.scheduleDelayMillis, env.OTEL_BLRP_SCHEDULE_DELAY, 1000),
    maxHeldRecords: positive('maxQueueSize', undefined, env.OTEL_BLRP_MAX_QUEUE_SIZE, Math.max(4 * batch, 16_384)),
    attributeCountLimit: positive(
      'attributeCountLimit',
      options.attributeCountLimit,
      env.OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT ?? env.OTEL_ATTRIBUTE_COUNT_LIMIT,
      1024,
    ),
    jsonlPath: options.jsonlPath ?? nonEmpty(env.TRACEBRIDGE_LOG_FILE) ?? 'stdout',
    jsonlMaxBytes: positive('jsonlMaxBytes', options.jsonlMaxBytes, undefined, 100 * 1024 * 1024),
    jsonlMaxFiles: positive('jsonlMaxFiles', options.jsonlMaxFiles, undefined, 5),
    redaction: false,
    recordUid: options.recordUid ?? true,
  };
  pipeline.redaction = resolveRedaction(options.redact, env.TRACEBRIDGE_REDACT);
  const spool = options.spoolDir === false ? undefined : spoolConfigFromEnv(options.spoolDir === undefined ? env : { ...env, TRACEBRIDGE_SPOOL_DIR: options.spoolDir });
  if (spool !== undefined) pipeline.spool = spool;
  const valueLimit = options.attributeValueLengthLimit ?? numberFromEnv(
    'OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT',
    env.OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT ?? env.OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT,
  );
  if (valueLimit !== undefined) pipeline.attributeValueLengthLimit = valueLimit;

  return {
    level,
    disabled: options.disabled ?? env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true',
    thread,
    handleExit: options.handleExit ?? true,
    maxQueueBytes: positive('maxQueueBytes', options.maxQueueBytes, undefined, 32 * 1024 * 1024),
    maxRecordBytes: positive('maxRecordBytes', options.maxRecordBytes, undefined, 1024 * 1024),
    spillDir: options.spillDir === undefined ? tmpdir() : options.spillDir,
    maxSpillBytes: positive('maxSpillBytes', options.maxSpillBytes, undefined, 1024 * 1024 * 1024),
    shutdownTimeoutMillis: positive('shutdownTimeoutMillis', options.shutdownTimeoutMillis, undefined, 5000),
    traceSampling: resolveTraceSampling(options.traceSampling, env.TRACEBRIDGE_TRACE_SAMPLING),
    recordErrorsOnSpans: options.recordErrorsOnSpans ?? true,
    pipeline,
  };
}

function resolveTraceSampling(option: LoggerOptions['traceSampling'], fromEnv: string | undefined): ResolvedConfig['traceSampling'] {
  const on = option ?? ['on', 'true', '1'].includes((fromEnv ?? '').trim().toLowerCase());
  if (on === false) return undefined;
  const o = typeof on === 'object' ? on : {};
  return {
    perTrace: positive('traceSampling.perTrace', o.perTrace, undefined, 64),
    maxTraces: positive('traceSampling.maxTraces', o.maxTraces, undefined, 1024),
  };
}

function resolveRedaction(option: LoggerOptions['redact'], fromEnv: string | undefined): RedactionConfig | false {
  if (option === false) return false;
  if (option === undefined && ['off', 'false', '0', 'none'].includes((fromEnv ?? '').trim().toLowerCase())) return false;
  const o = option ?? {};
  const defaults = o.defaults !== false;
  for (const p of o.patterns ?? []) {
    if (!(p instanceof RegExp)) throw invalid('redact.patterns', 'must hold regular expressions');
  }
  return {
    replacement: o.replacement ?? '[REDACTED]',
    exactKeys: [...(defaults ? DEFAULT_EXACT_KEYS : []), ...(o.keys ?? [])],
    keyParts: defaults ? [...DEFAULT_KEY_PARTS] : [],
    paths: [...(o.paths ?? [])],
    patterns: [...(defaults ? DEFAULT_PATTERNS : []), ...(o.patterns ?? [])],
  };
}

/** `OTEL_EXPORTER_OTLP_LOGS_ENDPOINT` as given; `OTEL_EXPORTER_OTLP_ENDPOINT` with `/v1/logs` appended. */
export function resolveEndpoint(env: NodeJS.ProcessEnv): string {
  const logs = nonEmpty(env.OTEL_EXPORTER_OTLP_LOGS_ENDPOINT);
  if (logs !== undefined) return logs;
  const base = nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  if (base !== undefined) return `${base.replace(/\/+$/, '')}/v1/logs`;
  return 'http://localhost:4318/v1/logs';
}

function resolveLevel(option: string | undefined, fromEnv: string | undefined): Level {
  if (option !== undefined) {
    const upper = option.toUpperCase();
    if (!isLevel(upper)) throw invalid('level', `must be one of DEBUG, INFO, WARN, ERROR, FATAL, got "${option}"`);
    return upper;
  }
  const value = nonEmpty(fromEnv)?.toUpperCase();
  if (value === undefined) return 'INFO';
  if (value === 'WARNING') return 'WARN';
  if (isLevel(value)) return value;
  warnOnce('env-level', `tracebridge: TRACEBRIDGE_LOG_LEVEL="${fromEnv}" is not a level; using INFO`);
  return 'INFO';
}

function pick<T extends string>(name: string, option: T | undefined, fromEnv: string | undefined, allowed: readonly T[], fallback: T): T {
  if (option !== undefined) {
    if (!allowed.includes(option)) throw invalid(name, `must be one of ${allowed.join(', ')}, got "${option}"`);
    return option;
  }
  const value = nonEmpty(fromEnv) as T | undefined;
  if (value === undefined) return fallback;
  if (allowed.includes(value)) return value;
  warnOnce(`env-${name}`, `tracebridge: ${name} "${value}" from the environment is not supported (${allowed.join(', ')}); using ${fallback}`);
  return fallback;
}

function positive(name: string, option: number | undefined, fromEnv: string | undefined, fallback: number): number {
  if (option !== undefined) {
    if (!Number.isFinite(option) || option <= 0) throw invalid(name, `must be a positive number, got ${option}`);
    return option;
  }
  return numberFromEnv(name, fromEnv) ?? fallback;
}

function numberFromEnv(name: string, text: string | undefined): number | undefined {
  const value = nonEmpty(text);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (Number.isFinite(n) && n > 0) return n;
  warnOnce(`env-${name}`, `tracebridge: "${value}" is not a positive number for ${name}; using the default`);
  return undefined;
}

/** `key1=value1,key2=value2`, percent-decoded: the OTLP headers variable format. */
function parseHeaders(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parseResourceAttributes(text))) out[k] = String(v);
  return out;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function invalid(option: string, problem: string): TracebridgeError {
  return new TracebridgeError(ERROR_CODES.INVALID_OPTION, `createLogger: option ${option} ${problem}`);
}
