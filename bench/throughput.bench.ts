/**
 * End to end: records per second from one agent process (@tracebridge/logger, the `ours` competitor of
 * the other benches) through the real collector (`jaeger-victorialogs` profile: persistent queue with
 * fsync, exporter-side batching) into the real log store (VictoriaLogs), counted in the store, so a lost
 * record shows as a shortfall. Two runs:
 * - burst: BENCH_THROUGHPUT records (default 200,000) as fast as the agent can write them, timed from the
 *   first call until the store holds the last one: the pipeline's sustained rate;
 * - paced: the seed's whole-cluster rate (2,000 logs/s, "100 agents @ 20 logs/sec") from this one agent
 *   for BENCH_THROUGHPUT_PACED_SECONDS (default 10): what that load costs in CPU.
 * CPU is per process (agent, collector, store), read from /proc, as µs per record and % of one core.
 * Records are identified in the store by their bench id (lib/record-id.ts: `context.task_id`): only
 * the measured phase's records are counted (the warm-up's carry another tag), distinct ids apart from
 * rows (a row beyond the first of an id is a duplicate); the counts are final once the store has not
 * changed for BENCH_SETTLE_MS. The rates are measured at the store, from the times its count changed
 * (polled every 200 ms; the store makes a record visible about 1 s after it arrives).
 * The stores are built from Go modules like the collector (collector/build-lib.mjs).
 */
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
// The root package's subpath imports (package.json "imports") resolve from bench/ and bench/dist/ alike.
import { ensureStore } from '#collector/build-lib.mjs';
import { collectorBinary, freePort, startCollector } from '#collector/run-lib.mjs';
import type { RunningCollector } from '#collector/run-lib.mjs';
import { startVictoriaLogs } from '../test/helpers/stores-victorialogs.js';
import type { VictoriaLogs } from '../test/helpers/stores-victorialogs.js';
import { Agent, SETTLE_MILLIS } from './lib/agent-run.js';
import { processCpuSeconds } from './lib/proc-stats.js';
import { newTag } from './lib/record-id.js';
import { loadLine, table } from './lib/stats.js';

const BURST = Number(process.env.BENCH_THROUGHPUT ?? 200_000);
const PACED_SECONDS = Number(process.env.BENCH_THROUGHPUT_PACED_SECONDS ?? 10);
/** The seed's claims: 2,000+ logs/s for the cluster, 20 logs/s per agent. */
const SEED_CLUSTER_PER_SEC = 2_000;
const SEED_AGENT_PER_SEC = 20;

/** CPU seconds of a process so far (all threads), or NaN. */
function cpuSeconds(pid: number | undefined): number {
  return pid === undefined ? NaN : processCpuSeconds(pid);
}

interface Stack {
  collector: RunningCollector;
  victoria: VictoriaLogs;
  logsUrl: string;
  /** Rows of the phase `tag` in the store and distinct bench ids among them. */
  count(tag: string): Promise<{ rows: number; ids: number }>;
  stop(): Promise<void>;
}

async function startStack(): Promise<Stack> {
  const progress = { log: (line: string) => void process.stderr.write(`${line}\n`) };
  // Built (or found in the machine cache) with progress shown: a cold build takes minutes.
  const bin = await collectorBinary(progress);
  await ensureStore('victorialogs', progress);
  const victoria = await startVictoriaLogs();
  try {
    const collector = await startCollector({
      profile: 'jaeger-victorialogs',
      bin,
      env: {
        VICTORIALOGS_OTLP_ENDPOINT: victoria.otlpLogsEndpoint,
        // No traces here; a port nobody listens on.
        JAEGER_OTLP_ENDPOINT: `127.0.0.1:${await freePort()}`,
      },
    });
    return {
      collector,
      victoria,
      logsUrl: `${collector.otlpHttp}/v1/logs`,
      async count(tag) {
        const [row] = await victoria.query(`"context.task_id":~"^${tag}:" | stats count() rows, count_uniq("context.task_id") ids`);
        return { rows: Number(row?.rows ?? 0), ids: Number(row?.ids ?? 0) };
      },
      async stop() {
        await collector.stop();
        await victoria.destroy();
        rmSync(collector.dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await victoria.destroy();
    throw err;
  }
}

interface Result {
  run: string;
  records: number;
  stored: number;
  distinct: number;
  /** From the first call until the store's count last changed (its ~1 s indexing delay included). */
  seconds: number;
  /**
   * Records per second measured at the store. Burst: distinct / seconds. Paced: the distinct records
   * that became visible after the first change of the count / the time from that change to the last.
   */
  perSec: number;
  /** CPU µs per distinct stored record, by process. */
  agentCpu: number;
  collectorCpu: number;
  storeCpu: number;
  /** CPU over the window, in % of one core, by process. */
  agentCore: number;
  collectorCore: number;
  storeCore: number;
}

/** One agent process (bench/lib/agent-main, competitor `ours`) writing `count` records into the stack. */
async function runAgent(stack: Stack, mode: 'burst' | 'paced', count: number, rate: number): Promise<Result> {
  const agent = new Agent({ name: 'ours', mode, url: stack.logsUrl, count, rate, warmup: 2000, idleMillis: 2000 });
  try {
    await agent.next('ready');
    const tag = newTag('m');
    const cpu0 = { agent: cpuSeconds(agent.pid), collector: cpuSeconds(stack.collector.process.pid), store: cpuSeconds(stack.victoria.pid()) };
    const started = Date.now();
    agent.send({ op: 'go', tag });
    let last = { rows: 0, ids: 0 };
    let first: { at: number; ids: number } | undefined;
    let lastChange = Date.now();
    let cpu1 = cpu0;
    // Until the store holds every record and stayed unchanged for the settle window (late duplicates
    // counted), or nothing more arrived for 30 s (a loss: reported, not hidden).
    for (;;) {
      await sleep(200);
      const now = await stack.count(tag);
      if (now.rows !== last.rows) {
        lastChange = Date.now();
        first ??= { at: lastChange, ids: now.ids };
        if (now.ids >= count && last.ids < count) {
          // The agent's CPU up to the moment the last record was there, not through the settle window.
          cpu1 = { agent: cpuSeconds(agent.pid), collector: cpuSeconds(stack.collector.process.pid), store: cpuSeconds(stack.victoria.pid()) };
        }
      }
      last = now;
      const quiet = Date.now() - lastChange;
      if ((now.ids >= count && quiet >= SETTLE_MILLIS) || quiet >= 30_000) break;
    }
    if (last.ids < count) cpu1 = { agent: cpuSeconds(agent.pid), collector: cpuSeconds(stack.collector.process.pid), store: cpuSeconds(stack.victoria.pid()) };
    const elapsed = (lastChange - started) / 1000;
    const perRecord = (a: number, b: number): number => ((b - a) * 1e6) / Math.max(1, last.ids);
    const perCore = (a: number, b: number): number => ((b - a) / elapsed) * 100;
    const window = first === undefined ? 0 : (lastChange - first.at) / 1000;
    return {
      run: mode === 'burst' ? `burst of ${count.toLocaleString('en-US')}` : `paced ${rate.toLocaleString('en-US')}/s asked`,
      records: count,
      stored: last.rows,
      distinct: last.ids,
      seconds: elapsed,
      perSec: mode === 'burst' ? last.ids / elapsed : window > 0 ? (last.ids - (first?.ids ?? 0)) / window : NaN,
      agentCpu: perRecord(cpu0.agent, cpu1.agent),
      collectorCpu: perRecord(cpu0.collector, cpu1.collector),
      storeCpu: perRecord(cpu0.store, cpu1.store),
      agentCore: perCore(cpu0.agent, cpu1.agent),
      collectorCore: perCore(cpu0.collector, cpu1.collector),
      storeCore: perCore(cpu0.store, cpu1.store),
    };
  } finally {
    await agent.kill();
  }
}

export async function run(): Promise<Result[]> {
  const stack = await startStack();
  const startLoad = loadLine();
  const results: Result[] = [];
  try {
    results.push(await runAgent(stack, 'burst', BURST, 0));
    results.push(await runAgent(stack, 'paced', SEED_CLUSTER_PER_SEC * PACED_SECONDS, SEED_CLUSTER_PER_SEC));
  } finally {
    await stack.stop();
  }
  console.log('\nThroughput: one agent process → collector (jaeger-victorialogs) → VictoriaLogs, counted in the store (BENCH=throughput)');
  console.log(`${startLoad} → ${loadLine()}\n`);
  console.log(
    table(
      ['run', 'written', 'stored', 'distinct', 'missing', 'dup', 'seconds', 'rec/s at store', '× seed cluster', '× seed agent', 'µs/rec agent', 'collector', 'store', '% core agent', 'collector', 'store'],
      results.map((r) => [
        r.run,
        r.records,
        r.stored,
        r.distinct,
        String(r.records - r.distinct),
        String(r.stored - r.distinct),
        r.seconds,
        r.perSec,
        r.perSec / SEED_CLUSTER_PER_SEC,
        r.perSec / SEED_AGENT_PER_SEC,
        r.agentCpu,
        r.collectorCpu,
        r.storeCpu,
        r.agentCore,
        r.collectorCore,
        r.storeCore,
      ]),
    ),
  );
  console.log(`\nseed: ${SEED_CLUSTER_PER_SEC.toLocaleString('en-US')} logs/s for the cluster (100 agents @ ${SEED_AGENT_PER_SEC} logs/s); missing = written − distinct ids in the store; dup = rows − distinct ids`);
  const lost = results.filter((r) => r.distinct !== r.records);
  if (lost.length > 0) throw new Error(`records lost on the way to the store: ${lost.map((r) => `${r.run}: ${r.records - r.distinct}`).join(', ')}`);
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
