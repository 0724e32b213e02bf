/**
 * #23's acceptance scenario: the seed's Redis bus. A real redis-server, the ioredis client, two agents
 * under `node --import=@tracebridge/auto/register` using withProducerSpan / withConsumerSpan; the
 * consumer handles 5 messages in CONSUMER spans, logs each with @tracebridge/logger, and then ends the
 * way agents and tool processes do: `await log.shutdown(); process.exit(0)`, an uncaught exception, or
 * SIGTERM. Through the real collector (`local` profile), every span and record of both agents must
 * arrive exactly once: the consumer's spans in the producer's trace, its records pointing at them.
 * Whatever the SDK still held at `process.exit()` or the crash goes through the exit spool and its
 * detached sender (packages/logger/src/internal/spool.ts).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLocalData } from '@tracebridge/cli';
import type { LocalData, StoredLog, StoredSpan } from '@tracebridge/cli';
import { readDeliveryLog } from '@tracebridge/logger/internal';
import { freePort, startCollector } from '#collector/run-lib.mjs';
import { startAgent } from '../helpers/agents.js';
import { waitFor, waitForQuiet } from '../helpers/wait-for.js';
import { requireProgram, startServer } from '../sources/harness.js';
import type { Server } from '../sources/harness.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/redis-bus/', import.meta.url));
const PRODUCER_ID = 'P1-haiku-001';
const CONSUMER_ID = 'C1-haiku-002';
const PRODUCER = 4;
const CONSUMER = 5;
const MESSAGES = 5;

let redis: Server;
let redisPort: number;

beforeAll(async () => {
  const bin = requireProgram('redis-server', 'redis-server');
  const dir = mkdtempSync(path.join(tmpdir(), 'tb-redis-bus-'));
  redisPort = await freePort();
  writeFileSync(path.join(dir, 'redis.conf'), [`port ${redisPort}`, 'bind 127.0.0.1', 'daemonize no', `dir ${dir}`, 'save ""', 'appendonly no', ''].join('\n'));
  redis = await startServer(bin, [path.join(dir, 'redis.conf')], {
    ready: () =>
      new Promise<boolean>((resolve) => {
        const socket = net.connect(redisPort, '127.0.0.1');
        socket.once('connect', () => (socket.destroy(), resolve(true)));
        socket.once('error', () => resolve(false));
      }),
  });
});

afterAll(async () => {
  await redis?.stop();
});

const agentOf = (x: StoredLog | StoredSpan): unknown => x.resource['service.instance.id'];

interface BusRun {
  data: LocalData;
  traceId: string;
  exit: [number | null, NodeJS.Signals | null];
  stderr: string;
  spoolDir: string;
}

/** One run of the pair; the consumer ends as `ending` says. Reads what the collector wrote once it is quiet. */
async function runBus(ending: 'shutdown-exit' | 'throw' | 'sigterm'): Promise<BusRun> {
  const collector = await startCollector({ profile: 'local' });
  const spoolDir = mkdtempSync(path.join(tmpdir(), 'tb-redis-spool-'));
  mkdirSync(spoolDir, { recursive: true });
  const env = { REDIS_PORT: String(redisPort), MESSAGES: String(MESSAGES), TRACEBRIDGE_SPOOL_DIR: spoolDir, OTEL_METRICS_EXPORTER: 'none' };
  try {
    const consumer = await startAgent({ script: 'consumer.mjs', cwd: FIXTURES, agentId: CONSUMER_ID, otlpHttp: collector.otlpHttp, env: { ...env, ENDING: ending }, readyPattern: /\{"ready":true\}/ });
    const producer = await startAgent({ script: 'producer.mjs', cwd: FIXTURES, agentId: PRODUCER_ID, otlpHttp: collector.otlpHttp, env, readyPattern: /\{"sent":\d+,"traceId":"([0-9a-f]{32})"\}/ });
    const traceId = producer.match?.[1] as string;
    if (ending === 'sigterm') {
      await waitFor('the consumer to have handled every message', () => consumer.stdout(), (out) => out.includes('"waiting":true'), { timeoutMs: 60_000 });
      consumer.child.kill('SIGTERM');
    }
    const exit = await consumer.exited;
    producer.child.kill('SIGTERM');
    await producer.exited;
    // Everything of both agents: spans of the two (the consumer's arrive later when they went through
    // the spool's detached sender), then quiet, so that a duplicate would show.
    const count = async (): Promise<number> => {
      const d = await readLocalData(collector.dataDir);
      return d.spans.length + d.logs.length;
    };
    await waitFor(
      'the consumer spans and records at the collector',
      async () => readLocalData(collector.dataDir),
      (d) => d.spans.filter((s) => s.span.kind === CONSUMER).length >= MESSAGES && d.logs.filter((l) => agentOf(l) === CONSUMER_ID).length >= MESSAGES,
      { timeoutMs: 60_000 },
    );
    await waitForQuiet('the collector output', count, { quietMs: 3000, timeoutMs: 60_000 });
    return { data: await readLocalData(collector.dataDir), traceId, exit, stderr: consumer.stderr(), spoolDir };
  } finally {
    await collector.stop();
  }
}

describe.each(['shutdown-exit', 'throw', 'sigterm'] as const)('the Redis bus, the consumer ending by %s', (ending) => {
  let run: BusRun;
  beforeAll(async () => {
    run = await runBus(ending);
  }, 180_000);

  it('ends as asked', () => {
    if (ending === 'shutdown-exit') expect(run.exit).toEqual([0, null]);
    if (ending === 'throw') {
      expect(run.exit).toEqual([1, null]);
      expect(run.stderr).toContain('the consumer crashed after its work');
    }
    if (ending === 'sigterm') expect(run.exit).toEqual([null, 'SIGTERM']);
  });

  it('delivers every span of both agents exactly once', () => {
    const ids = run.data.spans.map((s) => s.span.spanId);
    expect(new Set(ids).size).toBe(ids.length);
    const producers = run.data.spans.filter((s) => agentOf(s) === PRODUCER_ID && s.span.kind === PRODUCER);
    const consumers = run.data.spans.filter((s) => agentOf(s) === CONSUMER_ID && s.span.kind === CONSUMER);
    expect(producers.map((s) => s.span.name)).toEqual(Array(MESSAGES).fill('send tasks'));
    expect(consumers.map((s) => s.span.name)).toEqual(Array(MESSAGES).fill('process tasks'));
    // The consumer's spans continue the producer's trace, each under the PRODUCER span of its message.
    for (const c of consumers) {
      expect(c.span.traceId).toBe(run.traceId);
      expect(producers.map((p) => p.span.spanId)).toContain(c.span.parentSpanId);
    }
    // And the ioredis spans of both (RPUSH, BLPOP), once each.
    expect(run.data.spans.filter((s) => agentOf(s) === PRODUCER_ID && s.span.name === 'rpush')).toHaveLength(MESSAGES);
  });

  it('delivers every record of the consumer exactly once, in the producer\'s trace, with its correlation id', () => {
    const records = run.data.logs.filter((l) => agentOf(l) === CONSUMER_ID && l.scope === 'redis_bus');
    expect(records.map((l) => l.record.body?.stringValue).sort()).toEqual(Array.from({ length: MESSAGES }, (_, i) => `handled task-${i}`));
    const uids = records.map((l) => l.attributes['log.record.uid']);
    expect(new Set(uids).size).toBe(MESSAGES);
    const consumerSpans = new Set(run.data.spans.filter((s) => s.span.kind === CONSUMER).map((s) => s.span.spanId));
    for (const l of records) {
      expect(l.record.traceId).toBe(run.traceId);
      expect(consumerSpans.has(l.record.spanId as string)).toBe(true);
      expect(l.attributes['correlation.id']).toBe(`req-${run.traceId}`);
    }
  });

  it('counts apart what may be duplicated: nothing was in flight, so the spool delivered nothing unsure', () => {
    const lines = readDeliveryLog(run.spoolDir);
    expect(lines.filter((l) => l.unsure)).toEqual([]);
    // With `await log.shutdown()` and with SIGTERM everything was flushed before the end; after a crash
    // the SDK's spans went through the spool.
    if (ending === 'throw') expect(lines.filter((l) => l.outcome === 'sent' && l.signal === 'traces').length).toBeGreaterThan(0);
    else expect(lines).toEqual([]);
  });
});
