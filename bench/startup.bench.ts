/**
 * Start-up under `--import`, which every process an agent spawns pays: the time from spawning `node`
 * to the user's first line, and the RSS at that line, for plain `node`, `node --import
 * @tracebridge/auto/register` and `node --import @opentelemetry/auto-instrumentations-node/register`
 * (the contrib meta-package's register), all with the same OTEL_* environment pointing at the bench's
 * OTLP sink. Then a worker thread started from the app: how long until its first line runs, its heap
 * and the RSS it adds, with the bootstrap in the worker (the default: Node runs `--import` in workers)
 * and without (`execArgv: []`), against plain node.
 *
 * BENCH_STARTUP_RUNS runs of each (default 10), interleaved, the order rotated each round; median and
 * min–max. The time is taken in this process from just before `spawn()` to the first line on the
 * child's stdout (a pipe: written synchronously on Linux); the child is killed once it has reported.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SinkProcess } from './lib/sink-process.js';
import { groupBy, loadLine, rotate, showSpread, spread, table } from './lib/stats.js';

const RUNS = Math.max(1, Number(process.env.BENCH_STARTUP_RUNS ?? 10));
/** The repository root, from bench/dist/bench/ (compiled) or bench/ (run from source): `--import` resolves from here. */
const ROOT = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../../' : '../', import.meta.url));
const APP = fileURLToPath(new URL('./lib/startup-app.js', import.meta.url));
const OURS = '@tracebridge/auto/register';
const CONTRIB = '@opentelemetry/auto-instrumentations-node/register';
const GOAL_ADDED_MS = 100;

interface Variant {
  key: string;
  label: string;
  args: string[];
  /** Which line ends the run. */
  until: 'first' | 'worker';
}

const MAIN: Variant[] = [
  { key: 'plain', label: 'node app.js', args: [APP], until: 'first' },
  { key: 'ours', label: `node --import ${OURS}`, args: ['--import', OURS, APP], until: 'first' },
  { key: 'contrib', label: `node --import ${CONTRIB}`, args: ['--import', CONTRIB, APP], until: 'first' },
];
const WORKER: Variant[] = [
  { key: 'plain-worker', label: 'node app.js: new Worker()', args: [APP, 'worker'], until: 'worker' },
  { key: 'ours-worker', label: `--import ${OURS}: new Worker() (bootstrap in the worker)`, args: ['--import', OURS, APP, 'worker'], until: 'worker' },
  { key: 'ours-worker-bare', label: `--import ${OURS}: new Worker(…, { execArgv: [] })`, args: ['--import', OURS, APP, 'worker-bare'], until: 'worker' },
];

interface Sample {
  key: string;
  /** From just before spawn() to the first line on stdout, ms. */
  firstLineMs: number;
  /** performance.now() at the first line: since the process's time origin (node's own start), ms. */
  sinceOriginMs: number;
  rssMb: number;
  workerMs?: number;
  workerHeapMb?: number;
  workerRssMb?: number;
}

function env(sinkUrl: string): NodeJS.ProcessEnv {
  const { origin } = new URL(sinkUrl);
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    // The same for every variant: an agent's usual configuration, the collector being the bench's sink.
    OTEL_EXPORTER_OTLP_ENDPOINT: origin,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_SERVICE_NAME: 'A1',
    TRACEBRIDGE_AGENT_ID: 'A1-haiku-001',
  };
}

function runOnce(v: Variant, sinkUrl: string): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, v.args, { cwd: ROOT, env: env(sinkUrl), stdio: ['ignore', 'pipe', 'pipe'] });
    let firstLineMs = NaN;
    let out = '';
    let err = '';
    const sample: Partial<Sample> = { key: v.key };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${v.label}: no report within 60 s\n${err}`));
    }, 60_000);
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      if (Number.isNaN(firstLineMs)) firstLineMs = performance.now() - started;
      out += d.toString();
      for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        const m = JSON.parse(line) as { op: string; rss: number; sinceOriginMs: number; workerMs: number; workerHeap: number; rssAdded: number };
        if (m.op === 'first') Object.assign(sample, { firstLineMs, sinceOriginMs: m.sinceOriginMs, rssMb: m.rss / 2 ** 20 });
        if (m.op === 'worker') Object.assign(sample, { workerMs: m.workerMs, workerHeapMb: m.workerHeap / 2 ** 20, workerRssMb: m.rssAdded / 2 ** 20 });
        if (m.op === v.until) {
          clearTimeout(timer);
          child.kill('SIGKILL');
          resolve(sample as Sample);
        }
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${v.label}: exited (${code}) before reporting\n${err}`));
    });
  });
}

export async function run(): Promise<Sample[]> {
  const sink = await new SinkProcess().start();
  const startLoad = loadLine();
  const samples: Sample[] = [];
  try {
    for (let round = 0; round < RUNS; round++) {
      for (const v of rotate([...MAIN, ...WORKER], round)) samples.push(await runOnce(v, sink.url));
    }
  } finally {
    sink.stop();
  }
  const by = groupBy(samples, (s) => s.key);
  const med = (key: string, f: (s: Sample) => number): number => spread((by.get(key) ?? []).map(f)).median;
  const s = (key: string, f: (s: Sample) => number): string => showSpread(spread((by.get(key) ?? []).map(f)));
  const plainMs = med('plain', (x) => x.firstLineMs);
  const plainRss = med('plain', (x) => x.rssMb);
  console.log(`\nStart-up to the user's first line (BENCH=startup; ${RUNS} runs of each, interleaved; app ${path.relative(ROOT, APP)})`);
  console.log(`${startLoad} → ${loadLine()}\n`);
  console.log(
    table(
      ['command', 'ms to first line', 'added ms', 'ms since time origin', 'RSS MB at first line', 'added MB'],
      MAIN.map((v) => [
        v.label,
        s(v.key, (x) => x.firstLineMs),
        v.key === 'plain' ? '—' : (med(v.key, (x) => x.firstLineMs) - plainMs).toFixed(1),
        s(v.key, (x) => x.sinceOriginMs),
        s(v.key, (x) => x.rssMb),
        v.key === 'plain' ? '—' : (med(v.key, (x) => x.rssMb) - plainRss).toFixed(1),
      ]),
    ),
  );
  console.log('ms to first line: from spawn() in the bench to the first line on the child\'s stdout; added: median minus plain node\'s.');
  const added = med('ours', (x) => x.firstLineMs) - plainMs;
  console.log(`goal (#22): start-up ≤ ${GOAL_ADDED_MS} ms added under --import ${OURS} → ${added.toFixed(1)} ms: ${added <= GOAL_ADDED_MS ? 'met' : 'NOT met'}`);
  const plainWorker = med('plain-worker', (x) => x.workerMs ?? NaN);
  console.log(`\nA worker thread started by the app (same runs): new Worker() → the worker's first line\n`);
  console.log(
    table(
      ['command', 'worker ms', 'added ms', 'worker heap MB', 'process RSS added MB'],
      WORKER.map((v) => [
        v.label,
        s(v.key, (x) => x.workerMs ?? NaN),
        v.key === 'plain-worker' ? '—' : (med(v.key, (x) => x.workerMs ?? NaN) - plainWorker).toFixed(1),
        s(v.key, (x) => x.workerHeapMb ?? NaN),
        s(v.key, (x) => x.workerRssMb ?? NaN),
      ]),
    ),
  );
  console.log("worker heap: the worker isolate's used heap at its first line (v8.getHeapStatistics); RSS added: the process's, before new Worker() → after the worker's first message.");
  return samples;
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
