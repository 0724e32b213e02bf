import { EventEmitter, once } from 'node:events';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { context, trace } from '@opentelemetry/api';
import { InMemoryLogRecordExporter } from '@opentelemetry/sdk-logs';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, withCorrelation } from '@tracebridge/logger';
import type { Logger, LoggerOptions } from '@tracebridge/logger';
import { mapRecord } from '@tracebridge/schema';

const tracer = new BasicTracerProvider().getTracer('test');
const loggers: Logger[] = [];

function inMemory(options: Partial<LoggerOptions> = {}): { log: Logger; exporter: InMemoryLogRecordExporter } {
  const exporter = new InMemoryLogRecordExporter();
  const log = createLogger({ agentId: 'A1-haiku-001', component: 'redis_bus', exporter, handleExit: false, ...options });
  loggers.push(log);
  return { log, exporter };
}

async function emitted(log: Logger, exporter: InMemoryLogRecordExporter): Promise<ReadableLogRecord[]> {
  expect(await log.flush(5000)).toBe(true);
  return exporter.getFinishedLogRecords();
}

afterEach(async () => {
  await Promise.all(loggers.splice(0).map((l) => l.shutdown()));
});

describe('createLogger (in-process pipeline)', () => {
  it('maps level to severity, component to scope, agent to resource', async () => {
    const { log, exporter } = inMemory({ environment: 'staging', level: 'debug' });
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    log.fatal('f');
    const records = await emitted(log, exporter);
    expect(records.map((r) => [r.severityNumber, r.severityText, r.body])).toEqual([
      [5, 'DEBUG', 'd'],
      [9, 'INFO', 'i'],
      [13, 'WARN', 'w'],
      [17, 'ERROR', 'e'],
      [21, 'FATAL', 'f'],
    ]);
    const first = records[0] as ReadableLogRecord;
    expect(first.instrumentationScope.name).toBe('redis_bus');
    expect(first.resource.attributes).toMatchObject({
      'service.name': 'A1',
      'service.instance.id': 'A1-haiku-001',
      'gen_ai.agent.id': 'A1-haiku-001',
      'gen_ai.agent.name': 'A1',
      'deployment.environment.name': 'staging',
      'telemetry.sdk.language': 'nodejs',
    });
  });

  it('writes nothing below its level, and a filtered method is a shared no-op', async () => {
    const { log, exporter } = inMemory({ level: 'WARN' });
    log.debug('no');
    log.info('no');
    log.warn('yes');
    expect((await emitted(log, exporter)).map((r) => r.body)).toEqual(['yes']);
    expect(log.debug).toBe(log.info);
    expect(log.stats().emitted).toBe(1);
  });

  it('gives the attributes of the schema mapping for the same record', async () => {
    const { log, exporter } = inMemory();
    log.warn('Retrying', {
      context: { task_id: 'task:001', attempt: 2, deep: { a: { b: { c: { d: { e: { f: 1 } } } } } }, list: [{ x: 1 }] },
      tags: ['retry'],
      metadata: { version: '1.4.2' },
      errorCode: 'ETIMEDOUT',
      citation: 'if://log/x',
    });
    const [record] = await emitted(log, exporter);
    const expected = mapRecord({
      timestamp: '2025-01-01T00:00:00.000Z',
      level: 'WARN',
      agent_id: 'A1-haiku-001',
      component: 'redis_bus',
      message: 'Retrying',
      context: { task_id: 'task:001', attempt: 2, deep: { a: { b: { c: { d: { e: { f: 1 } } } } } }, list: [{ x: 1 }] },
      tags: ['retry'],
      metadata: { version: '1.4.2' },
      error: { code: 'ETIMEDOUT' },
      if_citation: 'if://log/x',
    }).attributes;
    const { 'log.record.uid': uid, ...rest } = record?.attributes ?? {};
    expect(rest).toEqual(expected);
    expect(uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('carries the active span as trace id, span id and flags, never as attributes', async () => {
    const { log, exporter } = inMemory();
    const span = tracer.startSpan('op');
    context.with(trace.setSpan(context.active(), span), () => log.info('inside'));
    log.info('outside');
    span.end();
    const [inside, outside] = await emitted(log, exporter);
    expect(inside?.spanContext).toMatchObject({ traceId: span.spanContext().traceId, spanId: span.spanContext().spanId, traceFlags: 1 });
    expect(Object.keys(inside?.attributes ?? {}).some((k) => k.includes('trace'))).toBe(false);
    expect(outside?.spanContext).toBeUndefined();
  });

  it('gives a traced record without a correlation scope the id req-<trace id>', async () => {
    const { log, exporter } = inMemory();
    const span = tracer.startSpan('op');
    context.with(trace.setSpan(context.active(), span), () => log.info('traced'));
    span.end();
    const [record] = await emitted(log, exporter);
    expect(record?.attributes['correlation.id']).toBe(`req-${span.spanContext().traceId}`);
  });

  it('keeps the correlation id across await, timers, event emitters and streams', async () => {
    const { log, exporter } = inMemory();
    const emitter = new EventEmitter();
    let id = '';
    await withCorrelation('task', async () => {
      id = (await import('@tracebridge/logger')).getCorrelationId() as string;
      emitter.on('tick', () => log.info('emitter'));
      await sleep(1);
      log.info('after await');
      await new Promise<void>((resolve) =>
        setTimeout(() => {
          log.info('timer');
          resolve();
        }, 1),
      );
      emitter.emit('tick');
      const stream = Readable.from(['a']);
      stream.on('data', () => log.info('stream'));
      await once(stream, 'end');
    });
    log.info('outside');
    const records = await emitted(log, exporter);
    expect(id).toMatch(/^task-[0-9a-f]{16}$/);
    expect(records.map((r) => [r.body, r.attributes['correlation.id']])).toEqual([
      ['after await', id],
      ['timer', id],
      ['emitter', id],
      ['stream', id],
      ['outside', undefined],
    ]);
  });

  it('records an error with its cause chain and code, and marks the active span as failed', async () => {
    const { log, exporter } = inMemory();
    const span = tracer.startSpan('failing');
    const err = Object.assign(new Error('delegation failed', { cause: new TypeError('fetch failed') }), { code: 'E_DELEGATE' });
    context.with(trace.setSpan(context.active(), span), () => log.error('Delegation failed', { error: err }));
    span.end();
    const [record] = await emitted(log, exporter);
    expect(record?.attributes).toMatchObject({ 'exception.type': 'Error', 'exception.message': 'delegation failed', 'error.type': 'E_DELEGATE' });
    expect(String(record?.attributes['exception.stacktrace'])).toMatch(/Error: delegation failed[\s\S]*\nCaused by: TypeError: fetch failed/);
    const ended = span as unknown as { status: { code: number }; events: Array<{ name: string; attributes: Record<string, unknown> }> };
    expect(ended.status.code).toBe(2);
    expect(ended.events[0]).toMatchObject({ name: 'exception', attributes: { 'exception.message': 'delegation failed' } });
  });

  it('merges a child logger context under the record context and uses its component', async () => {
    const { log, exporter } = inMemory({ context: { region: 'eu', task: 'base' } });
    const child = log.child({ component: 'chromadb', context: { task: 'child', worker: 2 } });
    child.info('q', { context: { worker: 3 } });
    const [record] = await emitted(log, exporter);
    expect(record?.instrumentationScope.name).toBe('chromadb');
    expect(record?.attributes).toMatchObject({ 'context.region': 'eu', 'context.task': 'child', 'context.worker': 3 });
  });

  it('writes performance figures as attributes', async () => {
    const { log, exporter } = inMemory();
    log.performance('chromadb query', { durationMs: 12.5, memoryMb: 48, figures: { rows: 20 } });
    const [record] = await emitted(log, exporter);
    expect(record?.attributes).toMatchObject({ 'performance.duration_ms': 12.5, 'performance.memory_mb': 48, 'performance.rows': 20 });
  });

  it('keeps both records whole when a value logged is one whose toJSON logs too', async () => {
    const { log, exporter } = inMemory();
    class Chatty {
      toJSON(): unknown {
        log.warn('inner', { context: { from: 'toJSON' } });
        return { shown: true };
      }
    }
    log.child({ component: 'outer_part' }).info('outer', { context: { value: new Chatty() }, tags: ['t'] });
    const records = await emitted(log, exporter);
    const got = records.map((r) => [r.body, r.instrumentationScope.name, r.severityText, r.attributes['context.value.shown'] ?? r.attributes['context.from'], r.attributes.tags]);
    expect(got).toEqual(
      expect.arrayContaining([
        ['outer', 'outer_part', 'INFO', true, ['t']],
        ['inner', 'redis_bus', 'WARN', 'toJSON', undefined],
      ]),
    );
    expect(got).toHaveLength(2);
  });

  it('never throws on bad input and counts fields it had to keep aside', async () => {
    const { log, exporter } = inMemory();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const hostile = Object.defineProperty({}, 'x', { enumerable: true, get: () => { throw new Error('getter'); } });
    const calls = [
      () => log.info('cyclic', { context: cyclic }),
      () => log.info('bigint', { context: { n: 10n, f: () => 1 } }),
      () => log.info(42 as unknown as string),
      () => log.info('null fields', null as unknown as undefined),
      () => log.info('hostile', { context: hostile }),
      () => log.info('bad tags', { tags: 'x' as unknown as string[] }),
      () => log.error('thrown string', { error: 'just a string' }),
      () => log.performance('bad perf', null as unknown as { durationMs: number }),
    ];
    for (const call of calls) expect(call).not.toThrow();
    const records = await emitted(log, exporter);
    expect(records).toHaveLength(calls.length);
    const byBody = new Map(records.map((r) => [String(r.body ?? r.attributes['tracebridge.invalid.message']), r.attributes]));
    expect(byBody.get('cyclic')).toMatchObject({ 'context.self': '[Circular]' });
    expect(byBody.get('bigint')).toMatchObject({ 'context.n': '10', 'context.f': '[Function: f]' });
    // A value logged as the message is written as its canonical JSON: the record's message is a string.
    expect(records.find((r) => r.body === '42')?.attributes).not.toHaveProperty('tracebridge.invalid.message');
    expect(byBody.get('hostile')).toMatchObject({ 'context.x': '[Unserialisable]' });
    expect(byBody.get('bad tags')).toMatchObject({ 'tracebridge.invalid.tags': 'x' });
    expect(byBody.get('thrown string')).toMatchObject({ 'exception.message': 'just a string' });
    expect(log.stats().invalidFields).toBe(1);
  });
});

describe('createLogger options', () => {
  it('throws a coded error for options that cannot work', () => {
    expect(() => createLogger({ component: 'x', agentId: undefined as unknown as string })).toThrow(
      expect.objectContaining({ code: 'TRACEBRIDGE_ERR_INVALID_OPTION' }),
    );
    expect(() => createLogger({ agentId: 'A1-haiku-001', component: 'x', level: 'LOUD' as 'INFO' })).toThrow(/level/);
    expect(() => createLogger({ agentId: 'A1-haiku-001', component: 'x', maxQueueBytes: -1 })).toThrow(/maxQueueBytes/);
  });
});
