import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { context, trace } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, withCorrelation } from '@tracebridge/logger';
import type { Logger, LoggerOptions, LoggerStats } from '@tracebridge/logger';
import { mapRecord, toKeyValues, validate } from '@tracebridge/schema';
import { OtlpSink, attr } from '../../../test/helpers/otlp-sink.js';
import { waitFor } from '../../../test/helpers/wait-for.js';

const tracer = new BasicTracerProvider().getTracer('test');
const cleanup: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function sink(options: { countOnly?: boolean } = {}): Promise<OtlpSink> {
  const s = await new OtlpSink(options).start();
  cleanup.push(() => s.stop());
  return s;
}

function logger(options: Partial<LoggerOptions>): Logger {
  const log = createLogger({ agentId: 'A1-haiku-001', component: 'redis_bus', handleExit: false, scheduleDelayMillis: 20, ...options });
  cleanup.push(() => log.shutdown());
  return log;
}

/** The identity users reconcile losses with (sampling is off in these tests, so sampledOut is 0). */
function expectConsistent(stats: LoggerStats): void {
  expect(stats.queued).toBeGreaterThanOrEqual(0);
  expect(stats.exported + stats.queued + stats.dropped + stats.sampledOut).toBe(stats.emitted);
}

describe('the worker transport', () => {
  it('sends protobuf that decodes to the records of the one mapping', async () => {
    const s = await sink();
    const log = logger({ endpoint: s.url });
    const context1 = { task_id: 'task:001', attempt: 2, nested: { ok: true, list: ['a', 'b'] }, objects: [{ id: 1 }] };
    log.warn('Retrying', { context: context1, tags: ['retry'], errorCode: 503 });
    expect(await log.flush(5000)).toBe(true);
    const [got] = s.records();
    const expected = mapRecord({
      timestamp: '2025-01-01T00:00:00.000Z',
      level: 'WARN',
      agent_id: 'A1-haiku-001',
      component: 'redis_bus',
      message: 'Retrying',
      context: context1,
      tags: ['retry'],
      error: { code: 503 },
    });
    expect(got?.scope).toBe('redis_bus');
    expect(got?.record).toMatchObject({ severityNumber: 13, severityText: 'WARN', body: { stringValue: 'Retrying' } });
    expect(got?.record.attributes?.filter((kv) => kv.key !== 'log.record.uid')).toEqual(toKeyValues(expected.attributes));
    expect(attr(got?.record ?? {}, 'log.record.uid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(got?.resource?.attributes).toEqual(expect.arrayContaining(toKeyValues(expected.resource)));
  });

  it('keeps each record with its own span and correlation when requests interleave', async () => {
    const s = await sink();
    const log = logger({ endpoint: s.url });
    const a = tracer.startSpan('a');
    const b = tracer.startSpan('b');
    const ids: string[] = [];
    const inA = (fn: () => void) => withCorrelation('req-' + 'a'.repeat(32), () => context.with(trace.setSpan(context.active(), a), fn));
    const inB = (fn: () => void) => withCorrelation('req-' + 'b'.repeat(32), () => context.with(trace.setSpan(context.active(), b), fn));
    for (let i = 0; i < 50; i++) {
      const which = i % 3 === 0 ? 'b' : 'a';
      (which === 'a' ? inA : inB)(() => log.info(`${which}${i}`));
      if (i % 7 === 0) log.info(`none${i}`);
      ids.push(which);
    }
    expect(await log.flush(5000)).toBe(true);
    const records = s.records().map((r) => r.record);
    expect(records.length).toBe(50 + 8);
    for (const r of records) {
      const body = r.body?.stringValue ?? '';
      if (body.startsWith('none')) {
        expect(r.traceId).toBeUndefined();
        expect(attr(r, 'correlation.id')).toBeUndefined();
      } else {
        const span = body.startsWith('a') ? a : b;
        expect(r.traceId).toBe(span.spanContext().traceId);
        expect(r.spanId).toBe(span.spanContext().spanId);
        expect(r.flags).toBe(1);
        expect(attr(r, 'correlation.id')).toBe(`req-${body[0]?.repeat(32)}`);
      }
    }
  });

  it('drops and counts, with one warning, when the queue is full and spilling is off', async () => {
    const s = await sink();
    s.stall = true;
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    cleanup.push(async () => void process.off('warning', onWarning));
    const log = logger({ endpoint: s.url, maxQueueBytes: 64 * 1024, spillDir: false, exportTimeoutMillis: 60_000, shutdownTimeoutMillis: 500 });
    for (let i = 0; i < 20_000; i++) {
      log.info('payload', { context: { i, blob: 'x'.repeat(100) } });
      // Read while the worker is moving records from the ring into its batch: every snapshot adds up.
      if (i % 250 === 0) expectConsistent(log.stats());
    }
    const stats = log.stats();
    expect(stats.emitted).toBe(20_000);
    expect(stats.droppedBy.queue_full).toBeGreaterThan(10_000);
    expect(stats.exported).toBe(0);
    expect(stats.queued + stats.droppedBy.queue_full).toBe(20_000);
    await waitFor('the queue-full warning', () => warnings.some((w) => w.includes('full')), Boolean, { intervalMs: 10 });
    expect(warnings.filter((w) => w.includes('full'))).toHaveLength(1);
  });

  it('gives snapshots that add up at every instant while records move through ring, spill and exporter', async () => {
    const s = await sink();
    const log = logger({ endpoint: s.url, maxQueueBytes: 64 * 1024, maxExportBatchSize: 256 });
    const n = 20_000;
    let last = log.stats();
    const check = (): void => {
      const now = log.stats();
      expectConsistent(now);
      expect(now.exported).toBeGreaterThanOrEqual(last.exported);
      expect(now.emitted).toBeGreaterThanOrEqual(last.emitted);
      last = now;
    };
    for (let i = 0; i < n; i++) {
      log.info('payload', { context: { i, blob: 'w'.repeat(100) } });
      if (i % 200 === 0) check();
    }
    // The worker keeps exporting while this thread reads; sample until everything is settled.
    await waitFor('every record exported, the snapshots adding up all along', () => (check(), last.exported === n), Boolean, { timeoutMs: 60_000, intervalMs: 10 });
    expect(last).toMatchObject({ emitted: n, exported: n, queued: 0, dropped: 0 });
  });

  it('spills to disk when the queue is full and still delivers every record, in order', async () => {
    const s = await sink();
    const log = logger({ endpoint: s.url, maxQueueBytes: 64 * 1024, maxExportBatchSize: 512 });
    const n = 30_000;
    for (let i = 0; i < n; i++) log.info('payload', { context: { i, blob: 'y'.repeat(100) } });
    expect(await log.flush(30_000)).toBe(true);
    const stats = log.stats();
    expect(stats.spilled).toBeGreaterThan(0);
    expect(stats.dropped).toBe(0);
    expect(stats.exported).toBe(n);
    const order = s.records().map((r) => attr(r.record, 'context.i'));
    expect(order).toEqual(Array.from({ length: n }, (_, i) => i));
  });

  it('keeps records in memory, not the disk spill, at a rate the export keeps up with', async () => {
    const s = await sink();
    const log = logger({ endpoint: s.url });
    // Small bursts with pauses between, as an agent logs: the ring is empty when each burst starts. Each
    // burst's second record used to find the ring rewound with room for one record, and from then on
    // records went through the spill.
    for (let tick = 0; tick < 200; tick++) {
      for (let k = 0; k < 5; k++) log.info('steady', { context: { i: tick * 5 + k } });
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    expect(await log.flush(30_000)).toBe(true);
    expect(log.stats()).toMatchObject({ emitted: 1000, exported: 1000, spilled: 0, dropped: 0 });
    expect(s.records().map((r) => attr(r.record, 'context.i'))).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('goes back from the spill to the ring while records keep coming, and keeps their order', async () => {
    const s = await sink();
    const log = logger({ endpoint: s.url, maxQueueBytes: 64 * 1024, maxExportBatchSize: 512 });
    // A burst faster than the export: the small ring fills and records go to the spill.
    let i = 0;
    while (log.stats().spilled < 2000) log.info('payload', { context: { i: i++, blob: 'v'.repeat(100) } });
    // Then records keep coming at a pace: once the ring has room they go there again, and the worker
    // reads spill and ring in the order the records were logged.
    await waitFor(
      'records going to the ring again',
      async () => {
        for (let k = 0; k < 20; k++) log.info('payload', { context: { i: i++, blob: 'v'.repeat(100) } });
        await new Promise((resolve) => setTimeout(resolve, 5));
        const before = log.stats().spilled;
        log.info('payload', { context: { i: i++, blob: 'v'.repeat(100) } });
        return log.stats().spilled === before;
      },
      Boolean,
      { timeoutMs: 60_000, intervalMs: 1 },
    );
    expect(await log.flush(60_000)).toBe(true);
    expect(log.stats()).toMatchObject({ emitted: i, exported: i, dropped: 0 });
    expect(s.records().map((r) => attr(r.record, 'context.i'))).toEqual(Array.from({ length: i }, (_, k) => k));
  });

  it('queues a record logged while another is being encoded (a toJSON that logs) after it, both intact', async () => {
    const s = await sink();
    const log = logger({ endpoint: s.url });
    class Chatty {
      toJSON(): unknown {
        log.warn('inner', { context: { from: 'toJSON' } });
        return { shown: true };
      }
    }
    const chatty = new Chatty();
    withCorrelation('task-nested', () => log.info('outer', { context: { value: chatty, after: 'kept' } }));
    log.info('next');
    expect(await log.flush(5000)).toBe(true);
    const got = s.records().map((r) => [r.record.body?.stringValue, attr(r.record, 'correlation.id'), attr(r.record, 'context.value.shown') ?? attr(r.record, 'context.from'), attr(r.record, 'context.after')]);
    expect(got).toEqual([
      ['outer', 'task-nested', true, 'kept'],
      ['inner', 'task-nested', 'toJSON', undefined],
      ['next', undefined, undefined, undefined],
    ]);
  });

  it('keeps a record larger than maxRecordBytes, without its oversized fields', async () => {
    const s = await sink();
    const log = logger({ endpoint: s.url, maxRecordBytes: 4096 });
    log.info('big one', { context: { blob: 'z'.repeat(10_000) } });
    log.info('small one', { context: { ok: true } });
    expect(await log.flush(5000)).toBe(true);
    const [big, small] = s.records().map((r) => r.record);
    expect(big?.body?.stringValue).toBe('big one');
    expect(attr(big ?? {}, 'tracebridge.invalid.context')).toMatch(/^\[Too large/);
    expect(attr(small ?? {}, 'context.ok')).toBe(true);
  });

  it('keeps retrying while the collector answers 503, then delivers everything', async () => {
    const s = await sink();
    s.failWith = 503;
    const log = logger({ endpoint: s.url, exportTimeoutMillis: 2000 });
    for (let i = 0; i < 100; i++) log.info(`r${i}`);
    // A second refused request is a retry: only then is the collector let through.
    await waitFor('a second refused request at the sink (a retry)', () => s.refused, (n) => n >= 2, { timeoutMs: 30_000 });
    expect(s.count).toBe(0);
    s.failWith = undefined;
    expect(await log.flush(20_000)).toBe(true);
    expect(s.count).toBe(100);
    expect(log.stats()).toMatchObject({ exported: 100, dropped: 0 });
  });

  it('counts a batch the collector rejects for good (400) as export_failed', async () => {
    const s = await sink();
    s.failWith = 400;
    const log = logger({ endpoint: s.url });
    for (let i = 0; i < 10; i++) log.info(`r${i}`);
    await log.flush(5000);
    expect(log.stats().droppedBy.export_failed).toBe(10);
  });

  it('shuts down within its timeout when the collector is down, counting what was lost (spool off)', async () => {
    const log = logger({ endpoint: 'http://127.0.0.1:9/v1/logs', shutdownTimeoutMillis: 1000, exportTimeoutMillis: 120_000, spoolDir: false });
    for (let i = 0; i < 1000; i++) log.info(`r${i}`);
    const started = Date.now();
    await log.shutdown();
    const took = Date.now() - started;
    // Bounded by the 1 s shutdown timeout, not by the export's 120 s (with retries, far longer): the
    // margin is for a busy machine, where the worker thread's last turn can come seconds late.
    expect(took).toBeLessThan(10_000);
    const stats = log.stats();
    expect(stats.droppedBy.shutdown_timeout).toBe(1000);
    log.info('after');
    expect(log.stats().droppedBy.after_shutdown).toBe(1);
  });

  it('spools what it holds when nothing listens, at once, counted as spooled and not dropped', async () => {
    const spoolDir = mkdtempSync(path.join(tmpdir(), 'tb-spool-'));
    const log = logger({ endpoint: 'http://127.0.0.1:9/v1/logs', shutdownTimeoutMillis: 5000, exportTimeoutMillis: 120_000, spoolDir });
    for (let i = 0; i < 1000; i++) log.info(`r${i}`);
    const started = Date.now();
    await log.shutdown();
    const took = Date.now() - started;
    // A refused connection is known in a millisecond: no waiting out the 5 s bound (margin for a busy machine).
    expect(took).toBeLessThan(3000);
    const stats = log.stats();
    expect(stats).toMatchObject({ spooled: 1000, dropped: 0, queued: 0, exported: 0 });
    const files = readdirSync(spoolDir).filter((f) => f.endsWith('.logs.otlp'));
    expect(files.length).toBeGreaterThan(0);
    const records = files.reduce((n, f) => n + (JSON.parse(readFileSync(path.join(spoolDir, f), 'latin1').split('\n')[1] as string) as { records: number }).records, 0);
    expect(records).toBe(1000);
  });

  it('writes valid records as JSON lines and rotates the file by size', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tb-jsonl-'));
    const file = path.join(dir, 'agent.log');
    const log = logger({ output: 'jsonl', jsonlPath: file, jsonlMaxBytes: 20_000, jsonlMaxFiles: 2 });
    const span = tracer.startSpan('op');
    withCorrelation('task-7', () =>
      context.with(trace.setSpan(context.active(), span), () => {
        for (let i = 0; i < 300; i++) log.info(`line ${i}`, { context: { i } });
      }),
    );
    expect(await log.flush(5000)).toBe(true);
    expect(log.stats().written).toBe(300);
    const files = readdirSync(dir).sort();
    expect(files).toEqual(['agent.log', 'agent.log.1', 'agent.log.2']);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    for (const line of lines) {
      const record = JSON.parse(line) as Record<string, unknown>;
      expect(validate(record)).toEqual([]);
      expect(record).toMatchObject({ correlation_id: 'task-7', trace_id: span.spanContext().traceId, trace_flags: '01', component: 'redis_bus' });
    }
    expect((JSON.parse(lines.at(-1) as string) as { message: string }).message).toBe('line 299');
  });
});
