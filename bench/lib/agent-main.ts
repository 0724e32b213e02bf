/**
 * One benchmark agent process: builds one competitor, emits records as told (a burst, or paced at a
 * rate), and reports its own CPU time, peak RSS and event-loop delay when the parent asks.
 * Run by lib/agent-run.ts; each competitor gets a fresh process so RSS and CPU are its own.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ROOT_CONTEXT, context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { ours, pinoOtelTransport, rawSdk, winstonOtel } from './competitors.js';
import type { Competitor } from './competitors.js';

const [name, mode, countText, rateText, url] = process.argv.slice(2) as [string, string, string, string, string];
const count = Number(countText);
const rate = Number(rateText);

function build(): Competitor {
  switch (name) {
    case 'ours':
      return ours(url, { shutdownTimeoutMillis: 60_000 });
    case 'raw-default':
      return rawSdk(url, false);
    case 'raw-1m':
      return rawSdk(url, true);
    case 'winston':
      return winstonOtel(url);
    case 'pino':
      return pinoOtelTransport(url);
    case 'pino-1m':
      return pinoOtelTransport(url, { maxQueueSize: 1_000_000, maxExportBatchSize: 4096 });
    default:
      throw new Error(`unknown competitor ${name}`);
  }
}

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const c = build();
const span = new BasicTracerProvider().getTracer('bench').startSpan('request');
const baggage = propagation.createBaggage({ 'correlation.id': { value: 'req-4bf92f3577b34da6a3ce929d0e0e4736' } });
const active = propagation.setBaggage(trace.setSpan(ROOT_CONTEXT, span), baggage);

let peakRss = process.memoryUsage.rss();
const sampler = setInterval(() => {
  const rss = process.memoryUsage.rss();
  if (rss > peakRss) peakRss = rss;
}, 10);
// The histogram records the time between two ticks of its own timer, so an idle loop reads the
// resolution itself (5.0-5.3 ms here): the lag is what exceeds it.
const LAG_RESOLUTION_MS = 5;
const delay = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });

process.on('message', (m: { op: string }) => {
  if (m.op !== 'report') return;
  delay.disable();
  const cpu = process.cpuUsage(startCpu);
  const rss = process.memoryUsage.rss();
  if (rss > peakRss) peakRss = rss;
  process.send?.({
    op: 'report',
    cpuMicros: cpu.user + cpu.system,
    peakRss: Math.max(peakRss, process.resourceUsage().maxRSS * 1024),
    lagP99Ms: Math.max(0, delay.percentile(99) / 1e6 - LAG_RESOLUTION_MS),
    stats: c.stats?.(),
  });
});

// Warm up the code paths (not counted: the sink is reset by the parent after 'ready').
context.with(active, () => {
  for (let i = 0; i < 2000; i++) c.call();
});
await c.settle();
process.send?.({ op: 'ready' });
await new Promise<void>((resolve) => process.once('message', () => resolve()));

const startCpu = process.cpuUsage();
delay.enable();
const started = Date.now();
if (mode === 'burst') {
  context.with(active, () => {
    for (let i = 0; i < count; i++) c.call();
  });
} else {
  let emitted = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const due = Math.min(count, Math.floor(((Date.now() - started) / 1000) * rate));
      context.with(active, () => {
        for (; emitted < due; emitted++) c.call();
      });
      if (emitted >= count) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
}
process.send?.({ op: 'emitted', ms: Date.now() - started });
void c.settle();
setInterval(() => undefined, 1000);
void sampler;
