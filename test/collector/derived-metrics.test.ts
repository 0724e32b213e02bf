// collector/fragments/derived-metrics.yaml and the host metrics of collector/fragments/sources.yaml, on the real collector
// (local profile + both fragments): what arrives in the profile's metrics file, the capture endpoint here,
// which in compose is Prometheus's OTLP receiver. Log records come from every road the collector has:
// agents through the real @tracebridge/logger over OTLP, an agent's JSON-lines file (the file route), and
// a source (a Python application log, through sources.yaml and the loopback). Each is counted exactly
// once, per agent, level and component, and the counts stay put (nothing counted twice or looping back).
// Spans posted over OTLP give request, error and duration metrics.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '@tracebridge/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector } from '#collector/run-lib.mjs';
import type { RunningCollector } from '#collector/run-lib.mjs';
import { DERIVED, SOURCES, readLogs, readPoints, sourcesEnv } from '../sources/harness.js';
import type { StoredPoint } from '../sources/harness.js';
import { waitFor } from '../helpers/wait-for.js';

let dir: string;
let collector: RunningCollector | undefined;
let started: number;

/** The records sent, by where they come from: resource identity → `level|component` → count. */
const EXPECTED: Record<string, Record<string, number>> = {
  'A1/A1-haiku-001': { 'INFO|redis_bus': 7, 'ERROR|redis_bus': 3, 'FATAL|redis_bus': 1 },
  // A second agent's logger in A1's process: its records carry gen_ai.agent.id on the process's resource
  // (docs/mapping.md), and are counted as that agent's (service.name stays the process's).
  'A1/A2-sonnet-002': { 'WARN|chromadb': 2 },
  // the file route
  'A3/A3-opus-009': { 'ERROR|audit_system': 2, 'INFO|audit_system': 1 },
  // a source: service.name from the file name, service.instance.id the host
  'payments/<host>': { 'ERROR|payments.worker': 1, 'INFO|payments.worker': 1 },
};
const SLOW_SPAN_MS = 1200;

/** tracebridge.log.records summed over every interval, by `service.name/service.instance.id` and `level|component`. */
function counted(points: StoredPoint[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const p of points.filter((x) => x.name === 'tracebridge.log.records')) {
    const who = `${p.resource['service.name']}/${p.resource['service.name'] === 'payments' ? '<host>' : p.resource['service.instance.id']}`;
    const key = `${p.attributes.level}|${p.attributes.component}`;
    out[who] ??= {};
    out[who][key] = (out[who][key] ?? 0) + p.value;
  }
  return out;
}

beforeAll(async () => {
  started = Date.now();
  dir = mkdtempSync(path.join(tmpdir(), 'tb-derived-'));
  const dataDir = path.join(dir, 'data');
  mkdirSync(path.join(dataDir, 'agents'), { recursive: true });
  mkdirSync(path.join(dir, 'apps'));
  // Old timestamps on purpose: counts are stamped with the time they are counted, not these.
  const fileRecord = (level: string, message: string): string =>
    JSON.stringify({ timestamp: '2020-01-01T00:00:00.000Z', level, agent_id: 'A3-opus-009', correlation_id: 'task-derived-1', component: 'audit_system', message });
  writeFileSync(path.join(dataDir, 'agents', 'a3.jsonl'), `${[fileRecord('ERROR', 'audit write failed'), fileRecord('ERROR', 'audit retry failed'), fileRecord('INFO', 'audit ok')].join('\n')}\n`);
  writeFileSync(
    path.join(dir, 'apps', 'payments.log'),
    '2020-01-01 00:00:00,000 - payments.worker - ERROR - charge failed\nTraceback (most recent call last):\n  File "w.py", line 1, in <module>\nValueError: declined\n2020-01-01 00:00:01,000 - payments.worker - INFO - next\n',
  );

  collector = await startCollector({
    profile: 'local',
    extraConfigs: [SOURCES, DERIVED],
    dataDir,
    env: await sourcesEnv(dir, {
      TRACEBRIDGE_APP_LOGS: path.join(dir, 'apps', '*.log'),
      TRACEBRIDGE_DERIVED_INTERVAL: '1s',
      TRACEBRIDGE_HOST_METRICS_INTERVAL: '1s',
    }),
  });

  // Agents, through the real logger over OTLP.
  const endpoint = `${collector.otlpHttp}/v1/logs`;
  const a1 = createLogger({ agentId: 'A1-haiku-001', component: 'redis_bus', endpoint, handleExit: false });
  for (let i = 0; i < 7; i++) a1.info(`message ${i} published`);
  for (let i = 0; i < 3; i++) a1.error(`publish ${i} failed`);
  a1.fatal('redis unreachable, giving up');
  const a2 = createLogger({ agentId: 'A2-sonnet-002', component: 'chromadb', endpoint, handleExit: false });
  a2.warn('slow query');
  a2.warn('slower query');
  for (const log of [a1, a2]) {
    expect(await log.flush(10_000)).toBe(true);
    await log.shutdown();
  }

  // Spans: one fast and one failed slow request of agent A1.
  const now = BigInt(Date.now()) * 1_000_000n;
  const span = (spanId: string, error: boolean, ms: number): object => ({
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId,
    name: 'POST /v1/chat',
    kind: 2,
    startTimeUnixNano: String(now),
    endTimeUnixNano: String(now + BigInt(ms) * 1_000_000n),
    status: error ? { code: 2, message: 'upstream timeout' } : {},
  });
  const resource = { attributes: [{ key: 'service.name', value: { stringValue: 'A1' } }, { key: 'service.instance.id', value: { stringValue: 'A1-haiku-001' } }] };
  const res = await fetch(`${collector.otlpHttp}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ resourceSpans: [{ resource, scopeSpans: [{ scope: { name: 'derived-test' }, spans: [span('00f067aa0ba902b7', false, 40), span('00f067aa0ba902b8', true, SLOW_SPAN_MS)] }] }] }),
  });
  expect(res.status).toBe(200);
}, 120_000);

afterAll(async () => {
  await collector?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('tracebridge.log.records (count connector)', () => {
  it('counts every record once, per agent, level and component, whichever road it came by', async () => {
    const points = await waitFor('the counted log points', () => readPoints(collector!.dataDir), (p) => JSON.stringify(sortDeep(counted(p))) === JSON.stringify(sortDeep(EXPECTED)), { timeoutMs: 60_000 });
    expect(sortDeep(counted(points))).toEqual(sortDeep(EXPECTED));
    // Still the same a few intervals later: no record counted again, nothing looping through the loopback.
    await sleep(4000);
    expect(sortDeep(counted(await readPoints(collector!.dataDir)))).toEqual(sortDeep(EXPECTED));
  });

  it('counted exactly the records the profile stored', async () => {
    const logs = await readLogs(collector!.dataDir);
    const total = (await readPoints(collector!.dataDir)).filter((p) => p.name === 'tracebridge.log.records').reduce((n, p) => n + p.value, 0);
    expect(total).toBe(logs.length);
    expect(logs.length).toBe(Object.values(EXPECTED).flatMap((m) => Object.values(m)).reduce((a, b) => a + b, 0));
  });

  it('is a gauge of records per interval ({record}), stamped when counted, on the agent resource', async () => {
    const points = (await readPoints(collector!.dataDir)).filter((p) => p.name === 'tracebridge.log.records');
    for (const p of points) {
      expect(p.type).toBe('gauge');
      expect(p.unit).toBe('{record}');
      expect(Object.keys(p.attributes).sort()).toEqual(['component', 'level']);
      // Not the records' own 2020 timestamps: Prometheus would refuse points that old.
      expect(p.timeMs).toBeGreaterThanOrEqual(started - 1000);
      expect(p.timeMs).toBeLessThanOrEqual(Date.now() + 1000);
    }
    const a1 = points.find((p) => p.resource['service.instance.id'] === 'A1-haiku-001')!;
    // The agent's resource is kept: Prometheus makes it job="A1", instance="A1-haiku-001".
    expect(a1.resource).toMatchObject({ 'service.name': 'A1', 'service.instance.id': 'A1-haiku-001', 'gen_ai.agent.id': 'A1-haiku-001' });
    // One point per series per interval: never two for the same series at the same time.
    const keys = points.map((p) => `${JSON.stringify(p.resource)}|${JSON.stringify(p.attributes)}|${p.timeMs}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('span metrics (span_metrics connector)', () => {
  const latest = (points: StoredPoint[], name: string, status: string): StoredPoint | undefined =>
    points.filter((p) => p.name === name && p.attributes['status.code'] === status && p.resource['service.instance.id'] === 'A1-haiku-001').sort((a, b) => a.timeMs - b.timeMs).at(-1);

  it('gives cumulative request counts by status, for the agent', async () => {
    const points = await waitFor(
      'the span metrics of both calls',
      () => readPoints(collector!.dataDir),
      (p) => latest(p, 'traces.span.metrics.calls', 'STATUS_CODE_ERROR')?.value === 1 && latest(p, 'traces.span.metrics.calls', 'STATUS_CODE_UNSET')?.value === 1,
      { timeoutMs: 60_000 },
    );
    for (const status of ['STATUS_CODE_UNSET', 'STATUS_CODE_ERROR']) {
      const calls = latest(points, 'traces.span.metrics.calls', status)!;
      expect(calls.value).toBe(1);
      expect([calls.type, calls.temporality]).toEqual(['sum', 2]);
      expect(calls.attributes).toMatchObject({ 'service.name': 'A1', 'span.name': 'POST /v1/chat', 'span.kind': 'SPAN_KIND_SERVER' });
      expect(calls.resource).toMatchObject({ 'service.name': 'A1', 'service.instance.id': 'A1-haiku-001' });
    }
  });

  it('gives a duration histogram in ms that puts the slow failed request in its bucket', async () => {
    const h = latest(await readPoints(collector!.dataDir), 'traces.span.metrics.duration', 'STATUS_CODE_ERROR')!;
    expect([h.type, h.unit, h.temporality, h.value]).toEqual(['histogram', 'ms', 2, 1]);
    const bounds = h.point.explicitBounds as number[];
    const counts = (h.point.bucketCounts as Array<string | number>).map(Number);
    const bucket = counts.findIndex((c) => c === 1);
    expect(bounds[bucket - 1]! < SLOW_SPAN_MS && SLOW_SPAN_MS <= (bounds[bucket] ?? Infinity)).toBe(true);
    expect(Number(h.point.sum)).toBeCloseTo(SLOW_SPAN_MS, 3);
  });
});

describe('host metrics (host_metrics receiver of sources.yaml)', () => {
  const WANTED: Record<string, string[]> = {
    'system.cpu.time': ['state'],
    'system.cpu.utilization': ['state'],
    'system.cpu.load_average.1m': [],
    'system.memory.usage': ['state'],
    'system.memory.utilization': ['state'],
    'system.disk.io': ['device', 'direction'],
    'system.filesystem.usage': ['device', 'mode', 'mountpoint', 'state', 'type'],
    'system.network.io': ['device', 'direction'],
    'system.processes.count': ['status'],
  };

  it('arrive with their names and attributes, on the host resource', async () => {
    const points = await waitFor('every derived metric', () => readPoints(collector!.dataDir), (p) => Object.keys(WANTED).every((n) => p.some((x) => x.name === n)), { timeoutMs: 60_000 });
    for (const [name, attributes] of Object.entries(WANTED)) {
      const ofName = points.filter((p) => p.name === name);
      expect(ofName.length, name).toBeGreaterThan(0);
      expect(Object.keys(ofName[0]!.attributes).sort(), name).toEqual(attributes);
      for (const p of ofName) {
        expect(p.resource).toMatchObject({ 'service.name': 'host', 'tracebridge.source': 'host_metrics' });
        expect(typeof p.resource['host.name']).toBe('string');
        expect(p.resource['service.instance.id']).toBe(p.resource['host.name']);
      }
    }
    const processes = points.filter((p) => p.name === 'system.processes.count' && p.attributes.status === 'running');
    expect(processes.length).toBeGreaterThan(0);
    expect(processes.at(-1)!.value).toBeGreaterThanOrEqual(1);
    const memory = points.filter((p) => p.name === 'system.memory.usage' && p.attributes.state === 'used');
    expect(memory.at(-1)!.value).toBeGreaterThan(0);
  });
});

describe('shutdown', () => {
  // Last in the file: it stops the shared collector. At shutdown the collector closes its receivers
  // before the connectors emit their last interval into the loopback; without a queue on that exporter
  // the send retried forever into the closed receiver and a SIGTERM never completed.
  it('ends on SIGTERM on its own, with both connectors still emitting', async () => {
    const c = collector!;
    await waitFor('a count emitted since start', () => readPoints(c.dataDir), (p) => p.some((x) => x.name === 'tracebridge.log.records'), { timeoutMs: 60_000 });
    c.process.kill('SIGTERM');
    // Generous for a busy machine; the stuck exporter never ended at all (it ran until SIGKILL).
    const ended = await Promise.race([c.exited, sleep(60_000).then(() => 'still running after 60 s')]);
    expect(ended, c.output().slice(-2000)).toBe(0);
  });
});

/** Objects with sorted keys, so equal counts compare equal whatever order they arrived in. */
function sortDeep<T>(value: T): T {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortDeep((value as Record<string, unknown>)[k])])) as T;
  }
  return value;
}
