// The logger's promises on input it did not expect (#21 part 3): its JSON lines always validate against
// the project's own schema, a Proxy is never "too large", child() never throws, and with `thread: false`
// every record is exported or counted.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InMemoryLogRecordExporter } from '@opentelemetry/sdk-logs';
import type { LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '@tracebridge/logger';
import type { Logger, LoggerOptions, LoggerStats } from '@tracebridge/logger';
import { validate } from '@tracebridge/schema';

const loggers: Logger[] = [];
afterEach(async () => {
  await Promise.all(loggers.splice(0).map((l) => l.shutdown()));
});

function logger(options: Partial<LoggerOptions>): Logger {
  const log = createLogger({ agentId: 'A1-haiku-001', component: 'bad_input', handleExit: false, ...options } as LoggerOptions);
  loggers.push(log);
  return log;
}

/** A Proxy whose every trap throws, and a revoked one: values the encoder cannot read. */
function hostileProxies(): { throwing: object; revoked: object } {
  const fail = (): never => {
    throw new Error('trap');
  };
  const throwing = new Proxy({}, { get: fail, ownKeys: fail, getOwnPropertyDescriptor: fail, getPrototypeOf: fail, has: fail });
  const { proxy: revoked, revoke } = Proxy.revocable({}, {});
  revoke();
  return { throwing, revoked };
}

/** The identity every snapshot must keep (LoggerStats), with the delivered count of the output. */
function balance(s: LoggerStats): number {
  return s.emitted - s.exported - s.queued - s.dropped - s.sampledOut;
}

describe.each([
  ['worker transport', { thread: true }],
  ['inline transport', { thread: false }],
] as const)('on the %s', (_name, transport) => {
  it('writes JSON lines that validate, outside any correlation scope and for non-string messages', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'tb-bad-input-')), 'agent.jsonl');
    const log = logger({ ...transport, output: 'jsonl', jsonlPath: file });
    log.info('outside any scope and any span');
    log.info(42 as unknown as string);
    log.info({ a: 1, b: [true, null] } as unknown as string);
    log.info(undefined as unknown as string);
    log.warn(new Error('an error as the message') as unknown as string);
    await log.shutdown();
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.message)).toEqual(['outside any scope and any span', '42', '{"a":1,"b":[true,null]}', '', 'Error: an error as the message']);
    for (const line of lines) expect(validate(line), JSON.stringify(line)).toEqual([]);
  });

  it('keeps a record whose context or message is a Proxy, with placeholders, and never calls it too large', async () => {
    const exporter = new InMemoryLogRecordExporter();
    const log = transport.thread ? logger({ endpoint: 'http://127.0.0.1:9/v1/logs', output: 'jsonl', jsonlPath: path.join(mkdtempSync(path.join(tmpdir(), 'tb-proxy-')), 'a.jsonl') }) : logger({ exporter });
    const { throwing, revoked } = hostileProxies();
    log.info('throwing proxy in context', { context: throwing as Record<string, unknown> });
    log.info('revoked proxy in context', { context: { nested: revoked } });
    log.info(throwing as unknown as string);
    log.info(revoked as unknown as string);
    log.info('proxy in metadata', { metadata: throwing as Record<string, unknown>, tags: revoked as unknown as string[] });
    expect(await log.flush(10_000)).toBe(true);
    const s = log.stats();
    expect(s.droppedBy.too_large).toBe(0);
    expect(s.dropped).toBe(0);
    if (!transport.thread) {
      const records = exporter.getFinishedLogRecords();
      expect(records).toHaveLength(5);
      expect(records[1]?.attributes['context.nested']).toBe('[Unserialisable]');
      expect(records[3]?.body).toBe('[Unserialisable]');
    } else expect(s.written).toBe(5);
  });
});

describe('Logger#child', () => {
  it('never throws: null, a throwing Proxy as its context, a bad component', async () => {
    const exporter = new InMemoryLogRecordExporter();
    const log = logger({ exporter });
    const { throwing, revoked } = hostileProxies();
    const children = [
      () => log.child(null as unknown as { component: string }),
      () => log.child(undefined as unknown as { component: string }),
      () => log.child({ context: throwing as Record<string, unknown> }),
      () => log.child({ context: revoked as Record<string, unknown> }),
      () => log.child({ component: 42 as unknown as string }),
      () => log.child(throwing as { component: string }),
      () => createLogger({ agentId: 'A1-haiku-001', component: 'x', exporter, handleExit: false, context: throwing as Record<string, unknown> }),
    ];
    for (const make of children) {
      expect(make).not.toThrow();
      const child = make();
      loggers.push(child);
      expect(() => child.info('from a child')).not.toThrow();
    }
    expect(await log.flush(10_000)).toBe(true);
    const scopes = exporter.getFinishedLogRecords().map((r) => r.instrumentationScope.name);
    expect(scopes.slice(0, 6)).toEqual(Array(6).fill('bad_input'));
  });
});

describe('thread: false', () => {
  it('exports or counts every record, even when a custom processor throws, and settles at queued = 0', async () => {
    const exporter = new InMemoryLogRecordExporter();
    let calls = 0;
    const throwing: LogRecordProcessor = {
      onEmit() {
        if (++calls % 2 === 0) throw new Error('processor bug');
      },
      forceFlush: async () => undefined,
      shutdown: async () => undefined,
    };
    const log = logger({ exporter, processors: [throwing] });
    const { throwing: proxy } = hostileProxies();
    for (let i = 0; i < 100; i++) {
      log.info(`record ${i}`, i % 10 === 0 ? { context: proxy as Record<string, unknown> } : undefined);
      expect(balance(log.stats())).toBe(0);
    }
    expect(await log.flush(10_000)).toBe(true);
    const s = log.stats();
    expect(balance(s)).toBe(0);
    expect(s).toMatchObject({ emitted: 100, exported: 100, queued: 0, dropped: 0 });
    expect(exporter.getFinishedLogRecords()).toHaveLength(100);
  });
});
