/**
 * Cost of one log call on the calling thread. Every competitor runs in a fresh process of its own per
 * round (no shared JIT state, no other logger's threads), BENCH_ROUNDS rounds (default 5) with the order
 * rotated; in each process, after a warm-up, BENCH_BATCHES batches (default 5) of BENCH_CALLS calls
 * (default 20,000) are timed, each batch followed by an untimed wait until the competitor has sent what
 * it holds. Each call is made inside an active span with a correlation id in baggage and builds its
 * 5-field context, as a call site does. Reported: wall time per call (median of the process's batches),
 * the calling thread's CPU per call (schedstat, all batches), and a call below the level.
 */
import { Agent } from './lib/agent-run.js';
import { SinkProcess } from './lib/sink-process.js';
import { groupBy, loadLine, median, rotate, showSpread, spread, table } from './lib/stats.js';

const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));
const BATCHES = Number(process.env.BENCH_BATCHES ?? 5);
const CALLS = Number(process.env.BENCH_CALLS ?? 20_000);
const COMPETITORS = (process.env.BENCH_COMPETITORS ?? 'ours,pino-devnull,pino-serialize,pino,winston,raw-default,raw-1m').split(',');
const BASE = 'pino-devnull';

interface CallResult {
  name: string;
  label: string;
  wallNs: number;
  threadNs: number;
  filteredNs: number;
}

async function measure(sink: SinkProcess, name: string): Promise<CallResult> {
  const agent = new Agent({ name, mode: 'calls', url: sink.url, warmup: 5000, batches: BATCHES, calls: CALLS, filteredCalls: 2_000_000 });
  try {
    const m = await agent.next('calls');
    return { name, label: name, wallNs: median(m.wallNsPerCall as number[]), threadNs: m.threadNsPerCall as number, filteredNs: (m.filteredNsPerCall as number | null) ?? NaN };
  } finally {
    await agent.kill();
  }
}

const LABELS: Record<string, string> = {
  ours: 'tracebridge info()',
  'pino-devnull': 'pino → /dev/null',
  'pino-serialize': 'pino serialization only',
  pino: 'pino + otel transport',
  winston: 'winston + otel transport',
  'raw-default': 'raw sdk-logs emit',
  'raw-1m': 'raw sdk-logs emit (1M/4k)',
  'pino-1m': 'pino + otel transport (1M/4k)',
};

export async function run(): Promise<CallResult[]> {
  const sink = await new SinkProcess().start();
  const startLoad = loadLine();
  const results: CallResult[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of rotate(COMPETITORS, round)) results.push({ ...(await measure(sink, name)), label: LABELS[name] ?? name });
    }
  } finally {
    sink.stop();
  }
  const groups = groupBy(results, (r) => r.name);
  const med = (name: string, f: (r: CallResult) => number): number => spread((groups.get(name) ?? []).map(f)).median;
  const base = med(BASE, (r) => r.wallNs);
  const rows = [...groups.entries()].map(([name, rs]) => [
    rs[0]?.label ?? name,
    showSpread(spread(rs.map((r) => r.wallNs / 1000))),
    (med(name, (r) => r.wallNs) / base).toFixed(2),
    showSpread(spread(rs.map((r) => r.threadNs / 1000))),
    showSpread(spread(rs.map((r) => r.filteredNs))),
  ]);
  console.log(`\nCaller-thread cost per call (BENCH=call-cost; ${ROUNDS} rounds, a fresh process per competitor and round, ${BATCHES} batches of ${CALLS} calls)`);
  console.log(`${startLoad} → ${loadLine()}\n`);
  console.log(table(['logger', 'µs/call (wall)', `× ${LABELS[BASE]}`, 'caller CPU µs/call', 'filtered ns/call'], rows));
  console.log('Each figure: median (min–max) over the rounds; wall: the median batch of each process; caller CPU: the calling');
  console.log("thread's scheduler run time over all batches of the process (/proc schedstat, to a scheduler tick); filtered: a call below the level.");
  if (groups.has('ours')) {
    const oursNs = med('ours', (r) => r.wallNs);
    console.log(`\ntargets: ≤ 0.8 µs/call → ${(oursNs / 1000).toFixed(2)} µs; ≤ 0.25 × pino → ${(oursNs / base).toFixed(2)}; filtered ≤ 10 ns → ${med('ours', (r) => r.filteredNs).toFixed(1)} ns`);
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
