import type { RunResult } from './agent-run.js';
import { groupBy, showSpread, spread, table } from './stats.js';

/** The rounds of burst or paced runs as one table: each figure as median (min–max) over the rounds. */
export function phaseTable(results: RunResult[], options: { paced: boolean }): string {
  const groups = groupBy(results, (r) => `${r.name}\u0000${r.rate}`);
  const med = (rs: RunResult[], f: (r: RunResult) => number): number => spread(rs.map(f)).median;
  const pinoBest = Math.max(...[...groups.values()].filter((rs) => rs[0]?.name.startsWith('pino')).map((rs) => med(rs, (r) => r.perSec)), 0);
  const s = (rs: RunResult[], f: (r: RunResult) => number): string => showSpread(spread(rs.map(f)));
  const rows = [...groups.values()].map((rs) => {
    const first = rs[0] as RunResult;
    return [
      first.name,
      ...(options.paced ? [first.rate] : []),
      rs.length,
      s(rs, (r) => r.delivery.distinct),
      s(rs, (r) => r.delivery.missing),
      s(rs, (r) => r.delivery.duplicates),
      ...(options.paced ? [s(rs, (r) => r.delivery.expected / (r.emitMs / 1000))] : []),
      s(rs, (r) => r.perSec),
      ...(options.paced ? [] : [pinoBest > 0 ? (med(rs, (r) => r.perSec) / pinoBest).toFixed(2) : '—']),
      s(rs, (r) => r.callerCpuMicros),
      s(rs, (r) => r.processCpuMicros),
      s(rs, (r) => r.peakRssMb),
      s(rs, (r) => r.lagP99Ms),
      s(rs, (r) => r.idleLagP99Ms),
      ...(options.paced ? [] : [s(rs, (r) => r.emitMs)]),
    ];
  });
  const header = [
    'logger',
    ...(options.paced ? ['asked/s'] : []),
    'rounds',
    'delivered',
    'missing',
    'dup',
    ...(options.paced ? ['called/s'] : []),
    options.paced ? 'rec/s at sink' : 'rec/s',
    ...(options.paced ? [] : ['× pino']),
    'caller CPU µs/rec',
    'process CPU µs/rec',
    'peak RSS MB',
    'lag p99 ms',
    'idle p99 ms',
    ...(options.paced ? [] : ['emit ms']),
  ];
  const odd = results.filter((r) => r.delivery.unidentified > 0 || r.delivery.outOfRange > 0);
  const notes = [
    'Each figure: median (min–max) over the rounds; each round runs every competitor in a fresh process, the order rotated.',
    'delivered: distinct records of the measured phase at the sink; missing = sent − delivered; dup: arrivals beyond the',
    `first of a record, counted until the sink was quiet for ${Number(process.env.BENCH_SETTLE_MS ?? 3000)} ms. Warm-up records carry another tag and are ignored.`,
    options.paced
      ? 'called/s: records / time the agent took to make the calls (below asked/s: the agent could not keep the pace);\nrec/s at sink: distinct records arriving after the first arrival / time from the first to the last arrival.'
      : 'rec/s: distinct records / time from the first call to the last arrival; × pino: against the best pino median.',
    'CPU per delivered record, from go until every record arrived: caller = the main thread (schedstat), process = all threads.',
    `lag p99: event-loop delay (monitorEventLoopDelay, ${Number(process.env.BENCH_LAG_RESOLUTION_MS ?? 5)} ms resolution) during the phase; idle p99: the same histogram on the`,
    'same process idle just before the phase (the logger warmed up). Nothing is subtracted.',
    ...odd.map((r) => `WARNING ${r.name}: ${r.delivery.unidentified} records without a bench id, ${r.delivery.outOfRange} beyond the expected sequence`),
  ];
  return `${table(header, rows)}\n${notes.join('\n')}`;
}
