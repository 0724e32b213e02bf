import { canonicalJson } from './internal/json-value.js';
import { mapRecord } from './map-record.js';
import { toKeyValues } from './otlp-json.js';
import type { ExportLogsServiceRequest, OtlpLogRecord, OtlpResourceLogs } from './otlp-json.js';
import type { Attributes, MappedRecord, MappingOptions } from './types.js';

const NO_AGENT = Symbol('no agent_id');

/**
 * Records to one OTLP/JSON `ExportLogsServiceRequest`, grouped by resource (agent identity) and scope
 * (component) in order of first appearance. Each record goes through {@link mapRecord}.
 */
export function toOtlp(
  records: Iterable<Readonly<Record<string, unknown>>>,
  options: MappingOptions = {},
): ExportLogsServiceRequest {
  const observed = String(options.observedTimeUnixNano ?? nowUnixNano());
  const resources = new Map<string, { entry: OtlpResourceLogs; scopes: Map<string, OtlpLogRecord[]> }>();
  // Resource attributes depend only on agent_id and the options: compute each agent's once.
  const byAgent = new Map<unknown, { resource: Attributes; key: string }>();
  for (const record of records) {
    const agentKey = typeof record.agent_id === 'string' ? record.agent_id : NO_AGENT;
    let cached = byAgent.get(agentKey);
    const mapped = mapRecord(record, options, cached?.resource);
    if (cached === undefined) {
      cached = { resource: mapped.resource, key: canonicalJson(mapped.resource) };
      byAgent.set(agentKey, cached);
    }
    const { resource, key } = cached;
    let group = resources.get(key);
    if (group === undefined) {
      group = { entry: { resource: { attributes: toKeyValues(resource) }, scopeLogs: [] }, scopes: new Map() };
      resources.set(key, group);
    }
    let logRecords = group.scopes.get(mapped.scope);
    if (logRecords === undefined) {
      logRecords = [];
      group.scopes.set(mapped.scope, logRecords);
      group.entry.scopeLogs.push({ scope: mapped.scope === '' ? {} : { name: mapped.scope }, logRecords });
    }
    logRecords.push(toOtlpLogRecord(mapped, observed));
  }
  return { resourceLogs: Array.from(resources.values(), (g) => g.entry) };
}

/** One mapped record as an OTLP/JSON LogRecord. */
export function toOtlpLogRecord(mapped: MappedRecord, observedTimeUnixNano: string): OtlpLogRecord {
  const out: OtlpLogRecord = {};
  if (mapped.timeUnixNano !== undefined) out.timeUnixNano = mapped.timeUnixNano;
  out.observedTimeUnixNano = observedTimeUnixNano;
  if (mapped.severityNumber !== undefined) out.severityNumber = mapped.severityNumber;
  if (mapped.severityText !== undefined) out.severityText = mapped.severityText;
  if (mapped.body !== undefined) out.body = { stringValue: mapped.body };
  const attributes = toKeyValues(mapped.attributes);
  if (attributes.length > 0) out.attributes = attributes;
  if (mapped.flags !== undefined && mapped.flags !== 0) out.flags = mapped.flags;
  if (mapped.traceId !== undefined) out.traceId = mapped.traceId;
  if (mapped.spanId !== undefined) out.spanId = mapped.spanId;
  return out;
}

function nowUnixNano(): string {
  // Date.now has millisecond resolution; performance.timeOrigin + now() gives microseconds.
  return (BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n).toString();
}
