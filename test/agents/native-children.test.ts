/**
 * Context across process and thread boundaries that no HTTP call crosses. A coordinator under
 * `--import=@tracebridge/auto/register` starts, inside one span and one correlation scope, a child Node
 * script with `spawn` (under --import, its own agent id and an env of the caller's), the same script
 * with `fork`, a shell script with `execFile` (a minimal env of the caller's) and with `execSync` (no
 * env), and two worker threads (one with an env of its own, one sharing the coordinator's); then it logs
 * an error inside a span. Everything goes through the real collector (`local` profile) and is read back
 * from its files.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLocalData } from '@tracebridge/cli';
import type { LocalData, StoredLog } from '@tracebridge/cli';
import { startCollector } from '#collector/run-lib.mjs';
import type { RunningCollector } from '#collector/run-lib.mjs';
import { runFixture } from '../fixtures/agent-native/run.js';
import type { FixtureRun } from '../fixtures/agent-native/run.js';

const COORDINATOR = 'A1-haiku-001';
const SPAWNED = 'T1-haiku-011';
const FORKED = 'T2-haiku-012';
const CORRELATION = 'task-native-42';

interface ChildReport {
  code: number;
  mode: string;
  traceparent: string;
  baggage: string;
  callerValue: string;
  agentId: string;
  ambient: { traceId: string; spanId: string } | null;
  correlationId: string | null;
  parentAgentId: string | null;
}
interface Report {
  traceId: string;
  spanId: string;
  spawned: ChildReport;
  forked: ChildReport;
  shell: Record<string, string>;
  shellSync: Record<string, string>;
  workers: Array<Omit<ChildReport, 'code' | 'mode' | 'baggage' | 'callerValue' | 'agentId'> & { label: string }>;
}

const agentOf = (l: StoredLog): unknown => l.resource['service.instance.id'];
const baggageEntries = (header: string | undefined): string[] => (header ?? '').split(',').filter((s) => s !== '').sort();

describe('a coordinator that starts processes and a worker thread inside a traced, correlated request', () => {
  let collector: RunningCollector;
  let run: FixtureRun;
  let report: Report;
  let data: LocalData;

  beforeAll(async () => {
    collector = await startCollector({ profile: 'local' });
    run = await runFixture('coordinator.mjs', collector.otlpHttp, { TRACEBRIDGE_AGENT_ID: COORDINATOR, TRACEBRIDGE_ENVIRONMENT: 'test' }, 90_000);
    // The collector's batch processor writes the files when it is stopped.
    await collector.stop();
    report = run.report as unknown as Report;
    data = await readLocalData(collector.dataDir);
  }, 150_000);
  afterAll(async () => {
    await collector?.stop();
  });

  it('runs every process to a clean end', () => {
    expect(run.stderr).not.toMatch(/NOT instrumented|tracebridge: warning|Error/);
    expect([run.code, run.signal]).toEqual([0, null]);
    expect(report.spawned.code).toBe(0);
    expect(report.forked.code).toBe(0);
    expect(data.warnings).toEqual([]);
  });

  it('hands TRACEPARENT, TRACESTATE and BAGGAGE (with agent.parent.id) to every child, shell scripts included', () => {
    const traceparent = `00-${report.traceId}-${report.spanId}-01`;
    for (const seen of [report.spawned.traceparent, report.forked.traceparent, report.shell.TRACEPARENT, report.shellSync.TRACEPARENT]) {
      expect(seen).toBe(traceparent);
    }
    const baggage = [`agent.parent.id=${COORDINATOR}`, `correlation.id=${CORRELATION}`];
    for (const seen of [report.spawned.baggage, report.forked.baggage, report.shell.BAGGAGE, report.shellSync.BAGGAGE]) {
      expect(baggageEntries(seen)).toEqual(baggage);
    }
    // No tracestate in the coordinator's context: none is made up.
    expect(report.shell.TRACESTATE).toBe('');
  });

  it('adds to an env the caller passes, never replaces it', () => {
    expect(report.spawned).toMatchObject({ callerValue: 'from-spawn', agentId: SPAWNED });
    expect(report.forked).toMatchObject({ callerValue: 'from-fork', agentId: FORKED });
    expect(report.shell.CALLER_VALUE).toBe('from-shell');
    // execSync was given no env: the coordinator's own, plus the context.
    expect(report.shellSync.CALLER_VALUE).toBe('');
  });

  it('makes the handed-over context the ambient context of a child under --import and of a worker thread', () => {
    for (const child of [report.spawned, report.forked]) {
      expect(child).toMatchObject({
        ambient: { traceId: report.traceId, spanId: report.spanId },
        correlationId: CORRELATION,
        parentAgentId: COORDINATOR,
      });
    }
    // A worker thread is part of the coordinator: its baggage keeps the parent the coordinator was given
    // (none). One with an env of its own finds the context there; one sharing the coordinator's env (which
    // holds none) finds it in the worker data the bootstrap left for it.
    const ambient = { ambient: { traceId: report.traceId, spanId: report.spanId }, correlationId: CORRELATION, parentAgentId: null };
    expect(report.workers).toEqual([
      { label: 'own env', traceparent: `00-${report.traceId}-${report.spanId}-01`, ...ambient },
      { label: 'shared env', ...ambient },
    ]);
  });

  it('is one trace: every span and every log record of every process and thread', () => {
    expect(new Set(data.spans.map((s) => s.span.traceId))).toEqual(new Set([report.traceId]));
    expect(new Set(data.logs.map((l) => l.record.traceId))).toEqual(new Set([report.traceId]));
    const spans = data.spans.map((s) => [s.resource['service.instance.id'], s.span.name]);
    expect(spans).toEqual(
      expect.arrayContaining([
        [COORDINATOR, 'coordinate'],
        [COORDINATOR, 'failing step'],
        [SPAWNED, 'child work'],
        [FORKED, 'child work'],
      ]),
    );
    // Each child's own span is a child of the coordinator span that started it.
    for (const s of data.spans.filter((x) => x.span.name === 'child work')) expect(s.span.parentSpanId).toBe(report.spanId);
  });

  it('puts the coordinator’s correlation id on every log record of the children and the worker, and names the coordinator as their parent agent', () => {
    const byAgent = (agent: string) => data.logs.filter((l) => agentOf(l) === agent);
    for (const agent of [SPAWNED, FORKED]) {
      const logs = byAgent(agent);
      const mode = agent === SPAWNED ? 'spawn' : 'fork';
      expect(logs.map((l) => [l.scope, l.record.body?.stringValue]).sort()).toEqual(
        [
          ['child', `child: inside its span (${mode})`],
          ['child', `child: working (${mode})`],
          ['console', `child: console line (${mode})`],
        ].sort(),
      );
      for (const l of logs) {
        expect(l.attributes['correlation.id']).toBe(CORRELATION);
        expect(l.attributes['agent.parent.id']).toBe(COORDINATOR);
      }
    }
    const worker = byAgent(COORDINATOR).filter((l) => l.record.body?.stringValue?.startsWith('worker ('));
    expect(worker.map((l) => [l.scope, l.record.body?.stringValue]).sort()).toEqual([
      ['console', 'worker (own env): console line'],
      ['console', 'worker (shared env): console line'],
      ['worker', 'worker (own env): working'],
      ['worker', 'worker (shared env): working'],
    ]);
    for (const l of worker) {
      expect(l.attributes['correlation.id']).toBe(CORRELATION);
      expect(l.record.spanId).toBe(report.spanId);
    }
    expect(byAgent(COORDINATOR).every((l) => l.attributes['correlation.id'] === CORRELATION)).toBe(true);
  });

  it('records an error logged inside a span on that span: an exception event and status error', () => {
    const failing = data.spans.find((s) => s.span.name === 'failing step');
    expect(failing?.span.status?.code).toBe(2);
    expect(failing?.span.status?.message).toBe('coordinator: step failed');
    const events = failing?.span.events ?? [];
    expect(events.map((e) => e.name)).toEqual(['exception']);
    const attributes = Object.fromEntries((events[0]?.attributes ?? []).map((a) => [a.key, a.value.stringValue]));
    expect(attributes).toMatchObject({ 'exception.type': 'TypeError', 'exception.message': 'the step broke' });
    expect(attributes['exception.stacktrace']).toMatch(/^TypeError: the step broke\n\s+at /);
    // The record itself went out too, inside that span.
    const record = data.logs.find((l) => l.record.body?.stringValue === 'coordinator: step failed');
    expect(record?.record.spanId).toBe(failing?.span.spanId);
    expect(record?.attributes).toMatchObject({ 'exception.type': 'TypeError', 'error.type': 'E_STEP' });
    // The span around it is untouched.
    expect(data.spans.find((s) => s.span.name === 'coordinate')?.span.status?.code ?? 0).toBe(0);
  });
});
