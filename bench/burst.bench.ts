/**
 * 1,000,000 records emitted as fast as the agent can, each competitor in its own process, into a
 * counting OTLP/HTTP sink in another process. Reports what arrived, how fast, at what CPU and memory.
 */
import { runAgent } from './lib/agent-run.js';
import type { RunResult } from './lib/agent-run.js';
import { SinkProcess } from './lib/sink-process.js';
import { table } from './lib/stats.js';

const COUNT = Number(process.env.BENCH_BURST ?? 1_000_000);
const COMPETITORS = (process.env.BENCH_COMPETITORS ?? 'ours,raw-default,raw-1m,winston,pino,pino-1m').split(',');

export async function run(): Promise<RunResult[]> {
  const sink = await new SinkProcess().start();
  const results: RunResult[] = [];
  for (const name of COMPETITORS) results.push(await runAgent(sink, name, 'burst', COUNT));
  sink.stop();
  const pinoBest = Math.max(...results.filter((r) => r.name.startsWith('pino')).map((r) => r.deliveredPerSec), 1);
  console.log(`\nBurst of ${COUNT.toLocaleString('en-US')} records (each competitor in its own process)\n`);
  console.log(
    table(
      ['logger', 'delivered', 'dropped', 'dup', 'records/s', '× pino best', 'CPU µs/rec', 'peak RSS MB', 'lag p99 ms', 'emit ms'],
      results.map((r) => [r.name, r.delivered, r.dropped, r.duplicates, r.deliveredPerSec, r.deliveredPerSec / pinoBest, r.cpuMicrosPerRecord, r.peakRssMb, r.lagP99Ms, r.emitMs]),
    ),
  );
  console.log('dup: records received twice (re-sent batches); lag p99: event-loop delay beyond the 5 ms timer tick');
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
