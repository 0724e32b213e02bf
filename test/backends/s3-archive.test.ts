// The `s3_archive` exporter (collector/components/s3archiveexporter) in the real collector binary, writing
// to a real S3-compatible server (versitygw, which checks SigV4), read back through the S3 API — never
// from versitygw's directory — and decoded.
//
// The collector runs collector/config.yaml plus a profile written by this test: logs and traces to an
// `s3_archive` exporter (OTLP/JSON, gzip) with a persistent sending queue in file_storage, and logs also to
// a second one (OTLP/protobuf, uncompressed) so both encodings are proven on the same records.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@tracebridge/logger';
import { fromKeyValues, toKeyValues } from '@tracebridge/schema';
import { startCollector } from '#collector/run-lib.mjs';
import type { RunningCollector } from '#collector/run-lib.mjs';
import { decodeLogsRequest } from '../helpers/otlp-proto.js';
import { createBucket, getObject, listObjects } from '../helpers/s3-client.js';
import { startS3Server } from '../helpers/s3-server.js';
import type { S3Server } from '../helpers/s3-server.js';
import { waitForQuiet } from '../helpers/wait-for.js';

type Obj = Record<string, any>;

const BUCKET = 'tracebridge-archive';
const UUID_V7 = '[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';
/** `<prefix>/<partition>/<signal>_<uuidv7>.<ext>`, with the default Hive-style minute partition. */
const keyPattern = (prefix: string, ext: string): RegExp =>
  new RegExp(`^${prefix}/year=(\\d{4})/month=(\\d{2})/day=(\\d{2})/hour=(\\d{2})/minute=(\\d{2})/(logs|traces)_(${UUID_V7})\\.${ext.replace(/\./g, '\\.')}$`);

// Merged over collector/config.yaml (maps merge, LISTS ARE REPLACED: the pipelines are stated in full).
const PROFILE = `
exporters:
  s3_archive/archive:
    endpoint: \${env:S3_ENDPOINT}
    region: \${env:S3_REGION}
    bucket: \${env:S3_BUCKET}
    prefix: otlp
    force_path_style: true
    partition_format: "year=%Y/month=%m/day=%d/hour=%H/minute=%M"
    marshaler: otlp_json
    compression: gzip
    timeout: 5s
    sending_queue:
      storage: file_storage/queue
    # Short intervals so the outage test recovers within seconds; never give up, as in the real profiles.
    retry_on_failure:
      initial_interval: 200ms
      max_interval: 1s
      max_elapsed_time: 0
  s3_archive/proto:
    endpoint: \${env:S3_ENDPOINT}
    region: \${env:S3_REGION}
    bucket: \${env:S3_BUCKET}
    prefix: proto
    force_path_style: true
    marshaler: otlp_proto
    compression: none
    sending_queue:
      storage: file_storage/queue
    retry_on_failure:
      initial_interval: 200ms
      max_interval: 1s
      max_elapsed_time: 0

service:
  extensions: [health_check, file_storage/queue]
  pipelines:
    logs:
      receivers: [otlp]
      processors: [memory_limiter, batch]
      exporters: [s3_archive/archive, s3_archive/proto]
    traces:
      receivers: [otlp]
      processors: [memory_limiter, batch]
      exporters: [s3_archive/archive]
`;

let s3: S3Server | undefined;
const collectors: RunningCollector[] = [];
let profilePath: string;
let collectorEnv: Record<string, string>;
let dataDir: string;
const startedAt = Date.now();

async function startArchivingCollector(): Promise<RunningCollector> {
  // The same data dir across restarts: it holds the persistent queue.
  const collector = await startCollector({
    profile: profilePath,
    env: collectorEnv,
    dataDir,
  });
  collectors.push(collector);
  return collector;
}

beforeAll(async () => {
  s3 = await startS3Server();
  await createBucket(s3, BUCKET);
  const dir = mkdtempSync(path.join(tmpdir(), 'tb-s3-archive-'));
  profilePath = path.join(dir, 's3-archive.yaml');
  writeFileSync(profilePath, PROFILE);
  dataDir = path.join(dir, 'data');
  collectorEnv = {
    S3_ENDPOINT: s3.endpoint,
    S3_REGION: s3.region,
    S3_BUCKET: BUCKET,
    // The AWS SDK default chain reads these; nothing else (no shared config, no instance metadata).
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  await startArchivingCollector();
});

afterAll(async () => {
  // Every process, even when a stop fails or a test failed half-way.
  const results = await Promise.allSettled([...collectors.map((c) => c.stop()), s3?.stop()]);
  const failed = results.filter((r) => r.status === 'rejected');
  if (failed.length > 0) throw new Error(`stopping processes failed: ${failed.map((f) => String((f as PromiseRejectedResult).reason)).join('; ')}`);
});

// ---------------------------------------------------------------------------------------------
// Sending.

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

/**
 * Logs `count` records per batch through @tracebridge/logger (inside the span `spanId` of `traceId` when
 * given), bodies `<label> record <n>`, and waits until the collector accepted them.
 */
async function sendLogs(
  collector: RunningCollector,
  run: string,
  label: string,
  batches: { count: number; traceId?: string; spanId?: string }[],
): Promise<void> {
  const log = createLogger({
    agentId: 'A7-haiku-042',
    component: 'archiver',
    endpoint: `${collector.otlpHttp}/v1/logs`,
    resourceAttributes: { 'tracebridge.test.run': run },
    handleExit: false,
  });
  let i = 0;
  for (const { count, traceId, spanId } of batches) {
    const emit = (): void => {
      for (let n = 0; n < count; n++, i++) log.info(`${label} record ${i}`, { context: { i } });
    };
    if (traceId && spanId) {
      context.with(trace.setSpanContext(context.active(), { traceId, spanId, traceFlags: TraceFlags.SAMPLED }), emit);
    } else emit();
  }
  expect(await log.flush(10_000)).toBe(true);
  await log.shutdown();
}

interface SpanSpec {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
}

/** Posts spans as one OTLP/JSON request, the way any OTLP/HTTP JSON exporter would. */
async function sendSpans(collector: RunningCollector, run: string, spans: SpanSpec[]): Promise<void> {
  const now = BigInt(Date.now()) * 1_000_000n;
  const body = {
    resourceSpans: [
      {
        resource: { attributes: toKeyValues({ 'service.name': 'archive-test', 'tracebridge.test.run': run }) },
        scopeSpans: [
          {
            scope: { name: 'collector-s3-archive.test' },
            spans: spans.map((s, i) => ({
              ...s,
              kind: 1,
              startTimeUnixNano: String(now + BigInt(i) * 1000n),
              endTimeUnixNano: String(now + BigInt(i) * 1000n + 500_000n),
              attributes: toKeyValues({ 'span.index': i }),
            })),
          },
        ],
      },
    ],
  };
  const res = await fetch(`${collector.otlpHttp}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.text()).toBe(200);
}

// ---------------------------------------------------------------------------------------------
// Reading back through the S3 API.

interface Archived {
  key: string;
  contentType: string | null;
  /** The decoded Export{Logs,Trace}ServiceRequest. */
  request: Obj;
}

/** Objects are immutable: each key is fetched and decoded once. */
const archiveCache = new Map<string, Archived>();

async function readArchive(prefix: string): Promise<Archived[]> {
  const objects = await listObjects(s3!, BUCKET, `${prefix}/`);
  const out: Archived[] = [];
  for (const { key } of objects) {
    let entry = archiveCache.get(key);
    if (!entry) {
      const { body, contentType } = await getObject(s3!, BUCKET, key);
      let request: Obj;
      if (key.endsWith('.json.gz')) request = JSON.parse(gunzipSync(body).toString('utf8')) as Obj;
      else if (key.endsWith('.binpb')) request = decodeLogsRequest(body) as unknown as Obj;
      else throw new Error(`unexpected key ${key}`);
      entry = { key, contentType, request };
      archiveCache.set(key, entry);
    }
    out.push(entry);
  }
  return out;
}

interface Row {
  key: string;
  resource: Record<string, unknown>;
  scope: string;
  item: Obj;
}

/** The log records (or spans) of `signal` in the archive under `prefix`, of one test run. */
async function archived(prefix: string, signal: 'logs' | 'traces', run: string): Promise<Row[]> {
  const rows: Row[] = [];
  for (const { key, request } of await readArchive(prefix)) {
    if (!key.includes(`/${signal}_`)) continue;
    for (const rs of (request.resourceLogs ?? request.resourceSpans ?? []) as Obj[]) {
      const resource = fromKeyValues(rs.resource?.attributes);
      if (resource['tracebridge.test.run'] !== run) continue;
      for (const ss of (rs.scopeLogs ?? rs.scopeSpans ?? []) as Obj[]) {
        for (const item of (ss.logRecords ?? ss.spans ?? []) as Obj[]) rows.push({ key, resource, scope: ss.scope?.name, item });
      }
    }
  }
  return rows;
}

/**
 * Waits until the archive holds at least `count` rows and has not changed for a while: duplicates that
 * arrive late show up in what it returns.
 */
async function waitForArchived(prefix: string, signal: 'logs' | 'traces', run: string, count: number, timeoutMs = 60_000): Promise<Row[]> {
  try {
    return await waitForQuiet(`${count} ${signal} of run ${run} under ${prefix}/`, () => archived(prefix, signal, run), {
      done: (rows) => rows.length >= count,
      quietMs: 2_000,
      timeoutMs,
    });
  } catch (err) {
    throw new Error(`${(err as Error).message}\ncollector said:\n${collectors.at(-1)?.output().slice(-4000)}`);
  }
}

/** Waits until the collector logs `text` at or after character `from` of its output. */
async function waitForOutput(collector: RunningCollector, text: string, from: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!collector.output().slice(from).includes(text)) {
    if (Date.now() > deadline) throw new Error(`the collector did not log "${text}" in ${timeoutMs} ms:\n${collector.output().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ---------------------------------------------------------------------------------------------

describe('the s3_archive exporter', () => {
  it('archives logs and traces as gzipped OTLP/JSON under <prefix>/<minute partition>/<signal>_<uuidv7>.json.gz', async () => {
    const collector = collectors[0]!;
    const run = `steady-${hex(4)}`;
    const [t1, t2] = [hex(16), hex(16)];
    const [s1, s1child, s2] = [hex(8), hex(8), hex(8)];
    await sendSpans(collector, run, [
      { traceId: t1, spanId: s1, name: 'plan' },
      { traceId: t1, spanId: s1child, parentSpanId: s1, name: 'plan.step' },
      { traceId: t2, spanId: s2, name: 'review' },
    ]);
    await sendLogs(collector, run, run, [
      { count: 10, traceId: t1, spanId: s1child },
      { count: 5, traceId: t2, spanId: s2 },
      { count: 5 },
    ]);

    const logs = await waitForArchived('otlp', 'logs', run, 20);
    const spans = await waitForArchived('otlp', 'traces', run, 3);

    // Exactly what was sent: no loss, no duplicates.
    expect(logs).toHaveLength(20);
    expect(spans).toHaveLength(3);
    expect(logs.map((r) => r.item.body?.stringValue).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `${run} record ${i}`).sort());
    const byTrace = (id: string | undefined): number => logs.filter((r) => (r.item.traceId || undefined) === id).length;
    expect([byTrace(t1), byTrace(t2), byTrace(undefined)]).toEqual([10, 5, 5]);
    expect(new Set(logs.filter((r) => r.item.traceId === t1).map((r) => r.item.spanId))).toEqual(new Set([s1child]));
    expect(spans.map((r) => [r.item.traceId, r.item.spanId, r.item.parentSpanId || undefined, r.item.name]).sort()).toEqual(
      [
        [t1, s1, undefined, 'plan'],
        [t1, s1child, s1, 'plan.step'],
        [t2, s2, undefined, 'review'],
      ].sort(),
    );

    // Resource and scope survive the round trip.
    for (const r of logs) {
      expect(r.resource).toMatchObject({ 'service.name': 'A7', 'tracebridge.test.run': run });
      expect(r.scope).toBe('archiver');
    }
    for (const r of spans) {
      expect(r.resource).toEqual({ 'service.name': 'archive-test', 'tracebridge.test.run': run });
      expect(r.scope).toBe('collector-s3-archive.test');
    }

    // Key layout: the partition is the collector's UTC wall clock at upload, the UUIDv7 its millisecond.
    const keys = [...new Set([...logs, ...spans].map((r) => r.key))];
    const pattern = keyPattern('otlp', 'json.gz');
    for (const key of keys) {
      const m = pattern.exec(key);
      expect(m, key).not.toBeNull();
      const [, y, mo, d, h, mi, , uuid] = m!;
      const partitionStart = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi));
      const uuidMillis = parseInt(uuid!.replace(/-/g, '').slice(0, 12), 16);
      expect(uuidMillis).toBeGreaterThanOrEqual(startedAt - 1000);
      expect(uuidMillis).toBeLessThanOrEqual(Date.now());
      expect(partitionStart).toBeLessThanOrEqual(uuidMillis);
      expect(uuidMillis - partitionStart).toBeLessThan(60_000 + 1000);
    }
    for (const entry of await readArchive('otlp')) expect(entry.contentType).toBe('application/gzip');
  });

  it('writes the same log records as uncompressed OTLP/protobuf with marshaler otlp_proto', async () => {
    const run = `proto-${hex(4)}`;
    const traceId = hex(16);
    const spanId = hex(8);
    await sendLogs(collectors[0]!, run, run, [{ count: 7, traceId, spanId }]);
    const json = await waitForArchived('otlp', 'logs', run, 7);
    const proto = await waitForArchived('proto', 'logs', run, 7);
    expect(proto).toHaveLength(7);
    for (const r of proto) expect(r.key).toMatch(keyPattern('proto', 'binpb'));
    const project = (rows: Row[]): unknown[] =>
      rows
        .map((r) => ({ resource: r.resource, scope: r.scope, body: r.item.body, traceId: r.item.traceId, spanId: r.item.spanId, attributes: fromKeyValues(r.item.attributes) }))
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    expect(project(proto)).toEqual(project(json));
    expect(proto.every((r) => r.item.traceId === traceId)).toBe(true);
  });

  it('loses nothing while S3 is down, across a collector restart (persistent queue and retries)', async () => {
    const run = `outage-${hex(4)}`;
    const traceId = hex(16);
    const [spanA, spanB] = [hex(8), hex(8)];
    const first = collectors.at(-1)!;
    const logged = first.output().length;
    await s3!.stop();

    // While S3 is down: the first collector accepts data, fails to upload it and keeps retrying.
    await sendSpans(first, run, [{ traceId, spanId: spanA, name: 'before restart' }]);
    await sendLogs(first, run, 'before restart', [{ count: 30, traceId, spanId: spanA }]);
    await waitForOutput(first, 'Will retry the request after interval', logged);

    // A restart while the data is only in the queue: it must come back from file_storage.
    await first.stop();
    const second = await startArchivingCollector();
    await sendSpans(second, run, [{ traceId, spanId: spanB, name: 'after restart' }]);
    await sendLogs(second, run, 'after restart', [{ count: 20, traceId, spanId: spanB }]);
    // The second collector tries S3 too, and fails: nothing can have reached it.
    await waitForOutput(second, 'Will retry the request after interval', 0);
    expect(await listObjectsSafe()).toBe('unreachable');

    await s3!.start();
    const logs = await waitForArchived('otlp', 'logs', run, 50);
    const spans = await waitForArchived('otlp', 'traces', run, 2);
    expect(logs).toHaveLength(50);
    expect(logs.filter((r) => r.item.spanId === spanA)).toHaveLength(30);
    expect(logs.filter((r) => r.item.spanId === spanB)).toHaveLength(20);
    expect(new Set(logs.map((r) => r.item.body?.stringValue)).size).toBe(50);
    expect(spans.map((r) => r.item.name).sort()).toEqual(['after restart', 'before restart']);
    expect((await waitForArchived('proto', 'logs', run, 50)).length).toBe(50);
    // At shutdown exporterhelper logs "Exporting failed. Dropping data." for the request whose retries the
    // shutdown interrupted, yet the persistent queue keeps exactly those (a shutdown error leaves the item
    // un-acknowledged; the second collector logs "Moved items for dispatching back to queue"), which the
    // counts above prove. Any other drop or rejection is a real loss.
    const lines = (first.output() + second.output()).split('\n');
    expect(lines.filter((l) => /Dropping data|Rejecting data/.test(l) && !l.includes('interrupted due to shutdown'))).toEqual([]);
    expect(second.output()).toContain('Moved items for dispatching back to queue');
  });
});

/** 'unreachable' while the S3 server is down (proves the outage is real), else the object count. */
async function listObjectsSafe(): Promise<string | number> {
  try {
    return (await listObjects(s3!, BUCKET)).length;
  } catch {
    return 'unreachable';
  }
}
