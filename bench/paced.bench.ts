/**
 * Records at a steady rate (25k, 50k, 100k per second) for a few seconds, each competitor in its own
 * process: does it keep up without dropping, and what does it cost the agent?
 */
import { runAgent } from './lib/agent-run.js';
import type { RunResult } from './lib/agent-run.js';
import { SinkProcess } from './lib/sink-process.js';
import { table } from './lib/stats.js';

const SECONDS = Number(process.env.BENCH_PACED_SECONDS ?? 6);
const RATES = (process.env.BENCH_RATES ?? '25000,50000,100000').split(',').map(Number);
const COMPETITORS = (process.env.BENCH_COMPETITORS ?? 'ours,raw-default,raw-1m,winston,pino,pino-1m').split(',');

export async function run(): Promise<Array<RunResult & { rate: number }>> {
  const sink = await new SinkProcess().start();
  const results: Array<RunResult & { rate: number }> = [];
  for (const rate of RATES) {
    for (const name of COMPETITORS) results.push({ ...(await runAgent(sink, name, 'paced', rate * SECONDS, rate)), rate });
  }
  sink.stop();
  console.log(`\nPaced for ${SECONDS} s at each rate (each competitor in its own process)\n`);
  console.log(
    table(
      ['logger', 'rate/s', 'delivered', 'dropped', 'dup', 'CPU µs/rec', 'peak RSS MB', 'lag p99 ms'],
      results.map((r) => [r.name, r.rate, r.delivered, r.dropped, r.duplicates, r.cpuMicrosPerRecord, r.peakRssMb, r.lagP99Ms]),
    ),
  );
  console.log('dup: records received twice (re-sent batches); lag p99: event-loop delay beyond the 5 ms timer tick');
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
