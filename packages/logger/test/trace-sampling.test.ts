import { context, trace } from '@opentelemetry/api';
import { AlwaysOffSampler, BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { createLogger } from '@tracebridge/logger';
import { OtlpSink } from '../../../test/helpers/otlp-sink.js';

const unsampled = new BasicTracerProvider({ sampler: new AlwaysOffSampler() }).getTracer('test');

function inTrace(fn: () => void): string {
  const span = unsampled.startSpan('request');
  context.with(trace.setSpan(context.active(), span), fn);
  span.end();
  return span.spanContext().traceId;
}

describe('trace-aware sampling', () => {
  it('drops DEBUG lines of error-free unsampled traces and keeps those of failing ones, in order', async () => {
    const sink = await new OtlpSink().start();
    const log = createLogger({ agentId: 'A1-haiku-001', component: 'planner', level: 'DEBUG', endpoint: sink.url, handleExit: false, traceSampling: true });
    const quiet = inTrace(() => {
      for (let i = 0; i < 5; i++) log.debug(`quiet ${i}`);
      log.info('quiet done');
    });
    const failing = inTrace(() => {
      for (let i = 0; i < 3; i++) log.debug(`failing ${i}`);
      log.error('failed');
    });
    log.debug('outside any trace');
    expect(await log.flush(5000)).toBe(true);
    const bodies = (traceId: string | undefined) =>
      sink.records().filter((r) => r.record.traceId === traceId).map((r) => r.record.body?.stringValue);
    expect(bodies(quiet)).toEqual(['quiet done']);
    expect(bodies(failing)).toEqual(['failing 0', 'failing 1', 'failing 2', 'failed']);
    expect(bodies(undefined)).toEqual(['outside any trace']);
    await log.shutdown();
    expect(log.stats()).toMatchObject({ emitted: 11, exported: 6, restored: 3, sampledOut: 5, dropped: 0 });
    await sink.stop();
  });

  it('keeps only the newest lines of a trace and the newest traces, counting the rest', async () => {
    const sink = await new OtlpSink().start();
    const log = createLogger({
      agentId: 'A1-haiku-001',
      component: 'planner',
      level: 'DEBUG',
      endpoint: sink.url,
      handleExit: false,
      traceSampling: { perTrace: 2, maxTraces: 1 },
    });
    inTrace(() => log.debug('evicted with its trace'));
    const kept = inTrace(() => {
      for (let i = 0; i < 4; i++) log.debug(`line ${i}`);
      log.fatal('boom');
    });
    expect(await log.flush(5000)).toBe(true);
    expect(sink.records().filter((r) => r.record.traceId === kept).map((r) => r.record.body?.stringValue)).toEqual(['line 2', 'line 3', 'boom']);
    expect(log.stats().sampledOut).toBe(3);
    await log.shutdown();
    await sink.stop();
  });
});
