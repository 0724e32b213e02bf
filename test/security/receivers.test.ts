// The collector's receivers are not open doors. The `local` profile listens on 127.0.0.1 only (read from
// the sockets the real process holds). collector/fragments/secure-receivers.yaml makes both OTLP receivers refuse
// a request without the bearer token (HTTP 401, gRPC Unauthenticated) and store nothing from it, and,
// with OTLP_TLS_ENABLED, speak TLS only, so a plain-HTTP client is refused. The TypeScript side sends
// the token the standard way, OTEL_EXPORTER_OTLP_HEADERS: the logger and the SDK exporters of
// @tracebridge/auto both deliver through the secured collector. The certificates are made here with
// openssl, for 127.0.0.1.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { readRequests } from '../../packages/cli/src/local-data.js';
import { createLogger } from '@tracebridge/logger';
import { fromKeyValues } from '@tracebridge/schema';
import { COLLECTOR_DIR, fragmentFile, freePort, stackFiles, startCollector } from '#collector/run-lib.mjs';
import type { RunningCollector } from '#collector/run-lib.mjs';
import { waitFor } from '../helpers/wait-for.js';

type Obj = Record<string, any>;
const SECURE = fragmentFile('secure-receivers');
const FIXTURES = fileURLToPath(new URL('../fixtures/security/', import.meta.url));
/** A token made for this run (never a literal in the repository). */
const TOKEN = `t${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;

const running: RunningCollector[] = [];
async function start(options: Parameters<typeof startCollector>[0]): Promise<RunningCollector> {
  const c = await startCollector(options);
  running.push(c);
  return c;
}
afterAll(async () => {
  await Promise.all(running.splice(0).map((c) => c.stop()));
});

/** An OTLP/JSON logs request of one record, from agent `agentId`. */
function logsRequest(agentId: string, body: string): string {
  return JSON.stringify({
    resourceLogs: [{
      resource: { attributes: [{ key: 'service.instance.id', value: { stringValue: agentId } }] },
      scopeLogs: [{ scope: { name: 'security' }, logRecords: [{ body: { stringValue: body } }] }],
    }],
  });
}

async function postLogs(url: string, agentId: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(`${url}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: logsRequest(agentId, `from ${agentId}`) });
  await res.arrayBuffer();
  return res.status;
}

/** service.instance.id of every stored log record, and the bodies. */
async function storedAgents(collector: RunningCollector): Promise<string[]> {
  const requests = await readRequests<Obj>(collector.dataDir, 'logs', []);
  return requests.flatMap((r) => (r.resourceLogs as Obj[]).flatMap((rl) => (rl.scopeLogs as Obj[]).flatMap((sl) => (sl.logRecords as Obj[]).map(() => fromKeyValues(rl.resource?.attributes)['service.instance.id'] as string))));
}

/** Waits (60 s at most, then throws) until `agent` has a stored record. */
async function waitStored(collector: RunningCollector, agent: string): Promise<boolean> {
  await waitFor(`a stored record of ${agent}`, () => storedAgents(collector), (agents) => agents.includes(agent));
  return true;
}

/**
 * One unary gRPC call of OTLP's LogsService/Export with an empty request over HTTP/2 (cleartext, or TLS
 * with `ca`), answering the grpc-status trailer (0 OK, 16 Unauthenticated), or the connection error.
 */
async function grpcExport(target: string, metadata: Record<string, string>, ca?: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const session = http2.connect(ca ? `https://${target}` : `http://${target}`, ca ? { ca } : {});
    session.on('error', (err) => resolve(`error: ${err.message}`));
    const req = session.request({
      ':method': 'POST',
      ':path': '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
      'content-type': 'application/grpc',
      te: 'trailers',
      ...metadata,
    });
    let status = 'none';
    req.on('response', (h) => {
      if (h['grpc-status'] !== undefined) status = String(h['grpc-status']);
    });
    req.on('trailers', (t) => (status = String(t['grpc-status'])));
    req.on('error', (err) => resolve(`error: ${err.message}`));
    req.on('close', () => {
      session.close();
      resolve(status);
    });
    req.resume();
    // A length-prefixed message: not compressed, length 0 (an empty ExportLogsServiceRequest).
    req.end(Buffer.from([0, 0, 0, 0, 0]));
  });
}

// ---------------------------------------------------------------------------------------------

/** The sockets a process listens on (TCP and UDP, IPv4 and IPv6), as `address:port`, from /proc. */
function listeningSockets(pid: number): string[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  const out: string[] = [];
  for (const table of ['tcp', 'tcp6', 'udp', 'udp6']) {
    const lines = readFileSync(`/proc/${pid}/net/${table}`, 'utf8').trim().split('\n').slice(1);
    for (const line of lines) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
      const f = line.trim().split(/\s+/);
      const [local, state, inode] = [f[1]!, f[3], f[9]!];
      // TCP: 0A is LISTEN; UDP sockets have no listen state (07 unconnected): all count.
      if (!inodes.has(inode) || (table.startsWith('tcp') && state !== '0A')) continue;
      const [hex, port] = local.split(':') as [string, string];
      const address = hex.length === 8
        ? hex.match(/../g)!.reverse().map((b) => parseInt(b, 16)).join('.')
        : hex === '00000000000000000000000000000000' ? '::' : hex === '00000000000000000000000001000000' ? '::1' : `[${hex}]`;
      out.push(`${address}:${parseInt(port, 16)}`);
    }
  }
  return out;
}

describe('the local profile', () => {
  it('listens on 127.0.0.1 only: OTLP, health and its own metrics', async () => {
    const local = await start({ profile: 'local' });
    const sockets = listeningSockets(local.process.pid!);
    const ports = [local.otlpGrpc, local.otlpHttp.replace('http://', '')];
    for (const p of ports) expect(sockets).toContain(p);
    expect(sockets.length).toBeGreaterThanOrEqual(4);
    for (const s of sockets) expect(s, `${s} is reachable from other hosts`).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('defaults every listener of the base config, the local profile and the sources to 127.0.0.1', () => {
    const load = (file: string): Obj => parseYaml(readFileSync(file, 'utf8')) as Obj;
    const defaults: string[] = [];
    const walk = (node: unknown, key: string): void => {
      if (typeof node === 'string' && /^(endpoint|host|listen_address)$/.test(key)) {
        // The default of ${env:X:-default}, innermost last.
        const m = [...node.matchAll(/:-([^}$]*)\}/g)].map((x) => x[1]!);
        defaults.push(m.at(-1) ?? node);
      } else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) walk(v, k);
    };
    for (const file of stackFiles('local', { add: ['sources'] })) {
      const doc = load(file);
      walk(doc.receivers, 'receivers');
      walk(doc.extensions, 'extensions');
      walk(doc.service?.telemetry, 'telemetry');
    }
    expect(defaults.length).toBeGreaterThanOrEqual(6);
    for (const d of defaults) expect(d, d).toMatch(/^127\.0\.0\.1(:\d+)?$/);
  });
});

describe('collector/fragments/secure-receivers.yaml', () => {
  let secured: RunningCollector;
  beforeAll(async () => {
    secured = await start({ profile: 'local', extraConfigs: [SECURE], env: { OTLP_BEARER_TOKEN: TOKEN } });
  });

  it('refuses OTLP/HTTP without the token or with another one (401), accepts it with the token, stores only that', async () => {
    expect(await postLogs(secured.otlpHttp, 'A1-none-001')).toBe(401);
    expect(await postLogs(secured.otlpHttp, 'A1-wrong-001', { authorization: `Bearer ${TOKEN}x` })).toBe(401);
    expect(await postLogs(secured.otlpHttp, 'A1-basic-001', { authorization: `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}` })).toBe(401);
    expect(await postLogs(secured.otlpHttp, 'A1-token-001', { authorization: `Bearer ${TOKEN}` })).toBe(200);
    expect(await waitStored(secured, 'A1-token-001')).toBe(true);
    expect((await storedAgents(secured)).filter((a) => a !== 'A1-token-001')).toEqual([]);
  });

  it('refuses OTLP/gRPC without the token (Unauthenticated) and accepts it with the token', async () => {
    expect(await grpcExport(secured.otlpGrpc, {})).toBe('16');
    expect(await grpcExport(secured.otlpGrpc, { authorization: 'Bearer nope' })).toBe('16');
    expect(await grpcExport(secured.otlpGrpc, { authorization: `Bearer ${TOKEN}` })).toBe('0');
  });

  it('gets the logger through with OTEL_EXPORTER_OTLP_HEADERS, and not without', async () => {
    const endpoint = `${secured.otlpHttp}/v1/logs`;
    const saved = process.env.OTEL_EXPORTER_OTLP_HEADERS;
    try {
      process.env.OTEL_EXPORTER_OTLP_HEADERS = `Authorization=Bearer%20${TOKEN}`;
      const withToken = createLogger({ agentId: 'A1-logger-001', component: 'security', endpoint, handleExit: false });
      delete process.env.OTEL_EXPORTER_OTLP_HEADERS;
      const without = createLogger({ agentId: 'A1-logger-002', component: 'security', endpoint, handleExit: false, exportTimeoutMillis: 2000 });
      withToken.info('with the token');
      without.info('without the token');
      expect(await withToken.flush(15_000)).toBe(true);
      await without.flush(5000);
      expect(await waitStored(secured, 'A1-logger-001')).toBe(true);
      expect(withToken.stats().exported).toBe(1);
      expect(without.stats().exported).toBe(0);
      await Promise.all([withToken.shutdown(), without.shutdown()]);
      expect(await storedAgents(secured)).not.toContain('A1-logger-002');
    } finally {
      if (saved === undefined) delete process.env.OTEL_EXPORTER_OTLP_HEADERS;
      else process.env.OTEL_EXPORTER_OTLP_HEADERS = saved;
    }
  });

  it("gets @tracebridge/auto's log and trace exporters through with OTEL_EXPORTER_OTLP_HEADERS, and not without", async () => {
    const runApp = async (agentId: string, headers: string | undefined): Promise<void> => {
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? '',
        TRACEBRIDGE_AGENT_ID: agentId,
        OTEL_EXPORTER_OTLP_ENDPOINT: secured.otlpHttp,
        OTEL_METRICS_EXPORTER: 'none',
        ...(headers ? { OTEL_EXPORTER_OTLP_HEADERS: headers } : {}),
      };
      const child = spawn(process.execPath, ['--import=@tracebridge/auto/register', 'auto-app.mjs'], { cwd: FIXTURES, env, stdio: ['ignore', 'pipe', 'pipe'] });
      const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.stdout.resume();
      child.stderr.resume();
      await once(child, 'close');
      clearTimeout(killer);
    };
    await runApp('A1-auto-001', `Authorization=Bearer%20${TOKEN}`);
    await runApp('A1-auto-002', undefined);
    expect(await waitStored(secured, 'A1-auto-001')).toBe(true);
    // Traces go to their own file, flushed on their own schedule: wait for the span as for the record.
    const storedSpans = async (): Promise<unknown[][]> =>
      (await readRequests<Obj>(secured.dataDir, 'traces', [])).flatMap((r) => (r.resourceSpans as Obj[]).flatMap((rs) => (rs.scopeSpans as Obj[]).flatMap((ss) => (ss.spans as Obj[]).map((s) => [fromKeyValues(rs.resource?.attributes)['service.instance.id'], s.name]))));
    const spans = await waitFor('the span of A1-auto-001', storedSpans, (all) => all.some(([agent, name]) => agent === 'A1-auto-001' && name === 'guarded-operation'));
    expect(spans).toContainEqual(['A1-auto-001', 'guarded-operation']);
    expect(spans.filter(([agent]) => agent === 'A1-auto-002')).toEqual([]);
    expect(await storedAgents(secured)).not.toContain('A1-auto-002');
  });

  it('restates the lgtm profile’s extensions (lists are replaced on merge), and lgtm with it refuses without the token', async () => {
    const lgtm = parseYaml(readFileSync(path.join(COLLECTOR_DIR, 'profiles', 'lgtm.yaml'), 'utf8')) as Obj;
    const secure = parseYaml(readFileSync(SECURE, 'utf8')) as Obj;
    expect(secure.service.extensions).toEqual([...(lgtm.service.extensions as string[]), 'bearertokenauth/otlp']);
    // The compose stack, with backends that are not there (their exporters only queue).
    const c = await start({
      profile: 'compose',
      env: { OTLP_BEARER_TOKEN: TOKEN, LOKI_ENDPOINT: 'http://127.0.0.1:9/otlp', TEMPO_ENDPOINT: '127.0.0.1:9', PROMETHEUS_OTLP_ENDPOINT: 'http://127.0.0.1:9/m', S3_ENDPOINT: 'http://127.0.0.1:9' },
    });
    expect(await postLogs(c.otlpHttp, 'A1-none-002')).toBe(401);
    expect(await postLogs(c.otlpHttp, 'A1-token-002', { authorization: `Bearer ${TOKEN}` })).toBe(200);
  });

  it('refuses to start without a token rather than run open', async () => {
    await expect(startCollector({ profile: 'local', extraConfigs: [SECURE] })).rejects.toThrow(/no bearer token provided/);
  });
});

describe('collector/fragments/secure-receivers.yaml with OTLP_TLS_ENABLED', () => {
  let dir: string;
  let ca: Buffer;
  let tls: RunningCollector;
  // Ports chosen here: the loopback's https URL must name the receiver's port.
  let httpsUrl: string;
  let grpcTarget: string;
  const httpsPost = (url: string, headers: Record<string, string>, body: string): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = https.request(`${url}/v1/logs`, { method: 'POST', ca, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(body);
    });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tb-tls-'));
    await promisify(execFile)('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
    ]);
    ca = readFileSync(path.join(dir, 'cert.pem'));
    const [httpPort, grpcPort] = [await freePort(), await freePort()];
    httpsUrl = `https://127.0.0.1:${httpPort}`;
    grpcTarget = `127.0.0.1:${grpcPort}`;
    tls = await start({
      profile: 'local',
      // derived-metrics.yaml: its loopback must reach the TLS receiver too (https, this certificate).
      extraConfigs: [fragmentFile('derived-metrics'), SECURE],
      env: {
        OTLP_HTTP_ENDPOINT: `127.0.0.1:${httpPort}`,
        OTLP_GRPC_ENDPOINT: grpcTarget,
        OTLP_LOOPBACK_ENDPOINT: httpsUrl,
        OTLP_BEARER_TOKEN: TOKEN,
        OTLP_TLS_ENABLED: 'true',
        OTLP_TLS_CERT_FILE: path.join(dir, 'cert.pem'),
        OTLP_TLS_KEY_FILE: path.join(dir, 'key.pem'),
        OTLP_TLS_CA_FILE: path.join(dir, 'cert.pem'),
        TRACEBRIDGE_DERIVED_INTERVAL: '1s',
      },
    });
  });

  it('refuses a plain-HTTP client, stores nothing from it, and takes HTTPS with the token', async () => {
    let plain: string;
    try {
      plain = String(await postLogs(httpsUrl.replace('https://', 'http://'), 'A1-plain-001', { authorization: `Bearer ${TOKEN}` }));
    } catch (err) {
      plain = `error: ${(err as Error).message}`;
    }
    // Go's TLS server answers a cleartext request with 400 ("Client sent an HTTP request to an HTTPS
    // server"), or the connection drops; never 200.
    expect(plain).toMatch(/^(400|error: .+)$/);
    const url = httpsUrl;
    expect(await httpsPost(url, {}, logsRequest('A1-tls-none-001', 'no token'))).toBe(401);
    expect(await httpsPost(url, { authorization: `Bearer ${TOKEN}` }, logsRequest('A1-tls-001', 'over TLS'))).toBe(200);
    expect(await waitStored(tls, 'A1-tls-001')).toBe(true);
    expect((await storedAgents(tls)).filter((a) => a.startsWith('A1-'))).toEqual(['A1-tls-001']);
  });

  it('refuses cleartext gRPC and takes gRPC over TLS with the token', async () => {
    expect(await grpcExport(grpcTarget, { authorization: `Bearer ${TOKEN}` })).not.toBe('0');
    expect(await grpcExport(grpcTarget, { authorization: `Bearer ${TOKEN}` }, ca)).toBe('0');
  });

  it('keeps the loopback of derived-metrics.yaml working (https, the token)', async () => {
    // The derived metrics of the record above go through the loopback into the metrics file.
    const names = await waitFor(
      'the derived metric in the metrics file',
      async () => (await readRequests<Obj>(tls.dataDir, 'metrics', [])).flatMap((r) => (r.resourceMetrics as Obj[]).flatMap((rm) => (rm.scopeMetrics as Obj[]).flatMap((sm) => (sm.metrics as Obj[]).map((m) => m.name as string)))),
      (n) => n.includes('tracebridge.log.records'),
    );
    expect(names).toContain('tracebridge.log.records');
    expect(tls.output()).not.toMatch(/otlp_http\/loopback.*(401|certificate|tls)/i);
  });
});
