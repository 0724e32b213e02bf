/**
 * `npm run bench`: every scenario, one after the other, on this machine, competitors in the same run.
 * Pick scenarios with `BENCH=call-cost,burst` (default: all). Never part of `npm test`. Each scenario
 * prints the machine's load average when it starts and ends: the machine may be shared, and its
 * figures are only as quiet as it was.
 */
import { cpus } from 'node:os';
import { loadLine } from './lib/stats.js';

const all: Record<string, () => Promise<unknown>> = {
  'call-cost': async () => (await import('./call-cost.bench.js')).run(),
  burst: async () => (await import('./burst.bench.js')).run(),
  paced: async () => (await import('./paced.bench.js')).run(),
  // Our logger alone: the share of records that go through the disk spill, by rate, and the CPU per record.
  spill: async () => (await import('./spill.bench.js')).run(),
  // RSS and CPU a logger adds at 0 to 1,000 records/s, against no logger, pino and winston.
  footprint: async () => (await import('./footprint.bench.js')).run(),
  // Time to the user's first line under --import, against plain node and the contrib register.
  startup: async () => (await import('./startup.bench.js')).run(),
  // Worker-side and caller-thread cost of redaction, against pino's redact on the same data.
  redaction: async () => (await import('./redaction.bench.js')).run(),
  // Peak RSS of `tracebridge convert` by input size (100 and 600 MB by default).
  'convert-memory': async () => (await import('./convert-memory.bench.js')).run(),
  // Needs the built collector and VictoriaLogs (built from Go modules on first use, minutes when cold).
  throughput: async () => (await import('./throughput.bench.js')).run(),
  // Collector CPU per log record of one stack of collector/stacks.yaml against a minimal pipeline.
  'collector-cpu': async () => (await import('./collector-cpu.bench.js')).run(),
  // Throughput per collector core of local, lgtm, the agent tier and the gateway against the minimal
  // pipeline, driven by telemetrygen (built from Go modules on first use).
  'collector-tiers': async () => (await import('./collector-tiers.bench.js')).run(),
  // What process.exit() costs when the SDK holds 10,000 spans: serialise, write the exit spool, start the sender.
  'exit-spool': async () => (await import('./exit-spool.bench.js')).run(),
};

const chosen = (process.env.BENCH ?? Object.keys(all).join(',')).split(',').map((s) => s.trim());
for (const name of chosen) if (all[name] === undefined) throw new Error(`unknown scenario ${name}; known: ${Object.keys(all).join(', ')}`);
console.log(`node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}); scenarios: ${chosen.join(', ')}; ${loadLine()}`);
for (const name of chosen) await all[name]?.();
