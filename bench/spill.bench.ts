/**
 * When does our logger take the disk spill? Our logger alone, paced at each of BENCH_SPILL_RATES
 * (default 500 to 200,000 records/s) for BENCH_SPILL_SECONDS (default 5), then a burst of
 * BENCH_SPILL_BURST records (default 1,000,000), each run in a fresh process (lib/agent-main.ts),
 * BENCH_ROUNDS rounds (default 3): the share of records that went through the spill (`stats().spilled`),
 * what was delivered at the sink, and the CPU per delivered record. The spill onset is the lowest rate
 * at which any record was spilled in the median round.
 */
import { runPhase } from './lib/agent-run.js';
import type { RunResult } from './lib/agent-run.js';
import { SinkProcess } from './lib/sink-process.js';
import { groupBy, loadLine, showSpread, spread, table } from './lib/stats.js';

const SECONDS = Number(process.env.BENCH_SPILL_SECONDS ?? 5);
const RATES = (process.env.BENCH_SPILL_RATES ?? '500,5000,25000,50000,100000,200000').split(',').map(Number);
const BURST = Number(process.env.BENCH_SPILL_BURST ?? 1_000_000);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));

function spilled(r: RunResult): number {
  return Number((r.stats as { spilled?: number } | undefined)?.spilled ?? NaN);
}

export async function run(): Promise<RunResult[]> {
  const sink = await new SinkProcess().start();
  const startLoad = loadLine();
  const results: RunResult[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const rate of RATES) {
        const r = await runPhase(sink, 'ours', 'paced', Math.round(rate * SECONDS), rate);
        process.stderr.write(`spill round ${round + 1}/${ROUNDS} @${rate}/s: ${spilled(r)} spilled of ${r.delivery.expected}, ${r.delivery.distinct} delivered\n`);
        results.push(r);
      }
      if (BURST > 0) {
        const r = await runPhase(sink, 'ours', 'burst', BURST);
        process.stderr.write(`spill round ${round + 1}/${ROUNDS} burst: ${spilled(r)} spilled of ${r.delivery.expected}, ${r.delivery.distinct} delivered\n`);
        results.push(r);
      }
    }
  } finally {
    sink.stop();
  }
  const groups = groupBy(results, (r) => (r.mode === 'burst' ? 'burst' : String(r.rate)));
  const s = (rs: RunResult[], f: (r: RunResult) => number): string => showSpread(spread(rs.map(f)));
  const rows = [...groups.values()].map((rs) => {
    const first = rs[0] as RunResult;
    return [
      first.mode === 'burst' ? `burst of ${BURST.toLocaleString('en-US')}` : first.rate.toLocaleString('en-US'),
      s(rs, (r) => r.delivery.expected),
      s(rs, spilled),
      s(rs, (r) => (100 * spilled(r)) / r.delivery.expected),
      s(rs, (r) => r.delivery.distinct),
      s(rs, (r) => r.delivery.missing),
      s(rs, (r) => r.callerCpuMicros),
      s(rs, (r) => r.processCpuMicros),
    ];
  });
  console.log(`\nThe disk spill by rate (BENCH=spill; tracebridge alone, ${SECONDS} s at each rate, ${ROUNDS} rounds)\n${startLoad} → ${loadLine()}\n`);
  console.log(table(['rec/s asked', 'records', 'spilled', 'spilled %', 'delivered', 'missing', 'caller CPU µs/rec', 'process CPU µs/rec'], rows));
  const onset = RATES.find((rate) => spread((groups.get(String(rate)) ?? []).map(spilled)).median > 0);
  console.log(`Each figure: median (min–max). Spilling begins (median round) at: ${onset === undefined ? `none of the paced rates (up to ${Math.max(...RATES).toLocaleString('en-US')}/s)` : `${onset.toLocaleString('en-US')} records/s`}.`);
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
