// The collector's wiring in the compose stack: the environment Compose gives it (read through the
// real Compose loader, `docker compose config`, test/helpers/compose.ts) must name the compose services
// on the ports they listen on, and the files its command loads (stack `compose` of collector/stacks.yaml;
// `compose-tenants` with compose.tenants.yaml), merged the way the collector merges them, must use that
// environment to reach those services.
// The checker is exercised on an example configuration and on broken variants (so it can fail), then
// run on the real files. What the profile does with real data is test/backends/lgtm.test.ts.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveStack } from '#collector/stacks.mjs';
import { ROOT, composeSandbox } from '../helpers/compose.js';
import type { Obj } from '../helpers/compose.js';

const read = (rel: string): string => readFileSync(path.join(ROOT, rel), 'utf8');

/** What Compose runs, with the secrets init-secrets.sh writes: the plain stack and the tenants one. */
const sandbox = await composeSandbox();
afterAll(() => sandbox.remove());
const stack = sandbox.config('compose.yaml', { profiles: ['demo'] });
const tenantsStack = sandbox.config('compose.tenants.yaml');
const loki = parseYaml(read('compose/loki.yaml')) as Obj;
const tempo = parseYaml(read('compose/tempo.yaml')) as Obj;
const prometheus = parseYaml(read('compose/prometheus.yml')) as Obj;
const services = stack.services as Record<string, Obj>;

/** The collector's environment as Compose hands it over. */
const collectorEnv = new Map(Object.entries(services.collector!.environment as Record<string, string>));

const portOf = (hostPort: string): string => hostPort.split(':').at(-1)!;
const s3Command = services.s3!.command as string[];

/** Ports each compose service listens on inside the network, read from its own config. */
const LISTENING: Record<string, string[]> = {
  loki: [loki.server.http_listen_port, loki.server.grpc_listen_port].map(String),
  tempo: [
    tempo.server.http_listen_port,
    tempo.server.grpc_listen_port,
    portOf(tempo.distributor.receivers.otlp.protocols.grpc.endpoint),
    portOf(tempo.distributor.receivers.otlp.protocols.http.endpoint),
  ].map(String),
  s3: [portOf(s3Command[s3Command.indexOf('--port') + 1]!)],
  prometheus: ['9090'],
  grafana: ['3000'],
};
/** HTTP paths a compose service accepts OTLP on, per signal (only where the path is not the default). */
const OTLP_PATHS: Record<string, Record<string, string>> = {
  loki: { logs: '/otlp/v1/logs' },
  // Prometheus 3 serves its OTLP receiver here when started with --web.enable-otlp-receiver.
  prometheus: { metrics: '/api/v1/otlp/v1/metrics' },
};
const prometheusCommand = services.prometheus!.command as string[];
const PUBLISHED = ((services.collector!.ports ?? []) as Obj[]).map((p) => String(p.target));
const SCRAPED = (prometheus.scrape_configs as Obj[])
  .flatMap((j) => (j.static_configs as Obj[]).flatMap((s) => s.targets as string[]))
  .filter((t) => t.startsWith('collector:'))
  .map(portOf);

describe('the environment Compose gives the collector', () => {
  it('listens for OTLP on all interfaces, on the container ports that are published', () => {
    expect(collectorEnv.get('OTLP_GRPC_ENDPOINT')).toBe('0.0.0.0:4317');
    expect(collectorEnv.get('OTLP_HTTP_ENDPOINT')).toBe('0.0.0.0:4318');
    expect(PUBLISHED.sort()).toEqual([portOf(collectorEnv.get('OTLP_GRPC_ENDPOINT')!), portOf(collectorEnv.get('OTLP_HTTP_ENDPOINT')!)].sort());
    expect(collectorEnv.get('HEALTH_ENDPOINT')).toBe('0.0.0.0:13133');
  });

  it("sends logs to Loki's OTLP endpoint and traces to Tempo's OTLP gRPC receiver", () => {
    expect(collectorEnv.get('LOKI_ENDPOINT')).toBe(`http://loki:${loki.server.http_listen_port}/otlp`);
    expect(collectorEnv.get('TEMPO_ENDPOINT')).toBe(`tempo:${portOf(tempo.distributor.receivers.otlp.protocols.grpc.endpoint)}`);
  });

  it('archives to the S3 gateway, in the bucket the bucket job creates, with the gateway root keys', () => {
    const s3 = services.s3!.environment as Record<string, string>;
    const job = services['s3-bucket']!.environment as Record<string, string>;
    const raw = services.collector!.environment as Record<string, string>;
    expect(collectorEnv.get('S3_ENDPOINT')).toBe(`http://s3:${LISTENING.s3![0]}`);
    expect(job.AWS_ENDPOINT_URL).toBe(collectorEnv.get('S3_ENDPOINT'));
    expect(raw.S3_BUCKET).toBe(job.S3_BUCKET);
    expect(collectorEnv.get('S3_BUCKET')).toBe('tracebridge-archive');
    expect(raw.S3_REGION).toBe(s3.VGW_REGION);
    expect(collectorEnv.get('S3_REGION')).toBe('us-east-1');
    expect(raw.AWS_ACCESS_KEY_ID).toBe(s3.ROOT_ACCESS_KEY);
    expect(raw.AWS_SECRET_ACCESS_KEY).toBe(s3.ROOT_SECRET_KEY);
  });

  it('keeps the persistent queues on a named volume', () => {
    const dir = collectorEnv.get('TRACEBRIDGE_DATA_DIR')!;
    expect(dir).toBe('/var/lib/otelcol');
    expect(services.collector!.volumes).toContainEqual(expect.objectContaining({ type: 'volume', source: 'otelcol-data', target: dir }));
    expect(Object.keys(stack.volumes)).toContain('otelcol-data');
  });

  it('serves its own metrics on all interfaces, on the port Prometheus scrapes', () => {
    expect(SCRAPED).toEqual(['8888']);
    expect(collectorEnv.get('COLLECTOR_METRICS_HOST')).toBe('0.0.0.0');
    expect(collectorEnv.get('COLLECTOR_METRICS_PORT')).toBe('8888');
  });

  it("pushes the agents' metrics to Prometheus's OTLP receiver, which the prometheus command enables", () => {
    expect(collectorEnv.get('PROMETHEUS_OTLP_ENDPOINT')).toBe(`http://prometheus:${LISTENING.prometheus![0]}${OTLP_PATHS.prometheus!.metrics}`);
    expect(prometheusCommand).toContain('--web.enable-otlp-receiver');
  });
});

// ---------------------------------------------------------------------------------------------
// The checker of a collector configuration against the compose stack.

/** Merges collector configs like `--config a --config b`: maps deep-merge, lists and scalars are replaced. */
function merge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (base && over && typeof base === 'object' && typeof over === 'object' && !Array.isArray(base) && !Array.isArray(over)) {
    const out: Obj = { ...(base as Obj) };
    for (const [k, v] of Object.entries(over as Obj)) out[k] = merge(out[k], v);
    return out;
  }
  return over;
}

const ENV_REF = /\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
/** The innermost references only (a default holding no further reference), to resolve nested ones inside out. */
const INNER_ENV_REF = /\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(?::-((?:(?!\$\{)[^}])*))?\}/g;
function strings(node: unknown, out: string[] = []): string[] {
  if (typeof node === 'string') out.push(node);
  else if (Array.isArray(node)) for (const n of node) strings(n, out);
  else if (node && typeof node === 'object') for (const v of Object.values(node)) strings(v, out);
  return out;
}
/** A config value as the collector would see it inside the compose collector container. */
function resolve(value: unknown, env: Map<string, string>): string {
  let out = String(value ?? '');
  for (let before = ''; before !== out; ) {
    before = out;
    out = out.replace(INNER_ENV_REF, (_all, name: string, fallback?: string) => env.get(name) ?? fallback ?? '');
  }
  return out;
}

interface Endpoint { host: string; port: string }
function endpointOf(value: string): Endpoint | undefined {
  if (!value) return undefined;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    const url = new URL(value);
    return { host: url.hostname, port: url.port || (url.protocol === 'https:' ? '443' : '80') };
  }
  const i = value.lastIndexOf(':');
  return i < 0 ? { host: value, port: '' } : { host: value.slice(0, i), port: value.slice(i + 1) };
}
const typeOf = (id: string): string => id.split('/')[0]!;
const isType = (id: string, ...types: string[]): boolean => types.includes(typeOf(id));

/**
 * Everything in an effective collector config (base merged with profile) that would not work in
 * the compose stack. An empty list means: every ${env:...} is provided, every exporter reaches a
 * compose service on a port it listens on, and the pieces the stack relies on are there.
 */
function collectorProblems(config: Obj, env: Map<string, string>): string[] {
  const problems: string[] = [];
  const exporters = (config.exporters ?? {}) as Record<string, Obj>;
  const receivers = (config.receivers ?? {}) as Record<string, Obj>;
  const processors = (config.processors ?? {}) as Record<string, Obj>;
  const extensions = (config.extensions ?? {}) as Record<string, Obj>;
  const service = (config.service ?? {}) as Obj;
  const pipelines = (service.pipelines ?? {}) as Record<string, Obj>;
  const enabledExtensions = (service.extensions ?? []) as string[];

  for (const s of strings(config)) {
    for (const [, name, fallback] of s.matchAll(ENV_REF)) {
      if (!env.has(name!) && fallback === undefined) problems.push(`\${env:${name}} is neither set by Compose nor defaulted`);
    }
  }

  // Exporters reach compose services on ports they listen on. Only exporters some pipeline uses: the
  // collector builds nothing else (collector/fragments/loki-tenants.yaml leaves lgtm's single-tenant Loki exporter
  // defined and unused).
  const used = new Set(Object.values(pipelines).flatMap((p) => (p.exporters ?? []) as string[]));
  const targetOf = new Map<string, Endpoint>();
  const httpReceiver = (Object.entries(receivers).find(([id]) => isType(id, 'otlp'))?.[1]?.protocols?.http ?? {}) as Obj;
  const ownHttp = endpointOf(resolve(httpReceiver.endpoint, env));
  for (const [id, cfg] of Object.entries(exporters)) {
    if (!used.has(id)) continue;
    if (isType(id, 'debug', 'file', 'nop')) continue;
    // The loopback of sources.yaml and derived-metrics.yaml: OTLP/HTTP into this collector's own
    // receiver, which hands it to the profile's pipelines. Allowed without a persistent queue (a send
    // returns once the receiving pipeline took the data: the queues are there), but it must retry
    // forever and, where the receiver wants a token, carry it (else every send is a 401).
    const own = endpointOf(resolve(cfg.endpoint, env));
    const loopbackHosts = ['0.0.0.0', '127.0.0.1', 'localhost', 'collector'];
    if (isType(id, 'otlp_http', 'otlphttp') && own && ownHttp && own.port === ownHttp.port && loopbackHosts.includes(own.host)) {
      const retry = (cfg.retry_on_failure ?? {}) as Obj;
      if (retry.enabled === false || resolve(retry.max_elapsed_time, env) !== '0') problems.push(`${id}: retry_on_failure must be enabled with max_elapsed_time: 0 (never give up)`);
      const wanted = httpReceiver.auth?.authenticator as string | undefined;
      if (wanted !== undefined && cfg.auth?.authenticator !== wanted) problems.push(`${id} sends to this collector's receiver without its authenticator ${wanted}`);
      continue;
    }
    if (isType(id, 'prometheus')) {
      const ep = endpointOf(resolve(cfg.endpoint, env));
      if (!ep || ep.host !== '0.0.0.0' || !SCRAPED.includes(ep.port)) problems.push(`${id} listens on ${cfg.endpoint}, not on 0.0.0.0 at a port Prometheus scrapes`);
      continue;
    }
    const raw = cfg.logs_endpoint ?? cfg.traces_endpoint ?? cfg.metrics_endpoint ?? cfg.endpoint;
    const ep = endpointOf(resolve(raw, env));
    if (!ep) {
      problems.push(`${id} has no endpoint`);
      continue;
    }
    targetOf.set(id, ep);
    if (!LISTENING[ep.host]) problems.push(`${id} sends to ${ep.host}, which is not a compose service`);
    else if (!LISTENING[ep.host]!.includes(ep.port)) problems.push(`${id} sends to ${ep.host}:${ep.port}; ${ep.host} listens on ${LISTENING[ep.host]!.join(', ')}`);
    if (isType(id, 'otlp', 'otlp_grpc') && resolve(cfg.tls?.insecure, env) !== 'true') problems.push(`${id}: OTLP gRPC inside the network is plaintext, set tls.insecure: true`);
    // OTLP/HTTP: `<signal>_endpoint` is used as given, `endpoint` gets /v1/<signal> appended.
    if (isType(id, 'otlphttp', 'otlp_http')) {
      for (const [signal, wanted] of Object.entries(OTLP_PATHS[ep.host] ?? {})) {
        const own = cfg[`${signal}_endpoint`] as string | undefined;
        const url = own !== undefined ? resolve(own, env) : `${resolve(cfg.endpoint, env).replace(/\/$/, '')}/v1/${signal}`;
        const got = /^[a-z]+:\/\/[^/]+(\/.*)?$/i.exec(url)?.[1] ?? '/';
        if (got !== wanted) problems.push(`${id} sends ${signal} to ${got}; ${ep.host} accepts them on ${wanted}`);
      }
    }
  }

  const exportersTo = (host: string): string[] => [...targetOf].filter(([, ep]) => ep.host === host).map(([id]) => id);
  const pipelinesUsing = (id: string): Array<[string, Obj]> => Object.entries(pipelines).filter(([, p]) => ((p.exporters ?? []) as string[]).includes(id));

  // Logs reach Loki through a pipeline that sets the `level` attribute Loki indexes for retention.
  const toLoki = exportersTo('loki');
  if (toLoki.length === 0) problems.push('no exporter sends to loki');
  for (const id of toLoki) {
    const used = pipelinesUsing(id).filter(([name]) => name.split('/')[0] === 'logs');
    if (used.length === 0) problems.push(`${id} is in no logs pipeline`);
    for (const [name, p] of used) {
      const setsLevel = ((p.processors ?? []) as string[]).some((proc) => strings(processors[proc]).some((st) => /\bset\(\s*(?:log\.)?attributes\[\s*"level"\s*\]/.test(st)));
      if (!setsLevel) problems.push(`${name} does not set the log attribute "level" (Loki's retention selectors need it)`);
    }
  }
  const toPrometheus = exportersTo('prometheus');
  if (toPrometheus.length === 0) problems.push('no exporter sends metrics to prometheus');
  for (const id of toPrometheus) {
    if (!pipelinesUsing(id).some(([name]) => name.split('/')[0] === 'metrics')) problems.push(`${id} is in no metrics pipeline`);
  }
  const toTempo = exportersTo('tempo');
  if (toTempo.length === 0) problems.push('no exporter sends to tempo');
  for (const id of toTempo) {
    if (!pipelinesUsing(id).some(([name]) => name.split('/')[0] === 'traces')) problems.push(`${id} is in no traces pipeline`);
  }

  // The archive (our s3_archive exporter): logs and traces, in the bucket and region the stack
  // creates, path-style (no virtual-host DNS in compose), credentials never in the file.
  const archive = Object.entries(exporters).filter(([id]) => isType(id, 's3_archive'));
  if (archive.length === 0) problems.push('no s3_archive exporter archives to the S3 gateway');
  for (const [id, cfg] of archive) {
    if (targetOf.get(id)?.host !== 's3') problems.push(`${id} does not send to the s3 service`);
    if (resolve(cfg.bucket, env) !== env.get('S3_BUCKET')) problems.push(`${id} writes to bucket ${resolve(cfg.bucket, env)}, not ${env.get('S3_BUCKET')}`);
    if (resolve(cfg.region, env) !== env.get('S3_REGION')) problems.push(`${id} uses region ${resolve(cfg.region, env)}, not ${env.get('S3_REGION')}`);
    if (cfg.force_path_style !== true) problems.push(`${id}: set force_path_style: true (the gateway has no virtual-host names)`);
    const credentialKeys = Object.keys(cfg).filter((k) => /access|secret|key|token|password/i.test(k));
    if (credentialKeys.length > 0) problems.push(`${id} has credentials in the file (${credentialKeys.join(', ')}); they come from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY`);
    for (const signal of ['logs', 'traces']) {
      if (!pipelinesUsing(id).some(([name]) => name.split('/')[0] === signal)) problems.push(`${id} archives no ${signal}`);
    }
  }

  // Every backend exporter: a persistent queue on the data volume, and retries that never give up
  // (the default gives up after 5 minutes, far short of an hour's outage).
  for (const id of targetOf.keys()) {
    const cfg = exporters[id]!;
    const storage = cfg.sending_queue?.storage as string | undefined;
    if (!storage) problems.push(`${id} has no persistent sending_queue.storage`);
    else if (!enabledExtensions.includes(storage) || !isType(storage, 'file_storage')) problems.push(`${id} queues in ${storage}, not an enabled file_storage extension`);
    if (cfg.sending_queue?.enabled === false) problems.push(`${id} has its sending queue disabled`);
    const retry = (cfg.retry_on_failure ?? {}) as Obj;
    if (retry.enabled === false || resolve(retry.max_elapsed_time, env) !== '0') problems.push(`${id}: retry_on_failure must be enabled with max_elapsed_time: 0 (never give up)`);
  }
  // memory_limiter first: it must refuse data before anything else holds it.
  for (const [name, p] of Object.entries(pipelines)) {
    const first = ((p.processors ?? []) as string[])[0];
    if (!first || !isType(first, 'memory_limiter')) problems.push(`${name} does not start with memory_limiter`);
  }
  for (const [id, cfg] of Object.entries(extensions).filter(([id]) => isType(id, 'file_storage'))) {
    if (!resolve(cfg.directory, env).startsWith(env.get('TRACEBRIDGE_DATA_DIR') ?? '\u0000')) problems.push(`${id} keeps its files outside TRACEBRIDGE_DATA_DIR (${resolve(cfg.directory, env)})`);
  }

  // Receivers and health on the ports compose publishes and probes.
  const otlpReceivers = Object.entries(receivers).filter(([id]) => isType(id, 'otlp'));
  if (otlpReceivers.length === 0) problems.push('no otlp receiver');
  for (const [id, cfg] of otlpReceivers) {
    for (const [protocol, wanted] of [['grpc', 'OTLP_GRPC_ENDPOINT'], ['http', 'OTLP_HTTP_ENDPOINT']] as const) {
      const got = resolve(cfg.protocols?.[protocol]?.endpoint, env);
      if (got !== env.get(wanted)) problems.push(`${id} ${protocol} listens on "${got}", not ${wanted}=${env.get(wanted)}`);
    }
  }
  const health = Object.entries(extensions).find(([id]) => isType(id, 'health_check'));
  if (!health || !enabledExtensions.includes(health[0])) problems.push('no enabled health_check extension (the compose healthcheck probes it)');
  else if (resolve(health[1].endpoint, env) !== env.get('HEALTH_ENDPOINT')) problems.push(`${health[0]} listens on ${resolve(health[1].endpoint, env)}, not HEALTH_ENDPOINT`);

  // Internal telemetry where Prometheus scrapes it (the collector's default is localhost only).
  const readers = (service.telemetry?.metrics?.readers ?? []) as Obj[];
  const pull = readers.map((r) => r.pull?.exporter?.prometheus).find(Boolean) as Obj | undefined;
  if (!pull || resolve(pull.host, env) !== '0.0.0.0' || !SCRAPED.includes(resolve(pull.port, env))) {
    problems.push('service.telemetry.metrics does not serve Prometheus on 0.0.0.0:8888');
  }
  return problems;
}

/**
 * An effective configuration that fits the stack: what collector/config.yaml + profiles/lgtm.yaml
 * should add up to (component ids and processors besides these are free).
 */
const RETRY_FOREVER = { enabled: true, max_elapsed_time: 0 };
const PERSISTENT = { storage: 'file_storage/queue' };
const EXAMPLE: Obj = {
  receivers: {
    otlp: { protocols: { grpc: { endpoint: '${env:OTLP_GRPC_ENDPOINT:-127.0.0.1:4317}' }, http: { endpoint: '${env:OTLP_HTTP_ENDPOINT:-127.0.0.1:4318}' } } },
  },
  processors: {
    memory_limiter: { check_interval: '1s', limit_mib: 400 },
    'transform/level': { log_statements: [{ context: 'log', statements: ['set(log.attributes["level"], log.severity_text)'] }] },
    batch: {},
  },
  exporters: {
    'otlp_http/loki': { endpoint: '${env:LOKI_ENDPOINT}', sending_queue: PERSISTENT, retry_on_failure: RETRY_FOREVER },
    'otlp_grpc/tempo': { endpoint: '${env:TEMPO_ENDPOINT}', tls: { insecure: '${env:TEMPO_INSECURE:-true}' }, sending_queue: PERSISTENT, retry_on_failure: RETRY_FOREVER },
    'otlp_http/prometheus': { metrics_endpoint: '${env:PROMETHEUS_OTLP_ENDPOINT}', sending_queue: PERSISTENT, retry_on_failure: RETRY_FOREVER },
    's3_archive/archive': {
      endpoint: '${env:S3_ENDPOINT}', bucket: '${env:S3_BUCKET}', region: '${env:S3_REGION}', force_path_style: true, marshaler: 'otlp_json',
      sending_queue: PERSISTENT, retry_on_failure: RETRY_FOREVER,
    },
  },
  extensions: {
    health_check: { endpoint: '${env:HEALTH_ENDPOINT}' },
    'file_storage/queue': { directory: '${env:TRACEBRIDGE_DATA_DIR}/queue', create_directory: true },
  },
  service: {
    extensions: ['health_check', 'file_storage/queue'],
    telemetry: { metrics: { readers: [{ pull: { exporter: { prometheus: { host: '${env:COLLECTOR_METRICS_HOST:-127.0.0.1}', port: '${env:COLLECTOR_METRICS_PORT:-8888}' } } } }] } },
    pipelines: {
      'logs/loki': { receivers: ['otlp'], processors: ['memory_limiter', 'transform/level', 'batch'], exporters: ['otlp_http/loki', 's3_archive/archive'] },
      traces: { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['otlp_grpc/tempo', 's3_archive/archive'] },
      metrics: { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['otlp_http/prometheus'] },
    },
  },
};

describe(collectorProblems, () => {
  it('finds nothing wrong in a configuration that fits the stack', () => {
    expect(collectorProblems(EXAMPLE, collectorEnv)).toEqual([]);
  });

  it('reports an exporter aimed at a host or port the stack does not serve', () => {
    const wrongPort = merge(EXAMPLE, { exporters: { 'otlp_http/loki': { endpoint: 'http://loki:3101/otlp' } } }) as Obj;
    expect(collectorProblems(wrongPort, collectorEnv)).toContain('otlp_http/loki sends to loki:3101; loki listens on 3100, 9096');
    const wrongHost = merge(EXAMPLE, { exporters: { 'otlp_grpc/tempo': { endpoint: '${env:TEMPO_HOST:-localhost}:4317' } } }) as Obj;
    expect(collectorProblems(wrongHost, collectorEnv)).toContain('otlp_grpc/tempo sends to localhost, which is not a compose service');
  });

  it('reports a logs pipeline to Loki that does not set the level attribute', () => {
    const noLevel = merge(EXAMPLE, { service: { pipelines: { 'logs/loki': { processors: ['memory_limiter', 'batch'] } } } }) as Obj;
    expect(collectorProblems(noLevel, collectorEnv)).toContain('logs/loki does not set the log attribute "level" (Loki\'s retention selectors need it)');
  });

  it('reports environment the stack does not provide, and an archive in another bucket', () => {
    const unknownVar = merge(EXAMPLE, { exporters: { 's3_archive/archive': { bucket: '${env:ARCHIVE_BUCKET}' } } }) as Obj;
    const problems = collectorProblems(unknownVar, collectorEnv);
    expect(problems).toContain('${env:ARCHIVE_BUCKET} is neither set by Compose nor defaulted');
    expect(problems).toContain('s3_archive/archive writes to bucket , not tracebridge-archive');
  });

  it('reports plaintext gRPC without tls.insecure, queues off disk, and telemetry on localhost', () => {
    const broken = merge(EXAMPLE, {
      exporters: { 'otlp_grpc/tempo': { tls: { insecure: false }, sending_queue: { storage: null } } },
      service: { telemetry: { metrics: { readers: [{ pull: { exporter: { prometheus: { host: 'localhost', port: 8888 } } } }] } } },
    }) as Obj;
    const problems = collectorProblems(broken, collectorEnv);
    expect(problems).toContain('otlp_grpc/tempo: OTLP gRPC inside the network is plaintext, set tls.insecure: true');
    expect(problems).toContain('otlp_grpc/tempo has no persistent sending_queue.storage');
    expect(problems).toContain('service.telemetry.metrics does not serve Prometheus on 0.0.0.0:8888');
  });

  it('reports OTLP/HTTP sent to a path the backend does not serve', () => {
    const wrongPath = merge(EXAMPLE, { exporters: { 'otlp_http/loki': { endpoint: 'http://loki:3100' }, 'otlp_http/prometheus': { metrics_endpoint: 'http://prometheus:9090/v1/metrics' } } }) as Obj;
    const problems = collectorProblems(wrongPath, collectorEnv);
    expect(problems).toContain('otlp_http/loki sends logs to /v1/logs; loki accepts them on /otlp/v1/logs');
    expect(problems).toContain('otlp_http/prometheus sends metrics to /v1/metrics; prometheus accepts them on /api/v1/otlp/v1/metrics');
  });

  it('reports an archive that is not path-style, holds credentials, or misses the traces', () => {
    const broken = merge(EXAMPLE, {
      exporters: { 's3_archive/archive': { force_path_style: false, secret_access_key: 'x' } },
      service: { pipelines: { traces: { exporters: ['otlp_grpc/tempo'] } } },
    }) as Obj;
    const problems = collectorProblems(broken, collectorEnv);
    expect(problems).toContain('s3_archive/archive: set force_path_style: true (the gateway has no virtual-host names)');
    expect(problems).toContain('s3_archive/archive has credentials in the file (secret_access_key); they come from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY');
    expect(problems).toContain('s3_archive/archive archives no traces');
  });

  it('reports a backend exporter that gives up retrying or queues in memory, and a pipeline without memory_limiter first', () => {
    const broken = merge(EXAMPLE, {
      exporters: { 's3_archive/archive': { retry_on_failure: { max_elapsed_time: '300s' } }, 'otlp_http/prometheus': { sending_queue: { storage: null } } },
      service: { pipelines: { metrics: { processors: ['batch', 'memory_limiter'] } } },
    }) as Obj;
    const problems = collectorProblems(broken, collectorEnv);
    expect(problems).toContain('s3_archive/archive: retry_on_failure must be enabled with max_elapsed_time: 0 (never give up)');
    expect(problems).toContain('otlp_http/prometheus has no persistent sending_queue.storage');
    expect(problems).toContain('metrics does not start with memory_limiter');
  });

  it('merges like the collector: maps deep, lists replaced', () => {
    expect(merge({ a: { b: 1, c: [1, 2] } }, { a: { c: [3] } })).toEqual({ a: { b: 1, c: [3] } });
  });
});

/** The collector files compose runs, in order: stack `compose` of collector/stacks.yaml. */
const COMPOSE_FILES = resolveStack('compose').files.map((f) => `collector/${f}`);

describe('collector stack `compose` in the compose stack', () => {
  // `merge: true`: collector/fragments/loki-tenants.yaml copies one exporter into others with YAML merge
  // keys (`<<:`), which the collector's YAML reader applies.
  const load = (rel: string): Obj => (parseYaml(read(rel), { merge: true }) ?? {}) as Obj;

  it('reach every compose service they export to, with the environment Compose gives them', () => {
    const effective = COMPOSE_FILES.map(load).reduce((a, b) => merge(a, b) as Obj);
    expect(collectorProblems(effective, collectorEnv)).toEqual([]);
  });

  it('would flag the loopback without the token once the receivers want one', () => {
    const effective = COMPOSE_FILES.map(load).reduce((a, b) => merge(a, b) as Obj);
    const noToken = merge(effective, { exporters: { 'otlp_http/loopback_metrics': { auth: null } } }) as Obj;
    expect(collectorProblems(noToken, collectorEnv)).toContain("otlp_http/loopback_metrics sends to this collector's receiver without its authenticator bearertokenauth/otlp");
    const giveUp = merge(effective, { exporters: { 'otlp_http/loopback_metrics': { retry_on_failure: { max_elapsed_time: '300s' } } } }) as Obj;
    expect(collectorProblems(giveUp, collectorEnv)).toContain('otlp_http/loopback_metrics: retry_on_failure must be enabled with max_elapsed_time: 0 (never give up)');
  });

  it('with compose.tenants.yaml, reach Loki once per tenant, each with its X-Scope-OrgID', () => {
    const collector = tenantsStack.services.collector as Obj;
    const files = (collector.command as string[]).filter((a) => a.startsWith('--config=')).map((a) => `collector/${a.slice('--config=/etc/otelcol/'.length)}`);
    expect(files).toEqual(resolveStack('compose-tenants').files.map((f) => `collector/${f}`));
    const env = new Map(Object.entries(collector.environment as Record<string, string>));
    const effective = files.map(load).reduce((a, b) => merge(a, b) as Obj);
    expect(collectorProblems(effective, env)).toEqual([]);
    const used = new Set(Object.values(effective.service.pipelines as Record<string, Obj>).flatMap((p) => p.exporters as string[]));
    const tenants = Object.entries(effective.exporters as Record<string, Obj>)
      .filter(([id, cfg]) => used.has(id) && endpointOf(resolve(cfg.endpoint, env))?.host === 'loki')
      .map(([, cfg]) => resolve(cfg.headers?.['X-Scope-OrgID'], env));
    expect(tenants.sort()).toEqual(['alpha', 'beta', 'default']);
  });
});
