/**
 * Cost of one log call on the calling thread, every competitor in the same run, interleaved round by
 * round (this machine's speed drifts minute to minute: only same-run ratios mean anything). Each call
 * is made inside an active span with a correlation id in baggage and carries a 5-field context.
 */
import { ROOT_CONTEXT, context, propagation, trace } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ours, pinoDevNull, pinoOtelTransport, pinoSerializeOnly, rawSdk, winstonOtel } from './lib/competitors.js';
import type { Competitor } from './lib/competitors.js';
import { SinkProcess } from './lib/sink-process.js';
import { median, table } from './lib/stats.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const CALLS = Number(process.env.BENCH_CALLS ?? 20_000);
const FILTERED_CALLS = 2_000_000;

function time(fn: () => void, n: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  return Number(process.hrtime.bigint() - start) / n;
}

export async function run(): Promise<void> {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const sink = await new SinkProcess().start();
  const competitors: Competitor[] = [
    ours(sink.url),
    pinoDevNull(),
    pinoSerializeOnly(),
    pinoOtelTransport(sink.url),
    winstonOtel(sink.url),
    rawSdk(sink.url, false),
    rawSdk(sink.url, true),
  ];
  const span = new BasicTracerProvider().getTracer('bench').startSpan('request');
  const baggage = propagation.createBaggage({ 'correlation.id': { value: 'req-4bf92f3577b34da6a3ce929d0e0e4736' } });
  const active = propagation.setBaggage(trace.setSpan(ROOT_CONTEXT, span), baggage);
  const enabled = new Map<string, number[]>();
  const filtered = new Map<string, number[]>();
  await context.with(active, async () => {
    for (const c of competitors) {
      time(c.call, 5000); // warm up the JIT
      await c.settle();
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const c of competitors) {
        const ns = time(c.call, CALLS);
        (enabled.get(c.name) ?? enabled.set(c.name, []).get(c.name))?.push(ns);
        await c.settle();
        if (c.filtered !== undefined) {
          const f = time(c.filtered, FILTERED_CALLS);
          (filtered.get(c.name) ?? filtered.set(c.name, []).get(c.name))?.push(f);
        }
      }
    }
  });
  const base = median(enabled.get('pino → /dev/null') as number[]);
  const rows = competitors.map((c) => {
    const ns = median(enabled.get(c.name) as number[]);
    const f = filtered.get(c.name);
    return [c.name, ns / 1000, ns / base, f === undefined ? '—' : median(f)];
  });
  console.log(`\nCaller-thread cost per call (median of ${ROUNDS} interleaved rounds of ${CALLS} calls)\n`);
  console.log(table(['logger', 'µs/call', '× pino→/dev/null', 'filtered ns/call'], rows));
  const oursNs = median(enabled.get('tracebridge info()') as number[]);
  const oursFiltered = median(filtered.get('tracebridge info()') as number[]);
  console.log(`\ntargets: ≤ 0.8 µs/call → ${(oursNs / 1000).toFixed(2)} µs; ≤ 0.25 × pino → ${(oursNs / base).toFixed(2)}; filtered ≤ 10 ns → ${oursFiltered.toFixed(1)} ns`);
  for (const c of competitors) await c.close();
  sink.stop();
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
