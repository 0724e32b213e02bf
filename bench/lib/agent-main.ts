/**
 * One benchmark agent process: builds one competitor, warms it up (records tagged apart, which the
 * sink ignores), and then, when the parent says go, logs the measured phase under the tag it was given:
 *
 * - `burst`: `count` records as fast as it can; `paced`: `count` records at `rate` per second. Before
 *   the phase, the event-loop delay of the idle process (the logger warmed up, nothing logged) is read
 *   with the same histogram settings as during the phase: the baseline the phase's delay is read against.
 *   On `report`, it answers with the CPU it used since go (the whole process, and its main thread apart),
 *   its peak RSS, both delays and the logger's own counters.
 * - `footprint`: `rate` records per second (0: none) until `stop`; nothing else runs in the process (no
 *   histogram, no sampler): the parent reads its CPU and memory from /proc.
 * - `calls`: times the log call itself on this thread, in batches (records are not identified).
 *
 * Run by lib/agent-run.ts and the benches; each competitor gets a fresh process so RSS and CPU are its own.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT_CONTEXT, context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { byName } from './competitors.js';
import { threadCpuSeconds } from './proc-stats.js';
import { newTag, recordId } from './record-id.js';

/** What the parent passes, as JSON in argv[2]. */
export interface AgentConfig {
  name: string;
  mode: 'burst' | 'paced' | 'footprint' | 'calls';
  url: string;
  count?: number;
  rate?: number;
  /** Records logged before the measured phase, under a tag of their own. */
  warmup: number;
  /** `burst`, `paced`: how long the idle baseline of the event-loop delay is read. */
  idleMillis?: number;
  /** `calls`: batches, calls per batch, filtered calls. */
  batches?: number;
  calls?: number;
  filteredCalls?: number;
}

/** The histogram's timer period: an idle loop reads about this much, which the idle baseline shows. */
const LAG_RESOLUTION_MS = Number(process.env.BENCH_LAG_RESOLUTION_MS ?? 5);

const config = JSON.parse(process.argv[2] as string) as AgentConfig;
const send = (m: Record<string, unknown>): void => void process.send?.(m);
const next = <T extends { op: string }>(op: string): Promise<T> =>
  new Promise((resolve) => {
    const on = (m: T): void => {
      if (m.op !== op) return;
      process.off('message', on);
      resolve(m);
    };
    process.on('message', on);
  });

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const c = await byName(config.name, config.url);
const span = new BasicTracerProvider().getTracer('bench').startSpan('request');
const baggage = propagation.createBaggage({ 'correlation.id': { value: 'req-4bf92f3577b34da6a3ce929d0e0e4736' } });
const active = propagation.setBaggage(trace.setSpan(ROOT_CONTEXT, span), baggage);

const warmTag = newTag('w');
context.with(active, () => {
  for (let i = 0; i < config.warmup; i++) c.call(recordId(warmTag, i));
});
await c.settle();

if (config.mode === 'calls') await calls();
else if (config.mode === 'footprint') await footprint();
else await phase(config.mode);

/** `burst` / `paced`: one measured phase, then reports until the parent ends the process. */
async function phase(mode: 'burst' | 'paced'): Promise<void> {
  const count = config.count ?? 0;
  const idle = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
  idle.enable();
  await sleep(config.idleMillis ?? 2000);
  idle.disable();
  send({ op: 'ready' });
  const { tag } = await next<{ op: string; tag: string }>('go');
  const delay = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
  const cpu0 = process.cpuUsage();
  const thread0 = threadCpuSeconds(process.pid);
  delay.enable();
  const started = Date.now();
  if (mode === 'burst') {
    context.with(active, () => {
      for (let i = 0; i < count; i++) c.call(recordId(tag, i));
    });
  } else {
    const rate = config.rate ?? 1;
    let emitted = 0;
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        const due = Math.min(count, Math.floor(((Date.now() - started) / 1000) * rate));
        context.with(active, () => {
          for (; emitted < due; emitted++) c.call(recordId(tag, emitted));
        });
        if (emitted >= count) resolve();
        else setTimeout(tick, 1);
      };
      tick();
    });
  }
  send({ op: 'emitted', ms: Date.now() - started, at: Date.now() });
  // Every competitor is asked to send what it holds now (as an agent would before it goes idle).
  void c.settle();
  for (;;) {
    await next('report');
    const cpu = process.cpuUsage(cpu0);
    send({
      op: 'report',
      processCpuSeconds: (cpu.user + cpu.system) / 1e6,
      threadCpuSeconds: threadCpuSeconds(process.pid) - thread0,
      peakRss: process.resourceUsage().maxRSS * 1024,
      lagP99Ms: delay.percentile(99) / 1e6,
      idleLagP99Ms: idle.percentile(99) / 1e6,
      stats: c.stats?.(),
    });
  }
}

/** `footprint`: logs at `rate` per second from go until stop; the parent measures from outside. */
async function footprint(): Promise<void> {
  const rate = config.rate ?? 0;
  send({ op: 'ready' });
  const { tag } = await next<{ op: string; tag: string }>('go');
  const started = Date.now();
  let emitted = 0;
  let timer: NodeJS.Timeout | undefined;
  if (rate > 0) {
    // One tick per record up to 100/s, then every 10 ms with what is due: the same ticks with or
    // without a logger ("none" pays them too), few enough not to dwarf what is measured.
    const period = Math.max(10, 1000 / rate);
    timer = setInterval(() => {
      const due = Math.floor(((Date.now() - started) / 1000) * rate);
      context.with(active, () => {
        for (; emitted < due; emitted++) c.call(recordId(tag, emitted));
      });
    }, period);
  }
  await next('stop');
  clearInterval(timer);
  send({ op: 'stopped', emitted });
  void c.settle();
  // The IPC channel keeps the process alive until the parent kills it.
}

/** `calls`: wall time and this thread's CPU per call, per batch; a constant id (nothing is counted). */
async function calls(): Promise<void> {
  const batches = config.batches ?? 5;
  const n = config.calls ?? 20_000;
  const id = recordId(newTag('c'), 0);
  const wallNsPerCall: number[] = [];
  let threadSeconds = 0;
  await context.with(active, async () => {
    for (let b = 0; b < batches; b++) {
      const t0 = threadCpuSeconds(process.pid);
      const start = process.hrtime.bigint();
      for (let i = 0; i < n; i++) c.call(id);
      wallNsPerCall.push(Number(process.hrtime.bigint() - start) / n);
      threadSeconds += threadCpuSeconds(process.pid) - t0;
      // Outside the clock: the next batch starts with the export path drained.
      await c.settle();
    }
  });
  let filteredNsPerCall = NaN;
  const filtered = c.filtered;
  if (filtered !== undefined) {
    const f = config.filteredCalls ?? 2_000_000;
    context.with(active, () => {
      for (let i = 0; i < 10_000; i++) filtered(id);
      const start = process.hrtime.bigint();
      for (let i = 0; i < f; i++) filtered(id);
      filteredNsPerCall = Number(process.hrtime.bigint() - start) / f;
    });
  }
  send({ op: 'calls', wallNsPerCall, threadNsPerCall: (threadSeconds * 1e9) / (batches * n), filteredNsPerCall });
  // The parent ends the process.
}
