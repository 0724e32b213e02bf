/**
 * "Swap backends by collector config": the same agent processes, unchanged (the coordinator and two
 * workers of test/fixtures/auto/, run under `node --import=@tracebridge/auto/register`), serve the same
 * requests once per profile, and the same assertions read the result back from wherever the profile put
 * it:
 * - `local`: the collector's OTLP/JSON files, read with readLocalData (what `tracebridge trace` reads);
 * - `lgtm`: stand-ins for Loki and Tempo that decode what the real ones would receive (Loki and Tempo are
 *   AGPL and never run here);
 * - `jaeger-victorialogs`: the real stores, through their query APIs: VictoriaLogs by `correlation.id`
 *   and by trace id (LogsQL over HTTP), Jaeger by trace id (`GET /api/traces/<id>`).
 * For every request: the logs found by its correlation id and by its trace id are the same records, as
 * many as the agents wrote (a fixed script: 11 records and 5 spans per request), and every log's span id
 * is a span of that trace.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLocalData } from '@tracebridge/cli';
import type { LocalData } from '@tracebridge/cli';
import { fromKeyValues } from '@tracebridge/schema';
import { startCollector } from '#collector/run-lib.mjs';
import type { RunningCollector } from '#collector/run-lib.mjs';
import { startJaeger } from '../helpers/stores-jaeger.js';
import type { Jaeger } from '../helpers/stores-jaeger.js';
import { startLgtmStandIns } from '../helpers/stores-lgtm-standins.js';
import type { LgtmStandIns } from '../helpers/stores-lgtm-standins.js';
import { startVictoriaLogs } from '../helpers/stores-victorialogs.js';
import type { LogRow, VictoriaLogs } from '../helpers/stores-victorialogs.js';
import { startAgent } from '../helpers/agents.js';
import type { Agent } from '../helpers/agents.js';
import { waitForQuiet } from '../helpers/wait-for.js';

type Obj = Record<string, any>;

const COORDINATOR = 'A1-haiku-001';
const HTTP_WORKER = 'W1-haiku-002';
const QUEUE_WORKER = 'W2-haiku-003';
/** Requests sent through the swarm per profile, each with its own task name and correlation id. */
const REQUESTS = 3;

/** What the fixed script writes for one request (task `t`): [agent, body] of each record. */
const expectedLogs = (t: string): Array<[string, string]> => [
  [COORDINATOR, `coordinator: received ${t}`],
  [COORDINATOR, 'coordinator: pino info'],
  [COORDINATOR, 'coordinator: winston info'],
  [COORDINATOR, 'coordinator: delegating to two workers'],
  [COORDINATOR, `coordinator: both workers done (${t})`],
  [HTTP_WORKER, `http-worker: working on ${t}`],
  [HTTP_WORKER, 'http-worker: pino warning'],
  [HTTP_WORKER, 'http-worker: winston error'],
  [QUEUE_WORKER, `queue-worker: processing ${t}`],
  [QUEUE_WORKER, 'queue-worker: pino info'],
  [QUEUE_WORKER, 'queue-worker: winston warning'],
];
/** Spans per request: coordinator server, client, producer; HTTP worker server; queue worker consumer. */
const SPANS_PER_REQUEST = 5;
const LOGS_PER_REQUEST = expectedLogs('x').length;

/** A log record as any backend gives it back, reduced to what the assertions compare. */
interface SeenLog {
  agent: string;
  body: string;
  traceId: string;
  spanId: string;
  correlationId: string;
}

/** A span as any backend gives it back. */
interface SeenSpan {
  agent: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
}

/** One profile with its backends: started, then asked the same questions. */
interface Backend {
  /** Environment for the collector (where the profile's exporters send). */
  env: Record<string, string>;
  /** Called once the agents have exited: wait until `logs` records and `spans` spans can be read. */
  settle(collector: RunningCollector, logs: number, spans: number): Promise<void>;
  logsByCorrelation(id: string): Promise<SeenLog[]>;
  logsByTrace(traceId: string): Promise<SeenLog[]>;
  spansOfTrace(traceId: string): Promise<SeenSpan[]>;
  /** Every record and span stored, to check nothing else arrived. */
  totals(): Promise<{ logs: number; spans: number }>;
  stop(): Promise<void>;
}

/** Waits until the totals reach what was sent and stay still for a while, so late duplicates would show too. */
async function settleOn(backend: Backend, logs: number, spans: number): Promise<void> {
  await waitForQuiet('every record and span at the backend', () => backend.totals(), { done: (t) => t.logs >= logs && t.spans >= spans, quietMs: 3_000 });
}

// --- the three profiles --------------------------------------------------------------------------------------

/** `local`: the files the collector writes, read after it stopped (its file exporter flushes then). */
function localBackend(): Backend {
  let data: LocalData = { logs: [], spans: [], metrics: [], warnings: [] };
  const seenLog = (l: LocalData['logs'][number]): SeenLog => ({
    agent: String(l.resource['service.instance.id']),
    body: String(l.record.body?.stringValue ?? ''),
    traceId: l.record.traceId ?? '',
    spanId: l.record.spanId ?? '',
    correlationId: String(l.attributes['correlation.id'] ?? ''),
  });
  return {
    env: {},
    async settle(collector) {
      await collector.stop();
      data = await readLocalData(collector.dataDir);
      expect(data.warnings).toEqual([]);
    },
    logsByCorrelation: async (id) => data.logs.map(seenLog).filter((l) => l.correlationId === id),
    logsByTrace: async (traceId) => data.logs.map(seenLog).filter((l) => l.traceId === traceId),
    spansOfTrace: async (traceId) =>
      data.spans
        .filter((s) => s.span.traceId === traceId)
        .map((s) => ({ agent: String(s.resource['service.instance.id']), traceId: s.span.traceId, spanId: s.span.spanId, parentSpanId: s.span.parentSpanId ?? '' })),
    totals: async () => ({ logs: data.logs.length, spans: data.spans.length }),
    stop: async () => undefined,
  };
}

/** `lgtm`: what the Loki and Tempo stand-ins decoded. */
async function lgtmBackend(): Promise<Backend> {
  const standIns: LgtmStandIns = await startLgtmStandIns();
  const logs = (): SeenLog[] =>
    standIns.loki.received().flatMap((req: Obj) =>
      ((req.resourceLogs ?? []) as Obj[]).flatMap((rl) =>
        ((rl.scopeLogs ?? []) as Obj[]).flatMap((sl) =>
          ((sl.logRecords ?? []) as Obj[]).map((r) => ({
            agent: String(fromKeyValues(rl.resource?.attributes)['service.instance.id']),
            body: String(r.body?.stringValue ?? ''),
            traceId: String(r.traceId ?? ''),
            spanId: String(r.spanId ?? ''),
            correlationId: String(fromKeyValues(r.attributes)['correlation.id'] ?? ''),
          })),
        ),
      ),
    );
  const spans = (): SeenSpan[] =>
    standIns.tempo.received().flatMap((req: Obj) =>
      ((req.resourceSpans ?? []) as Obj[]).flatMap((rs) =>
        ((rs.scopeSpans ?? []) as Obj[]).flatMap((ss) =>
          ((ss.spans ?? []) as Obj[]).map((s) => ({
            agent: String(fromKeyValues(rs.resource?.attributes)['service.instance.id']),
            traceId: String(s.traceId),
            spanId: String(s.spanId),
            parentSpanId: String(s.parentSpanId ?? ''),
          })),
        ),
      ),
    );
  const backend: Backend = {
    env: standIns.env,
    settle: (_collector, l, s) => settleOn(backend, l, s),
    logsByCorrelation: async (id) => logs().filter((l) => l.correlationId === id),
    logsByTrace: async (traceId) => logs().filter((l) => l.traceId === traceId),
    spansOfTrace: async (traceId) => spans().filter((s) => s.traceId === traceId),
    totals: async () => ({ logs: logs().length, spans: spans().length }),
    stop: () => standIns.stop(),
  };
  return backend;
}

/** `jaeger-victorialogs`: the real stores, asked through their query APIs. */
async function jaegerVictoriaLogsBackend(): Promise<Backend> {
  let victoria: VictoriaLogs | undefined;
  let jaeger: Jaeger | undefined;
  try {
    victoria = await startVictoriaLogs();
    jaeger = await startJaeger();
  } catch (err) {
    await victoria?.destroy();
    throw err;
  }
  const vl = victoria;
  const jg = jaeger;
  const seenLog = (row: LogRow): SeenLog => ({
    agent: row['service.instance.id'] ?? '',
    body: row._msg ?? '',
    traceId: row.trace_id ?? '',
    spanId: row.span_id ?? '',
    correlationId: row['correlation.id'] ?? '',
  });
  const logsWhere = async (filter: string): Promise<SeenLog[]> => (await vl.query(filter)).map(seenLog);
  /** Trace ids seen in the logs; Jaeger is asked for each (its API has no "every span"). */
  const traceIds = new Set<string>();
  const spansOfTrace = async (traceId: string): Promise<SeenSpan[]> =>
    (await jg.trace(traceId)).map((s) => ({
      agent: String(s.process.tags['service.instance.id'] ?? ''),
      traceId: s.traceID,
      spanId: s.spanID,
      // The parent is the first reference, whatever its type: Jaeger's OTLP translation folds a link to the
      // parent into the parent reference and gives it the link's type (the queue worker's consumer span
      // links to its producer, which is also its parent: FOLLOWS_FROM).
      parentSpanId: s.references[0]?.spanID ?? '',
    }));
  const backend: Backend = {
    env: { VICTORIALOGS_OTLP_ENDPOINT: vl.otlpLogsEndpoint, JAEGER_OTLP_ENDPOINT: jg.otlpGrpc },
    settle: (_collector, l, s) => settleOn(backend, l, s),
    // LogsQL string literals are JSON strings: JSON.stringify quotes any id safely.
    logsByCorrelation: (id) => logsWhere(`correlation.id:=${JSON.stringify(id)}`),
    logsByTrace: (traceId) => logsWhere(`trace_id:=${JSON.stringify(traceId)}`),
    spansOfTrace,
    async totals() {
      const all = await logsWhere('*');
      for (const l of all) if (l.traceId !== '') traceIds.add(l.traceId);
      let spans = 0;
      for (const id of traceIds) spans += (await spansOfTrace(id)).length;
      return { logs: all.length, spans };
    },
    async stop() {
      await jg.stop();
      await vl.destroy();
    },
  };
  return backend;
}

// --- the agents ---------------------------------------------------------------------------------------------

/** The task name and correlation id of request `n` of a profile's run. */
const requestOf = (profile: string, n: number): { task: string; correlationId: string } => ({
  task: `swap-${n}`,
  correlationId: `task-swap-${profile}-${n}`,
});

/** The three agents serve REQUESTS requests, then end (two by SIGTERM, one by running out of work). */
async function runSwarm(profile: string, collector: RunningCollector): Promise<Record<string, string>> {
  const agents: Agent[] = [];
  try {
    const httpWorker = await startAgent({ script: 'http-worker.mjs', agentId: HTTP_WORKER, otlpHttp: collector.otlpHttp, environment: 'backend-swap' });
    agents.push(httpWorker);
    const queueWorker = await startAgent({ script: 'queue-worker.mjs', agentId: QUEUE_WORKER, otlpHttp: collector.otlpHttp, environment: 'backend-swap' });
    agents.push(queueWorker);
    const coordinator = await startAgent({ script: 'coordinator.mjs', agentId: COORDINATOR, otlpHttp: collector.otlpHttp, environment: 'backend-swap', env: {
      HTTP_WORKER_URL: `http://127.0.0.1:${httpWorker.port}`,
      QUEUE_WORKER_PORT: String(queueWorker.port),
    } });
    agents.push(coordinator);
    for (let n = 1; n <= REQUESTS; n++) {
      const { task, correlationId } = requestOf(profile, n);
      const res = await fetch(`http://127.0.0.1:${coordinator.port}/task?name=${task}`, {
        headers: { baggage: `correlation.id=${correlationId}` },
        signal: AbortSignal.timeout(30_000),
      });
      expect(await res.json()).toEqual({ ok: true });
    }
    coordinator.child.kill('SIGTERM');
    httpWorker.child.kill('SIGTERM');
    const exits = await Promise.all(agents.map((a) => a.exited));
    expect(exits).toEqual([[null, 'SIGTERM'], [0, null], [null, 'SIGTERM']]);
    return { httpWorker: httpWorker.stderr(), queueWorker: queueWorker.stderr(), coordinator: coordinator.stderr() };
  } finally {
    for (const a of agents) if (a.child.exitCode === null && a.child.signalCode === null) a.child.kill('SIGKILL');
  }
}

// --- the same questions for every profile -------------------------------------------------------------------

const key = (l: SeenLog): string => `${l.agent}|${l.body}|${l.traceId}|${l.spanId}|${l.correlationId}`;

const PROFILES: Array<{ profile: string; backend: () => Promise<Backend> }> = [
  { profile: 'local', backend: async () => localBackend() },
  { profile: 'lgtm', backend: lgtmBackend },
  { profile: 'jaeger-victorialogs', backend: jaegerVictoriaLogsBackend },
];

describe.each(PROFILES)('the same agents through profile `$profile`', ({ profile, backend: makeBackend }) => {
  let backend: Backend | undefined;
  let collector: RunningCollector | undefined;
  let stderr: Record<string, string> = {};
  /** Per request: its correlation id and the trace its logs name. */
  const requests: Array<{ task: string; correlationId: string; traceId: string }> = [];
  const started = Date.now();

  beforeAll(async () => {
    backend = await makeBackend();
    collector = await startCollector({ profile, env: backend.env });
    stderr = await runSwarm(profile, collector);
    await backend.settle(collector, REQUESTS * LOGS_PER_REQUEST, REQUESTS * SPANS_PER_REQUEST);
    for (let n = 1; n <= REQUESTS; n++) {
      const r = requestOf(profile, n);
      const logs = await backend.logsByCorrelation(r.correlationId);
      requests.push({ ...r, traceId: logs[0]?.traceId ?? '' });
    }
  }, 180_000);

  afterAll(async () => {
    await collector?.stop();
    await backend?.stop();
    if (collector !== undefined) rmSync(collector.dataDir, { recursive: true, force: true });
    console.log(`[backend-swap] ${profile}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  it('runs the agents without warnings', () => {
    for (const [agent, text] of Object.entries(stderr)) expect(text, agent).not.toMatch(/NOT instrumented|tracebridge: warning|Error:/);
  });

  it('finds each request’s records by its correlation id: exactly what the agents wrote, in one trace', async () => {
    for (const r of requests) {
      const logs = await backend!.logsByCorrelation(r.correlationId);
      expect(logs.map((l) => [l.agent, l.body]).sort()).toEqual(expectedLogs(r.task).sort());
      expect(r.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(new Set(logs.map((l) => l.traceId))).toEqual(new Set([r.traceId]));
    }
    expect(new Set(requests.map((r) => r.traceId)).size).toBe(REQUESTS);
  });

  it('finds the same records by trace id', async () => {
    for (const r of requests) {
      const byTrace = (await backend!.logsByTrace(r.traceId)).map(key).sort();
      const byCorrelation = (await backend!.logsByCorrelation(r.correlationId)).map(key).sort();
      expect(byTrace).toEqual(byCorrelation);
    }
  });

  it('has every span of each trace, and every log names one of them', async () => {
    for (const r of requests) {
      const spans = await backend!.spansOfTrace(r.traceId);
      expect(spans).toHaveLength(SPANS_PER_REQUEST);
      const ids = new Set(spans.map((s) => s.spanId));
      expect(ids.size).toBe(SPANS_PER_REQUEST);
      // One root (the coordinator's server span); every other span's parent is in the same trace.
      expect(spans.filter((s) => s.parentSpanId === '').map((s) => s.agent)).toEqual([COORDINATOR]);
      for (const s of spans.filter((x) => x.parentSpanId !== '')) expect(ids.has(s.parentSpanId), s.spanId).toBe(true);
      expect(new Set(spans.map((s) => s.agent))).toEqual(new Set([COORDINATOR, HTTP_WORKER, QUEUE_WORKER]));
      for (const l of await backend!.logsByTrace(r.traceId)) expect(ids.has(l.spanId), `${l.agent}: ${l.body}`).toBe(true);
    }
  });

  it('stores exactly what the agents sent, nothing lost and nothing twice', async () => {
    const totals = await backend!.totals();
    console.log(
      `[backend-swap] ${profile}: sent ${REQUESTS * LOGS_PER_REQUEST} logs and ${REQUESTS * SPANS_PER_REQUEST} spans; ` +
        `stored ${totals.logs} logs and ${totals.spans} spans`,
    );
    expect(totals).toEqual({ logs: REQUESTS * LOGS_PER_REQUEST, spans: REQUESTS * SPANS_PER_REQUEST });
  });
});
