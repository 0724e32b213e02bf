/**
 * Records at a steady rate (25k, 50k, 100k per second) for a few seconds, each competitor in its own
 * process, over BENCH_ROUNDS rounds (default 3) with the order rotated: the rate that reaches the sink,
 * what is missing or duplicated, and what it costs the agent.
 */
import { runPhase } from './lib/agent-run.js';
import type { RunResult } from './lib/agent-run.js';
import { phaseTable } from './lib/phase-report.js';
import { SinkProcess } from './lib/sink-process.js';
import { loadLine, rotate } from './lib/stats.js';

const SECONDS = Number(process.env.BENCH_PACED_SECONDS ?? 6);
const RATES = (process.env.BENCH_RATES ?? '25000,50000,100000').split(',').map(Number);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const COMPETITORS = (process.env.BENCH_COMPETITORS ?? 'ours,raw-default,raw-1m,winston,pino,pino-1m').split(',');

export async function run(): Promise<RunResult[]> {
  const sink = await new SinkProcess().start();
  const results: RunResult[] = [];
  const startLoad = loadLine();
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const rate of RATES) {
        for (const name of rotate(COMPETITORS, round)) {
          const r = await runPhase(sink, name, 'paced', rate * SECONDS, rate);
          process.stderr.write(`paced round ${round + 1}/${ROUNDS} ${name} @${rate}/s: ${r.delivery.distinct} delivered, ${r.delivery.missing} missing, ${r.delivery.duplicates} dup, ${Math.round(r.perSec)}/s at the sink\n`);
          results.push(r);
        }
      }
    }
  } finally {
    sink.stop();
  }
  results.sort((a, b) => a.rate - b.rate);
  console.log(`\nPaced for ${SECONDS} s at each rate (BENCH=paced; ${ROUNDS} rounds)\n${startLoad} → ${loadLine()}\n`);
  console.log(phaseTable(results, { paced: true }));
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
