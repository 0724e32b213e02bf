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
 * The stores are built from Go modules like the collector (collector/build-lib.mjs).
 */
import { execFileSync, fork } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
// The root package's subpath imports (package.json "imports") resolve from bench/ and bench/dist/ alike.
import { ensureStore } from '#collector/build-lib.mjs';
import { collectorBinary, freePort, startCollector } from '#collector/run-lib.mjs';
import type { RunningCollector } from '#collector/run-lib.mjs';
import { startVictoriaLogs } from '../test/helpers/stores-victorialogs.js';
import type { VictoriaLogs } from '../test/helpers/stores-victorialogs.js';
import { table } from './lib/stats.js';
const BURST = Number(process.env.BENCH_THROUGHPUT ?? 200_000);
const PACED_SECONDS = Number(process.env.BENCH_THROUGHPUT_PACED_SECONDS ?? 10);
/** The seed's claims: 2,000+ logs/s for the cluster, 20 logs/s per agent. */
const SEED_CLUSTER_PER_SEC = 2_000;
const SEED_AGENT_PER_SEC = 20;

/** CPU seconds (user + system, all threads) a process used so far, from /proc; undefined elsewhere. */
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();
function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces, so split after its closing parenthesis):
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return undefined;
  }
}

interface Stack {
  collector: RunningCollector;
  victoria: VictoriaLogs;
  logsUrl: string;
  /** Rows in the store and distinct `log.record.uid` among them. */
  count(): Promise<{ rows: number; uids: number }>;
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
      count: () => victoria.count('*'),
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
  /** From the first call until the store held the last record (its ~1 s indexing delay included). */
  seconds: number;
  /** Burst: stored / seconds. Paced: the rate asked for (the window is the pacing plus the delay). */
  perSec: number;
  /** CPU µs per stored record, by process. */
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
  const child = fork(fileURLToPath(new URL('./lib/agent-main.js', import.meta.url)), ['ours', mode, String(count), String(rate), stack.logsUrl], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    execArgv: ['--max-old-space-size=4096'],
  });
  const next = async (op: string): Promise<Record<string, unknown>> => {
    for (;;) {
      const [m] = (await once(child, 'message')) as [Record<string, unknown>];
      if (m.op === op) return m;
    }
  };
  try {
    await next('ready');
    // The agent's warm-up records went through too: wait for them, and count from there.
    let before = await stack.count();
    for (let stable = 0; stable < 4; ) {
      await sleep(500);
      const now = await stack.count();
      stable = now.rows === before.rows ? stable + 1 : 0;
      before = now;
    }
    const cpu0 = { collector: cpuSeconds(stack.collector.process.pid), store: cpuSeconds(stack.victoria.pid()) };
    const started = Date.now();
    child.send({ op: 'go' });
    let after = before;
    let lastChange = Date.now();
    // Until the store holds every record, or nothing more arrived for 30 s (a loss: reported, not hidden).
    while (after.rows < before.rows + count && Date.now() - lastChange < 30_000) {
      await sleep(200);
      const now = await stack.count();
      if (now.rows !== after.rows) lastChange = Date.now();
      after = now;
    }
    const elapsed = (Date.now() - started) / 1000;
    const cpu1 = { collector: cpuSeconds(stack.collector.process.pid), store: cpuSeconds(stack.victoria.pid()) };
    child.send({ op: 'report' });
    const report = await next('report');
    const stored = after.rows - before.rows;
    const used = (a: number | undefined, b: number | undefined): number => (a === undefined || b === undefined ? NaN : b - a);
    const cpu = { agent: (report.cpuMicros as number) / 1e6, collector: used(cpu0.collector, cpu1.collector), store: used(cpu0.store, cpu1.store) };
    const perRecord = (seconds: number): number => (seconds * 1e6) / Math.max(1, stored);
    const perCore = (seconds: number): number => (seconds / elapsed) * 100;
    return {
      run: mode === 'burst' ? `burst of ${count.toLocaleString('en-US')}` : `paced ${rate.toLocaleString('en-US')}/s`,
      records: count,
      stored,
      distinct: after.uids - before.uids,
      seconds: elapsed,
      perSec: mode === 'burst' ? stored / elapsed : rate,
      agentCpu: perRecord(cpu.agent),
      collectorCpu: perRecord(cpu.collector),
      storeCpu: perRecord(cpu.store),
      agentCore: perCore(cpu.agent),
      collectorCore: perCore(cpu.collector),
      storeCore: perCore(cpu.store),
    };
  } finally {
    child.kill('SIGKILL');
  }
}

export async function run(): Promise<Result[]> {
  const stack = await startStack();
  const results: Result[] = [];
  try {
    results.push(await runAgent(stack, 'burst', BURST, 0));
    results.push(await runAgent(stack, 'paced', SEED_CLUSTER_PER_SEC * PACED_SECONDS, SEED_CLUSTER_PER_SEC));
  } finally {
    await stack.stop();
  }
  console.log('\nThroughput: one agent process → collector (jaeger-victorialogs) → VictoriaLogs, counted in the store\n');
  console.log(
    table(
      ['run', 'written', 'stored', 'distinct', 'lost', 'seconds', 'records/s', '× seed cluster', '× seed agent', 'µs/rec agent', 'collector', 'store', '% core agent', 'collector', 'store'],
      results.map((r) => [
        r.run,
        r.records,
        r.stored,
        r.distinct,
        String(r.records - r.distinct),
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
  console.log(`\nseed: ${SEED_CLUSTER_PER_SEC.toLocaleString('en-US')} logs/s for the cluster (100 agents @ ${SEED_AGENT_PER_SEC} logs/s); "lost" = written − distinct log.record.uid in the store`);
  const lost = results.filter((r) => r.distinct !== r.records);
  if (lost.length > 0) throw new Error(`records lost on the way to the store: ${lost.map((r) => `${r.run}: ${r.records - r.distinct}`).join(', ')}`);
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
