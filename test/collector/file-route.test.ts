// The collector's file route (collector/config.yaml: file_log/agents → tracebridge_record) against the SDK
// route (sendRecords of @tracebridge/logger → the otlp receiver), both through the real collector with the
// `local` profile: for every shared vector, a file of its records and the same records sent over OTLP must
// give the same OTLP, and both the OTLP the vector expects; and the logger's own protobuf route (records
// written as OTLP without the SDK, what its export worker sends) must give what the SDK route gives. Then
// what files do that the SDK does not: lines that are not JSON, and a collector restarted in the middle
// of a file.
import { appendFileSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRequests } from '../../packages/cli/src/local-data.js';
import { sendRecords } from '@tracebridge/logger';
import { agentResource, mapRecord, toKeyValues } from '@tracebridge/schema';
import { canonicalJson } from '@tracebridge/schema/internal';
import type { ExportLogsServiceRequest, OtlpKeyValue, OtlpLogRecord } from '@tracebridge/schema';
import { startCollector } from '#collector/run-lib.mjs';
import type { RunningCollector } from '#collector/run-lib.mjs';
import { ProtobufOtlpRoute } from '../../packages/logger/src/internal/protobuf-otlp-route.js';
import { loadVectors } from '../helpers/vectors.js';
import { waitFor, waitForQuiet } from '../helpers/wait-for.js';

/** Records of one resource and scope, in the order they arrived. */
interface Group {
  resource: OtlpKeyValue[];
  scope: string;
  records: OtlpLogRecord[];
}

/**
 * OTLP logs requests in a form where the two routes can be compared. What legitimately differs is
 * removed, and nothing else:
 * - how records are split into requests and ResourceLogs: the SDK route exports each agent's records on
 *   their own and the collector batches as it likes, so records are regrouped by resource and scope (in
 *   arrival order within a group, which both routes keep);
 * - `observedTimeUnixNano`, when the bridge saw the record;
 * - an empty `body` and a zero `timeUnixNano`: the collector's file exporter writes `"body": {}` for a
 *   record without one and leaves a time of 0 out, where the vectors (tracebridge convert) leave the body
 *   out and write the epoch as "0" — in OTLP both mean the same;
 * - the order of a record's attributes: the collector's JSON parser holds objects in Go maps, so the
 *   members of context, metadata, performance and error come in no fixed order on the file route.
 *   Resource attributes keep their order (both routes write them in the mapping's order).
 */
function normalise(requests: readonly ExportLogsServiceRequest[]): Group[] {
  const groups = new Map<string, Group>();
  for (const request of requests) {
    for (const rl of request.resourceLogs ?? []) {
      const resource = rl.resource?.attributes ?? [];
      for (const sl of rl.scopeLogs ?? []) {
        const scope = sl.scope?.name ?? '';
        const key = JSON.stringify([resource, scope]);
        let group = groups.get(key);
        if (group === undefined) {
          group = { resource, scope, records: [] };
          groups.set(key, group);
        }
        for (const lr of sl.logRecords ?? []) {
          const record: OtlpLogRecord = { ...lr };
          delete record.observedTimeUnixNano;
          if (record.body !== undefined && Object.keys(record.body).length === 0) delete record.body;
          if (record.timeUnixNano === '0') delete record.timeUnixNano;
          if (record.attributes !== undefined) record.attributes = [...record.attributes].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
          group.records.push(record);
        }
      }
    }
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, g]) => g);
}

function countRecords(requests: readonly ExportLogsServiceRequest[]): number {
  let n = 0;
  for (const request of requests) for (const rl of request.resourceLogs ?? []) for (const sl of rl.scopeLogs ?? []) n += sl.logRecords?.length ?? 0;
  return n;
}

async function logRequests(collector: RunningCollector): Promise<ExportLogsServiceRequest[]> {
  return readRequests<ExportLogsServiceRequest>(collector.dataDir, 'logs', []);
}

/** Waits until the collector's logs file holds `count` records after the first `skip` requests; returns those requests. */
async function waitForRecords(collector: RunningCollector, skip: number, count: number): Promise<ExportLogsServiceRequest[]> {
  const fresh = await waitFor(`${count} records in the logs file`, async () => (await logRequests(collector)).slice(skip), (f) => countRecords(f) >= count);
  expect(countRecords(fresh), `records written by the collector (log: ${collector.output().slice(-2000)})`).toBe(count);
  return fresh;
}

/** Every record's body text, in file order across groups (records of one agent and component keep their order). */
function bodies(requests: readonly ExportLogsServiceRequest[]): string[] {
  const out: string[] = [];
  for (const request of requests) {
    for (const rl of request.resourceLogs ?? []) for (const sl of rl.scopeLogs ?? []) for (const lr of sl.logRecords ?? []) out.push(lr.body?.stringValue ?? '');
  }
  return out;
}

/** A line of the record format. */
function line(message: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    timestamp: '2025-11-30T12:34:56.789Z',
    level: 'INFO',
    agent_id: 'A1-haiku-001',
    correlation_id: 'task-file-route',
    component: 'redis_bus',
    message,
    ...extra,
  });
}

/** OTTL statements that fail, or `set` given nothing, are logged: the mapping is written so that none ever does. */
function ottlComplaints(collector: RunningCollector): string[] {
  return collector.output().split('\n').filter((l) => /failed to execute statement|silently ignored a nil value|failed processing logs/.test(l));
}

/**
 * Sends records through the logger's protobuf route (its export worker's), mapped as sendRecords maps them
 * with no service name or resource attributes of this process: one route per agent resource, each record
 * with its own time (none: 0, as sendRecords does).
 */
async function sendByProtobufRoute(records: ReadonlyArray<Record<string, unknown>>, url: string): Promise<void> {
  const routes = new Map<string, ProtobufOtlpRoute>();
  const failures: string[] = [];
  for (const record of records) {
    const mapped = mapRecord(record, { resourceAttributes: {} });
    const key = canonicalJson(mapped.resource);
    let route = routes.get(key);
    if (route === undefined) {
      route = new ProtobufOtlpRoute(
        {
          url,
          headers: {},
          exportTimeoutMillis: 30_000,
          resource: mapped.resource,
          limits: { attributeCountLimit: 100_000 },
          maxQueueRecords: 100_000,
          maxExportBatchSize: 2048,
          scheduleDelayMillis: 100,
        },
        { onExported: () => undefined, onDropped: (reason, n) => void failures.push(`${n} ${reason}`) },
      );
      routes.set(key, route);
    }
    const nanos = mapped.timeUnixNano ?? '0';
    route.emit(mapped, nanos.length > 9 ? Number(nanos.slice(0, -9)) : 0, Number(nanos.slice(-9)));
  }
  for (const route of routes.values()) {
    await route.flush();
    await route.close();
  }
  expect(failures).toEqual([]);
}

describe('the file route', () => {
  const vectors = loadVectors();
  let files: RunningCollector;
  let sdk: RunningCollector;

  beforeAll(async () => {
    [files, sdk] = await Promise.all([startCollector({ profile: 'local' }), startCollector({ profile: 'local' })]);
    mkdirSync(path.join(files.dataDir, 'agents'), { recursive: true });
  });
  afterAll(async () => {
    await Promise.all([files?.stop(), sdk?.stop()]);
  });

  it('maps every shared vector exactly as the SDK route does, and as the vector expects; the protobuf route sends the same', async () => {
    // One vector at a time on each collector, so each one's output is the requests written since the last.
    for (const vector of vectors) {
      const [fileSkip, sdkSkip] = [(await logRequests(files)).length, (await logRequests(sdk)).length];
      // The vector's own bytes: JSON.stringify would rewrite some of them (-0.0 as 0).
      copyFileSync(vector.inputPath, path.join(files.dataDir, 'agents', `${vector.name}.jsonl`));
      // serviceName '' and resourceAttributes {}: nothing from this process's environment (OTEL_SERVICE_NAME,
      // OTEL_RESOURCE_ATTRIBUTES) may reach the resource; the collector has no such setting either.
      await sendRecords(vector.records, { endpoint: `${sdk.otlpHttp}/v1/logs`, serviceName: '', resourceAttributes: {} });
      const [fromFile, fromSdk] = await Promise.all([
        waitForRecords(files, fileSkip, vector.records.length),
        waitForRecords(sdk, sdkSkip, vector.records.length),
      ]);
      expect(normalise(fromFile), `vector ${vector.name}: file route = SDK route`).toEqual(normalise(fromSdk));
      expect(normalise(fromFile), `vector ${vector.name}: file route = ${vector.name}.otlp.json`).toEqual(normalise([vector.expected]));
      // The logger's protobuf route, to the same collector after the SDK route's records.
      const protobufSkip = (await logRequests(sdk)).length;
      await sendByProtobufRoute(vector.records, `${sdk.otlpHttp}/v1/logs`);
      const fromProtobuf = await waitForRecords(sdk, protobufSkip, vector.records.length);
      expect(normalise(fromProtobuf), `vector ${vector.name}: protobuf route = SDK route`).toEqual(normalise(fromSdk));
    }
    expect(ottlComplaints(files)).toEqual([]);
  });

  it('keeps lines that are not JSON objects as tracebridge.invalid.line records, keeps running and loses no good line', async () => {
    const garbage = [
      'not json at all',
      '{"timestamp": "2025-11-30T12:34:56.789Z", "level": "INFO", "message": "cut off',
      '[1, 2, 3]',
      '"a JSON string"',
      '42',
      'null',
      '}{',
      '<html><body>500 Internal Server Error</body></html>',
      '\u0000\u0001 binary-ish \ufffd',
      'x'.repeat(5000),
    ];
    const good = Array.from({ length: 11 }, (_, i) => line(`good line ${i}`));
    // good, bad, good, bad, ..., good; plus blank lines, which hold no record.
    const lines: string[] = [];
    for (let i = 0; i < good.length; i++) {
      lines.push(good[i] as string);
      if (i < garbage.length) lines.push(garbage[i] as string);
    }
    lines.splice(4, 0, '', '   ');
    const skip = (await logRequests(files)).length;
    writeFileSync(path.join(files.dataDir, 'agents', 'garbage.jsonl'), `${lines.join('\n')}\n`);
    const written = await waitForRecords(files, skip, good.length + garbage.length);

    const groups = normalise(written);
    const invalid = groups.filter((g) => g.records.some((r) => r.attributes?.some((a) => a.key === 'tracebridge.invalid.line')));
    expect(invalid).toHaveLength(1);
    // An empty record plus the line: no time, severity or body, the unknown agent and component.
    expect(invalid[0]?.resource).toEqual([{ key: 'service.name', value: { stringValue: 'unknown_service' } }]);
    expect(invalid[0]?.scope).toBe('unknown');
    expect(invalid[0]?.records).toEqual(
      garbage.map((g) => ({ attributes: [{ key: 'tracebridge.invalid.line', value: { stringValue: g.length > 4096 ? g.slice(0, 4096) : g } }] })),
    );
    expect(bodies(written).filter((b) => b.startsWith('good line'))).toEqual(good.map((_, i) => `good line ${i}`));
    // Still running and still reading.
    expect(files.process.exitCode).toBeNull();
    const after = (await logRequests(files)).length;
    appendFileSync(path.join(files.dataDir, 'agents', 'garbage.jsonl'), `${line('after the garbage')}\n`);
    expect(bodies(await waitForRecords(files, after, 1))).toEqual(['after the garbage']);
    expect(ottlComplaints(files)).toEqual([]);
  });
});

describe('a restarted file route', () => {
  let collector: RunningCollector | undefined;
  afterAll(async () => {
    await collector?.stop();
  });

  it('neither reads a line twice nor skips one, across a restart with lines written while it was down', async () => {
    collector = await startCollector({ profile: 'local' });
    const { dataDir } = collector;
    const agents = path.join(dataDir, 'agents');
    mkdirSync(agents, { recursive: true });
    const first = path.join(agents, 'A1-haiku-001.jsonl');
    const second = path.join(agents, 'A2-sonnet-002.jsonl');
    const messages = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `record ${from + i}`);
    writeFileSync(first, messages(0, 200).map((m) => `${line(m)}\n`).join(''));
    await waitForRecords(collector, 0, 200);
    await collector.stop();

    // While it is down: the file grows (one line written in two pieces) and a second file appears.
    appendFileSync(first, messages(200, 300).map((m) => `${line(m)}\n`).join(''));
    const split = line('record 300');
    appendFileSync(first, split.slice(0, 40));
    writeFileSync(second, messages(1000, 1050).map((m) => `${line(m, { agent_id: 'A2-sonnet-002' })}\n`).join(''));

    collector = await startCollector({ profile: 'local', dataDir });
    const before = (await logRequests(collector)).length;
    await waitForRecords(collector, before, 150);
    // The rest of the half-written line: the record is read once, whole, when its newline arrives.
    appendFileSync(first, `${split.slice(40)}\n`);
    await waitForRecords(collector, before, 151);
    // Still for a while: a line read twice would show up before the count settles.
    await waitForQuiet('the logs file', async () => countRecords(await logRequests(collector!)), { quietMs: 2_000 });

    const all = bodies(await logRequests(collector));
    expect(all).toHaveLength(351);
    expect(new Set(all).size).toBe(351);
    expect([...all].sort()).toEqual([...messages(0, 301), ...messages(1000, 1050)].sort());
    expect(ottlComplaints(collector)).toEqual([]);
  });

  it('sets deployment.environment.name from TRACEBRIDGE_ENVIRONMENT, as the mapping does from its environment option', async () => {
    const staging = await startCollector({ profile: 'local', env: { TRACEBRIDGE_ENVIRONMENT: 'staging' } });
    try {
      mkdirSync(path.join(staging.dataDir, 'agents'), { recursive: true });
      writeFileSync(path.join(staging.dataDir, 'agents', 'a.jsonl'), `${line('with environment')}\nnot json\n`);
      const groups = normalise(await waitForRecords(staging, 0, 2));
      expect(groups.map((g) => g.resource)).toEqual([
        toKeyValues(agentResource('A1-haiku-001', { environment: 'staging' })),
        toKeyValues(agentResource(undefined, { environment: 'staging' })),
      ]);
      expect(groups[0]?.resource.at(-1)).toEqual({ key: 'deployment.environment.name', value: { stringValue: 'staging' } });
    } finally {
      await staging.stop();
    }
  });
});
