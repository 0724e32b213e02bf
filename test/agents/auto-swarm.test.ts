/**
 * A coordinator and two workers, each an unmodified Node app run under
 * `node --import=@tracebridge/auto/register`, send everything through the real collector (`local`
 * profile); the test reads back what the collector wrote and checks that one request is one story:
 * one trace, the right parents, one correlation id on every record, console/pino/winston all mapped,
 * nothing lost when the processes end (two by SIGTERM, one by running out of work).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readLocalData } from '@tracebridge/cli';
import type { LocalData, StoredLog, StoredSpan } from '@tracebridge/cli';
import { startCollector } from '#collector/run-lib.mjs';
import { startAgent } from '../helpers/agents.js';
import type { Agent } from '../helpers/agents.js';

const COORDINATOR = 'A1-haiku-001';
const HTTP_WORKER = 'W1-haiku-002';
const QUEUE_WORKER = 'W2-haiku-003';
const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const CONSUMER = 5;

interface SwarmRun {
  data: LocalData;
  exits: Record<string, [number | null, NodeJS.Signals | null]>;
  stderr: Record<string, string>;
}

/** One request through the swarm; everything stopped and flushed before the files are read. */
async function runSwarm(baggage: string | undefined): Promise<SwarmRun> {
  const collector = await startCollector({ profile: 'local' });
  const agents: Agent[] = [];
  try {
    const httpWorker = await startAgent({ script: 'http-worker.mjs', agentId: HTTP_WORKER, otlpHttp: collector.otlpHttp });
    agents.push(httpWorker);
    const queueWorker = await startAgent({ script: 'queue-worker.mjs', agentId: QUEUE_WORKER, otlpHttp: collector.otlpHttp });
    agents.push(queueWorker);
    const coordinator = await startAgent({ script: 'coordinator.mjs', agentId: COORDINATOR, otlpHttp: collector.otlpHttp, env: {
      HTTP_WORKER_URL: `http://127.0.0.1:${httpWorker.port}`,
      QUEUE_WORKER_PORT: String(queueWorker.port),
    } });
    agents.push(coordinator);

    const res = await fetch(`http://127.0.0.1:${coordinator.port}/task?name=summarise`, {
      headers: baggage === undefined ? {} : { baggage },
      signal: AbortSignal.timeout(20_000),
    });
    expect(await res.json()).toEqual({ ok: true });

    // The coordinator and the HTTP worker end by SIGTERM; the queue worker, once the coordinator has
    // hung up, by running out of work. Each must have flushed before it is gone.
    coordinator.child.kill('SIGTERM');
    httpWorker.child.kill('SIGTERM');
    const [c, h, q] = await Promise.all([coordinator.exited, httpWorker.exited, queueWorker.exited]);
    // The collector's batch processor writes the files when it is stopped.
    await collector.stop();
    return {
      data: await readLocalData(collector.dataDir, { metrics: true }),
      exits: { coordinator: c, httpWorker: h, queueWorker: q },
      stderr: { coordinator: coordinator.stderr(), httpWorker: httpWorker.stderr(), queueWorker: queueWorker.stderr() },
    };
  } finally {
    for (const a of agents) if (a.child.exitCode === null && a.child.signalCode === null) a.child.kill('SIGKILL');
    await collector.stop();
  }
}

const agentOf = (x: StoredLog | StoredSpan): unknown => x.resource['service.instance.id'];
const spansOf = (run: SwarmRun, agent: string, kind: number) => run.data.spans.filter((s) => agentOf(s) === agent && s.span.kind === kind);
const one = <T>(items: T[]): T => {
  expect(items).toHaveLength(1);
  return items[0] as T;
};

/** Every log record the three apps write for one request: [agent, scope, severityText, severityNumber, body]. */
const EXPECTED_LOGS = [
  [COORDINATOR, 'console', 'INFO', 9, 'coordinator: received summarise'],
  [COORDINATOR, '@opentelemetry/instrumentation-pino', 'info', 9, 'coordinator: pino info'],
  [COORDINATOR, '@opentelemetry/winston-transport', 'info', 9, 'coordinator: winston info'],
  [COORDINATOR, 'console', 'WARN', 13, 'coordinator: delegating to two workers'],
  [COORDINATOR, 'console', 'ERROR', 17, 'coordinator: both workers done (summarise)'],
  [HTTP_WORKER, 'console', 'INFO', 9, 'http-worker: working on summarise'],
  [HTTP_WORKER, '@opentelemetry/instrumentation-pino', 'warn', 13, 'http-worker: pino warning'],
  [HTTP_WORKER, '@opentelemetry/winston-transport', 'error', 17, 'http-worker: winston error'],
  [QUEUE_WORKER, 'console', 'INFO', 9, 'queue-worker: processing summarise'],
  [QUEUE_WORKER, '@opentelemetry/instrumentation-pino', 'info', 9, 'queue-worker: pino info'],
  [QUEUE_WORKER, '@opentelemetry/winston-transport', 'warn', 13, 'queue-worker: winston warning'],
];

describe.each([
  { name: 'a correlation id the client sends in baggage', baggage: 'correlation.id=task-swarm-42', expected: (_trace: string) => 'task-swarm-42' },
  { name: 'no client id (the req-<trace id> fallback)', baggage: undefined, expected: (traceId: string) => `req-${traceId}` },
])('a request delegated over HTTP and a message channel, with $name', ({ baggage, expected }) => {
  let run: SwarmRun;
  let traceId: string;
  beforeAll(async () => {
    run = await runSwarm(baggage);
    traceId = run.data.spans[0]?.span.traceId ?? '';
  }, 120_000);

  it('ends every process cleanly and reads back undamaged files', () => {
    expect(run.data.warnings).toEqual([]);
    expect(run.exits).toEqual({ coordinator: [null, 'SIGTERM'], httpWorker: [null, 'SIGTERM'], queueWorker: [0, null] });
    for (const text of Object.values(run.stderr)) expect(text).not.toMatch(/NOT instrumented|tracebridge: warning|Error:/);
  });

  it('is exactly one trace, shared by every span and every log record', () => {
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(run.data.spans.map((s) => s.span.traceId))).toEqual(new Set([traceId]));
    expect(new Set(run.data.logs.map((l) => l.record.traceId))).toEqual(new Set([traceId]));
    expect(run.data.logs.every((l) => /^[0-9a-f]{16}$/.test(l.record.spanId ?? ''))).toBe(true);
  });

  it('parents each worker on the coordinator span that called it', () => {
    const root = one(spansOf(run, COORDINATOR, SERVER));
    expect(root.span.parentSpanId ?? '').toBe('');
    const client = one(spansOf(run, COORDINATOR, CLIENT));
    const producer = one(spansOf(run, COORDINATOR, PRODUCER));
    expect(client.span.parentSpanId).toBe(root.span.spanId);
    expect(producer.span.parentSpanId).toBe(root.span.spanId);
    const worker = one(spansOf(run, HTTP_WORKER, SERVER));
    expect(worker.span.parentSpanId).toBe(client.span.spanId);
    const consumer = one(spansOf(run, QUEUE_WORKER, CONSUMER));
    expect(consumer.span.parentSpanId).toBe(producer.span.spanId);
    // Those five and no others (no fs, dns or net spans), each exported once.
    expect(run.data.spans).toHaveLength(5);
    expect(consumer.span.name).toBe('process tasks');
    expect(consumer.span.links?.map((l) => l.spanId)).toEqual([producer.span.spanId]);
    expect(consumer.attributes).toMatchObject({ 'messaging.system': 'jsonl_tcp', 'messaging.destination.name': 'tasks', 'messaging.operation.type': 'process', 'messaging.message.id': 'm-1' });
  });

  it('puts the request’s correlation id on every log record and span', () => {
    const id = expected(traceId);
    expect(run.data.logs.filter((l) => l.attributes['correlation.id'] !== id)).toEqual([]);
    expect(run.data.spans.filter((s) => s.attributes['correlation.id'] !== id).map((s) => s.span.name)).toEqual([]);
  });

  it('names the coordinator as the parent agent of everything the workers wrote', () => {
    for (const l of run.data.logs) {
      expect(l.attributes['agent.parent.id']).toBe(agentOf(l) === COORDINATOR ? undefined : COORDINATOR);
    }
    for (const s of run.data.spans.filter((x) => agentOf(x) !== COORDINATOR)) expect(s.attributes['agent.parent.id']).toBe(COORDINATOR);
  });

  it('delivers each console, pino and winston line once, with its severity and body, nothing lost', () => {
    const got = run.data.logs.map((l) => [agentOf(l), l.scope, l.record.severityText, l.record.severityNumber, l.record.body?.stringValue]);
    expect(got).toHaveLength(EXPECTED_LOGS.length);
    expect(got).toEqual(expect.arrayContaining(EXPECTED_LOGS));
    const resource = run.data.logs.find((l) => agentOf(l) === HTTP_WORKER)?.resource;
    expect(resource).toMatchObject({ 'service.name': 'W1', 'gen_ai.agent.id': HTTP_WORKER, 'deployment.environment.name': 'test' });
    // pino's and winston's own fields arrive as attributes.
    const pino = run.data.logs.find((l) => agentOf(l) === QUEUE_WORKER && l.scope.endsWith('pino'));
    expect(pino?.attributes.task).toBe('summarise');
  });

  it('exports metrics as well', () => {
    const services = run.data.metrics.flatMap((m) => (m.resourceMetrics ?? []).map((rm) => rm.resource?.attributes?.find((a) => a.key === 'service.instance.id')?.value.stringValue));
    expect(new Set(services)).toEqual(new Set([COORDINATOR, HTTP_WORKER, QUEUE_WORKER]));
  });
});
