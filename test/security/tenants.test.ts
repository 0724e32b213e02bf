// Swarms as Loki tenants: the real collector runs the lgtm profile with collector/fragments/loki-tenants.yaml, Loki
// replaced by a capture endpoint on 127.0.0.1 that records each push's X-Scope-OrgID header and decodes
// its protobuf body. Records whose resource names a configured service.namespace must arrive with that
// namespace as the tenant, every other record (another namespace, none, the file route) with the
// default tenant, and each record exactly once. The tenant names come from the environment, as in
// compose/compose.tenants.yaml. The other backends of the profile are left unreachable: their exporters
// only queue.
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@tracebridge/logger';
import { fromKeyValues } from '@tracebridge/schema';
import { fragmentFile, startCollector } from '#collector/run-lib.mjs';
import type { RunningCollector } from '#collector/run-lib.mjs';
import { decodeLogsRequest } from '../helpers/otlp-proto.js';
import { waitForQuiet } from '../helpers/wait-for.js';

interface Push {
  path: string;
  tenant: string | undefined;
  records: Array<{ namespace: unknown; agent: unknown; body: unknown; attributes: Record<string, unknown> }>;
}

/** A stand-in for Loki's OTLP endpoint: answers 200 and keeps the tenant and the records of every push. */
async function startCapture(): Promise<{ url: string; pushes: Push[]; stop(): Promise<void> }> {
  const pushes: Push[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const request = decodeLogsRequest(body);
      const records = request.resourceLogs.flatMap((rl) => {
        const resource = fromKeyValues(rl.resource?.attributes);
        return rl.scopeLogs.flatMap((sl) => sl.logRecords.map((lr) => ({ namespace: resource['service.namespace'], agent: resource['service.instance.id'], body: lr.body?.stringValue, attributes: fromKeyValues(lr.attributes) })));
      });
      pushes.push({ path: req.url ?? '', tenant: req.headers['x-scope-orgid'] as string | undefined, records });
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/otlp`,
    pushes,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let loki: Awaited<ReturnType<typeof startCapture>>;
let collector: RunningCollector;
beforeAll(async () => {
  loki = await startCapture();
  collector = await startCollector({
    profile: 'lgtm',
    extraConfigs: [fragmentFile('loki-tenants')],
    env: {
      LOKI_ENDPOINT: loki.url,
      TEMPO_ENDPOINT: '127.0.0.1:9',
      PROMETHEUS_OTLP_ENDPOINT: 'http://127.0.0.1:9/m',
      S3_ENDPOINT: 'http://127.0.0.1:9',
      TRACEBRIDGE_TENANT_A: 'swarm-red',
      TRACEBRIDGE_TENANT_B: 'swarm-blue',
      TRACEBRIDGE_TENANT_DEFAULT: 'shared',
    },
  });
});
afterAll(async () => {
  await collector?.stop();
  await loki?.stop();
});

/** The captured records as [tenant, body], once `count` arrived (bounded wait). */
async function captured(count: number, timeoutMs = 60_000): Promise<Array<[string | undefined, unknown]>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = loki.pushes.flatMap((p) => p.records.map((r): [string | undefined, unknown] => [p.tenant, r.body]));
    if (got.length >= count || Date.now() > deadline) {
      expect(got.length, `records at Loki (collector log: ${collector.output().slice(-2000)})`).toBe(count);
      return got;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('collector/fragments/loki-tenants.yaml', () => {
  it('sends each service.namespace to Loki with its own X-Scope-OrgID, everything else to the default tenant, each record once', async () => {
    const endpoint = `${collector.otlpHttp}/v1/logs`;
    const send = async (agentId: string, namespace: string | undefined, message: string): Promise<void> => {
      const log = createLogger({
        agentId,
        component: 'tenants',
        endpoint,
        handleExit: false,
        resourceAttributes: namespace === undefined ? {} : { 'service.namespace': namespace },
      });
      log.info(message);
      expect(await log.flush(15_000)).toBe(true);
      await log.shutdown();
    };
    await send('A1-red-001', 'swarm-red', 'red one');
    await send('A2-red-002', 'swarm-red', 'red two');
    await send('B1-blue-001', 'swarm-blue', 'blue one');
    await send('C1-green-001', 'swarm-green', 'green one');
    await send('D1-none-001', undefined, 'no namespace');
    // The file route's records carry no namespace: the default tenant.
    mkdirSync(path.join(collector.dataDir, 'agents'), { recursive: true });
    const line = { timestamp: '2026-01-02T03:04:05.678Z', level: 'INFO', agent_id: 'E1-file-001', component: 'tenants', message: 'from a file' };
    writeFileSync(path.join(collector.dataDir, 'agents', 'tenants.jsonl'), `${JSON.stringify(line)}\n`);

    const got = await captured(6);
    expect(got.sort()).toEqual(
      [
        ['swarm-red', 'red one'],
        ['swarm-red', 'red two'],
        ['swarm-blue', 'blue one'],
        ['shared', 'green one'],
        ['shared', 'no namespace'],
        ['shared', 'from a file'],
      ].sort(),
    );
    // Pushed to Loki's OTLP path, and no push without a tenant.
    expect(new Set(loki.pushes.map((p) => p.path))).toEqual(new Set(['/otlp/v1/logs']));
    expect(loki.pushes.filter((p) => p.tenant === undefined)).toEqual([]);
    // Nothing more arrives later (no record was sent to two tenants): the count stays still for a while.
    const settled = await waitForQuiet('the records at Loki', () => loki.pushes.flatMap((p) => p.records).length, { quietMs: 2_000 });
    expect(settled).toBe(6);
  });

  it('keeps the redaction and the level Loki indexes in every tenant pipeline', async () => {
    const before = loki.pushes.length;
    const res = await fetch(`${collector.otlpHttp}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        resourceLogs: [{
          resource: { attributes: [{ key: 'service.namespace', value: { stringValue: 'swarm-blue' } }] },
          scopeLogs: [{ scope: { name: 'sdk' }, logRecords: [{ severityNumber: 17, body: { stringValue: 'login password=hunter2' }, attributes: [{ key: 'api_key', value: { stringValue: 'k-1' } }] }] }],
        }],
      }),
    });
    expect(res.status).toBe(200);
    const deadline = Date.now() + 60_000;
    while (loki.pushes.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const push = loki.pushes.at(-1)!;
    expect(push.tenant).toBe('swarm-blue');
    expect(push.records.map((r) => [r.body, r.attributes.api_key, r.attributes.level])).toEqual([['login [REDACTED]', '[REDACTED]', 'ERROR']]);
  });
});
