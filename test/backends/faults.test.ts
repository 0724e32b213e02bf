/**
 * The pipeline under faults, on the real collector (`jaeger-victorialogs` profile) and the real log
 * store (VictoriaLogs), every outcome counted in the store:
 * - the collector killed (-9) in the middle of 100,000 records: all of them arrive, duplicates only as
 *   exact copies (same `log.record.uid`);
 * - VictoriaLogs down for 60 s: the collector holds the records in its queue on disk and delivers them all
 *   once the store is back;
 * - the collector down for 60 s: the agent's memory stays flat, it drops (counts, and warns once) what it
 *   cannot hold, keeps answering HTTP, and shuts down within its timeout;
 * - 10,000 malformed lines on the file route among 10,000 good ones: the collector keeps running, every
 *   good line arrives intact, every bad line arrives as a record that says what was wrong with it.
 * The four are independent (each has its own store, collector and agents on their own ports) and run
 * concurrently, so the two 60-second outages overlap: the file takes about two minutes, not five.
 */
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startCollector } from '#collector/run-lib.mjs';
import type { RunningCollector } from '#collector/run-lib.mjs';
import { startLogAgent } from '../helpers/stores-log-agent.js';
import type { AgentSnapshot, LogAgent } from '../helpers/stores-log-agent.js';
import { startVictoriaLogs } from '../helpers/stores-victorialogs.js';
import type { VictoriaLogs } from '../helpers/stores-victorialogs.js';
import { waitFor, waitForQuiet } from '../helpers/wait-for.js';

const PROFILE = 'jaeger-victorialogs';
const OUTAGE_MS = 60_000;

/** Everything a scenario started, released in afterAll even when it failed half-way. */
const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
});

/** A line of a scenario's report, prefixed so the four interleaved reports stay readable. */
const report = (scenario: string, text: string): void => console.log(`[faults:${scenario}] ${text}`);
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const mib = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;

/**
 * A store and a collector for one scenario. The collector's OTLP/HTTP port and metrics port are fixed
 * here (not chosen anew on each start), so a restarted collector is found where the agent sends.
 */
interface Stack {
  victoria: VictoriaLogs;
  collector: RunningCollector;
  /** OTLP/HTTP base URL the agents send to; the same across restarts. */
  endpoint: string;
  /** Starts the collector again on the same ports and data directory (after stop() or kill()). */
  restart(): Promise<RunningCollector>;
  /** One series of the collector's own metrics (Prometheus text), summed; 0 when absent. */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
}

async function startStack(): Promise<Stack> {
  const victoria = await startVictoriaLogs();
  cleanups.push(() => victoria.destroy());
  const [http, metrics, jaeger] = [await freePort(), await freePort(), await freePort()];
  const env = {
    OTLP_HTTP_ENDPOINT: `127.0.0.1:${http}`,
    COLLECTOR_METRICS_PORT: String(metrics),
    VICTORIALOGS_OTLP_ENDPOINT: victoria.otlpLogsEndpoint,
    // No traces in these scenarios; a port nobody listens on keeps the traces exporter away from 4317.
    JAEGER_OTLP_ENDPOINT: `127.0.0.1:${jaeger}`,
  };
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tb-faults-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const start = async (): Promise<RunningCollector> => {
    const c = await startCollector({ profile: PROFILE, env, dataDir });
    cleanups.push(() => c.stop());
    return c;
  };
  const stack: Stack = {
    victoria,
    collector: await start(),
    endpoint: `http://127.0.0.1:${http}`,
    async restart() {
      stack.collector = await start();
      return stack.collector;
    },
    async metric(name, labels = {}) {
      const text = await (await fetch(`http://127.0.0.1:${metrics}/metrics`)).text();
      let sum = 0;
      for (const line of text.split('\n')) {
        const m = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
        if (m === null || m[1] !== name) continue;
        const has = Object.entries(labels).every(([k, v]) => (m[2] ?? '').includes(`${k}="${v}"`));
        if (has) sum += Number(m[3]);
      }
      return sum;
    },
  };
  return stack;
}

async function agent(options: Parameters<typeof startLogAgent>[0]): Promise<LogAgent> {
  const a = await startLogAgent(options);
  cleanups.push(() => a.close());
  return a;
}

describe.concurrent('the jaeger-victorialogs pipeline under faults', () => {
  it('delivers all of 100,000 records when the collector is killed (-9) in the middle, duplicates only as exact copies', async () => {
    const COUNT = 100_000;
    const stack = await startStack();
    const { victoria } = stack;
    // Paced, so the kill lands while records are arriving, queued and being exported all at once.
    const a = await agent({ agentId: 'K1-haiku-001', endpoint: stack.endpoint, correlationId: 'task-faults-kill9', count: COUNT, rate: 10_000 });
    // Half-way, at a moment when the collector holds records it acknowledged but the store has not
    // acknowledged yet (its queue counts a record until then): those are what a crash could lose.
    const queueSize = (): Promise<number> => stack.metric('otelcol_exporter_queue_size', { exporter: 'otlp_http/victorialogs' });
    const before = await waitFor(
      'the agent to be half-way with records in the collector',
      async () => ({ snap: await a.snapshot(), queued: await queueSize() }),
      (s) => s.snap.emitted >= COUNT / 2 && s.queued > 0,
      { timeoutMs: 120_000, intervalMs: 50 },
    );
    const accepted = await stack.metric('otelcol_receiver_accepted_log_records');
    const sent = await stack.metric('otelcol_exporter_sent_log_records', { exporter: 'otlp_http/victorialogs' });
    const stored = await victoria.count('*');
    const killedAt = Date.now();
    await stack.collector.kill();
    report(
      'kill-9',
      `killed the collector at ${before.snap.emitted} written, ${before.snap.stats.exported} acknowledged by it, ${accepted} accepted by its receiver, ` +
        `${before.queued} in its queue, ${sent} sent by its exporter, ${stored.rows} in VictoriaLogs`,
    );
    await sleep(2_000);
    await stack.restart();
    report('kill-9', `restarted it on the same queue after ${seconds(Date.now() - killedAt)}`);

    const done = await a.done;
    // Every record, then the store quiet for a while: a late duplicate would show up before the count settles.
    const final = await waitForQuiet('every record in VictoriaLogs', () => victoria.count('*'), { done: (c) => c.uids >= COUNT, quietMs: 3_000, timeoutMs: 180_000, intervalMs: 1_000 });
    const [counts] = await victoria.query(
      '* | stats count() rows, count_uniq("log.record.uid") uids, count_uniq("context.seq") seqs, count_uniq("log.record.uid", "context.seq") pairs',
    );
    const rows = Number(counts?.rows);
    report(
      'kill-9',
      `agent: wrote ${done.emitted}, acknowledged ${done.stats.exported}, dropped ${done.stats.dropped}; VictoriaLogs: ${rows} rows, ` +
        `${counts?.uids} distinct log.record.uid, ${counts?.seqs} distinct seq, ${rows - Number(counts?.uids)} duplicates; ` +
        `all in ${seconds(Date.now() - killedAt)} after the kill (first seen complete: ${final.uids} uids)`,
    );
    expect(done).toMatchObject({ emitted: COUNT, flushed: true });
    expect(done.stats.exported).toBe(COUNT);
    expect(done.stats.dropped).toBe(0);
    expect(Number(counts?.uids)).toBe(COUNT);
    expect(Number(counts?.seqs)).toBe(COUNT);
    // Each uid goes with one record only: a duplicate row is a copy of the same record, told apart by its uid.
    expect(Number(counts?.pairs)).toBe(COUNT);
    expect(rows).toBeGreaterThanOrEqual(COUNT);
  }, 300_000);

  it('queues on disk while VictoriaLogs is down for 60 s and delivers everything once it is back', async () => {
    const COUNT = 30_000;
    const stack = await startStack();
    const { victoria } = stack;
    await victoria.stop();
    const downAt = Date.now();
    const a = await agent({ agentId: 'B1-haiku-001', endpoint: stack.endpoint, correlationId: 'task-faults-backend', count: COUNT, rate: 1_000 });
    // The collector acknowledges every record although the store is down: they are in its queue.
    const done = await a.done;
    expect(done).toMatchObject({ emitted: COUNT, flushed: true });
    const queued = await stack.metric('otelcol_exporter_queue_size', { exporter: 'otlp_http/victorialogs' });
    const onDisk = statSync(path.join(stack.collector.dataDir, 'queue', 'exporter_otlp_http_victorialogs_logs')).size;
    const sentDuringOutage = await stack.metric('otelcol_exporter_sent_log_records', { exporter: 'otlp_http/victorialogs' });
    report('backend-down', `store down; the agent wrote ${done.emitted}, the collector acknowledged ${done.stats.exported}; its queue holds ${queued} records, ${mib(onDisk)} on disk; ${sentDuringOutage} sent`);
    expect(done.stats.exported).toBe(COUNT);
    // Queued until delivered: the queue's size counts a record until the store has acknowledged it.
    expect(queued).toBe(COUNT);
    expect(sentDuringOutage).toBe(0);

    await sleep(Math.max(0, downAt + OUTAGE_MS - Date.now()));
    await victoria.start();
    const upAt = Date.now();
    report('backend-down', `store back after ${seconds(upAt - downAt)}`);
    await waitFor('every queued record in VictoriaLogs', () => victoria.count('*'), (c) => c.uids >= COUNT, { timeoutMs: 150_000, intervalMs: 1_000 });
    const deliveredIn = Date.now() - upAt;
    const final = await waitForQuiet('the store to settle', () => victoria.count('*'), { quietMs: 3_000, timeoutMs: 60_000, intervalMs: 1_000 });
    const queuedAfter = await stack.metric('otelcol_exporter_queue_size', { exporter: 'otlp_http/victorialogs' });
    report('backend-down', `delivered ${final.uids} distinct records (${final.rows} rows) ${seconds(deliveredIn)} after the store came back; queue now ${queuedAfter}`);
    expect(final.uids).toBe(COUNT);
    expect(final.rows).toBeGreaterThanOrEqual(COUNT);
  }, 300_000);

  it('keeps the agent bounded, counting and serving while the collector is down for 60 s', async () => {
    const stack = await startStack();
    const { victoria } = stack;
    // A small queue and spill so that a minute of outage overflows them: what happens then is the test.
    const limits = { AGENT_MAX_QUEUE_BYTES: String(2 * 1024 * 1024), AGENT_MAX_SPILL_BYTES: String(4 * 1024 * 1024), AGENT_SHUTDOWN_MS: '5000' };
    const RATE = 2_000;
    const serving = await agent({ agentId: 'C1-haiku-001', endpoint: stack.endpoint, correlationId: 'task-faults-collector', count: 0, rate: RATE, env: limits });
    const leaving = await agent({ agentId: 'C2-haiku-001', endpoint: stack.endpoint, correlationId: 'task-faults-collector', count: 0, rate: RATE, env: limits });
    await sleep(5_000);
    const baseline = await serving.snapshot();

    await stack.collector.stop();
    const downAt = Date.now();
    // Sample the serving agent throughout: every answer is a request served and an RSS reading.
    const samples: Array<{ at: number; ms: number; snap?: AgentSnapshot; error?: string }> = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const t = Date.now();
        try {
          samples.push({ at: t - downAt, ms: 0, snap: await serving.snapshot(5_000) });
        } catch (err) {
          samples.push({ at: t - downAt, ms: 0, error: (err as Error).message });
        }
        samples[samples.length - 1]!.ms = Date.now() - t;
        await sleep(500);
      }
    })();

    // The second agent is stopped in the middle of the outage: its shutdown must not wait for the collector.
    await sleep(OUTAGE_MS - 10_000);
    const left = await leaving.terminate();
    report(
      'collector-down',
      `agent C2 stopped during the outage: exit ${seconds(left.exitMs)} after SIGTERM (shutdown ${seconds(left.shutdownMs)}); ` +
        `wrote ${left.stats.emitted}, delivered ${left.stats.exported}, dropped ${JSON.stringify(left.stats.droppedBy)} ` +
        `(delivered + dropped - written = ${left.stats.exported + left.stats.dropped - left.stats.emitted})`,
    );

    await sleep(Math.max(0, downAt + OUTAGE_MS - Date.now()));
    const duringOutage = samples.filter((s) => s.at < OUTAGE_MS);
    await stack.restart();
    const upAt = Date.now();
    await sleep(5_000);
    await serving.stopWriting();
    const done = await serving.done;
    sampling = false;
    await sampler;
    const drainedIn = Date.now() - upAt;
    const stopped = await serving.terminate();

    const rss = duringOutage.flatMap((s) => (s.snap ? [s.snap.rss] : []));
    const peak = Math.max(...rss);
    // Once queue and spill are full (well inside the first half of the outage), memory must be flat.
    const firstHalfPeak = Math.max(...duringOutage.filter((s) => s.snap && s.at < OUTAGE_MS / 2).map((s) => s.snap!.rss));
    const secondHalfPeak = Math.max(...duringOutage.filter((s) => s.snap && s.at >= OUTAGE_MS / 2).map((s) => s.snap!.rss));
    const failed = samples.filter((s) => s.error !== undefined);
    const slowest = Math.max(...samples.map((s) => s.ms));
    const writtenDuringOutage = (duringOutage.at(-1)?.snap?.emitted ?? 0) - baseline.emitted;
    // Node prints each process warning as "(node:<pid>) Warning: <text>" on stderr.
    const warnings = serving.stderr().match(/Warning: tracebridge: .*/g) ?? [];
    const stored = await waitFor('what the agents delivered in VictoriaLogs', () => victoria.count('*'), (c) => c.uids >= done.stats.exported + left.stats.exported, { timeoutMs: 60_000, intervalMs: 1_000 });
    const storedC1 = await victoria.count('service.instance.id:="C1-haiku-001"');
    report(
      'collector-down',
      `agent C1 during the outage: wrote ${writtenDuringOutage}; RSS ${mib(baseline.rss)} before, peak ${mib(peak)} ` +
        `(first half ${mib(firstHalfPeak)}, second half ${mib(secondHalfPeak)}); ${duringOutage.length} HTTP requests, ${failed.length} failed, slowest ${slowest} ms; ` +
        `${warnings.length} warning(s): ${JSON.stringify(warnings)}`,
    );
    report(
      'collector-down',
      `agent C1 in total: wrote ${done.emitted}, delivered ${done.stats.exported}, dropped ${JSON.stringify(done.stats.droppedBy)} (spilled ${done.stats.spilled}); ` +
        `drained ${seconds(drainedIn)} after the collector came back; shutdown with the collector up ${seconds(stopped.exitMs)}; ` +
        `VictoriaLogs: ${storedC1.uids} distinct from C1 (${storedC1.rows} rows), ${stored.uids} from C1+C2`,
    );

    // Bounded: no more than the queue (2 MiB), the export worker's batch (16,384 records) and the runtime's
    // own growth, however long the outage (at 2,000 records/s a minute is 120,000 records) — and flat
    // once the queue and spill are full.
    // Measured here: +16 to +30 MiB at the peak, +2 to +5 MiB from the first half to the second; an in-memory queue
    // would add tens of MiB in the second half alone (60,000 records of several hundred bytes each).
    expect(peak - baseline.rss).toBeLessThan(64 * 1024 * 1024);
    expect(secondHalfPeak - firstHalfPeak).toBeLessThan(24 * 1024 * 1024);
    // Counted: every record written is delivered or dropped under a reason; reported with one warning.
    expect(done.flushed).toBe(true);
    expect(done.stats.droppedBy.queue_full).toBeGreaterThan(0);
    expect(done.stats.exported + done.stats.dropped).toBe(done.emitted);
    expect(done.stats.queued).toBe(0);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/the log queue and its disk spill are full/);
    // Serving: every request during the outage answered.
    expect(failed).toEqual([]);
    expect(duringOutage.length).toBeGreaterThan(OUTAGE_MS / 1_000);
    // Bounded shutdown: within the 5 s shutdown timeout (plus process start-up slack), the rest counted.
    expect(left.exitMs).toBeLessThan(15_000);
    // Exactly: every record written is delivered or dropped once, even when shutdown catches the export
    // worker halfway through a spill segment (spilled records are counted one by one on both sides).
    expect(left.stats.exported + left.stats.dropped).toBe(left.stats.emitted);
    expect(left.stats.droppedBy.shutdown_timeout).toBeGreaterThan(0);
    expect(stopped.exitMs).toBeLessThan(15_000);
    // What the agents say was delivered is what the store has.
    expect(storedC1.uids).toBe(done.stats.exported);
    expect(stored.uids).toBe(done.stats.exported + left.stats.exported);
  }, 300_000);

  it('keeps running through 10,000 malformed lines on the file route: every good line arrives, every bad one is counted', async () => {
    const stack = await startStack();
    const { victoria, collector } = stack;
    const lines = malformedFile();
    const dir = path.join(collector.dataDir, 'agents');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'malformed.jsonl');
    // Appended in chunks while the collector tails the file, as an agent would write it.
    for (let i = 0; i < lines.length; i += 1_000) {
      appendFileSync(file, Buffer.concat(lines.slice(i, i + 1_000).flatMap((l) => [l.bytes, Buffer.from('\n')])));
      await sleep(50);
    }
    const total = lines.length;
    const expected = countKinds(lines);
    // Every line read by the file route, then a row per line in the store, and the store quiet for a while.
    await waitFor('the file route to read every line', () => stack.metric('otelcol_receiver_accepted_log_records', { receiver: 'file_log/agents' }), (n) => n >= total, { timeoutMs: 120_000, intervalMs: 1_000 });
    await waitForQuiet('a record per line in VictoriaLogs', () => victoria.count('*'), { done: (c) => c.rows >= total, quietMs: 3_000, timeoutMs: 120_000, intervalMs: 1_000 });

    const rowsOf = async (filter: string): Promise<number> => (await victoria.count(filter)).rows;
    const got = {
      total: await rowsOf('*'),
      good: await rowsOf('correlation.id:="task-faults-good"'),
      invalidLine: await rowsOf('"tracebridge.invalid.line":*'),
      wrongTypes: await rowsOf('correlation.id:="task-faults-types" "tracebridge.invalid.level":*'),
      huge: await rowsOf('correlation.id:="task-faults-huge" "tracebridge.invalid.blob":*'),
      utf8Inside: await rowsOf('correlation.id:="task-faults-utf8"'),
    };
    const accepted = await stack.metric('otelcol_receiver_accepted_log_records', { receiver: 'file_log/agents' });
    report(
      'malformed',
      `wrote ${total} lines (${expected.good} good, ${total - expected.good} bad: ${JSON.stringify(expected.bad)}); ` +
        `the file route accepted ${accepted}; VictoriaLogs: ${JSON.stringify(got)}`,
    );

    // Every good line, once, intact, with nothing marked invalid.
    const good = await victoria.query('correlation.id:="task-faults-good"');
    expect(new Set(good.map((r) => r['context.seq'])).size).toBe(expected.good);
    for (const r of good) {
      expect(r._msg).toBe(`good ${r['context.seq']}`);
      expect(Object.keys(r).filter((k) => k.startsWith('tracebridge.invalid.'))).toEqual([]);
    }
    // Every bad line is a record that says what was wrong with it, counted by kind.
    expect(got).toEqual({
      total,
      good: expected.good,
      invalidLine: expected.bad.truncated + expected.bad.oversize + expected.bad.utf8Outside + expected.bad.notObject,
      wrongTypes: expected.bad.wrongTypes,
      huge: expected.bad.huge,
      utf8Inside: expected.bad.utf8Inside,
    });
    // Bad fields are cut to 4096 code points; invalid bytes inside a string become U+FFFD.
    const [blob] = await victoria.query('"tracebridge.invalid.blob":* | len("tracebridge.invalid.blob") as n | stats min(n) min, max(n) max');
    expect([Number(blob?.min), Number(blob?.max)]).toEqual([4096, 4096]);
    const utf8 = await victoria.query('correlation.id:="task-faults-utf8"');
    expect(utf8.every((r) => r._msg?.includes('\uFFFD'))).toBe(true);
    expect(accepted).toBe(total);
    // Still running and still taking lines.
    expect(collector.process.exitCode).toBeNull();
    appendFileSync(file, `${goodLine(1_000_000)}\n`);
    await waitFor('a good line written after the bad ones', () => rowsOf('correlation.id:="task-faults-good"'), (n) => n === expected.good + 1, { timeoutMs: 60_000 });
  }, 300_000);
});

// --- the malformed file ---------------------------------------------------------------------------------------

type Kind = 'good' | 'truncated' | 'wrongTypes' | 'huge' | 'oversize' | 'utf8Inside' | 'utf8Outside' | 'notObject';

/** How many lines of each kind of bad: 10,000 in all. */
const BAD: Record<Exclude<Kind, 'good'>, number> = {
  // a record cut short: not JSON
  truncated: 3_000,
  // JSON objects with fields of the wrong type (level a number, and one more of several)
  wrongTypes: 3_000,
  // an unknown field of 64 KiB: kept, cut to 4096 code points
  huge: 498,
  // a 9 MiB line: cut at the file route's 8 MiB limit, so not JSON
  oversize: 2,
  // invalid UTF-8 bytes inside a string: decoded to U+FFFD, the record is kept
  utf8Inside: 1_500,
  // invalid UTF-8 bytes before the object: not a JSON object any more
  utf8Outside: 1_500,
  // JSON that is not an object
  notObject: 500,
};
const GOOD = 10_000;

const now = (): string => new Date().toISOString();
const base = (correlation: string): Record<string, unknown> => ({
  timestamp: now(),
  level: 'INFO',
  agent_id: 'F1-haiku-001',
  correlation_id: correlation,
  component: 'files',
});
const goodLine = (seq: number): string => JSON.stringify({ ...base('task-faults-good'), message: `good ${seq}`, context: { seq } });

/** A deterministic mix of good and bad lines (a fixed-seed shuffle, so a failure can be replayed). */
function malformedFile(): Array<{ kind: Kind; bytes: Buffer }> {
  const out: Array<{ kind: Kind; bytes: Buffer }> = [];
  const add = (kind: Kind, text: string | Buffer): void => void out.push({ kind, bytes: Buffer.isBuffer(text) ? text : Buffer.from(text) });
  for (let i = 0; i < GOOD; i++) add('good', goodLine(i));
  for (let i = 0; i < BAD.truncated; i++) {
    const whole = JSON.stringify({ ...base('task-faults-truncated'), message: `truncated ${i}` });
    add('truncated', whole.slice(0, 1 + (i % (whole.length - 2))));
  }
  const wrong: Array<Record<string, unknown>> = [{ message: { text: 'an object' } }, { timestamp: 1_700_000_000 }, { agent_id: 42 }, { context: 'not an object' }, { trace_id: 123, span_id: true }, { tags: 'one' }];
  for (let i = 0; i < BAD.wrongTypes; i++) {
    add('wrongTypes', JSON.stringify({ ...base('task-faults-types'), message: `types ${i}`, level: 5, ...wrong[i % wrong.length] }));
  }
  for (let i = 0; i < BAD.huge; i++) add('huge', JSON.stringify({ ...base('task-faults-huge'), message: `huge ${i}`, blob: 'x'.repeat(64 * 1024) }));
  for (let i = 0; i < BAD.oversize; i++) add('oversize', `{"message":"${'z'.repeat(9 * 1024 * 1024)}"}`);
  for (let i = 0; i < BAD.utf8Inside; i++) {
    const [head, tail] = JSON.stringify({ ...base('task-faults-utf8'), message: `utf8 ${i} @@ end` }).split('@@') as [string, string];
    add('utf8Inside', Buffer.concat([Buffer.from(head), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(tail)]));
  }
  for (let i = 0; i < BAD.utf8Outside; i++) {
    add('utf8Outside', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(JSON.stringify({ ...base('task-faults-outside'), message: `outside ${i}` }))]));
  }
  const notObjects = ['[1,2,3]', '"just a string"', '42', 'null', 'true'];
  for (let i = 0; i < BAD.notObject; i++) add('notObject', notObjects[i % notObjects.length]!);
  // Mulberry32 with a fixed seed, then Fisher-Yates.
  let seed = 0x7ace;
  const random = (): number => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function countKinds(lines: Array<{ kind: Kind }>): { good: number; bad: Record<Exclude<Kind, 'good'>, number> } {
  const bad = Object.fromEntries(Object.keys(BAD).map((k) => [k, 0])) as Record<Exclude<Kind, 'good'>, number>;
  let good = 0;
  for (const l of lines) {
    if (l.kind === 'good') good++;
    else bad[l.kind]++;
  }
  return { good, bad };
}
