/**
 * 1,000,000 records emitted as fast as the agent can, each competitor in its own process, into an
 * OTLP/HTTP sink in another process that identifies every record. Reports what arrived (distinct,
 * missing, duplicates), how fast, at what CPU (calling thread and whole process) and memory, over
 * BENCH_ROUNDS rounds (default 3) with the order rotated.
 */
import { runPhase } from './lib/agent-run.js';
import type { RunResult } from './lib/agent-run.js';
import { phaseTable } from './lib/phase-report.js';
import { SinkProcess } from './lib/sink-process.js';
import { loadLine, rotate } from './lib/stats.js';

const COUNT = Number(process.env.BENCH_BURST ?? 1_000_000);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const COMPETITORS = (process.env.BENCH_COMPETITORS ?? 'ours,raw-default,raw-1m,winston,pino,pino-1m').split(',');

export async function run(): Promise<RunResult[]> {
  const sink = await new SinkProcess().start();
  const results: RunResult[] = [];
  const startLoad = loadLine();
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of rotate(COMPETITORS, round)) {
        const r = await runPhase(sink, name, 'burst', COUNT);
        process.stderr.write(`burst round ${round + 1}/${ROUNDS} ${name}: ${r.delivery.distinct} delivered, ${r.delivery.missing} missing, ${r.delivery.duplicates} dup, ${Math.round(r.perSec)}/s\n`);
        results.push(r);
      }
    }
  } finally {
    sink.stop();
  }
  console.log(`\nBurst of ${COUNT.toLocaleString('en-US')} records (BENCH=burst; ${ROUNDS} rounds)\n${startLoad} → ${loadLine()}\n`);
  console.log(phaseTable(results, { paced: false }));
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
