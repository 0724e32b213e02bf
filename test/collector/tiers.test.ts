/**
 * Two collector tiers on 127.0.0.1, real binaries throughout: one agent tier (stack `agent-tier`, the
 * `load_balancing` exporter), three gateways (the fragments derived-metrics and gateway over a backend
 * that writes each request to OTLP/JSON files before acknowledging it, fixtures/tiers/gateway-files.yaml),
 * and agents under `node --import=@tracebridge/auto/register` (fixtures/tiers/agent.mjs) writing log
 * records with @tracebridge/logger, nine of ten inside a trace of two spans and one of ten outside any.
 * - 100,000 records and their spans: every trace's spans and log records are on exactly one gateway, and
 *   each agent's untraced records on one gateway; one gateway killed (-9) half-way and restarted: every
 *   record delivered (distinct log.record.uid), duplicates counted apart as exact copies, and the
 *   restarted gateway receives its share again.
 * - the pool found by DNS, shrunk from three gateways to two and grown back while agents write: every
 *   record delivered. The name is in a hosts file only the agent tier sees (a mount namespace of its own,
 *   `unshare`), so the test changes what the resolver answers without a DNS server or root on the host.
 * Each gateway writes every run to a folder of its own (a killed gateway's last line may be cut, and
 * must not glue onto what its next run writes).
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { readLocalData } from '@tracebridge/cli';
import { COLLECTOR_DIR, fragmentFile, freePort, startCollector } from '#collector/run-lib.mjs';
import type { RunningCollector } from '#collector/run-lib.mjs';
import { waitFor, waitForQuiet } from '../helpers/wait-for.js';

type Obj = Record<string, any>;

const FIXTURES = fileURLToPath(new URL('../fixtures/tiers/', import.meta.url));
const GATEWAY_BACKEND = path.join(FIXTURES, 'gateway-files.yaml');
/** What the agent fixture writes per trace: nine records, a `task` span and a `tool` span. */
const RECORDS_PER_UNIT = 10;
const SPANS_PER_TRACE = 2;

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
});

const report = (text: string): void => console.log(`[collector-tiers] ${text}`);
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

// --- gateways -----------------------------------------------------------------------------------------------

/** A gateway: fixed address across restarts, each run writing to its own folder. */
interface Gateway {
  name: string;
  /** host:port of its OTLP gRPC receiver, where the agent tier sends. */
  address: string;
  runs: string[];
  collector: RunningCollector | undefined;
  start(): Promise<void>;
}

function gateway(name: string, host: string, port: number, root: string, fragments: string[] = [], env: Record<string, string> = {}): Gateway {
  const gw: Gateway = {
    name,
    address: `${host}:${port}`,
    runs: [],
    collector: undefined,
    async start() {
      const dataDir = path.join(root, name, `run-${gw.runs.length}`);
      gw.runs.push(dataDir);
      const c = await startCollector({
        profile: GATEWAY_BACKEND,
        // The gateway's own fragments, in the manifest's order, over the test's backend.
        args: ['derived-metrics', 'gateway', ...fragments].flatMap((f) => ['--config', fragmentFile(f)]),
        dataDir,
        env: { OTLP_GRPC_ENDPOINT: gw.address, TRACEBRIDGE_COLLECTOR_ID: name, TRACEBRIDGE_DERIVED_INTERVAL: '2s', ...env },
      });
      cleanups.push(() => c.stop());
      gw.collector = c;
    },
  };
  return gw;
}

interface SeenLog {
  gateway: string;
  uid: string;
  agent: string;
  seq: number;
  traceId: string;
}
interface SeenSpan {
  gateway: string;
  traceId: string;
  spanId: string;
}

/** Everything the gateways wrote, every run of each. */
async function collect(gateways: Gateway[]): Promise<{ logs: SeenLog[]; spans: SeenSpan[]; metrics: Obj[]; warnings: string[]; routeKeys: number }> {
  const logs: SeenLog[] = [];
  // Records and spans that still carry the agent tier's routing key (the gateways must drop it).
  let routeKeys = 0;
  const spans: SeenSpan[] = [];
  const metrics: Obj[] = [];
  const warnings: string[] = [];
  for (const gw of gateways) {
    for (const dir of gw.runs) {
      const data = await readLocalData(dir, { metrics: true });
      warnings.push(...data.warnings.map((w) => `${gw.name}: ${w}`));
      for (const l of data.logs) {
        if ('tracebridge.route' in l.attributes) routeKeys++;
        logs.push({
          gateway: gw.name,
          uid: String(l.attributes['log.record.uid'] ?? ''),
          agent: String(l.resource['service.instance.id'] ?? ''),
          seq: Number((l.attributes['context.seq'] as number | undefined) ?? -1),
          traceId: l.record.traceId ?? '',
        });
      }
      for (const s of data.spans) {
        if ('tracebridge.route' in s.attributes) routeKeys++;
        spans.push({ gateway: gw.name, traceId: s.span.traceId ?? '', spanId: s.span.spanId ?? '' });
      }
      metrics.push(...(data.metrics as Obj[]));
    }
  }
  return { logs, spans, metrics, warnings, routeKeys };
}

const load = (file: string): Obj => parseYaml(readFileSync(file, 'utf8')) as Obj;
const distinct = <T>(values: Iterable<T>): number => new Set(values).size;

/** trace id → the gateways its spans and log records are on. */
function gatewaysByTrace(logs: SeenLog[], spans: SeenSpan[]): Map<string, Set<string>> {
  const by = new Map<string, Set<string>>();
  const add = (traceId: string, gw: string) => (by.get(traceId) ?? by.set(traceId, new Set()).get(traceId)!).add(gw);
  for (const l of logs) if (l.traceId !== '') add(l.traceId, l.gateway);
  for (const s of spans) add(s.traceId, s.gateway);
  return by;
}

// --- agents -------------------------------------------------------------------------------------------------

interface AgentDone {
  emitted: number;
  traces: number;
  untraced: number;
  flushed: boolean;
  stats: { exported: number; dropped: number };
}
interface Agent {
  id: string;
  done: Promise<AgentDone>;
  /** Resolves when the process has exited (after the bootstrap flushed its spans). */
  exited: Promise<number | null>;
  /** Stop writing (an agent started with count 0 writes until then), then flush and exit. */
  stop(): void;
  stderr(): string;
}

/** An agent writing `count` records (0: until stop()) at `rate` per second. */
async function startAgent(id: string, endpoint: string, count: number, rate: number): Promise<Agent> {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['--import=@tracebridge/auto/register', path.join(FIXTURES, 'agent.mjs')], {
    cwd: FIXTURES,
    env: {
      PATH: process.env.PATH ?? '',
      TRACEBRIDGE_AGENT_ID: id,
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      // Spans leave within 200 ms, and a queue that holds every span of the run (none dropped).
      OTEL_BSP_SCHEDULE_DELAY: '200',
      OTEL_BSP_MAX_QUEUE_SIZE: '65536',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2048',
      OTEL_METRICS_EXPORTER: 'none',
      AGENT_COUNT: String(count),
      AGENT_RATE: String(rate),
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const line = (key: string): Promise<Obj> =>
    new Promise((resolve, reject) => {
      const look = (): boolean => {
        for (const l of stdout.split('\n')) {
          if (!l.startsWith('{')) continue;
          const obj = JSON.parse(l) as Obj;
          if (obj[key] === true) return resolve(obj), true;
        }
        return false;
      };
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        look();
      });
      void exited.then(() => look() || reject(new Error(`agent ${id} exited before "${key}":\n${stderr}`)));
    });
  const ready = line('ready');
  const done = line('done') as Promise<unknown> as Promise<AgentDone>;
  done.catch(() => undefined);
  await Promise.race([ready, sleep(30_000).then(() => Promise.reject(new Error(`agent ${id} did not start in 30 s:\n${stderr}`)))]);
  return { id, done, exited, stop: () => child.stdin.end(), stderr: () => stderr };
}

// --- the tests ----------------------------------------------------------------------------------------------

describe('an agent tier in front of three gateways', () => {
  it('keeps each trace on one gateway and delivers all of 100,000 records when a gateway is killed (-9) half-way', async () => {
    const AGENTS = 4;
    const PER_AGENT = 25_000;
    const COUNT = AGENTS * PER_AGENT;
    const root = mkdtempSync(path.join(tmpdir(), 'tb-tiers-'));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));

    const gateways = [gateway('gw-1', '127.0.0.1', await freePort(), root), gateway('gw-2', '127.0.0.1', await freePort(), root), gateway('gw-3', '127.0.0.1', await freePort(), root)];
    await Promise.all(gateways.map((g) => g.start()));
    const [, victim] = gateways as [Gateway, Gateway, Gateway];
    const tier = await startCollector({ profile: 'agent-tier', env: { TRACEBRIDGE_GATEWAYS: `[${gateways.map((g) => g.address).join(', ')}]` } });
    cleanups.push(() => tier.stop());

    const started = Date.now();
    const agents = await Promise.all(Array.from({ length: AGENTS }, (_, i) => startAgent(`T${i + 1}-haiku-00${i + 1}`, tier.otlpHttp, PER_AGENT, 2_000)));
    // Half-way: the agent tier has accepted records and sent some to the victim, and keeps receiving.
    await waitFor('the agent tier to accept half of the records', () => tier.metric('otelcol_receiver_accepted_log_records'), (n) => n >= COUNT / 2, { timeoutMs: 120_000 });
    const sentToVictim = (await collect([victim])).logs.length;
    await victim.collector!.kill();
    const killedAt = Date.now();
    // The agent tier notices: sends to the victim fail and stay in its queue (retried, never dropped).
    // Down for a few retries of what was routed to it, then back on the same address.
    await waitFor('failed sends to the killed gateway', () => tier.metric('otelcol_loadbalancer_backend_outcome', { success: 'false' }), (n) => n >= 5, { timeoutMs: 60_000 });
    await victim.start();
    report(`killed ${victim.name} ${seconds(killedAt - started)} in (it had written ${sentToVictim} records), restarted it after ${seconds(Date.now() - killedAt)}`);

    const done = await Promise.all(agents.map((a) => a.done));
    await Promise.all(agents.map((a) => a.exited));
    const traces = done.reduce((n, d) => n + d.traces, 0);
    const untraced = done.reduce((n, d) => n + d.untraced, 0);
    for (const d of done) expect(d).toMatchObject({ emitted: PER_AGENT, flushed: true, stats: { exported: PER_AGENT, dropped: 0 } });
    expect(traces).toBe(COUNT / RECORDS_PER_UNIT);
    expect(untraced).toBe(COUNT / RECORDS_PER_UNIT);

    await waitFor(
      'every record and span at the gateways',
      async () => {
        const seen = await collect(gateways);
        return { uids: distinct(seen.logs.map((l) => l.uid)), spans: distinct(seen.spans.map((s) => s.spanId)) };
      },
      (s) => s.uids >= COUNT && s.spans >= traces * SPANS_PER_TRACE,
      { timeoutMs: 180_000, intervalMs: 1_000 },
    );
    // Read once nothing more arrives: a late duplicate counts too.
    const settled = async (): Promise<number> => {
      const c = await collect(gateways);
      return c.logs.length + c.spans.length;
    };
    await waitForQuiet('the gateways’ files', settled, { quietMs: 3_000, timeoutMs: 120_000, intervalMs: 1_000 });
    const { logs, spans, metrics, warnings, routeKeys } = await collect(gateways);
    const uids = distinct(logs.map((l) => l.uid));
    const perGateway = gateways.map((g) => `${g.name} ${logs.filter((l) => l.gateway === g.name).length}`).join(', ');
    report(
      `${COUNT} records and ${traces * SPANS_PER_TRACE} spans written in ${seconds(Date.now() - started)}; gateways hold ${logs.length} records ` +
        `(${perGateway}), ${uids} distinct log.record.uid, ${logs.length - uids} duplicates; ${spans.length} spans, ` +
        `${spans.length - distinct(spans.map((s) => s.spanId))} duplicates; cut lines: ${warnings.length === 0 ? 'none' : warnings.join('; ')}`,
    );

    // Nothing lost, nothing else: every record once at least, and a duplicate is a copy of the same record.
    expect(uids).toBe(COUNT);
    expect(distinct(logs.map((l) => `${l.agent}/${l.seq}`))).toBe(COUNT);
    expect(distinct(logs.map((l) => `${l.uid}/${l.agent}/${l.seq}`))).toBe(COUNT);
    expect(distinct(spans.map((s) => s.spanId))).toBe(traces * SPANS_PER_TRACE);
    // The routing key went no further than the gateways.
    expect(routeKeys).toBe(0);

    // Every trace, its spans and its log records, on exactly one gateway, across the kill.
    const byTrace = gatewaysByTrace(logs, spans);
    expect(byTrace.size).toBe(traces);
    const split = [...byTrace].filter(([, gws]) => gws.size !== 1);
    expect(split, 'traces on more than one gateway').toEqual([]);
    // … and each traced record is where its trace's spans are.
    const spanHomes = new Set(spans.map((s) => `${s.traceId}@${s.gateway}`));
    expect(logs.filter((l) => l.traceId !== '' && !spanHomes.has(`${l.traceId}@${l.gateway}`))).toEqual([]);
    // Spread over the pool: each gateway has a fair share of the traces (consistent hashing of ids).
    for (const g of gateways) expect([...byTrace.values()].filter((gws) => gws.has(g.name)).length, g.name).toBeGreaterThan(traces / 6);
    // Each agent's untraced records on one gateway, not scattered.
    for (const a of agents) {
      const on = new Set(logs.filter((l) => l.agent === a.id && l.traceId === '').map((l) => l.gateway));
      expect([...on], `untraced records of ${a.id}`).toHaveLength(1);
    }
    // The restarted gateway is used again.
    expect((await readLocalData(victim.runs[1]!)).logs.length).toBeGreaterThan(0);
    // Each gateway's derived counts carry its own id, so the pool's series never collide.
    const ids = new Set<string>();
    for (const m of metrics) {
      for (const rm of m.resourceMetrics ?? []) {
        for (const sm of rm.scopeMetrics ?? []) {
          for (const mt of sm.metrics ?? []) {
            if (mt.name !== 'tracebridge.log.records') continue;
            for (const dp of mt.gauge?.dataPoints ?? []) ids.add(String((dp.attributes as Obj[]).find((a) => a.key === 'collector.instance.id')?.value?.stringValue));
          }
        }
      }
    }
    expect([...ids].sort()).toEqual(gateways.map((g) => g.name));
  }, 300_000);

  it('delivers every record while the pool shrinks from three gateways to two and grows back through DNS', async () => {
    const AGENTS = 2;
    const NAME = 'gateways.tracebridge.test';
    const root = mkdtempSync(path.join(tmpdir(), 'tb-tiers-dns-'));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));

    // One port, three loopback addresses: what a headless Service gives (one A record per gateway).
    const port = await freePort();
    const gateways = ['127.0.0.2', '127.0.0.3', '127.0.0.4'].map((ip, i) => gateway(`gw-${i + 1}`, ip, port, root));
    await Promise.all(gateways.map((g) => g.start()));
    const [, , leaving] = gateways as [Gateway, Gateway, Gateway];
    const hosts = path.join(root, 'hosts');
    // Written in place (same inode), so the bind mount in the agent tier's namespace shows each version.
    const answer = (gws: Gateway[]): void => writeFileSync(hosts, `127.0.0.1 localhost\n${gws.map((g) => `${g.address.split(':')[0]} ${NAME}`).join('\n')}\n`);
    answer(gateways);
    // The wrapper below, tried alone first, so that a machine without it fails with the reason.
    const wrapper = ['unshare', '--user', '--map-root-user', '--mount', '--propagation', 'private', 'sh', '-c', 'mount --bind "$0" /etc/hosts && exec "$@"', hosts];
    const probe = spawnSync(wrapper[0]!, [...wrapper.slice(1), 'true'], { encoding: 'utf8' });
    if (probe.status !== 0) throw new Error(`this test gives the agent tier a hosts file of its own with unshare (util-linux) in a user namespace, which failed here: ${probe.error?.message ?? probe.stderr}`);

    const tier = await startCollector({
      profile: 'agent-tier',
      fragments: ['gateways-dns'],
      env: {
        TRACEBRIDGE_GATEWAYS_DNS: NAME,
        TRACEBRIDGE_GATEWAYS_PORT: String(port),
        TRACEBRIDGE_GATEWAYS_DNS_INTERVAL: '1s',
      },
      // The agent tier alone sees `hosts` as /etc/hosts: a user and mount namespace of its own (no root
      // needed), the file bind-mounted, then the collector exec'd in the same process.
      wrapper,
    });
    cleanups.push(() => tier.stop());
    // Each load balancer of the profile (an exporter in one signal's pipelines) resolves the name and
    // counts its own updates of the pool; all of them must have seen a change. (Go re-reads a changed
    // hosts file after up to 5 s.)
    const balancers = new Set(
      Object.entries(load(path.join(COLLECTOR_DIR, 'profiles', 'agent-tier.yaml')).service.pipelines as Record<string, Obj>).flatMap(([name, p]) =>
        (p.exporters as string[]).filter((e) => e.startsWith('load_balancing')).map((e) => `${e} ${name.split('/')[0]}`),
      ),
    ).size;
    const pool = async (): Promise<{ backends: number; updates: number }> => ({
      backends: await tier.metric('otelcol_loadbalancer_num_backends', { resolver: 'dns' }),
      updates: await tier.metric('otelcol_loadbalancer_num_backend_updates', { resolver: 'dns' }),
    });
    const resolved = async (backends: number, after: number): Promise<number> =>
      (await waitFor(`the agent tier to resolve ${backends} gateways`, pool, (p) => p.backends === backends && p.updates >= after + balancers, { timeoutMs: 60_000 })).updates;
    let updates = await resolved(3, 0);

    // Agents write until told to stop, so every step below happens while records flow.
    const started = Date.now();
    const agents = await Promise.all(Array.from({ length: AGENTS }, (_, i) => startAgent(`D${i + 1}-haiku-00${i + 1}`, tier.otlpHttp, 0, 1_000)));
    const received = (gw: Gateway, run: number): Promise<number> => Promise.resolve(gw.runs[run] === undefined ? 0 : recordsIn(gw.runs[run]));
    for (const g of gateways) await waitFor(`records at ${g.name}`, () => received(g, 0), (n) => n > 0, { timeoutMs: 60_000 });

    // Scale in: the gateway leaves the answer first, then stops as an orchestrator stops it: SIGTERM,
    // SIGKILL after a grace period. (A collector with derived-metrics does not finish a SIGTERM on its own
    // today: the metrics it flushes on the way out go to its own receiver, already closed, and are retried
    // until the SIGKILL.) Nothing is routed to it any more, so nothing may be lost with it.
    answer(gateways.slice(0, 2));
    updates = await resolved(2, updates);
    await leaving.collector!.stop({ graceMs: 3_000 });
    report(`pool shrunk to 2 gateways ${seconds(Date.now() - started)} in (${leaving.name} had ${await received(leaving, 0)} records)`);
    const [a, b] = gateways as [Gateway, Gateway];
    const before = (await received(a, 0)) + (await received(b, 0));
    await waitFor('2,000 more records on the two gateways left', async () => (await received(a, 0)) + (await received(b, 0)), (n) => n >= before + 2_000, { timeoutMs: 60_000 });

    // Scale out again: the gateway starts, then joins the answer, and gets records again.
    await leaving.start();
    answer(gateways);
    updates = await resolved(3, updates);
    await waitFor(`records at ${leaving.name} again`, () => received(leaving, 1), (n) => n > 0, { timeoutMs: 60_000 });
    report(`pool grown back to 3 gateways ${seconds(Date.now() - started)} in`);

    for (const agent of agents) agent.stop();
    const done = await Promise.all(agents.map((x) => x.done));
    await Promise.all(agents.map((x) => x.exited));
    const COUNT = done.reduce((n, d) => n + d.emitted, 0);
    for (const d of done) expect(d).toMatchObject({ flushed: true, stats: { exported: d.emitted, dropped: 0 } });
    await waitFor('every record at the gateways', async () => distinct((await collect(gateways)).logs.map((l) => l.uid)), (n) => n >= COUNT, { timeoutMs: 180_000, intervalMs: 1_000 });
    await waitForQuiet('the gateways’ files', async () => (await collect(gateways)).logs.length, { quietMs: 3_000, timeoutMs: 120_000, intervalMs: 1_000 });
    const { logs } = await collect(gateways);
    const uids = distinct(logs.map((l) => l.uid));
    report(
      `${COUNT} records in ${seconds(Date.now() - started)}: ${uids} distinct log.record.uid, ${logs.length - uids} duplicates; ` +
        `records per gateway run: ${gateways.map((g) => `${g.name} ${g.runs.map(recordsIn).join(' + ')}`).join(', ')}`,
    );
    expect(uids).toBe(COUNT);
    expect(distinct(logs.map((l) => `${l.agent}/${l.seq}`))).toBe(COUNT);
    expect(distinct(logs.map((l) => `${l.uid}/${l.agent}/${l.seq}`))).toBe(COUNT);
  }, 300_000);
});

/** Log records in a gateway run's folder (its logs.jsonl lines, counted without decoding the records). */
function recordsIn(dir: string): number {
  let n = 0;
  let text = '';
  try {
    text = readFileSync(path.join(dir, 'logs.jsonl'), 'utf8');
  } catch {
    return 0;
  }
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      for (const rl of (JSON.parse(line) as Obj).resourceLogs ?? []) for (const sl of rl.scopeLogs ?? []) n += (sl.logRecords ?? []).length;
    } catch {
      // a line cut by a kill
    }
  }
  return n;
}

describe('a gateway with tail sampling', () => {
  it('keeps every trace with an error or a slow span and a fraction of the rest, and every log record', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'tb-tiers-tail-'));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    const gw = gateway('gw-tail', '127.0.0.1', await freePort(), root, ['tail-sampling'], {
      TRACEBRIDGE_TAIL_DECISION_WAIT: '1s',
      TRACEBRIDGE_TAIL_SLOW_MS: '2000',
      TRACEBRIDGE_TAIL_KEEP_PERCENT: '25',
    });
    await gw.start();
    // 400 traces of one span and one log record each: every tenth failed, every tenth (others) slow.
    const TRACES = 400;
    const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');
    const now = BigInt(Date.now()) * 1_000_000n;
    const kind = (i: number): 'error' | 'slow' | 'plain' => (i % 10 === 0 ? 'error' : i % 10 === 5 ? 'slow' : 'plain');
    const traceId = (i: number): string => `${hex(0x5eed, 8)}${hex(i, 8)}${hex(Math.imul(i + 1, 2654435761) >>> 0, 8)}${hex(i * 7919, 8)}`;
    const resource = { attributes: [{ key: 'service.name', value: { stringValue: 'tail' } }, { key: 'service.instance.id', value: { stringValue: 'X1-tail-001' } }] };
    const spans = Array.from({ length: TRACES }, (_, i) => ({
      traceId: traceId(i),
      spanId: hex(i + 1, 16),
      name: 'task',
      kind: 1,
      startTimeUnixNano: String(now),
      endTimeUnixNano: String(now + (kind(i) === 'slow' ? 3_000_000_000n : 20_000_000n)),
      status: kind(i) === 'error' ? { code: 2, message: 'failed' } : {},
    }));
    const records = spans.map((sp) => ({ timeUnixNano: String(now), traceId: sp.traceId, spanId: sp.spanId, severityNumber: 9, body: { stringValue: 'step' } }));
    const post = async (signal: string, body: Obj): Promise<void> => {
      const res = await fetch(`${gw.collector!.otlpHttp}/v1/${signal}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status, `${signal}: ${await res.text()}`).toBe(200);
    };
    await post('traces', { resourceSpans: [{ resource, scopeSpans: [{ scope: { name: 'tail' }, spans }] }] });
    await post('logs', { resourceLogs: [{ resource, scopeLogs: [{ scope: { name: 'tail' }, logRecords: records }] }] });

    const errors = spans.filter((_, i) => kind(i) === 'error').map((sp) => sp.traceId);
    const slow = spans.filter((_, i) => kind(i) === 'slow').map((sp) => sp.traceId);
    const plain = TRACES - errors.length - slow.length;
    // Decided a second after the first span; the kept ones written then.
    const seen = await waitFor(
      'the sampled traces',
      async () => new Set((await collect([gw])).spans.map((sp) => sp.traceId)),
      (kept) => [...errors, ...slow].every((t) => kept.has(t)),
      { timeoutMs: 60_000 },
    );
    // Every trace decided (the others too): nothing more is written.
    await waitForQuiet('the sampled traces', async () => (await collect([gw])).spans.length, { quietMs: 3_000, timeoutMs: 60_000 });
    const { logs, spans: kept } = await collect([gw]);
    const keptIds = new Set(kept.map((sp) => sp.traceId));
    const keptPlain = keptIds.size - errors.length - slow.length;
    report(`tail sampling: ${keptIds.size} of ${TRACES} traces kept (${errors.length} with an error, ${slow.length} slow, ${keptPlain} of ${plain} others at 25 %); ${logs.length} of ${TRACES} log records kept`);
    expect(seen.size).toBeGreaterThan(0);
    for (const t of [...errors, ...slow]) expect(keptIds.has(t), t).toBe(true);
    // 25 % of 320 is 80; the trace-id hash is deterministic, so this is not a matter of luck run to run.
    expect(keptPlain).toBeGreaterThan(plain * 0.1);
    expect(keptPlain).toBeLessThan(plain * 0.45);
    // Logs are never sampled: every record, whatever became of its trace.
    expect(distinct(logs.map((l) => l.traceId))).toBe(TRACES);
  }, 120_000);
});

describe('the lists the tier fragments restate', () => {
  it('gateway.yaml adds its processor to derived-metrics’ metrics/derived pipeline and keeps the rest', () => {
    const derived = load(fragmentFile('derived-metrics')).service.pipelines['metrics/derived'].processors as string[];
    expect(load(fragmentFile('gateway')).service.pipelines['metrics/derived'].processors).toEqual([...derived, 'transform/gateway_identity']);
  });
  it('tail-sampling.yaml restates the traces processors of every profile it goes over, tail_sampling after memory_limiter', () => {
    const restated = load(fragmentFile('tail-sampling')).service.pipelines.traces.processors as string[];
    for (const profile of ['lgtm', 'jaeger-victorialogs']) {
      const own = load(path.join(COLLECTOR_DIR, 'profiles', `${profile}.yaml`)).service.pipelines.traces.processors as string[];
      expect(restated, profile).toEqual([own[0], 'tail_sampling', ...own.slice(1)]);
    }
  });
});
