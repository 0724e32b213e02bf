// `npm run stack:smoke` (compose/smoke/stack-smoke.mjs) needs a Docker engine, which this machine has
// not: every step it takes is run here against stand-ins instead, by running the real script with
//   - a stand-in `docker` command (DOCKER): `compose up` is checked by the real Compose CLI
//     (`config --quiet` on the same files, with the secrets init-secrets.sh wrote), `compose run
//     demo-agent trace …` runs this checkout's CLI against the stand-in Loki and Tempo, `compose run
//     s3-bucket` prints an S3 listing, `logs` and `down` are recorded;
//   - a stand-in collector, Loki, Tempo and Grafana in one HTTP server: OTLP/HTTP in (bearer token
//     required), Loki's query_range (categorize-labels, the indexed labels of compose/loki.yaml, the
//     rest as structured metadata), Tempo's search and v2 trace API (`{"trace":{}}` when unknown), and
//     Grafana's data source health API (admin login required);
//   - the real agent (compose/smoke/agent.mjs) instrumented with the real @tracebridge/auto.
// The smoke workflow (.github/workflows/stack-smoke.yml) is linted with actionlint built from Go modules.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, composeSandbox, parseEnvFile } from '../helpers/compose.js';
import type { ComposeSandbox, Obj } from '../helpers/compose.js';
import { indexedLogAttributes, indexedResourceAttributes, lokiName } from '../helpers/loki-labels.js';
import { ensureTool } from '#collector/build-lib.mjs';

const SMOKE = path.join(ROOT, 'compose/smoke/stack-smoke.mjs');

/** The stand-in `docker`: a Node script that records its arguments and answers as described above. */
const FAKE_DOCKER = `#!/usr/bin/env node
import { appendFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
const args = process.argv.slice(2);
appendFileSync(process.env.STANDIN_LOG, JSON.stringify(args) + '\\n');
if (args[0] !== 'compose' || args[1] !== '-f') { console.error('stand-in docker: unexpected ' + args.join(' ')); process.exit(2); }
const file = args[2];
const [command, ...rest] = args.slice(3);
const out = (r) => { process.stdout.write(r.stdout ?? ''); process.stderr.write(r.stderr ?? ''); process.exit(r.status ?? 1); };
if (command === 'up') out(spawnSync(process.env.STANDIN_COMPOSE, ['-f', file, 'config', '--quiet'], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: process.env.HOME } }));
if (command === 'logs') { console.log('stand-in logs'); process.exit(0); }
if (command === 'down') process.exit(0);
if (command === 'run') {
  let i = 0;
  const flags = [];
  while (rest[i].startsWith('-')) { flags.push(rest[i]); if (rest[i] === '--entrypoint') flags.push(rest[++i]); i++; }
  const service = rest[i];
  const after = rest.slice(i + 1);
  if (service === 'demo-agent') {
    const cli = after.map((a) => a === 'http://loki:3100' ? process.env.STANDIN_LOKI : a === 'http://tempo:3200' ? process.env.STANDIN_TEMPO : a);
    out(spawnSync(process.execPath, [process.env.STANDIN_CLI, ...cli], { encoding: 'utf8' }));
  }
  if (service === 's3-bucket') { process.stdout.write(process.env.STANDIN_S3_LISTING); process.exit(0); }
}
console.error('stand-in docker: unexpected ' + args.join(' '));
process.exit(2);
`;

interface StandInOptions {
  /** Tempo answers `{"trace":{}}` for every trace (it never got them). */
  noTraces?: boolean;
  /** This data source's health check fails. */
  unhealthy?: string;
}

/** What the stand-in backends received and answered. */
interface StandIns {
  url: string;
  logs: Obj[];
  spans: Array<{ resource: Obj; scope: Obj; span: Obj }>;
  requests: Array<{ method: string; path: string; authorization?: string }>;
  options: StandInOptions;
  close(): Promise<void>;
}

const kvs = (list: Obj[] | undefined): Record<string, string> =>
  Object.fromEntries((list ?? []).map((a) => [a.key as string, String(Object.values(a.value ?? {})[0] ?? '')]));

async function startStandIns(token: string, grafanaAuth: string): Promise<StandIns> {
  const state: StandIns = { url: '', logs: [], spans: [], requests: [], options: {}, close: async () => {} };
  const indexed = indexedResourceAttributes();
  const indexedLog = indexedLogAttributes();
  /** A stored record as Loki holds it: indexed labels, the rest as structured metadata. */
  const lokiEntry = (rec: Obj): { stream: Record<string, string>; values: unknown[] } => {
    const stream: Record<string, string> = {};
    const meta: Record<string, string> = {};
    for (const [k, v] of Object.entries(kvs(rec.resource.attributes))) (indexed.includes(k) ? stream : meta)[lokiName(k)] = v;
    const attrs = kvs(rec.record.attributes);
    if (rec.record.severityText) attrs.level = rec.record.severityText; // the collector's transform/loki_level
    for (const [k, v] of Object.entries(attrs)) (indexedLog.includes(k) ? stream : meta)[lokiName(k)] = v;
    Object.assign(meta, { trace_id: rec.record.traceId, span_id: rec.record.spanId, severity_text: rec.record.severityText, severity_number: String(rec.record.severityNumber), scope_name: rec.scope.name });
    return { stream, values: [[rec.record.timeUnixNano, rec.record.body?.stringValue ?? '', { structuredMetadata: meta }]] };
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    state.requests.push({ method: req.method ?? '', path: url.pathname, authorization: req.headers.authorization });
    const json = (status: number, body: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (req.method === 'POST' && (url.pathname === '/v1/logs' || url.pathname === '/v1/traces' || url.pathname === '/v1/metrics')) {
        if (req.headers.authorization !== `Bearer ${token}`) return json(401, { message: 'missing or wrong bearer token' });
        const doc = JSON.parse(body) as Obj;
        for (const rl of doc.resourceLogs ?? []) for (const sl of rl.scopeLogs ?? []) for (const lr of sl.logRecords ?? []) state.logs.push({ resource: rl.resource ?? {}, scope: sl.scope ?? {}, record: lr });
        for (const rs of doc.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) for (const sp of ss.spans ?? []) state.spans.push({ resource: rs.resource ?? {}, scope: ss.scope ?? {}, span: sp });
        return json(200, {});
      }
      if (url.pathname === '/loki/api/v1/query_range') {
        const q = url.searchParams.get('query') ?? '';
        const cid = /\| correlation_id="([^"]+)"/.exec(q)?.[1];
        const traces = /\| trace_id=~?"([^"]+)"/.exec(q)?.[1]?.split('|');
        const hits = state.logs.filter((l) => (cid === undefined || kvs(l.record.attributes)['correlation.id'] === cid) && (traces === undefined || traces.includes(l.record.traceId)));
        return json(200, { status: 'success', data: { resultType: 'streams', result: hits.map(lokiEntry) } });
      }
      if (url.pathname === '/api/search') {
        const cid = /span\.correlation\.id = "([^"]+)"/.exec(url.searchParams.get('q') ?? '')?.[1];
        const ids = [...new Set(state.spans.filter((s) => kvs(s.span.attributes)['correlation.id'] === cid).map((s) => s.span.traceId as string))];
        return json(200, { traces: ids.map((traceID) => ({ traceID })) });
      }
      const trace = /^\/api\/v2\/traces\/([0-9a-f]{32})$/.exec(url.pathname)?.[1];
      if (trace !== undefined) {
        const spans = state.options.noTraces ? [] : state.spans.filter((s) => s.span.traceId === trace);
        if (spans.length === 0) return json(200, { trace: {} });
        return json(200, { trace: { resourceSpans: spans.map((s) => ({ resource: s.resource, scopeSpans: [{ scope: s.scope, spans: [s.span] }] })) } });
      }
      const uid = /^\/api\/datasources\/uid\/([\w-]+)\/health$/.exec(url.pathname)?.[1];
      if (uid !== undefined) {
        if (req.headers.authorization !== grafanaAuth) return json(401, { message: 'Unauthorized' });
        if (uid === state.options.unhealthy) return json(400, { status: 'ERROR', message: `${uid}: connection refused` });
        return json(200, { status: 'OK', message: 'Data source is working' });
      }
      json(404, { message: 'not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () => new Promise((resolve) => server.close(() => resolve()));
  return state;
}

/** The archive listing the stand-in S3 answers: a logs and a traces object, as the s3_archive exporter names them. */
const LISTING = JSON.stringify({
  Contents: [
    { Key: 'otlp/year=2026/month=12/day=04/hour=18/minute=30/logs_123456.json.gz', Size: 812 },
    { Key: 'otlp/year=2026/month=12/day=04/hour=18/minute=30/traces_654321.json.gz', Size: 1024 },
  ],
});

let sandbox: ComposeSandbox;
let standIns: StandIns;
let work: string;
let secrets: Map<string, string>;

beforeAll(async () => {
  sandbox = await composeSandbox();
  secrets = parseEnvFile(readFileSync(path.join(sandbox.dir, 'secrets.env'), 'utf8'));
  const grafanaAuth = `Basic ${Buffer.from(`admin:${secrets.get('GRAFANA_ADMIN_PASSWORD')}`).toString('base64')}`;
  standIns = await startStandIns(secrets.get('OTLP_BEARER_TOKEN')!, grafanaAuth);
  work = mkdtempSync(path.join(os.tmpdir(), 'tracebridge-smoke-'));
  writeFileSync(path.join(work, 'docker'), FAKE_DOCKER);
  chmodSync(path.join(work, 'docker'), 0o755);
});
afterAll(async () => {
  await standIns?.close();
  sandbox?.remove();
  if (work) rmSync(work, { recursive: true, force: true });
});

interface SmokeRun { status: number; stderr: string; docker: string[][] }

/** Runs `npm run stack:smoke`'s script against the stand-ins. */
function smoke(options: StandInOptions, { listing = LISTING, deadlineMs = 60_000 } = {}): Promise<SmokeRun> {
  standIns.options = options;
  const logFile = path.join(work, `docker-${Date.now()}.log`);
  appendFileSync(logFile, '');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SMOKE], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DOCKER: path.join(work, 'docker'),
        STACK_SMOKE_COMPOSE_DIR: sandbox.dir,
        STACK_SMOKE_DEADLINE_MS: String(deadlineMs),
        STACK_SMOKE_RETRY_MS: '300',
        // The collector's published ports and Grafana's, on the stand-ins.
        BIND_ADDRESS: '127.0.0.1',
        OTLP_HTTP_PORT: new URL(standIns.url).port,
        GRAFANA_PORT: new URL(standIns.url).port,
        // JSON, so the stand-in collector can read what the agent sent (the real run keeps protobuf).
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '200',
        OTEL_BLRP_SCHEDULE_DELAY: '200',
        STANDIN_LOG: logFile,
        STANDIN_COMPOSE: sandbox.bin,
        STANDIN_CLI: path.join(ROOT, 'packages/cli/bin/tracebridge.js'),
        STANDIN_LOKI: standIns.url,
        STANDIN_TEMPO: standIns.url,
        STANDIN_S3_LISTING: listing,
      },
    });
    let stderr = '';
    child.stdout.on('data', () => {});
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => {
      const docker = readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]);
      resolve({ status: status ?? -1, stderr, docker });
    });
  });
}

const composeCommand = (args: string[]): string => args.slice(3).join(' ');

describe('npm run stack:smoke against stand-ins', () => {
  it('is the stack:smoke script of the repository', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Obj;
    expect(pkg.scripts['stack:smoke']).toBe('node compose/smoke/stack-smoke.mjs');
  });

  it('brings the stack up, finds the agent’s logs and trace, checks Grafana and the archive, and tears down', async () => {
    const before = standIns.requests.length;
    const run = await smoke({});
    expect(run.status, run.stderr).toBe(0);
    // up (validated by the real Compose loader), the trace lookup and the listing inside the network, down.
    const commands = run.docker.map(composeCommand);
    expect(run.docker.every((a) => a[0] === 'compose' && a[1] === '-f' && a[2] === path.join(sandbox.dir, 'compose.yaml'))).toBe(true);
    expect(commands[0]).toBe('up -d --wait');
    expect(commands.at(-1)).toBe('down -v');
    const lookups = commands.filter((c) => c.startsWith('run --rm -T demo-agent trace '));
    expect(lookups.length).toBeGreaterThan(0);
    expect(lookups.at(-1)).toMatch(/^run --rm -T demo-agent trace req-[0-9a-f]{32} --loki http:\/\/loki:3100 --tempo http:\/\/tempo:3200 --json$/);
    expect(commands.some((c) => c.startsWith('run --rm -T --entrypoint sh s3-bucket -ec ') && c.includes('list-objects-v2 --bucket "tracebridge-archive" --prefix otlp/'))).toBe(true);
    expect(commands).not.toContain('logs --no-color --tail 200');

    // The agent sent its spans and logs with the token, to the published OTLP/HTTP port.
    const traceId = /trace ([0-9a-f]{32}), correlation id req-\1/.exec(run.stderr)?.[1];
    expect(traceId, run.stderr).toBeDefined();
    expect(standIns.spans.filter((s) => s.span.traceId === traceId).length).toBeGreaterThanOrEqual(2);
    const logs = standIns.logs.filter((l) => l.record.traceId === traceId);
    expect(logs.map((l) => l.record.body.stringValue)).toEqual(expect.arrayContaining(['stack smoke: request /smoke accepted']));
    expect(kvs(logs[0]!.resource.attributes)['service.instance.id']).toBe('S0-smoke-001');
    expect(run.stderr).toMatch(/ok trace .*: \d+ spans in Tempo, \d+ logs in Loki/);

    // Grafana: every provisioned data source's health, with the admin login.
    const uids = ((parseYaml(readFileSync(path.join(ROOT, 'compose/grafana/provisioning/datasources/datasources.yaml'), 'utf8')) as Obj).datasources as Obj[]).map((d) => d.uid as string);
    const health = standIns.requests.slice(before).filter((r) => r.path.startsWith('/api/datasources/'));
    expect(health.map((r) => r.path)).toEqual(uids.map((u) => `/api/datasources/uid/${u}/health`));
    expect(new Set(health.map((r) => r.authorization))).toEqual(new Set([`Basic ${Buffer.from(`admin:${secrets.get('GRAFANA_ADMIN_PASSWORD')}`).toString('base64')}`]));
    expect(run.stderr).toMatch(/ok archive .*1 logs and 1 traces objects/);
    expect(run.stderr).toContain('the stack works end to end');
  });

  it("fails when Tempo never has the agent's trace, and still shows the logs and tears down", async () => {
    const run = await smoke({ noTraces: true }, { deadlineMs: 2_000 });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/FAILED: logs in Loki and the trace in Tempo: gave up after \d+ s; last: .*not found/);
    const commands = run.docker.map(composeCommand);
    expect(commands.slice(-2)).toEqual(['logs --no-color --tail 200', 'down -v']);
  });

  it('fails on an unhealthy Grafana data source, naming it', async () => {
    const run = await smoke({ unhealthy: 'tempo' }, { deadlineMs: 1_000 });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/FAILED: Grafana data source tempo: gave up .*HTTP 400 ERROR tempo: connection refused/);
    expect(run.docker.map(composeCommand).at(-1)).toBe('down -v');
  });

  it('fails when the archive holds no traces object', async () => {
    const onlyLogs = JSON.stringify({ Contents: [JSON.parse(LISTING).Contents[0]] });
    const run = await smoke({}, { listing: onlyLogs, deadlineMs: 1_000 });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/FAILED: the archive in bucket tracebridge-archive: gave up .*1 logs and 0 traces objects/);
  });
});

describe('.github/workflows/stack-smoke.yml', () => {
  const WORKFLOW = path.join(ROOT, '.github/workflows/stack-smoke.yml');
  let actionlint: string;
  beforeAll(async () => {
    actionlint = (await ensureTool('actionlint', { log: () => {} })) as string;
  });
  const lint = (file: string): { status: number; out: string } => {
    const res = spawnSync(actionlint, ['-no-color', file], { cwd: ROOT, encoding: 'utf8' });
    return { status: res.status ?? -1, out: res.stdout + res.stderr };
  };

  it('is clean under actionlint (with shellcheck on run scripts where it is installed)', () => {
    const res = lint(WORKFLOW);
    expect(res.out).toBe('');
    expect(res.status).toBe(0);
  });

  it('is checked for real: actionlint refuses a broken copy', () => {
    const broken = path.join(work, 'broken.yml');
    writeFileSync(broken, readFileSync(WORKFLOW, 'utf8').replace('runs-on:', 'run-on:'));
    const res = lint(broken);
    expect(res.status).not.toBe(0);
    expect(res.out).toMatch(/run-on|runs-on/);
  });

  it('runs the smoke script on a hosted runner with Docker, after installing and building the checkout', () => {
    const wf = parseYaml(readFileSync(WORKFLOW, 'utf8')) as Obj;
    const job = Object.values(wf.jobs as Record<string, Obj>)[0]!;
    expect(job['runs-on']).toMatch(/^ubuntu-/);
    const runs = (job.steps as Obj[]).map((s) => s.run as string | undefined).filter(Boolean);
    expect(runs.indexOf('npm ci --no-audit --no-fund')).toBeGreaterThanOrEqual(0);
    expect(runs.indexOf('npm run build')).toBeGreaterThan(runs.indexOf('npm ci --no-audit --no-fund'));
    expect(runs.indexOf('npm run stack:smoke')).toBeGreaterThan(runs.indexOf('npm run build'));
    expect(job['timeout-minutes']).toBeGreaterThan(0);
  });
});
