// The backend configs of the compose stack (Loki, Tempo, Prometheus, Grafana), checked against each
// other and against what the record mapping emits: the shared vectors in test/vectors are turned
// into what Loki stores for them (labels, structured metadata) the way Loki documents its native
// OTLP ingestion, and the retention rules, Grafana links and dashboard queries are run against that.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parser as logqlParser } from '@grafana/lezer-logql';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, composeSandbox } from '../helpers/compose.js';
import type { ComposeSandbox, Obj } from '../helpers/compose.js';
import {
  LOKI_DEFAULT_INDEXED_RESOURCE_ATTRIBUTES,
  indexedLogAttributes as indexedLogAttributesOf,
  indexedResourceAttributes,
  lokiConfig,
  lokiName,
} from '../helpers/loki-labels.js';
import { loadVectors } from '../helpers/vectors.js';

const read = (rel: string): string => readFileSync(path.join(ROOT, rel), 'utf8');

/** What Compose runs (`docker compose config` of compose.yaml, every profile on). */
let stack: Obj;
let sandbox: ComposeSandbox;
beforeAll(async () => {
  sandbox = await composeSandbox();
  stack = sandbox.config('compose.yaml', { profiles: ['demo'] });
});
afterAll(() => sandbox?.remove());

const loki = lokiConfig();
const tempo = parseYaml(read('compose/tempo.yaml')) as Obj;
const prometheus = parseYaml(read('compose/prometheus.yml')) as Obj;
const datasources = (parseYaml(read('compose/grafana/provisioning/datasources/datasources.yaml')) as Obj).datasources as Obj[];
const dashboard = JSON.parse(read('compose/grafana/dashboards/tracebridge-overview.json')) as Obj;
const dsByUid = new Map(datasources.map((d) => [d.uid as string, d]));

// ---------------------------------------------------------------------------------------------
// What Loki stores for an OTLP log record.

/** Resource attributes Loki indexes as labels in this stack (compose/loki.yaml, distributor.otlp_config). */
const LOKI_INDEXED_RESOURCE_ATTRIBUTES = indexedResourceAttributes(loki);
/** Log attributes loki.yaml promotes to labels (limits_config.otlp_config.log_attributes, index_label). */
const indexedLogAttributes: string[] = indexedLogAttributesOf(loki);

interface AnyValue { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean; arrayValue?: unknown }
const text = (v: AnyValue): string =>
  v.stringValue ?? (v.intValue !== undefined ? String(v.intValue) : v.doubleValue !== undefined ? String(v.doubleValue) : v.boolValue !== undefined ? String(v.boolValue) : JSON.stringify(v));

interface LokiEntry { labels: Record<string, string>; metadata: Record<string, string>; line: string }

/**
 * The Loki entries for an OTLP request, after the collector's LGTM profile added the log attribute
 * `level` (= severity text) and Loki applied its OTLP mapping with loki.yaml's otlp_config.
 */
function lokiEntries(request: Obj, indexedResource: readonly string[] = LOKI_INDEXED_RESOURCE_ATTRIBUTES): LokiEntry[] {
  const out: LokiEntry[] = [];
  for (const rl of request.resourceLogs as Obj[]) {
    const resource = new Map(((rl.resource?.attributes ?? []) as Obj[]).map((a) => [a.key as string, text(a.value)]));
    for (const sl of rl.scopeLogs as Obj[]) {
      for (const lr of sl.logRecords as Obj[]) {
        const labels: Record<string, string> = {};
        const metadata: Record<string, string> = {};
        for (const [k, v] of resource) (indexedResource.includes(k) ? labels : metadata)[lokiName(k)] = v;
        if (sl.scope?.name) metadata.scope_name = sl.scope.name;
        if (lr.traceId) metadata.trace_id = lr.traceId;
        if (lr.spanId) metadata.span_id = lr.spanId;
        if (lr.severityText) metadata.severity_text = lr.severityText;
        if (lr.severityNumber) metadata.severity_number = String(lr.severityNumber);
        const attributes: Array<[string, string]> = ((lr.attributes ?? []) as Obj[]).map((a) => [a.key, text(a.value)]);
        if (lr.severityText) attributes.push(['level', lr.severityText]);
        for (const [k, v] of attributes) (indexedLogAttributes.includes(k) ? labels : metadata)[lokiName(k)] = v;
        out.push({ labels, metadata, line: lr.body?.stringValue ?? '' });
      }
    }
  }
  return out;
}

const vectors = loadVectors();
const entries = vectors.flatMap((v) => lokiEntries(v.expected as unknown as Obj));
const LABELS = new Set([...LOKI_INDEXED_RESOURCE_ATTRIBUTES.map(lokiName), ...indexedLogAttributes.map(lokiName)]);
const METADATA = new Set(entries.flatMap((e) => Object.keys(e.metadata)));

// ---------------------------------------------------------------------------------------------
// LogQL through Grafana's grammar.

interface Matcher { name: string; op: string; value: string }
interface LogqlParts { errors: number[]; selector: Matcher[]; filters: Matcher[]; names: string[] }

const unquote = (s: string): string => (s.startsWith('`') ? s.slice(1, -1) : (JSON.parse(s) as string));

function logql(query: string): LogqlParts {
  const tree = logqlParser.parse(query);
  const parts: LogqlParts = { errors: [], selector: [], filters: [], names: [] };
  const cursor = tree.cursor();
  const ancestors: string[] = [];
  const walk = (): void => {
    const node = cursor.node;
    if (node.type.isError) parts.errors.push(node.from);
    if (node.name === 'Matcher') {
      const kids: string[] = [];
      for (let c = node.firstChild; c; c = c.nextSibling) kids.push(query.slice(c.from, c.to));
      const m = { name: kids[0]!, op: kids[1]!, value: kids[2] ? unquote(kids[2]) : '' };
      (ancestors.includes('Selector') ? parts.selector : parts.filters).push(m);
    }
    if (node.name === 'Identifier') parts.names.push(query.slice(node.from, node.to));
    if (cursor.firstChild()) {
      ancestors.push(node.name);
      do walk(); while (cursor.nextSibling());
      ancestors.pop();
      cursor.parent();
    }
  };
  walk();
  return parts;
}

/** Prometheus-style label matching (Loki selectors and label filters): regexes are fully anchored. */
function matches(m: Matcher, value: string | undefined): boolean {
  const v = value ?? '';
  if (m.op === '=') return v === m.value;
  if (m.op === '!=') return v !== m.value;
  const insensitive = m.value.startsWith('(?i)');
  const re = new RegExp(`^(?:${insensitive ? m.value.slice(4) : m.value})$`, insensitive ? 'is' : 's');
  return m.op === '=~' ? re.test(v) : !re.test(v);
}
const selects = (parts: LogqlParts, e: LokiEntry): boolean =>
  parts.selector.every((m) => matches(m, e.labels[m.name])) &&
  parts.filters.every((m) => matches(m, e.labels[m.name] ?? e.metadata[m.name]));

/** Hours of a Loki/Prometheus duration ("720h", "90d", "1w"). */
function hours(d: string): number {
  let total = 0;
  for (const [, n, unit] of d.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) {
    total += Number(n) * { ms: 1 / 3_600_000, s: 1 / 3600, m: 1 / 60, h: 1, d: 24, w: 168, y: 8760 }[unit as 'h'];
  }
  return total;
}

/** The retention Loki's compactor applies to a stream, by the documented precedence. */
function retentionHours(labels: Record<string, string>): number {
  const rules = ((loki.limits_config.retention_stream ?? []) as Obj[])
    .filter((r) => logql(r.selector as string).selector.every((m) => matches(m, labels[m.name])))
    .sort((a, b) => (b.priority as number) - (a.priority as number));
  return hours((rules[0]?.period ?? loki.limits_config.retention_period ?? '744h') as string);
}

// ---------------------------------------------------------------------------------------------

describe('the Loki view of the shared vectors', () => {
  it('has the labels and metadata the mapping documents, so the checks below are not vacuous', () => {
    const full = entries.find((e) => e.metadata.performance_duration_ms === '512.25')!; // optional-fields
    expect(full.labels).toEqual({ service_name: 'A1', level: 'WARN' });
    expect(full.metadata).toMatchObject({ service_instance_id: 'A1-haiku-001', scope_name: 'redis_bus', trace_id: '0af7651916cd43dd8448eb211c80319c', correlation_id: 'req-4bf92f3577b34da6a3ce929d0e0e4736' });
    for (const key of ['span_id', 'severity_text', 'agent_parent_id', 'exception_type', 'error_type', 'context_task_id']) expect(METADATA).toContain(key);
  });
});

/** The streams a swarm's records make: distinct label sets. */
const streams = (all: LokiEntry[]): number => new Set(all.map((e) => JSON.stringify(Object.entries(e.labels).sort()))).size;

/**
 * One OTLP request per agent of a swarm: `agents` agents in `roles` roles, each logging one record at
 * each level, with the resource the mapping gives an agent (service.name = role, service.instance.id
 * = agent id, deployment.environment.name).
 */
function swarm(agents: number, roles: number): Obj[] {
  const levels: Array<[string, number]> = [['DEBUG', 5], ['INFO', 9], ['WARN', 13], ['ERROR', 17], ['FATAL', 21]];
  return Array.from({ length: agents }, (_, i) => {
    const role = `R${i % roles}`;
    const kv = (key: string, value: string): Obj => ({ key, value: { stringValue: value } });
    return {
      resourceLogs: [{
        resource: { attributes: [kv('service.name', role), kv('service.instance.id', `${role}-agent-${i}`), kv('deployment.environment.name', 'prod')] },
        scopeLogs: [{ scope: { name: 'worker' }, logRecords: levels.map(([text, number]) => ({ severityText: text, severityNumber: number, body: { stringValue: 'x' } })) }],
      }],
    };
  });
}

describe('Loki streams for a swarm of 10,000 agents', () => {
  const requests = swarm(10_000, 20);
  const limit = (loki.limits_config.max_global_streams_per_user as number | undefined) ?? 5000; // Loki's default
  const count = (indexed: readonly string[]): number => streams(requests.flatMap((r) => lokiEntries(r, indexed)));

  it("stay far below Loki's per-tenant stream limit with the agent id as metadata", () => {
    expect(LOKI_INDEXED_RESOURCE_ATTRIBUTES).not.toContain('service.instance.id');
    // roles x levels x one environment, whatever the number of agents.
    expect(count(LOKI_INDEXED_RESOURCE_ATTRIBUTES)).toBe(20 * 5);
    expect(count(LOKI_INDEXED_RESOURCE_ATTRIBUTES)).toBeLessThan(limit / 10);
  });

  it("would pass the limit tenfold with Loki's default labels, which index service.instance.id", () => {
    expect(count(LOKI_DEFAULT_INDEXED_RESOURCE_ATTRIBUTES)).toBe(10_000 * 5);
    expect(count(LOKI_DEFAULT_INDEXED_RESOURCE_ATTRIBUTES)).toBeGreaterThanOrEqual(limit * 10);
  });

  it("keeps the rest of Loki's default list, so only the agent id (and the pod name) move to metadata", () => {
    expect([...LOKI_DEFAULT_INDEXED_RESOURCE_ATTRIBUTES].filter((k) => !LOKI_INDEXED_RESOURCE_ATTRIBUTES.includes(k)).sort()).toEqual(['k8s.pod.name', 'service.instance.id']);
    expect(LOKI_INDEXED_RESOURCE_ATTRIBUTES.filter((k) => !LOKI_DEFAULT_INDEXED_RESOURCE_ATTRIBUTES.includes(k))).toEqual([]);
  });
});

describe('loki.yaml', () => {
  it('stores with TSDB and schema v13 (native OTLP needs both) on a 24h index period', () => {
    const configs = loki.schema_config.configs as Obj[];
    const current = configs.at(-1)!;
    expect(current).toMatchObject({ store: 'tsdb', schema: 'v13', index: { period: '24h' } });
    expect(loki.limits_config.allow_structured_metadata).toBe(true);
  });

  it('enables retention in the compactor, with the delete-request store it requires', () => {
    expect(loki.compactor.retention_enabled).toBe(true);
    expect(loki.compactor.delete_request_store).toBe((loki.schema_config.configs as Obj[]).at(-1)!.object_store);
  });

  it('indexes the log attribute `level` (and no scope attribute, which Loki refuses)', () => {
    expect(indexedLogAttributes).toEqual(['level']);
    expect(((loki.limits_config.otlp_config.scope_attributes ?? []) as Obj[]).some((c) => c.action === 'index_label')).toBe(false);
  });

  it('writes retention selectors that match labels only, and parse as LogQL', () => {
    for (const rule of loki.limits_config.retention_stream as Obj[]) {
      const parts = logql(rule.selector as string);
      expect(parts.errors, rule.selector).toEqual([]);
      expect(parts.filters).toEqual([]);
      for (const m of parts.selector) expect(LABELS, `${m.name} is not a Loki label`).toContain(m.name);
    }
  });

  it('keeps ERROR 90 days, FATAL 365 days and everything else 30, record by record', () => {
    const byLevel = new Map<string, number>();
    for (const e of entries) if (e.labels.level) byLevel.set(e.labels.level, retentionHours(e.labels));
    expect(Object.fromEntries(byLevel)).toEqual({ DEBUG: 720, INFO: 720, WARN: 720, ERROR: 2160, FATAL: 8760 });
    expect(retentionHours({ service_name: 'A1' })).toBe(720);
  });

  it('applies the same retention whatever the case of the severity text', () => {
    expect(retentionHours({ level: 'error' })).toBe(2160);
    expect(retentionHours({ level: 'Fatal' })).toBe(8760);
    expect(retentionHours({ level: 'ERRORS' })).toBe(720);
  });
});

/** Every key path of a parsed YAML document (maps only; list items are values). */
function keyPaths(node: unknown, prefix = ''): string[] {
  if (!node || typeof node !== 'object' || Array.isArray(node)) return [];
  return Object.entries(node as Obj).flatMap(([k, v]) => [`${prefix}${k}`, ...keyPaths(v, `${prefix}${k}.`)]);
}

/**
 * The keys of each backend config, checked against the pinned release through the sources its header
 * names. A key added to a file must be checked the same way and added here, or this test fails.
 */
const CHECKED_KEYS: Record<string, { file: string; paths: (doc: Obj) => string[]; keys: string[] }> = {
  loki: {
    file: 'compose/loki.yaml',
    paths: (doc) => keyPaths(doc),
    keys: [
      'auth_enabled', 'server', 'server.http_listen_port', 'server.grpc_listen_port', 'server.log_level',
      'distributor', 'distributor.otlp_config', 'distributor.otlp_config.default_resource_attributes_as_index_labels',
      'common', 'common.instance_addr', 'common.path_prefix', 'common.replication_factor', 'common.ring', 'common.ring.kvstore',
      'common.ring.kvstore.store', 'common.storage', 'common.storage.filesystem', 'common.storage.filesystem.chunks_directory',
      'common.storage.filesystem.rules_directory', 'schema_config', 'schema_config.configs', 'storage_config', 'storage_config.tsdb_shipper',
      'storage_config.tsdb_shipper.active_index_directory', 'storage_config.tsdb_shipper.cache_location', 'compactor',
      'compactor.working_directory', 'compactor.compaction_interval', 'compactor.retention_enabled', 'compactor.retention_delete_delay',
      'compactor.delete_request_store', 'limits_config', 'limits_config.allow_structured_metadata', 'limits_config.volume_enabled',
      'limits_config.retention_period', 'limits_config.retention_stream', 'limits_config.otlp_config', 'limits_config.otlp_config.log_attributes',
      'analytics', 'analytics.reporting_enabled',
      // List items: schema_config.configs[], retention_stream[], log_attributes[].
      'configs[].from', 'configs[].store', 'configs[].object_store', 'configs[].schema', 'configs[].index', 'configs[].index.prefix', 'configs[].index.period',
      'retention_stream[].selector', 'retention_stream[].priority', 'retention_stream[].period',
      'log_attributes[].action', 'log_attributes[].attributes',
    ],
  },
  prometheus: {
    file: 'compose/prometheus.yml',
    paths: (doc) => [...keyPaths(doc), ...(doc.scrape_configs as Obj[]).flatMap((j) => keyPaths(j, 'scrape_configs[].'))],
    keys: [
      'global', 'global.scrape_interval', 'global.evaluation_interval', 'rule_files', 'scrape_configs', 'otlp', 'otlp.translation_strategy',
      'storage', 'storage.tsdb', 'storage.tsdb.out_of_order_time_window', 'scrape_configs[].job_name', 'scrape_configs[].static_configs',
    ],
  },
  grafanaDatasources: {
    file: 'compose/grafana/provisioning/datasources/datasources.yaml',
    paths: (doc) => [...keyPaths(doc), ...(doc.datasources as Obj[]).flatMap((d) => keyPaths(d, `${d.type}.`))],
    keys: [
      'apiVersion', 'datasources',
      ...['loki', 'tempo', 'prometheus'].flatMap((t) => ['name', 'uid', 'type', 'access', 'url', 'isDefault', 'jsonData', 'secureJsonData'].map((k) => `${t}.${k}`)),
      'loki.jsonData.maxLines', 'loki.jsonData.httpHeaderName1', 'loki.jsonData.derivedFields', 'loki.secureJsonData.httpHeaderValue1',
      'tempo.jsonData.tracesToLogsV2', 'tempo.jsonData.nodeGraph', 'tempo.jsonData.nodeGraph.enabled', 'tempo.jsonData.search', 'tempo.jsonData.search.hide',
      ...['datasourceUid', 'spanStartTimeShift', 'spanEndTimeShift', 'tags', 'filterByTraceID', 'filterBySpanID', 'customQuery', 'query'].map((k) => `tempo.jsonData.tracesToLogsV2.${k}`),
      'prometheus.jsonData.httpMethod', 'prometheus.jsonData.timeInterval',
    ],
  },
  grafanaDashboards: {
    file: 'compose/grafana/provisioning/dashboards/dashboards.yaml',
    paths: (doc) => [...keyPaths(doc), ...(doc.providers as Obj[]).flatMap((p) => keyPaths(p, 'providers[].'))],
    keys: [
      'apiVersion', 'providers',
      ...['name', 'orgId', 'folder', 'type', 'disableDeletion', 'allowUiUpdates', 'updateIntervalSeconds', 'options', 'options.path', 'options.foldersFromFilesStructure'].map((k) => `providers[].${k}`),
    ],
  },
};

describe('backend configs', () => {
  it.each(Object.entries(CHECKED_KEYS))('%s sets only keys checked against its pinned release', (_name, { file, paths, keys }) => {
    const doc = parseYaml(read(file)) as Obj;
    const items = (list: Obj[] | undefined, prefix: string): string[] => (list ?? []).flatMap((i) => keyPaths(i, prefix));
    const all = [
      ...paths(doc),
      ...items(doc.schema_config?.configs, 'configs[].'),
      ...items(doc.limits_config?.retention_stream, 'retention_stream[].'),
      ...items(doc.limits_config?.otlp_config?.log_attributes, 'log_attributes[].'),
    ];
    expect(all.length).toBeGreaterThan(5);
    expect([...new Set(all)].filter((k) => !keys.includes(k))).toEqual([]);
  });

  it('finds a key nobody checked (the check is live)', () => {
    const { paths, keys } = CHECKED_KEYS.loki!;
    const doc = { ...(parseYaml(read('compose/loki.yaml')) as Obj), querier: { query_live_store: true } };
    expect(paths(doc).filter((k) => !keys.includes(k))).toEqual(['querier', 'querier.query_live_store']);
  });
});

describe('tempo.yaml', () => {
  it('has none of the sections Tempo 3.0 removed or names as affected, nor querier.query_live_store', () => {
    for (const key of ['ingester', 'ingester_client', 'compactor', 'metrics_generator_client', 'ingest']) expect(tempo).not.toHaveProperty(key);
    // Removed in 3.0 (grafana/tempo#7048); Tempo parses strictly, so it stopped the process at start-up.
    expect(keyPaths(tempo)).not.toContain('querier.query_live_store');
  });

  it('sets only keys checked against Tempo 3.0.3 (the header says against what)', () => {
    // Each seen in Tempo's 3.0 example config (migrate-to-3/tempo-v3.yaml) at this path; a key added
    // to tempo.yaml must be checked against the pinned release and added here.
    const checked = [
      'stream_over_http_enabled', 'server', 'server.http_listen_port', 'server.grpc_listen_port', 'server.log_level',
      'distributor', 'distributor.receivers', 'distributor.receivers.otlp', 'distributor.receivers.otlp.protocols',
      'distributor.receivers.otlp.protocols.grpc', 'distributor.receivers.otlp.protocols.grpc.endpoint',
      'distributor.receivers.otlp.protocols.http', 'distributor.receivers.otlp.protocols.http.endpoint',
      'backend_scheduler', 'backend_scheduler.provider', 'backend_scheduler.provider.compaction',
      'backend_scheduler.provider.compaction.compaction', 'backend_scheduler.provider.compaction.compaction.block_retention',
      'backend_worker', 'backend_worker.backend_scheduler_addr', 'backend_worker.compaction', 'backend_worker.compaction.block_retention',
      'storage', 'storage.trace', 'storage.trace.backend', 'storage.trace.wal', 'storage.trace.wal.path', 'storage.trace.local', 'storage.trace.local.path',
      'overrides', 'overrides.defaults', 'overrides.defaults.global', 'overrides.defaults.global.max_bytes_per_trace',
      'usage_report', 'usage_report.reporting_enabled',
    ];
    expect(keyPaths(tempo).filter((k) => !checked.includes(k))).toEqual([]);
  });

  it('uses scoped overrides under defaults, not the deprecated legacy flat format', () => {
    expect(tempo.overrides).toHaveProperty('defaults');
    for (const key of Object.keys(tempo.overrides)) expect(['defaults', 'per_tenant_override_config', 'per_tenant_override_period']).toContain(key);
    expect(tempo.overrides.enable_legacy_overrides).toBeUndefined();
  });

  it('points the backend worker at its own gRPC port and keeps one retention for scheduler and worker', () => {
    expect(tempo.backend_worker.backend_scheduler_addr).toBe(`localhost:${tempo.server.grpc_listen_port}`);
    expect(tempo.backend_scheduler.provider.compaction.compaction.block_retention).toBe(tempo.backend_worker.compaction.block_retention);
    expect(hours(tempo.backend_worker.compaction.block_retention as string)).toBe(hours(loki.limits_config.retention_period as string));
  });

  it('receives OTLP gRPC on the port the collector sends to', () => {
    const sendTo = stack.services.collector.environment.TEMPO_ENDPOINT as string; // as Compose hands it over
    expect(sendTo).toBe(`tempo:${(tempo.distributor.receivers.otlp.protocols.grpc.endpoint as string).split(':').at(-1)}`);
  });
});

describe('prometheus.yml', () => {
  const targets = (prometheus.scrape_configs as Obj[]).flatMap((j) =>
    (j.static_configs as Obj[]).flatMap((s) => (s.targets as string[]).map((t) => ({ job: j, target: t }))),
  );
  const listening: Record<string, string[]> = {
    collector: ['8888'],
    loki: [String(loki.server.http_listen_port)],
    tempo: [String(tempo.server.http_listen_port)],
    localhost: ['9090'],
  };

  it('scrapes only compose services, on ports they serve metrics on', () => {
    for (const { target } of targets) {
      const [host, port] = target.split(':');
      if (host !== 'localhost') expect(Object.keys(stack.services)).toContain(host);
      expect(listening[host!], target).toContain(port);
    }
  });

  it("scrapes the collector's own telemetry (:8888)", () => {
    expect(targets.map((t) => t.target)).toContain('collector:8888');
  });

  it("takes the agents' metrics over OTLP, named the way the dashboard queries them, late samples included", () => {
    // The collector pushes them to /api/v1/otlp/v1/metrics (collector/profiles/lgtm.yaml).
    expect(stack.services.prometheus.command).toContain('--web.enable-otlp-receiver');
    // Suffixes on: the OTLP counter tracebridge.logger.dropped is queried as tracebridge_logger_dropped_total.
    expect(prometheus.otlp?.translation_strategy).toBe('UnderscoreEscapingWithSuffixes');
    expect(dashboard.panels.flatMap((p: Obj) => (p.targets ?? []) as Obj[]).map((t: Obj) => t.expr as string).join('\n')).toContain('tracebridge_logger_dropped_total');
    // The collector's persistent queue delivers samples held during an outage late: Prometheus must
    // accept them (an hour, the outage the queue is sized for) instead of refusing them as out of order.
    expect(hours(prometheus.storage?.tsdb?.out_of_order_time_window as string)).toBeGreaterThanOrEqual(1);
  });

  it('loads the alert rules from compose/alerts, mounted read-only, and only the rules (not their unit tests)', () => {
    const globs = (prometheus.rule_files ?? []) as string[];
    expect(globs.length).toBeGreaterThan(0);
    // Prometheus rule_files globs match file names only (filepath.Glob): `*` never crosses a `/`.
    const matches = (glob: string, file: string): boolean =>
      new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '[^/]*').replaceAll('?', '[^/]')}$`).test(file);
    const mounts = ((stack.services.prometheus.volumes ?? []) as Obj[])
      .filter((v) => v.type === 'bind')
      .map((v) => [sandbox.repoPath(v.source as string), v.target as string, v.read_only === true ? 'ro' : 'rw'] as const)
      .filter(([source]) => source.startsWith('compose/alerts/'));
    expect(mounts.length).toBeGreaterThan(0);
    for (const [source, target, mode] of mounts) {
      expect(mode, source).toBe('ro');
      expect(globs.some((g) => matches(g, target!)), `${target} is mounted but no rule_files glob loads it`).toBe(true);
      expect(parseYaml(read(source)).groups.length, source).toBeGreaterThan(0);
    }
    for (const glob of globs) {
      expect(mounts.some(([, target]) => matches(glob, target!)), `rule_files ${glob} matches nothing mounted`).toBe(true);
    }
    expect(mounts.some(([source]) => source!.endsWith('.test.yml'))).toBe(false);
  });
});

describe('Grafana data sources', () => {
  const unescape = (s: string): string => s.replaceAll('$$', '$');

  it('reach the compose services on the ports they listen on', () => {
    expect(dsByUid.get('loki')!.url).toBe(`http://loki:${loki.server.http_listen_port}`);
    expect(dsByUid.get('tempo')!.url).toBe(`http://tempo:${tempo.server.http_listen_port}`);
    expect(dsByUid.get('prometheus')!.url).toBe('http://prometheus:9090');
    expect(dsByUid.get('loki')!.type).toBe('loki');
    expect(dsByUid.get('tempo')!.type).toBe('tempo');
  });

  it("link a log's structured-metadata trace_id to Tempo", () => {
    const fields = dsByUid.get('loki')!.jsonData.derivedFields as Obj[];
    expect(fields).toHaveLength(1);
    const field = fields[0]!;
    expect(field).toMatchObject({ matcherType: 'label', matcherRegex: '^trace_id$', datasourceUid: 'tempo' });
    expect(unescape(field.url as string)).toBe('${__value.raw}');
    expect(dsByUid.has(field.datasourceUid as string)).toBe(true);
    // What Loki stores: every record the mapping gives a traceId carries metadata trace_id, and no
    // attribute of the mapping lands under that name by another road.
    const withTrace = vectors.flatMap((v) => (v.expected as unknown as Obj).resourceLogs.flatMap((rl: Obj) => rl.scopeLogs.flatMap((sl: Obj) => sl.logRecords))).filter((lr: Obj) => lr.traceId);
    expect(withTrace.length).toBeGreaterThan(0);
    expect(entries.filter((e) => e.metadata.trace_id)).toHaveLength(withTrace.length);
    const attributeKeys = vectors.flatMap((v) => (v.expected as unknown as Obj).resourceLogs.flatMap((rl: Obj) => rl.scopeLogs.flatMap((sl: Obj) => sl.logRecords.flatMap((lr: Obj) => (lr.attributes ?? []).map((a: Obj) => a.key)))));
    expect(attributeKeys.map(lokiName)).not.toContain('trace_id');
  });

  it("take the trace_id field and no other whose name contains it, whatever the fields' order", () => {
    const field = (dsByUid.get('loki')!.jsonData.derivedFields as Obj[])[0]!;
    // Grafana's Loki data source, for matcherType `label`: the first label or field name the regex
    // matches (an unanchored RegExp#test), its value the link's.
    const derive = (matcherRegex: string, labels: Record<string, string>): string | undefined => {
      const key = Object.keys(labels).find((k) => new RegExp(matcherRegex).test(k));
      return key === undefined ? undefined : labels[key];
    };
    const record = entries.find((e) => e.metadata.trace_id)!;
    const labels = { ...record.labels, parent_trace_id: 'ffffffffffffffffffffffffffffffff', ...record.metadata, my_trace_id_hint: 'x' };
    expect(derive(field.matcherRegex as string, labels)).toBe(record.metadata.trace_id);
    expect(derive(field.matcherRegex as string, { parent_trace_id: 'f'.repeat(32) })).toBeUndefined();
    // The unanchored name would have linked the parent's trace: the check can fail.
    expect(derive('trace_id', labels)).toBe('ffffffffffffffffffffffffffffffff');
  });

  it("link a span to its role's logs of the same trace, through service_name and trace_id", () => {
    const v2 = dsByUid.get('tempo')!.jsonData.tracesToLogsV2 as Obj;
    expect(v2).toMatchObject({ datasourceUid: 'loki', customQuery: true, tags: [{ key: 'service.name', value: 'service_name' }] });
    // service.name is what the mapping puts on the resource, service_name what Loki indexes it as.
    const resourceKeys = vectors.flatMap((v) => (v.expected as unknown as Obj).resourceLogs.flatMap((rl: Obj) => (rl.resource?.attributes ?? []).map((a: Obj) => a.key)));
    expect(resourceKeys).toContain('service.name');
    expect(LABELS).toContain(lokiName('service.name'));
    expect(lokiName('service.name')).toBe(v2.tags[0].value);

    const record = entries.find((e) => e.metadata.trace_id)!;
    const query = (traceId: string): string =>
      unescape(v2.query as string)
        .replace('${__tags}', `${v2.tags[0].value}="${record.labels.service_name}"`)
        .replace('${__trace.traceId}', traceId);
    const parts = logql(query(record.metadata.trace_id!));
    expect(parts.errors, query(record.metadata.trace_id!)).toEqual([]);
    expect(parts.selector.map((m) => m.name)).toEqual(['service_name']);
    expect(parts.filters.map((m) => m.name)).toEqual(['trace_id']);
    expect(selects(parts, record)).toBe(true);
    expect(selects(logql(query('ffffffffffffffffffffffffffffffff')), record)).toBe(false);
  });
});

describe('the dashboard', () => {
  const panels = (dashboard.panels as Obj[]).filter((p) => p.type !== 'row');
  const targets = panels.flatMap((p) => (p.targets as Obj[]).map((t) => ({ panel: p, uid: (t.datasource ?? p.datasource).uid as string, expr: t.expr as string })));
  const vars = (q: string): string => q.replaceAll('$__auto', '5m').replaceAll('$role', '.+').replaceAll('$slow_ms', '1000');
  const KNOWN_METRICS = [
    'tracebridge_logger_dropped_total', 'tracebridge_logger_queue_size', 'otelcol_exporter_send_failed_log_records',
    'otelcol_exporter_enqueue_failed_log_records', 'otelcol_receiver_refused_log_records', 'otelcol_exporter_queue_size',
    'otelcol_exporter_queue_capacity',
    // The agents' GenAI histograms and the collector's span metrics: test/collector/genai-metrics.test.ts
    // checks these names and their labels against what a real agent and collector produce.
    'gen_ai_client_token_usage_sum', 'gen_ai_client_operation_duration_seconds_bucket', 'gen_ai_client_operation_duration_seconds_count',
    'traces_span_metrics_calls_total',
  ];
  /** The collector's counters: served without `_total` by this release (with it, once configured so). */
  const COLLECTOR_COUNTERS = ['otelcol_exporter_send_failed_log_records', 'otelcol_exporter_enqueue_failed_log_records', 'otelcol_receiver_refused_log_records'];

  it('queries only provisioned data sources', () => {
    for (const t of targets) expect(dsByUid.has(t.uid), `${t.panel.title}: ${t.uid}`).toBe(true);
  });

  it('has Loki queries that parse and name only labels and fields Loki stores', () => {
    const lokiTargets = targets.filter((t) => t.uid === 'loki');
    expect(lokiTargets.length).toBeGreaterThan(5);
    for (const t of lokiTargets) {
      const parts = logql(vars(t.expr));
      expect(parts.errors, `${t.panel.title}: ${t.expr}`).toEqual([]);
      for (const m of parts.selector) expect(LABELS, `${t.panel.title}: selector on ${m.name}`).toContain(m.name);
      for (const n of parts.names) expect(LABELS.has(n) || METADATA.has(n) || n === '__error__', `${t.panel.title}: ${n}`).toBe(true);
    }
  });

  it('has Prometheus queries on the logger, collector and GenAI metrics only', () => {
    for (const t of targets.filter((x) => x.uid === 'prometheus')) {
      // Metric names, not labels (gen_ai_agent_name is a label of gen_ai_client_token_usage_sum).
      const metrics = t.expr.match(/\b(?:tracebridge|otelcol|gen_ai_client|traces_span_metrics)_[a-z_]+\b/g) ?? [];
      expect(metrics.length, t.expr).toBeGreaterThan(0);
      for (const m of metrics) expect(KNOWN_METRICS, t.panel.title).toContain(m);
    }
  });

  it("queries the collector's counters under both spellings, with and without _total", () => {
    const all = targets.map((t) => t.expr).join('\n');
    for (const name of COLLECTOR_COUNTERS) {
      expect(all, name).toContain(`{__name__=~"${name}(_total)?"}`);
      expect(all, `${name}_total alone would find nothing on this collector release`).not.toMatch(new RegExp(`\\b${name}_total\\b`));
    }
  });

  it('covers error rate by agent and component, volume by level, slow operations and drops', () => {
    const all = targets.map((t) => t.expr).join('\n');
    for (const needle of ['by (service_instance_id)', 'by (scope_name)', 'by (level)', 'unwrap performance_duration_ms', 'performance_duration_ms > $slow_ms', 'tracebridge_logger_dropped_total', 'tracebridge_logger_queue_size', 'otelcol_exporter_send_failed_log_records', 'otelcol_exporter_queue_size']) {
      expect(all, needle).toContain(needle);
    }
  });

  it('shows tokens and LLM latency by agent and by model, and the failed LLM and tool calls', () => {
    const prometheusTargets = targets.filter((t) => t.uid === 'prometheus');
    const panelOf = (metric: string, by: string): string | undefined =>
      prometheusTargets.find((t) => t.expr.includes(metric) && new RegExp(`by \\((?:[a-z_]+, )*${by}\\b`).test(t.expr))?.panel.title as string | undefined;
    expect(panelOf('gen_ai_client_token_usage_sum', 'gen_ai_agent_name')).toBeDefined();
    expect(panelOf('gen_ai_client_token_usage_sum', 'gen_ai_request_model')).toBeDefined();
    expect(panelOf('gen_ai_client_operation_duration_seconds_bucket', 'gen_ai_agent_name')).toBeDefined();
    expect(panelOf('gen_ai_client_operation_duration_seconds_bucket', 'gen_ai_request_model')).toBeDefined();
    expect(panelOf('gen_ai_client_operation_duration_seconds_count', 'error_type')).toBeDefined();
    expect(prometheusTargets.some((t) => /traces_span_metrics_calls_total\{[^}]*execute_tool[^}]*STATUS_CODE_ERROR/.test(t.expr))).toBe(true);
  });

  it('selects the error records and only them with its error matcher', () => {
    const errorPanel = panels.find((p) => p.title === 'Latest errors')!;
    const parts = logql(vars(errorPanel.targets[0].expr as string));
    const chosen = entries.filter((e) => selects(parts, e)).map((e) => e.labels.level);
    expect(new Set(chosen)).toEqual(new Set(['ERROR', 'FATAL']));
  });
});
