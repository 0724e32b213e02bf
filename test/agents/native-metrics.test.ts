/**
 * Runtime metrics on by default under `--import=@tracebridge/auto/register`: event-loop delay and
 * utilisation, heap and GC of `@opentelemetry/instrumentation-runtime-node` (the version pinned in the
 * root `overrides`), plus `@tracebridge/logger`'s own queue depth, exports and drops, all read back from
 * what the real collector stored.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readLocalData } from '@tracebridge/cli';
import type { LocalData } from '@tracebridge/cli';
import type { LoggerStats } from '@tracebridge/logger';
import { startCollector } from '#collector/run-lib.mjs';
import type { RunningCollector } from '#collector/run-lib.mjs';
import { runFixture } from '../fixtures/agent-native/run.js';
import type { FixtureRun } from '../fixtures/agent-native/run.js';

type Json = Record<string, unknown>;
interface Point {
  attributes: Record<string, unknown>;
  value: number | undefined;
  count: number | undefined;
}

/** Every data point of a metric name in the stored requests, with its attributes and value. */
function points(data: LocalData, name: string): Point[] {
  const out: Point[] = [];
  for (const request of data.metrics) {
    for (const rm of request.resourceMetrics ?? []) {
      for (const sm of rm.scopeMetrics ?? []) {
        for (const m of sm.metrics ?? []) {
          if (m.name !== name) continue;
          const body = (m.gauge ?? m.sum ?? m.histogram) as { dataPoints?: Json[] } | undefined;
          for (const p of body?.dataPoints ?? []) {
            const attributes = Object.fromEntries(((p.attributes ?? []) as Array<{ key: string; value: Json }>).map((a) => [a.key, Object.values(a.value)[0]]));
            const raw = p.asDouble ?? p.asInt;
            out.push({ attributes, value: raw === undefined ? undefined : Number(raw), count: p.count === undefined ? undefined : Number(p.count) });
          }
        }
      }
    }
  }
  return out;
}

function names(data: LocalData): Set<string> {
  return new Set(data.metrics.flatMap((r) => (r.resourceMetrics ?? []).flatMap((rm) => (rm.scopeMetrics ?? []).flatMap((sm) => (sm.metrics ?? []).map((m) => m.name)))));
}

async function runMetrics(env: Record<string, string> = {}): Promise<{ run: FixtureRun; data: LocalData }> {
  const collector: RunningCollector = await startCollector({ profile: 'local' });
  try {
    const run = await runFixture('metrics.mjs', collector.otlpHttp, { TRACEBRIDGE_AGENT_ID: 'M1-haiku-001', OTEL_METRIC_EXPORT_INTERVAL: '500', ...env });
    await collector.stop();
    return { run, data: await readLocalData(collector.dataDir, { metrics: true }) };
  } finally {
    await collector.stop();
  }
}

describe('metrics of an agent under --import', () => {
  let run: FixtureRun;
  let data: LocalData;
  let stats: { stats: LoggerStats; tiny: LoggerStats };

  beforeAll(async () => {
    ({ run, data } = await runMetrics());
    stats = run.report as unknown as typeof stats;
  }, 150_000);

  it('runs cleanly', () => {
    expect([run.code, run.signal]).toEqual([0, null]);
    expect(run.stderr).not.toMatch(/NOT instrumented|tracebridge: warning/);
  });

  it('exports the event-loop delay and utilisation with the names of the semantic conventions', () => {
    for (const suffix of ['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99']) {
      const got = points(data, `nodejs.eventloop.delay.${suffix}`);
      expect(got.length, suffix).toBeGreaterThan(0);
      expect(got.every((p) => (p.value ?? -1) >= 0)).toBe(true);
    }
    const utilisation = points(data, 'nodejs.eventloop.utilization');
    expect(utilisation.length).toBeGreaterThan(0);
    expect(utilisation.every((p) => (p.value ?? -1) >= 0 && (p.value ?? 2) <= 1)).toBe(true);
    expect(new Set(points(data, 'nodejs.eventloop.time').map((p) => p.attributes['nodejs.eventloop.state']))).toEqual(new Set(['active', 'idle']));
  });

  it('exports the heap, by space, and the GC pauses, by kind', () => {
    const heap = points(data, 'v8js.memory.heap.used');
    expect(heap.some((p) => p.attributes['v8js.heap.space.name'] === 'new_space' && (p.value ?? 0) > 0)).toBe(true);
    expect(points(data, 'v8js.memory.heap.space.size').length).toBeGreaterThan(0);
    const gc = points(data, 'v8js.gc.duration');
    expect(gc.reduce((n, p) => n + (p.count ?? 0), 0)).toBeGreaterThan(0);
    expect(gc.every((p) => typeof p.attributes['v8js.gc.type'] === 'string')).toBe(true);
  });

  it('exports the logger’s own queue depth, exports and drops (by reason), as the logger counted them', () => {
    expect(points(data, 'tracebridge.logger.queue.size').length).toBeGreaterThan(0);
    const exported = points(data, 'tracebridge.logger.exported').map((p) => p.value ?? 0);
    expect(Math.max(...exported)).toBe(stats.stats.exported + stats.tiny.exported);
    const dropped = points(data, 'tracebridge.logger.dropped');
    // The last export (at exit) holds the final counts.
    const last = new Map(dropped.map((p) => [p.attributes.reason, p.value]));
    expect(stats.tiny.droppedBy.queue_full).toBeGreaterThan(0);
    expect(last.get('queue_full')).toBe(stats.tiny.droppedBy.queue_full);
    // Every reason is reported, at zero too: a counter that exists from the start can be alerted on.
    expect(new Set(last.keys())).toEqual(new Set(Object.keys(stats.stats.droppedBy)));
  });

  it('puts them on the agent’s resource', () => {
    const resources = new Set(data.metrics.flatMap((r) => (r.resourceMetrics ?? []).map((rm) => rm.resource?.attributes?.find((a) => a.key === 'service.instance.id')?.value.stringValue)));
    expect(resources).toEqual(new Set(['M1-haiku-001']));
  });
});

describe('TRACEBRIDGE_RUNTIME_METRICS=off', () => {
  it('leaves the runtime metrics out and keeps the logger’s', async () => {
    const { run, data } = await runMetrics({ TRACEBRIDGE_RUNTIME_METRICS: 'off' });
    expect([run.code, run.signal]).toEqual([0, null]);
    const all = [...names(data)];
    expect(all.filter((n) => n.startsWith('nodejs.') || n.startsWith('v8js.'))).toEqual([]);
    expect(all).toEqual(expect.arrayContaining(['tracebridge.logger.queue.size', 'tracebridge.logger.exported', 'tracebridge.logger.dropped']));
  }, 150_000);
});
