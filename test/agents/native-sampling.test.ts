/**
 * Trace-aware DEBUG sampling, end to end: an agent under `--import=@tracebridge/auto/register` with a
 * sampler that keeps no trace (`OTEL_TRACES_SAMPLER=always_off`) and `TRACEBRIDGE_TRACE_SAMPLING=on`
 * serves an error-free request and a failing one; what the real collector stored is compared with the
 * logger's own stats().
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLocalData } from '@tracebridge/cli';
import type { LocalData, StoredLog } from '@tracebridge/cli';
import type { LoggerStats } from '@tracebridge/logger';
import { startCollector } from '#collector/run-lib.mjs';
import type { RunningCollector } from '#collector/run-lib.mjs';
import { runFixture } from '../fixtures/agent-native/run.js';
import type { FixtureRun } from '../fixtures/agent-native/run.js';

interface Report {
  quiet: string;
  failing: string;
  delivered: boolean;
  /** After flush(): the quiet trace's lines are still held (it could still fail). */
  flushed: LoggerStats;
  /** After shutdown(): what was held is given up and counted. */
  stats: LoggerStats;
}

describe('DEBUG lines under a sampler that keeps no trace', () => {
  let collector: RunningCollector;
  let run: FixtureRun;
  let report: Report;
  let data: LocalData;
  const bodies = (filter: (l: StoredLog) => boolean): Array<string | undefined> => data.logs.filter(filter).map((l) => l.record.body?.stringValue);

  beforeAll(async () => {
    collector = await startCollector({ profile: 'local' });
    run = await runFixture('sampling.mjs', collector.otlpHttp, {
      TRACEBRIDGE_AGENT_ID: 'S1-haiku-001',
      OTEL_TRACES_SAMPLER: 'always_off',
      TRACEBRIDGE_TRACE_SAMPLING: 'on',
      TRACEBRIDGE_LOG_LEVEL: 'DEBUG',
    });
    await collector.stop();
    report = run.report as unknown as Report;
    data = await readLocalData(collector.dataDir);
  }, 150_000);
  afterAll(async () => {
    await collector?.stop();
  });

  it('samples the traces out and still delivers the log records, in their unsampled traces', () => {
    expect([run.code, run.signal]).toEqual([0, null]);
    expect(report.delivered).toBe(true);
    expect(data.spans).toEqual([]);
    for (const traceId of [report.quiet, report.failing]) {
      const flags = data.logs.filter((l) => l.record.traceId === traceId).map((l) => l.record.flags ?? 0);
      expect(flags.length).toBeGreaterThan(0);
      expect(flags.every((f) => (f & 1) === 0)).toBe(true);
    }
  });

  it('drops the DEBUG lines of the error-free request and keeps its INFO line', () => {
    expect(bodies((l) => l.record.traceId === report.quiet)).toEqual(['quiet: done']);
  });

  it('keeps the DEBUG lines of the failing request, in order, ahead of its error', () => {
    expect(bodies((l) => l.record.traceId === report.failing)).toEqual(['failing: step 0', 'failing: step 1', 'failing: step 2', 'failing: broke']);
  });

  it('leaves DEBUG lines outside any trace alone', () => {
    expect(bodies((l) => l.record.traceId === undefined || l.record.traceId === '')).toEqual(['outside any request']);
  });

  it('counts in stats() exactly what the collector did and did not get', () => {
    const stored = data.logs.filter((l) => l.scope === 'requests');
    expect(report.stats).toMatchObject({ emitted: 11, sampledOut: 5, restored: 3, dropped: 0, exported: stored.length });
    expect(report.stats.emitted - report.stats.sampledOut).toBe(stored.length);
  });

  it('holds the lines of a trace that has not failed, uncounted, until the logger gives them up', () => {
    expect(report.flushed).toMatchObject({ emitted: 11, exported: 6, restored: 3, sampledOut: 0, dropped: 0 });
  });
});
