/**
 * The same logs and spans `readLocalData` gives, read from Loki and Tempo over their HTTP APIs, so one
 * timeline builder serves both. The queries are those of docs/queries.md:
 *
 * - logs: Loki `GET /loki/api/v1/query_range` with `{service_name=~".+"} | correlation_id="…"` or
 *   `| trace_id="…"` (structured metadata filters; every stream selected);
 * - a trace: Tempo `GET /api/v2/traces/<trace id>`;
 * - the traces of a correlation id: Tempo `GET /api/search?q={ span.correlation.id = "…" }`, then each by id.
 *
 * Loki gives back what the OTLP mapping spread over labels and structured metadata (`service_name`,
 * `correlation_id`, `exception_type`, …): it is folded back into resource, scope, record and attribute
 * fields, resource attributes Loki does not index included (internal/loki-fields.ts). Tempo's JSON is
 * protobuf's JSON mapping: ids in base64, enums by name; both are normalised. Tempo's v2 trace API
 * answers an unknown trace with 200 and an empty trace (not a 404), and a trace over its size limit
 * with `status: "PARTIAL"`: both become warnings.
 *
 * A multi-tenant Loki or Tempo needs the tenant in `X-Scope-OrgID` (several as `a|b`, where the backend
 * allows multi-tenant queries): `RemoteSource.tenant`.
 */
import { ATTR_GEN_AI_AGENT_ID, ERROR_CODES, TracebridgeError, fromKeyValues } from '@tracebridge/schema';
import type { StoredLog, StoredSpan } from './local-data.js';
import type { OtlpResourceSpans, OtlpSpan } from './otlp-traces.js';
import { AGENT_ID_FIELD, ATTRIBUTE_FIELDS, INSTANCE_ID_FIELD, RECORD_FIELDS, RESOURCE_FIELDS } from './internal/loki-fields.js';
import { normalizeId, spanKindName, statusName } from './internal/otlp-values.js';
import { idKind } from './timeline.js';
import type { TelemetryData } from './timeline.js';

/** Where Loki and Tempo are, and how far back to look. */
export interface RemoteSource {
  /** Loki's base URL (`http://loki:3100`); `user:password@` in it becomes basic authentication. */
  loki: string;
  /** Tempo's base URL (`http://tempo:3200`); `user:password@` in it becomes basic authentication. */
  tempo: string;
  /**
   * Tenant of a multi-tenant Loki and Tempo, sent as `X-Scope-OrgID` (`a|b` reads several where the
   * backend allows it). @default none: a single-tenant backend needs none
   */
  tenant?: string;
  /** How far back to search, in milliseconds. @default 24 hours */
  sinceMs?: number;
  /** Most log records read per Loki query. @default 5000 */
  logLimit?: number;
  /** Timeout of each HTTP request, in milliseconds. @default 30000 */
  timeoutMs?: number;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** The current time in milliseconds (tests pin it). @default Date.now */
  now?: () => number;
}

/** Logs and spans read from the backends, and what could not be read fully. */
export interface RemoteData extends TelemetryData {
  logs: StoredLog[];
  spans: StoredSpan[];
  /** One line per partial answer (a limit reached, a trace not found). */
  warnings: string[];
}

/** Most traces fetched for one correlation id, or for the list of recent requests. */
const MAX_TRACES = 50;

/** The logs and spans of one trace id or correlation id. */
export async function readRemoteTimelineData(source: RemoteSource, id: string): Promise<RemoteData> {
  const out: RemoteData = { logs: [], spans: [], warnings: [] };
  const client = new Backends(source, out.warnings);
  let traceIds: string[];
  if (idKind(id) === 'trace') {
    traceIds = [id.toLowerCase()];
    out.logs.push(...(await client.logs(`{service_name=~".+"} | trace_id="${id.toLowerCase()}"`)));
  } else {
    traceIds = await client.searchTraces(`{ span.correlation.id = ${quote(id)} }`, MAX_TRACES);
    const logs = await client.logs(`{service_name=~".+"} | correlation_id=${quote(id)}`);
    out.logs.push(...logs);
    for (const l of logs) {
      const traceId = normalizeId(l.record.traceId, 16);
      if (traceId !== undefined && !traceIds.includes(traceId) && traceIds.length < MAX_TRACES) traceIds.push(traceId);
    }
    // Records of those traces written outside the correlation scope (before it was set) belong there too.
    if (traceIds.length > 0) {
      const known = new Set(out.logs.map(logKey));
      for (const l of await client.logs(`{service_name=~".+"} | trace_id=~"${traceIds.join('|')}"`)) {
        if (!known.has(logKey(l))) out.logs.push(l);
      }
    }
  }
  for (const traceId of traceIds) out.spans.push(...(await client.trace(traceId)));
  return out;
}

/** The logs and spans of the most recent traces, for the list of requests. */
export async function readRemoteRecentData(source: RemoteSource, options: { limit: number }): Promise<RemoteData> {
  const out: RemoteData = { logs: [], spans: [], warnings: [] };
  const client = new Backends(source, out.warnings);
  const traceIds = await client.searchTraces('{ }', Math.min(MAX_TRACES, Math.max(1, options.limit)));
  for (const traceId of traceIds) out.spans.push(...(await client.trace(traceId)));
  if (traceIds.length > 0) out.logs.push(...(await client.logs(`{service_name=~".+"} | trace_id=~"${traceIds.join('|')}"`)));
  return out;
}

/** A string literal for LogQL and TraceQL (both take Go-style double-quoted strings). */
export function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

function logKey(l: StoredLog): string {
  return `${l.record.timeUnixNano}\u0000${l.record.spanId ?? ''}\u0000${l.record.body?.stringValue ?? ''}`;
}

/** The two HTTP APIs, with the source's time range, limits and authentication. */
class Backends {
  private readonly fetch: typeof fetch;
  private readonly now: number;
  private readonly since: number;

  constructor(
    private readonly source: RemoteSource,
    private readonly warnings: string[],
  ) {
    this.fetch = source.fetch ?? globalThis.fetch;
    this.now = (source.now ?? Date.now)();
    this.since = source.sinceMs ?? 24 * 3600_000;
  }

  /** Log records of a LogQL query over the time range, oldest first. */
  async logs(query: string): Promise<StoredLog[]> {
    const limit = this.source.logLimit ?? 5000;
    const params = new URLSearchParams({
      query,
      start: `${BigInt(this.now - this.since) * 1_000_000n}`,
      end: `${BigInt(this.now + 60_000) * 1_000_000n}`,
      limit: String(limit),
      direction: 'forward',
    });
    // Asks Loki to keep structured metadata apart from stream labels (Loki 3); older answers put both in
    // `stream`, which is read the same way.
    const body = (await this.get('Loki', this.source.loki, `/loki/api/v1/query_range?${params}`, {
      'X-Loki-Response-Encoding-Flags': 'categorize-labels',
    })) as LokiResponse | undefined;
    const out: StoredLog[] = [];
    for (const stream of body?.data?.result ?? []) {
      for (const value of stream.values ?? []) {
        const [ts, line, meta] = value;
        const labels: Record<string, string> = { ...stream.stream, ...meta?.structuredMetadata, ...meta?.parsed };
        out.push(lokiRecord(ts, line, labels));
      }
    }
    if (out.length >= limit) this.warnings.push(`Loki: the query returned the limit of ${limit} records; older or newer ones may be missing`);
    return out.sort((a, b) => (BigInt(a.record.timeUnixNano ?? 0) < BigInt(b.record.timeUnixNano ?? 0) ? -1 : 1));
  }

  /** Trace ids of a TraceQL search over the time range. */
  async searchTraces(traceql: string, limit: number): Promise<string[]> {
    const params = new URLSearchParams({
      q: traceql,
      start: String(Math.floor((this.now - this.since) / 1000)),
      end: String(Math.ceil((this.now + 60_000) / 1000)),
      limit: String(limit),
    });
    const body = (await this.get('Tempo', this.source.tempo, `/api/search?${params}`)) as TempoSearchResponse | undefined;
    const ids: string[] = [];
    for (const t of body?.traces ?? []) {
      const id = normalizeId(t.traceID, 16);
      if (id !== undefined && !ids.includes(id)) ids.push(id);
    }
    return ids;
  }

  /** The spans of a trace; none (and a warning) when Tempo does not know it. */
  async trace(traceId: string): Promise<StoredSpan[]> {
    const body = (await this.get('Tempo', this.source.tempo, `/api/v2/traces/${traceId}`)) as TempoTraceResponse | undefined;
    const batches = body?.trace?.resourceSpans ?? body?.resourceSpans ?? body?.batches ?? [];
    if (body?.status === 'PARTIAL') {
      this.warnings.push(`Tempo: trace ${traceId} is partial: ${body.message ?? 'it is larger than the per-trace limit'} (overrides max_bytes_per_trace)`);
    } else if (batches.length === 0) {
      // A 404 from older releases, `{"trace":{}}` (200) from the v2 API since Tempo 2.7.
      this.warnings.push(`Tempo: trace ${traceId} not found (not yet flushed, or past retention)`);
      return [];
    }
    const out: StoredSpan[] = [];
    for (const rs of batches) {
      const resource = fromKeyValues(rs.resource?.attributes);
      for (const ss of rs.scopeSpans ?? (rs as { instrumentationLibrarySpans?: OtlpResourceSpans['scopeSpans'] }).instrumentationLibrarySpans ?? []) {
        for (const span of ss.spans ?? []) {
          const normal = normalizeSpan(span);
          if (normal !== undefined) out.push({ resource, scope: ss.scope?.name ?? '', span: normal, attributes: fromKeyValues(span.attributes) });
        }
      }
    }
    return out;
  }

  /** GET a JSON answer; `undefined` for a 404; a TracebridgeError for anything else that is not 2xx. */
  private async get(name: string, base: string, pathAndQuery: string, headers: Record<string, string> = {}): Promise<unknown> {
    const { url, authorization } = splitCredentials(base, pathAndQuery);
    const all: Record<string, string> = { Accept: 'application/json', ...headers };
    if (authorization !== undefined) all.Authorization = authorization;
    if (this.source.tenant !== undefined) all['X-Scope-OrgID'] = this.source.tenant;
    let res: Response;
    try {
      res = await this.fetch(url, { headers: all, signal: AbortSignal.timeout(this.source.timeoutMs ?? 30_000) });
    } catch (err) {
      throw new TracebridgeError(ERROR_CODES.BACKEND, `${name} at ${redact(base)} cannot be reached: ${(err as Error).message}`, { cause: err });
    }
    if (res.status === 404) return undefined;
    const text = await res.text();
    if (!res.ok) {
      // A multi-tenant Loki or Tempo refuses a request without X-Scope-OrgID ("no org id").
      const hint = res.status === 401 && this.source.tenant === undefined ? '; a multi-tenant backend needs --tenant (or TRACEBRIDGE_TENANT)' : '';
      throw new TracebridgeError(ERROR_CODES.BACKEND, `${name} at ${redact(base)} answered HTTP ${res.status}: ${text.trim().slice(0, 300)}${hint}`);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new TracebridgeError(ERROR_CODES.BACKEND, `${name} at ${redact(base)} answered something that is not JSON: ${text.slice(0, 120)}`, { cause: err });
    }
  }
}

/** `fetch` refuses URLs with credentials: move them to an Authorization header. */
function splitCredentials(base: string, pathAndQuery: string): { url: string; authorization?: string } {
  let parsed: URL;
  try {
    parsed = new URL(base);
  } catch (err) {
    throw new TracebridgeError(ERROR_CODES.USAGE, `not a URL: ${base}; pass e.g. --loki http://loki:3100`, { cause: err });
  }
  const user = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  parsed.username = '';
  parsed.password = '';
  const url = `${parsed.toString().replace(/\/+$/, '')}${pathAndQuery}`;
  if (user === '' && password === '') return { url };
  return { url, authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

/** A base URL without its password, for messages. */
function redact(base: string): string {
  try {
    const u = new URL(base);
    if (u.password !== '') u.password = '***';
    return u.toString().replace(/\/+$/, '');
  } catch {
    return base;
  }
}

function lokiRecord(ts: string, line: string, labels: Record<string, string>): StoredLog {
  const resource: Record<string, unknown> = {};
  const attributes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(labels)) {
    if (RECORD_FIELDS.has(key)) continue;
    const resourceKey = RESOURCE_FIELDS.get(key);
    if (resourceKey !== undefined) resource[resourceKey] = value;
    else if (key !== AGENT_ID_FIELD) attributes[ATTRIBUTE_FIELDS.get(key) ?? key] = value;
  }
  const agentId = labels[AGENT_ID_FIELD];
  if (agentId !== undefined) {
    if (agentId === labels[INSTANCE_ID_FIELD]) resource[ATTR_GEN_AI_AGENT_ID] = agentId;
    else attributes[ATTR_GEN_AI_AGENT_ID] = agentId;
  }
  const severityNumber = Number(labels.severity_number);
  const record: StoredLog['record'] = {
    timeUnixNano: ts,
    body: { stringValue: line },
  };
  const severityText = labels.severity_text ?? labels.level ?? labels.detected_level;
  if (severityText !== undefined) record.severityText = severityText;
  if (Number.isFinite(severityNumber) && labels.severity_number !== undefined) record.severityNumber = severityNumber;
  if (labels.trace_id !== undefined) record.traceId = labels.trace_id;
  if (labels.span_id !== undefined) record.spanId = labels.span_id;
  return { resource, scope: labels.scope_name ?? '', record, attributes };
}

function normalizeSpan(span: TempoSpan): OtlpSpan | undefined {
  const traceId = normalizeId(span.traceId, 16);
  const spanId = normalizeId(span.spanId, 8);
  if (traceId === undefined || spanId === undefined) return undefined;
  const { kind, status, parentSpanId, ...rest } = span;
  const code = statusName(status?.code);
  const out: OtlpSpan = {
    ...rest,
    traceId,
    spanId,
    kind: SPAN_KIND_NUMBERS[spanKindName(kind)],
    status: { code: code === 'error' ? 2 : code === 'ok' ? 1 : 0, ...(status?.message ? { message: status.message } : {}) },
  };
  const parent = normalizeId(parentSpanId, 8);
  if (parent !== undefined) out.parentSpanId = parent;
  return out;
}

const SPAN_KIND_NUMBERS = { unspecified: 0, internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;

/** A span as Tempo writes it: enums may be names. */
type TempoSpan = Omit<OtlpSpan, 'kind' | 'status'> & { kind?: number | string; status?: { code?: number | string; message?: string } };

interface TempoTraceResponse {
  trace?: { resourceSpans?: TempoResourceSpans[] };
  /** `PARTIAL` when the trace is larger than the tenant's max_bytes_per_trace (v2 API). */
  status?: string;
  message?: string;
  resourceSpans?: TempoResourceSpans[];
  batches?: TempoResourceSpans[];
}

interface TempoResourceSpans {
  resource?: OtlpResourceSpans['resource'];
  scopeSpans?: Array<{ scope?: { name?: string }; spans?: TempoSpan[] }>;
}

interface TempoSearchResponse {
  traces?: Array<{ traceID?: string }>;
}

interface LokiResponse {
  data?: {
    result?: Array<{
      stream?: Record<string, string>;
      values?: Array<[string, string, { structuredMetadata?: Record<string, string>; parsed?: Record<string, string> }?]>;
    }>;
  };
}
