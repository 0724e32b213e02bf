/**
 * What a logger adds to a process that logs little: RSS and CPU at 0, 10, 100 and 1,000 records/s
 * (BENCH_FOOTPRINT_RATES) over a window of BENCH_FOOTPRINT_SECONDS (default 20), against the same
 * process with no logger, pino with pino-opentelemetry-transport, winston with
 * @opentelemetry/winston-transport, and ours, all exporting to the bench's OTLP/HTTP sink (its own
 * process). Each competitor and rate runs in a fresh process, BENCH_ROUNDS rounds (default 3), the
 * order rotated in every round.
 *
 * The agent process runs nothing but its pacing timer and the logger (no sampler, no histogram): its
 * CPU is read from /proc at the start and end of the window (the whole process, every thread, to the
 * 10 ms clock tick; and its main thread apart, from schedstat), its RSS once a second from outside.
 * Before the window: 100 records logged and flushed (a logger that has been used), then
 * BENCH_FOOTPRINT_REST_MS (default 3000) of rest so start-up work is over. "Added" is the competitor
 * minus "no logger" of the same round and rate. Records of the window are counted at the sink too.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, QUIET_MILLIS, SETTLE_MILLIS } from './lib/agent-run.js';
import { cpuBetween, cpuReading, memory, threadCpuSeconds } from './lib/proc-stats.js';
import { newTag } from './lib/record-id.js';
import { SinkProcess } from './lib/sink-process.js';
import { groupBy, loadLine, rotate, showSpread, spread, table } from './lib/stats.js';

const SECONDS = Number(process.env.BENCH_FOOTPRINT_SECONDS ?? 20);
const REST_MS = Number(process.env.BENCH_FOOTPRINT_REST_MS ?? 3000);
const RATES = (process.env.BENCH_FOOTPRINT_RATES ?? '0,10,100,1000').split(',').map(Number);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const COMPETITORS = (process.env.BENCH_COMPETITORS ?? 'none,pino,winston,ours').split(',');
const LABELS: Record<string, string> = { none: 'no logger', pino: 'pino + otel transport', winston: 'winston + otel transport', ours: 'tracebridge' };

/** The goals of #22 for our logger, printed met or not beside the figures. */
const GOAL_IDLE_CPU_PCT = 0.1; // "≈ 0": 20 ms of CPU in a 20 s window
const GOAL_IDLE_RSS_MB = 15;
const GOAL_1000_CPU_PCT = 1;

interface Window {
  name: string;
  rate: number;
  round: number;
  /** % of one core over the window: the whole process, its main thread. */
  cpuPct: number;
  /** Whether cpuPct is to the nanosecond (the same threads at both ends) or to the 10 ms tick. */
  preciseCpu: boolean;
  mainPct: number;
  /** Mean of the once-a-second RSS samples over the window, and the last one, MB. */
  rssMb: number;
  rssEndMb: number;
  emitted: number;
  delivered: number;
  missing: number;
  duplicates: number;
}

async function measure(sink: SinkProcess, name: string, rate: number, round: number): Promise<Window> {
  const agent = new Agent({ name, mode: 'footprint', url: sink.url, rate, warmup: name === 'none' ? 0 : 100 });
  try {
    await agent.next('ready');
    await sleep(REST_MS);
    const tag = newTag('m');
    await sink.expect(tag, Math.ceil(rate * SECONDS * 1.5) + 1000);
    const pid = agent.pid;
    const cpu0 = cpuReading(pid);
    const main0 = threadCpuSeconds(pid);
    const t0 = performance.now();
    agent.send({ op: 'go', tag });
    const rss: number[] = [];
    for (let s = 1; s <= SECONDS; s++) {
      await sleep(t0 + s * 1000 - performance.now());
      rss.push(memory(pid).rss);
    }
    const cpu1 = cpuReading(pid);
    const main1 = threadCpuSeconds(pid);
    const elapsed = (performance.now() - t0) / 1000;
    agent.send({ op: 'stop' });
    const { emitted } = (await agent.next('stopped')) as { emitted: number };
    const delivery = await sink.waitDelivered(emitted, { since: Date.now(), settleMillis: SETTLE_MILLIS, quietMillis: QUIET_MILLIS, maxMillis: 120_000 });
    const mb = (b: number): number => b / (1024 * 1024);
    return {
      name,
      rate,
      round,
      cpuPct: (cpuBetween(cpu0, cpu1).seconds / elapsed) * 100,
      preciseCpu: cpuBetween(cpu0, cpu1).precise,
      mainPct: ((main1 - main0) / elapsed) * 100,
      rssMb: mb(rss.reduce((a, b) => a + b, 0) / rss.length),
      rssEndMb: mb(rss.at(-1) as number),
      emitted,
      delivered: delivery.distinct,
      missing: delivery.missing,
      duplicates: delivery.duplicates,
    };
  } finally {
    await agent.kill();
  }
}

export async function run(): Promise<Window[]> {
  const sink = await new SinkProcess().start();
  const startLoad = loadLine();
  const results: Window[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const rate of RATES) {
        for (const name of rotate(COMPETITORS, round)) {
          const w = await measure(sink, name, rate, round);
          process.stderr.write(`footprint round ${round + 1}/${ROUNDS} ${name} @${rate}/s: ${w.cpuPct.toFixed(2)} % core, ${w.rssMb.toFixed(1)} MB, ${w.delivered}/${w.emitted} delivered\n`);
          results.push(w);
        }
      }
    }
  } finally {
    sink.stop();
  }
  const base = new Map(results.filter((w) => w.name === 'none').map((w) => [`${w.round}/${w.rate}`, w]));
  const added = (w: Window, f: (x: Window) => number): number => {
    const b = base.get(`${w.round}/${w.rate}`);
    return b === undefined ? NaN : f(w) - f(b);
  };
  const groups = groupBy(
    [...results].sort((a, b) => a.rate - b.rate),
    (w) => `${w.rate}\u0000${w.name}`,
  );
  const s = (ws: Window[], f: (w: Window) => number): string => showSpread(spread(ws.map(f)));
  const rows = [...groups.values()].map((ws) => {
    const w = ws[0] as Window;
    const isBase = w.name === 'none';
    return [
      w.rate.toLocaleString('en-US'),
      LABELS[w.name] ?? w.name,
      s(ws, (x) => x.cpuPct),
      isBase ? '—' : s(ws, (x) => added(x, (y) => y.cpuPct)),
      isBase ? '—' : s(ws, (x) => added(x, (y) => y.mainPct)),
      s(ws, (x) => x.rssMb),
      isBase ? '—' : s(ws, (x) => added(x, (y) => y.rssMb)),
      isBase ? '—' : `${s(ws, (x) => x.delivered)} / ${s(ws, (x) => x.emitted)}`,
      isBase ? '—' : s(ws, (x) => x.missing),
      isBase ? '—' : s(ws, (x) => x.duplicates),
    ];
  });
  console.log(`\nFootprint: what a logger adds to a process logging at a low rate (BENCH=footprint; ${SECONDS} s windows, ${ROUNDS} rounds)`);
  console.log(`${startLoad} → ${loadLine()}\n`);
  console.log(
    table(['rec/s', 'logger', 'CPU % core', 'added % core', 'added main thread', 'RSS MB', 'added RSS MB', 'delivered / sent', 'missing', 'dup'], rows),
  );
  const coarse = results.filter((w) => !w.preciseCpu).length;
  console.log('Each figure: median (min–max) over the rounds. CPU: the whole process over the window, from the schedstat of its threads');
  console.log(`(ns; ${coarse} of ${results.length} windows whose threads changed: /proc stat, 10 ms ticks); main thread: its schedstat;`);
  console.log('RSS: mean of once-a-second samples. added = minus "no logger" of the same round and rate.');
  const oursAdded = (rate: number, f: (w: Window) => number): number =>
    spread(results.filter((w) => w.name === 'ours' && w.rate === rate).map((w) => added(w, f))).median;
  if (COMPETITORS.includes('ours') && COMPETITORS.includes('none')) {
    const goal = (label: string, value: number, limit: number, unit: string): string =>
      `  ${label}: ${Number.isNaN(value) ? 'not measured' : `${value.toFixed(2)} ${unit}`} (goal ≤ ${limit} ${unit}) → ${Number.isNaN(value) ? '—' : value <= limit ? 'met' : 'NOT met'}`;
    console.log('\ngoals (#22), tracebridge, median added:');
    if (RATES.includes(0)) {
      console.log(goal('idle CPU', oursAdded(0, (w) => w.cpuPct), GOAL_IDLE_CPU_PCT, '% core'));
      console.log(goal('idle RSS', oursAdded(0, (w) => w.rssMb), GOAL_IDLE_RSS_MB, 'MB'));
    }
    if (RATES.includes(1000)) console.log(goal('CPU at 1,000 rec/s', oursAdded(1000, (w) => w.cpuPct), GOAL_1000_CPU_PCT, '% core'));
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
