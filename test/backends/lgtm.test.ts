// The `lgtm` profile run by the real collector (collector/config.yaml + collector/profiles/lgtm.yaml), with
// every backend replaced by something on 127.0.0.1 that decodes what arrives:
// - Loki, Tempo and Prometheus by further collector instances (an otlp receiver listening only on the
//   backend's own path, written to a file by the file exporter): what they decode is exactly the OTLP the
//   real backends would receive, on the path they would receive it on;
// - S3 by the real versitygw gateway (built from Go modules like the collector), which checks SigV4, so the
//   archive is written and read back through the S3 API with real keys.
// Loki and Tempo themselves are AGPL: this project never builds, links or runs them in tests (compose runs
// their official images).
import { execFile } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { context, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@tracebridge/logger';
import { fromKeyValues, toKeyValues } from '@tracebridge/schema';
import { COLLECTOR_DIR, collectorArgs, collectorBinary, startCollector } from '#collector/run-lib.mjs';
import type { RunningCollector } from '#collector/run-lib.mjs';
import { createBucket, getObject, listObjects } from '../helpers/s3-client.js';
import { startS3Server } from '../helpers/s3-server.js';
import type { S3Server } from '../helpers/s3-server.js';
import { waitFor } from '../helpers/wait-for.js';

type Obj = Record<string, any>;

// ---------------------------------------------------------------------------------------------
// Stand-ins for the backends.

/**
 * A collector that receives one signal the way a backend would and writes each request it decoded as
 * one OTLP/JSON line. Only `path` is served for that signal (the otlp receiver 404s any other path), so
 * a record in the file proves it was sent to `path`.
 */
interface StandIn {
  collector: RunningCollector;
  /** The received requests, one parsed OTLP/JSON Export*ServiceRequest per element. */
  received(): Obj[];
}

type Signal = 'logs' | 'traces' | 'metrics';

async function startStandIn(signal: Signal, options: { urlPath?: string; httpEndpoint?: string } = {}): Promise<StandIn> {
  const dir = mkdtempSync(path.join(tmpdir(), `tb-standin-${signal}-`));
  tempDirs.push(dir);
  const config = path.join(dir, 'stand-in.yaml');
  const urlPathKey = { logs: 'logs_url_path', traces: 'traces_url_path', metrics: 'metrics_url_path' }[signal];
  // Merged over collector/config.yaml by startCollector: the base's otlp receiver (on the ports chosen
  // there) with this signal's path, and one pipeline into a file.
  writeFileSync(
    config,
    [
      'receivers:',
      '  otlp:',
      '    protocols:',
      '      http:',
      ...(options.urlPath ? [`        ${urlPathKey}: ${options.urlPath}`] : []),
      'exporters:',
      '  file/received:',
      '    path: ${env:TRACEBRIDGE_DATA_DIR}/received.jsonl',
      '    format: json',
      '    flush_interval: 100ms',
      'service:',
      '  extensions: [health_check]',
      '  pipelines:',
      `    ${signal}:`,
      '      receivers: [otlp]',
      '      exporters: [file/received]',
      '',
    ].join('\n'),
  );
  const env: Record<string, string> = {};
  if (options.httpEndpoint) env.OTLP_HTTP_ENDPOINT = options.httpEndpoint;
  const collector = await startCollector({ profile: config, env });
  tempDirs.push(collector.dataDir);
  return { collector, received: () => readJsonLines(path.join(collector.dataDir, 'received.jsonl')) };
}

/** Complete JSON lines of a file that may still be being written (a partial last line is left out). */
function readJsonLines(file: string): Obj[] {
  if (!existsSync(file)) return [];
  const out: Obj[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as Obj);
    } catch {
      // the tail of a line still being written
    }
  }
  return out;
}

/** A log record with what Loki derives its labels from: its resource and scope. */
interface ReceivedLog {
  resource: Record<string, unknown>;
  scope: string | undefined;
  record: Obj;
  attributes: Record<string, unknown>;
  body: string;
}

function logsOf(requests: Obj[]): ReceivedLog[] {
  return requests.flatMap((req) =>
    ((req.resourceLogs ?? []) as Obj[]).flatMap((rl) =>
      ((rl.scopeLogs ?? []) as Obj[]).flatMap((sl) =>
        ((sl.logRecords ?? []) as Obj[]).map((record) => ({
          resource: fromKeyValues(rl.resource?.attributes),
          scope: sl.scope?.name as string | undefined,
          record,
          attributes: fromKeyValues(record.attributes),
          body: String(record.body?.stringValue ?? ''),
        })),
      ),
    ),
  );
}

function spansOf(requests: Obj[]): Obj[] {
  return requests.flatMap((req) => ((req.resourceSpans ?? []) as Obj[]).flatMap((rs) => ((rs.scopeSpans ?? []) as Obj[]).flatMap((ss) => (ss.spans ?? []) as Obj[])));
}

function metricNamesOf(requests: Obj[]): string[] {
  return requests.flatMap((req) => ((req.resourceMetrics ?? []) as Obj[]).flatMap((rm) => ((rm.scopeMetrics ?? []) as Obj[]).flatMap((sm) => ((sm.metrics ?? []) as Obj[]).map((m) => m.name as string))));
}

// ---------------------------------------------------------------------------------------------
// S3: the archive read back through the S3 API (SigV4, path-style), never from the gateway's directory.

interface ArchivedObject {
  key: string;
  request: Obj;
}

/** Every archive object under `prefix`, gunzipped and parsed (objects are immutable: fetched once). */
async function readArchive(prefix: string): Promise<ArchivedObject[]> {
  const out: ArchivedObject[] = [];
  for (const { key } of await listObjects(s3, BUCKET, prefix)) {
    if (!archiveCache.has(key)) {
      const { body } = await getObject(s3, BUCKET, key);
      archiveCache.set(key, JSON.parse(gunzipSync(body).toString('utf8')) as Obj);
    }
    out.push({ key, request: archiveCache.get(key)! });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Spans: the SDK's tracer, finished spans posted to the collector as OTLP/JSON (`/v1/traces`).

const AGENT_ID = 'A1-haiku-001';
const ENVIRONMENT = 'lgtm-test';
const AGENT_RESOURCE = { 'service.name': 'A1', 'service.instance.id': AGENT_ID, 'deployment.environment.name': ENVIRONMENT };

const nanos = (t: [number, number]): string => (BigInt(t[0]) * 1_000_000_000n + BigInt(t[1])).toString();

function tracesRequest(spans: ReadableSpan[]): Obj {
  return {
    resourceSpans: [
      {
        resource: { attributes: toKeyValues(AGENT_RESOURCE) },
        scopeSpans: [
          {
            scope: { name: 'collector-lgtm.test' },
            spans: spans.map((s) => ({
              traceId: s.spanContext().traceId,
              spanId: s.spanContext().spanId,
              ...(s.parentSpanContext ? { parentSpanId: s.parentSpanContext.spanId } : {}),
              name: s.name,
              // The API's SpanKind starts at INTERNAL = 0; OTLP's at UNSPECIFIED = 0, INTERNAL = 1.
              kind: s.kind + 1,
              startTimeUnixNano: nanos(s.startTime),
              endTimeUnixNano: nanos(s.endTime),
              attributes: toKeyValues(s.attributes as Record<string, string>),
              status: { code: s.status.code },
            })),
          },
        ],
      },
    ],
  };
}

async function postJson(url: string, body: unknown): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`POST ${url} answered ${res.status}: ${await res.text()}`);
}

// ---------------------------------------------------------------------------------------------

const BUCKET = 'tracebridge-archive';
const PREFIX = 'otlp';
const LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const;

let s3: S3Server;
/** Archive objects already fetched, by key. */
const archiveCache = new Map<string, Obj>();
let loki: StandIn;
/** Every Loki stand-in started so far (restarts get a fresh one on the same port). */
const lokis: StandIn[] = [];
let lokiHttpEndpoint: string;
let tempo: StandIn;
let prometheus: StandIn;
let main: RunningCollector;
let mainEnv: Record<string, string>;
const collectors: RunningCollector[] = [];
/** Folders this file created, removed in afterAll. */
const tempDirs: string[] = [];
const spanExporter = new InMemorySpanExporter();
const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] }).getTracer('collector-lgtm.test');
const startedAt = new Date();

const lokiLogs = (): ReceivedLog[] => lokis.flatMap((l) => logsOf(l.received()));
const archivedLogs = async (): Promise<ReceivedLog[]> => logsOf((await readArchive(`${PREFIX}/`)).filter((o) => /\/logs_[^/]+$/.test(o.key)).map((o) => o.request));

async function startMain(dataDir?: string): Promise<RunningCollector> {
  const collector = await startCollector({ profile: 'lgtm', env: mainEnv, dataDir });
  collectors.push(collector);
  tempDirs.push(collector.dataDir);
  return collector;
}

async function startLoki(httpEndpoint?: string): Promise<StandIn> {
  const standIn = await startStandIn('logs', { urlPath: '/otlp/v1/logs', httpEndpoint });
  lokis.push(standIn);
  return standIn;
}

/** Logs `count` records through @tracebridge/logger, each inside its own span, and waits until the collector took them. */
async function logInSpans(prefix: string, count: number): Promise<void> {
  const log = createLogger({ agentId: AGENT_ID, component: 'planner', environment: ENVIRONMENT, level: 'DEBUG', endpoint: `${main.otlpHttp}/v1/logs`, handleExit: false });
  for (let i = 0; i < count; i++) {
    const span = tracer.startSpan(`${prefix} ${i}`);
    context.with(trace.setSpan(context.active(), span), () => {
      const level = LEVELS[i % LEVELS.length]!;
      const method = level.toLowerCase() as Lowercase<typeof level>;
      log[method](`${prefix} ${i}`, { context: { i } });
    });
    span.end();
  }
  expect(await log.flush(10_000)).toBe(true);
  await log.shutdown();
}

/** Posts the spans finished so far (and not yet posted) to the collector. */
async function sendSpans(): Promise<void> {
  const spans = spanExporter.getFinishedSpans();
  spanExporter.reset();
  if (spans.length > 0) await postJson(`${main.otlpHttp}/v1/traces`, tracesRequest(spans));
}

beforeAll(async () => {
  s3 = await startS3Server();
  await createBucket(s3, BUCKET);

  loki = await startLoki();
  // The address the profile sends to; a restarted stand-in must listen there again.
  lokiHttpEndpoint = loki.collector.otlpHttp.replace('http://', '');
  tempo = await startStandIn('traces');
  prometheus = await startStandIn('metrics', { urlPath: '/api/v1/otlp/v1/metrics' });
  mainEnv = {
    LOKI_ENDPOINT: `${loki.collector.otlpHttp}/otlp`,
    TEMPO_ENDPOINT: tempo.collector.otlpGrpc,
    PROMETHEUS_OTLP_ENDPOINT: `${prometheus.collector.otlpHttp}/api/v1/otlp/v1/metrics`,
    S3_ENDPOINT: s3.endpoint,
    S3_REGION: s3.region,
    S3_BUCKET: BUCKET,
    S3_PREFIX: PREFIX,
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    // deployment.environment.name of the file route's records (the variable the logger reads too).
    TRACEBRIDGE_ENVIRONMENT: ENVIRONMENT,
  };
  main = await startMain();
});

afterAll(async () => {
  for (const c of [...collectors, ...lokis.map((l) => l.collector), tempo?.collector, prometheus?.collector]) {
    await c?.stop().catch(() => undefined);
  }
  await s3?.stop();
  for (const dir of [...tempDirs, s3?.dataDir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('collector/profiles/lgtm.yaml', () => {
  it('says what it adds, how it is run, and that lists are replaced on merge', () => {
    const header = readFileSync(path.join(COLLECTOR_DIR, 'profiles', 'lgtm.yaml'), 'utf8').split('\n').filter((l) => l.startsWith('#')).join('\n');
    expect(header).toContain('Stack `lgtm` of collector/stacks.yaml');
    expect(header).toMatch(/LISTS ARE REPLACED/);
    for (const backend of ['Loki', 'Tempo', 'Prometheus', 'S3']) expect(header).toContain(backend);
  });

  it('passes `validate` of the real binary, merged over config.yaml', async () => {
    const bin = await collectorBinary();
    const args = ['validate', ...collectorArgs('lgtm')];
    const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
      execFile(bin, args, { env: { PATH: process.env.PATH ?? '' } }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr }));
    });
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });
});

describe('the lgtm profile, run by the real collector against backend stand-ins', () => {
  it('has stand-ins that accept data only on the backend paths (so arrival proves the path)', async () => {
    const empty = { resourceLogs: [] };
    const wrong = await fetch(`${loki.collector.otlpHttp}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(empty) });
    expect(wrong.status).toBe(404);
    const right = await fetch(`${loki.collector.otlpHttp}/otlp/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(empty) });
    expect(right.status).toBe(200);
    const wrongMetrics = await fetch(`${prometheus.collector.otlpHttp}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ resourceMetrics: [] }) });
    expect(wrongMetrics.status).toBe(404);
  });

  it("delivers an agent's logs to Loki's OTLP path with the resource attributes Loki indexes and a level", async () => {
    await logInSpans('first', 25);
    await sendSpans();
    const logs = await waitFor('25 records at the Loki stand-in', () => lokiLogs().filter((l) => l.body.startsWith('first ')), (l) => l.length >= 25);
    expect(logs).toHaveLength(25);
    for (const l of logs) {
      // Loki's default index labels service_name, service_instance_id, deployment_environment_name.
      expect(l.resource).toMatchObject({ 'service.name': 'A1', 'service.instance.id': AGENT_ID, 'deployment.environment.name': ENVIRONMENT });
      expect(l.scope).toBe('planner');
      expect(l.attributes.level).toBe(l.record.severityText);
      expect(l.attributes.level).toBe(LEVELS[Number(l.attributes['context.i']) % LEVELS.length]);
    }
  });

  it("routes agents' JSON-lines files through logs/files to the same backends, levelled like the SDK route", async () => {
    const span = tracer.startSpan('file route');
    span.end();
    const { traceId, spanId } = span.spanContext();
    await sendSpans();
    // Where config.yaml's file_log/agents looks by default: <TRACEBRIDGE_DATA_DIR>/agents/*.jsonl.
    const dir = path.join(main.dataDir, 'agents');
    mkdirSync(dir, { recursive: true });
    const lines = LEVELS.map((level, i) =>
      JSON.stringify({ timestamp: new Date().toISOString(), level, agent_id: 'A2-sonnet-007', component: 'tooling', message: `file ${i}`, trace_id: traceId, span_id: spanId, context: { i } }),
    );
    appendFileSync(path.join(dir, 'a2.jsonl'), `${lines.join('\n')}\n`);
    const logs = await waitFor('the file records at the Loki stand-in', () => lokiLogs().filter((l) => l.body.startsWith('file ')), (l) => l.length >= LEVELS.length);
    expect(logs).toHaveLength(LEVELS.length);
    for (const l of logs) {
      const i = Number(l.body.slice('file '.length));
      expect(l.resource).toMatchObject({ 'service.name': 'A2', 'service.instance.id': 'A2-sonnet-007', 'deployment.environment.name': ENVIRONMENT });
      expect(l.scope).toBe('tooling');
      expect(l.record.severityText).toBe(LEVELS[i]);
      expect(l.attributes.level).toBe(LEVELS[i]);
      expect(l.attributes['context.i']).toBe(i);
      expect([l.record.traceId, l.record.spanId]).toEqual([traceId, spanId]);
    }
    const archived = await waitFor('the file records in the archive', archivedLogs, (a) => a.filter((l) => l.body.startsWith('file ')).length >= LEVELS.length);
    for (const l of logs) expect(archived.find((a) => a.body === l.body)?.record).toEqual(l.record);
  });

  it('derives level from the severity number when a record has no severity text', async () => {
    const cases: Array<[number, string, string | undefined]> = [
      [1, '', 'TRACE'], [4, '', 'TRACE'], [5, '', 'DEBUG'], [9, '', 'INFO'], [12, '', 'INFO'], [13, '', 'WARN'],
      [17, '', 'ERROR'], [20, '', 'ERROR'], [21, '', 'FATAL'], [24, '', 'FATAL'], [0, '', undefined],
      // Text wins, as the producer wrote it (Loki's retention selectors are case-insensitive).
      [17, 'error', 'error'],
    ];
    const span = tracer.startSpan('severity numbers');
    span.end();
    const { traceId, spanId } = span.spanContext();
    await sendSpans();
    const now = `${BigInt(Date.now()) * 1_000_000n}`;
    await postJson(`${main.otlpHttp}/v1/logs`, {
      resourceLogs: [
        {
          resource: { attributes: toKeyValues(AGENT_RESOURCE) },
          scopeLogs: [
            {
              scope: { name: 'raw-otlp' },
              logRecords: cases.map(([n, text], i) => ({
                timeUnixNano: now,
                severityNumber: n,
                ...(text ? { severityText: text } : {}),
                body: { stringValue: `severity ${i}` },
                traceId,
                spanId,
              })),
            },
          ],
        },
      ],
    });
    const logs = await waitFor('the raw records at the Loki stand-in', () => lokiLogs().filter((l) => l.body.startsWith('severity ')), (l) => l.length >= cases.length);
    for (const [i, [n, , level]] of cases.entries()) {
      const got = logs.find((l) => l.body === `severity ${i}`)!;
      expect(got.attributes.level, `severity number ${n}`).toBe(level);
    }
  });

  it('sends every span to Tempo, and every log names a span Tempo received', async () => {
    const logs = await waitFor('records at the Loki stand-in', lokiLogs, (l) => l.length >= 25 + LEVELS.length + 12);
    const spanIds = await waitFor(
      'the spans at the Tempo stand-in',
      () => new Set(spansOf(tempo.received()).map((s) => `${s.traceId}/${s.spanId}`)),
      (ids) => logs.every((l) => ids.has(`${l.record.traceId}/${l.record.spanId}`)),
      { timeoutMs: 60_000 },
    );
    expect(spanIds.size).toBeGreaterThanOrEqual(26);
    for (const l of logs) {
      expect(l.record.traceId, l.body).toMatch(/^[0-9a-f]{32}$/);
      expect(spanIds.has(`${l.record.traceId}/${l.record.spanId}`), l.body).toBe(true);
    }
  });

  it('archives the same log records and the spans to S3 as gzipped OTLP/JSON under minute partitions', async () => {
    const atLoki = lokiLogs();
    const archived = await waitFor('the archive to hold every record Loki got', archivedLogs, (a) => atLoki.every((l) => a.some((x) => x.body === l.body)));
    const key = (l: ReceivedLog): string => `${l.body}|${l.record.traceId}|${l.record.spanId}`;
    for (const l of atLoki) {
      const copy = archived.find((a) => key(a) === key(l));
      expect(copy, l.body).toBeDefined();
      expect(copy!.record).toEqual(l.record);
      expect(copy!.resource).toEqual(l.resource);
    }

    const objects = await readArchive(`${PREFIX}/`);
    const partition = (d: Date): string =>
      `year=${d.getUTCFullYear()}/month=${String(d.getUTCMonth() + 1).padStart(2, '0')}/day=${String(d.getUTCDate()).padStart(2, '0')}/hour=${String(d.getUTCHours()).padStart(2, '0')}/minute=${String(d.getUTCMinutes()).padStart(2, '0')}`;
    const earliest = partition(new Date(startedAt.getTime() - 60_000));
    const latest = partition(new Date(Date.now() + 60_000));
    for (const o of objects) {
      const m = /^otlp\/(year=\d{4}\/month=\d{2}\/day=\d{2}\/hour=\d{2}\/minute=\d{2})\/(logs|traces)_[0-9a-f-]{36}\.json\.gz$/.exec(o.key);
      expect(m, o.key).not.toBeNull();
      // Partitions are the collector's UTC wall clock at upload: within this test's run.
      expect(m![1]! >= earliest && m![1]! <= latest, o.key).toBe(true);
    }
    const tempoSpans = spansOf(tempo.received()).map((s) => `${s.traceId}/${s.spanId}`);
    expect(tempoSpans.length).toBeGreaterThan(0);
    const archivedSpans = await waitFor(
      'the archive to hold every span Tempo got',
      async () => new Set(spansOf((await readArchive(`${PREFIX}/`)).filter((o) => o.key.includes('/traces_')).map((o) => o.request)).map((s) => `${s.traceId}/${s.spanId}`)),
      (ids) => tempoSpans.every((id) => ids.has(id)),
      { timeoutMs: 60_000 },
    );
    expect(archivedSpans.size).toBeGreaterThanOrEqual(tempoSpans.length);
  });

  it("sends metrics to Prometheus's OTLP receiver path", async () => {
    const now = `${BigInt(Date.now()) * 1_000_000n}`;
    await postJson(`${main.otlpHttp}/v1/metrics`, {
      resourceMetrics: [
        {
          resource: { attributes: toKeyValues(AGENT_RESOURCE) },
          scopeMetrics: [
            {
              scope: { name: '@tracebridge/logger' },
              metrics: [
                {
                  name: 'tracebridge.logger.dropped',
                  unit: '{record}',
                  sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ asInt: '3', startTimeUnixNano: now, timeUnixNano: now, attributes: toKeyValues({ reason: 'queue_full' }) }] },
                },
              ],
            },
          ],
        },
      ],
    });
    const names = await waitFor('the metric at the Prometheus stand-in', () => metricNamesOf(prometheus.received()), (n) => n.includes('tracebridge.logger.dropped'));
    expect(names).toContain('tracebridge.logger.dropped');
    // Prometheus makes service.name the `job` and service.instance.id the `instance` (drops by agent).
    const resources = prometheus.received().flatMap((req) => ((req.resourceMetrics ?? []) as Obj[]).map((rm) => fromKeyValues(rm.resource?.attributes)));
    expect(resources).toContainEqual(expect.objectContaining({ 'service.name': 'A1', 'service.instance.id': AGENT_ID }));
  });

  it('loses nothing while Loki is down for a few seconds (queued, retried, delivered)', async () => {
    await loki.collector.stop();
    await logInSpans('outage-a', 40);
    await sendSpans();
    // The archive keeps receiving while Loki is down: the exporters queue independently.
    await waitFor('the archive to get the records sent during the outage', archivedLogs, (a) => a.filter((l) => l.body.startsWith('outage-a ')).length >= 40);
    // Held for Loki meanwhile: the Loki exporter's queue has them (it counts records until Loki takes them).
    await waitFor('the Loki exporter to queue the records', () => main.metric('otelcol_exporter_queue_size', { exporter: 'otlp_http/loki' }), (n) => n >= 40);
    expect(lokiLogs().filter((l) => l.body.startsWith('outage-a '))).toEqual([]);
    loki = await startLoki(lokiHttpEndpoint);
    const delivered = await waitFor('the records queued during the outage at the restarted Loki', () => lokiLogs().filter((l) => l.body.startsWith('outage-a ')), (l) => new Set(l.map((x) => x.body)).size >= 40, { timeoutMs: 60_000 });
    expect(new Set(delivered.map((l) => l.body)).size).toBe(40);
    for (const l of delivered) expect(l.attributes.level).toBe(l.record.severityText);
  });

  it('loses nothing when the collector is killed while Loki is down (the queue is on disk)', async () => {
    await loki.collector.stop();
    await logInSpans('outage-b', 40);
    await sendSpans();
    await waitFor('the archive to get the records sent before the crash', archivedLogs, (a) => a.filter((l) => l.body.startsWith('outage-b ')).length >= 40);
    // The kill comes once the Loki exporter's persistent queue holds the records: its size counts a record
    // once it is written to the queue's file, so a crash from here on must lose none.
    await waitFor('the Loki exporter to queue the records', () => main.metric('otelcol_exporter_queue_size', { exporter: 'otlp_http/loki' }), (n) => n >= 40);
    await main.kill();
    loki = await startLoki(lokiHttpEndpoint);
    main = await startMain(main.dataDir);
    const delivered = await waitFor('the records queued before the crash at Loki', () => lokiLogs().filter((l) => l.body.startsWith('outage-b ')), (l) => new Set(l.map((x) => x.body)).size >= 40, { timeoutMs: 60_000 });
    expect(new Set(delivered.map((l) => l.body)).size).toBe(40);
  });
});
