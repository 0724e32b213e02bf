/**
 * The bootstrap behind `@tracebridge/auto/register`: NodeSDK with our resource, propagators and
 * processors, the Node instrumentations (each loaded when its module is first used) and runtime metrics, the context this process was started in
 * (process-context.ts) and the one it hands to its children (child-context.ts), the console bridge and
 * the SDK's shutdown as a task of the logger's exit registry. Loaded by the register entry with a dynamic import, so that a broken install is
 * caught and reported instead of stopping the app.
 */
import { isMainThread } from 'node:worker_threads';
import { ROOT_CONTEXT, context, diag, metrics, propagation, trace } from '@opentelemetry/api';
import type { DiagLogger, TextMapPropagator } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import type { InstrumentationConfigMap } from '@opentelemetry/auto-instrumentations-node';
import { CompositePropagator, W3CTraceContextPropagator, diagLogLevelFromString } from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { RuntimeNodeInstrumentation } from '@opentelemetry/instrumentation-runtime-node';
import { B3InjectEncoding, B3Propagator } from '@opentelemetry/propagator-b3';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BaggageLogRecordProcessor, CorrelationSpanProcessor } from '@tracebridge/logger';
import { exitRegistry, hasSpooled, spoolConfigFromEnv, startSpoolSender } from '@tracebridge/logger/internal';
import { AgentBaggagePropagator } from '../agent-baggage-propagator.js';
import { resolveAutoConfig } from './config.js';
import type { AutoConfig, LogBridge } from './config.js';
import { CONSOLE_SCOPE, installConsoleBridge, originalConsole } from './console-bridge.js';
import type { ConsoleBridge } from './console-bridge.js';
import { installChildContext } from './child-context.js';
import type { Uninstall } from './child-context.js';
import { genAiInstrumentations } from './genai/genai-instrumentations.js';
import { lazyContribInstrumentations } from './lazy-instrumentations.js';
import type { LazyInstrumentations } from './lazy-instrumentations.js';
import { ProcessContextManager, startupContext, takeWorkerCarrier } from './process-context.js';
import { logRecordProcessorsFromEnv, otlpMetricsFromEnv, spanProcessorsFromEnv } from './processors-from-env.js';
import { sdkExitTask } from './sdk-exit-task.js';
import { warn } from './report.js';

/** A started bootstrap. */
export interface AutoHandle {
  readonly config: AutoConfig;
  /** Flushes and stops the SDK, undoes the console bridge and leaves the exit registry. */
  shutdown(): Promise<void>;
}

function list(value: string | undefined): string[] {
  return Array.from(new Set((value ?? '').split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '')));
}

/**
 * `OTEL_PROPAGATORS` (default `tracecontext,baggage`), with our baggage propagator in place of the
 * plain one so outgoing baggage names this agent as the parent. `none` installs nothing.
 */
function propagatorFromEnv(env: NodeJS.ProcessEnv, agentId: string | undefined, warnings: string[]): TextMapPropagator | null {
  const names = list(env.OTEL_PROPAGATORS);
  if (names.includes('none')) return null;
  const propagators: TextMapPropagator[] = [];
  for (const name of names.length === 0 ? ['tracecontext', 'baggage'] : names) {
    if (name === 'tracecontext') propagators.push(new W3CTraceContextPropagator());
    else if (name === 'baggage') propagators.push(agentId === undefined ? new AgentBaggagePropagator() : new AgentBaggagePropagator({ agentId }));
    else if (name === 'b3') propagators.push(new B3Propagator());
    else if (name === 'b3multi') propagators.push(new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER }));
    else warnings.push(`OTEL_PROPAGATORS: "${name}" is not supported here (tracecontext, baggage, b3, b3multi, none); ignored`);
  }
  return new CompositePropagator({ propagators });
}

/**
 * The contrib set of Node instrumentations. `fs` (off there already), `dns` and `net` are off unless
 * `OTEL_NODE_ENABLED_INSTRUMENTATIONS` names what to run: they add a span per file, lookup and socket,
 * which buries an agent's requests. pino and winston keep their trace-id fields in the app's own
 * output; whether their records are also sent is the bridge switch.
 */
function instrumentationConfig(env: NodeJS.ProcessEnv, sending: ReadonlySet<LogBridge>): InstrumentationConfigMap {
  const config: InstrumentationConfigMap = {
    '@opentelemetry/instrumentation-pino': { disableLogSending: !sending.has('pino') },
    '@opentelemetry/instrumentation-winston': { disableLogSending: !sending.has('winston') },
    // Runtime metrics have their own switch (TRACEBRIDGE_RUNTIME_METRICS) and are added by startAuto,
    // on by default whatever OTEL_NODE_ENABLED_INSTRUMENTATIONS lists.
    '@opentelemetry/instrumentation-runtime-node': { enabled: false },
    // Replaced by this package's own (genai/openai-instrumentation.ts): 0.21 emits an older GenAI
    // convention, and crashes a streamed call that asks for usage (its token histogram is unset).
    '@opentelemetry/instrumentation-openai': { enabled: false },
  };
  if ((env.OTEL_NODE_ENABLED_INSTRUMENTATIONS ?? '').trim() === '') {
    config['@opentelemetry/instrumentation-dns'] = { enabled: false };
    config['@opentelemetry/instrumentation-net'] = { enabled: false };
  }
  return config;
}

/** A diag logger on the console as it was before the bridge: SDK diagnostics are never re-emitted as logs. */
function consoleDiagLogger(): DiagLogger {
  const c = originalConsole();
  return { error: c.error, warn: c.warn, info: c.info, debug: c.debug, verbose: c.debug };
}

/**
 * Starts everything from the environment. Throws when the SDK cannot start, after undoing what it had
 * done, so the caller can say the process is not instrumented and let it run.
 */
export function startAuto(env: NodeJS.ProcessEnv = process.env): AutoHandle {
  const config = resolveAutoConfig(env);
  const warnings = [...config.warnings];
  // The exit spool: what the SDK still holds when the process ends is written there (spool.ts).
  const spool = spoolConfigFromEnv(env);
  const logExport = logRecordProcessorsFromEnv(env, warnings, spool);
  const logProcessors = logExport.processors;
  // Without a log exporter, bridged records would go nowhere: leave console and the loggers alone.
  const sending: ReadonlySet<LogBridge> = logProcessors.length === 0 ? new Set() : config.bridges;

  let sdk: NodeSDK | undefined;
  let instrumentations: Instrumentation[] = [];
  let contrib: LazyInstrumentations | undefined;
  let bridge: ConsoleBridge | undefined;
  let removeExitHooks: (() => void) | undefined;
  let removeChildContext: Uninstall | undefined;
  try {
    const propagator = propagatorFromEnv(env, config.agentId, warnings);
    // The context the parent handed over (TRACEPARENT, TRACESTATE, BAGGAGE), read once, at start-up,
    // as the specification advises: the process's ambient context from now on.
    const carrier = takeWorkerCarrier() ?? env;
    const started = propagator !== null && config.envContext.extract ? startupContext(propagator, carrier) : ROOT_CONTEXT;
    // The contrib set, each loaded when its module is first used (lazy-instrumentations.ts); the
    // contrib OpenAI one is off (config): ours replaces it.
    contrib = lazyContribInstrumentations(instrumentationConfig(env, sending), env);
    instrumentations = genAiInstrumentations(env, config);
    // A worker thread's SDK exports no metrics: its resource is its process's (one agent, one
    // service.instance.id), so its event-loop, heap and logger series would collide with the main
    // thread's. Its spans and logs are events and mix safely.
    if (config.runtimeMetrics && isMainThread) instrumentations.push(new RuntimeNodeInstrumentation());
    const spanExport = spanProcessorsFromEnv(env, warnings, spool);
    const otlpMetrics = isMainThread ? otlpMetricsFromEnv(env, warnings, spool) : undefined;
    sdk = new NodeSDK({
      resource: defaultResource().merge(resourceFromAttributes(config.resource as Parameters<typeof resourceFromAttributes>[0])),
      textMapPropagator: propagator,
      ...(started === ROOT_CONTEXT ? {} : { contextManager: new ProcessContextManager(started) }),
      ...(isMainThread ? (otlpMetrics === undefined ? {} : { metricReaders: [otlpMetrics.reader] }) : { metricReaders: [] }),
      instrumentations,
      // Correlation first: it sets attributes the exporting processors read.
      spanProcessors: [new CorrelationSpanProcessor(), ...spanExport.processors],
      logRecordProcessors: [new BaggageLogRecordProcessor(), ...logProcessors],
    });
    // NodeSDK's constructor installs a DiagConsoleLogger for OTEL_LOG_LEVEL, which looks `console.*`
    // up at each call, i.e. through the bridge: replace it with one bound to the original methods.
    const level = env.OTEL_LOG_LEVEL?.trim();
    if (level !== undefined && level !== '') {
      diag.setLogger(consoleDiagLogger(), { logLevel: diagLogLevelFromString(level), suppressOverrideMessage: true });
    }
    sdk.start();
    // Contrib instrumentations are registered as they are created, with the providers NodeSDK has
    // just made global.
    contrib.start((i) => registerInstrumentations({ instrumentations: [i] }));
    if (propagator !== null && config.envContext.inject) removeChildContext = installChildContext(propagator, env, config.agentId);
    if (sending.has('console')) bridge = installConsoleBridge(logs.getLogger(CONSOLE_SCOPE));
    const running = sdk;
    removeExitHooks = exitRegistry().register(
      sdkExitTask({
        shutdownSdk: () => running.shutdown(),
        spans: spanExport.batches,
        logs: logExport.batches,
        metrics: otlpMetrics,
        spool,
        timeoutMillis: config.shutdownTimeoutMillis,
      }),
    );
    // What an earlier agent left in the spool (it ended while the collector was down, or was killed
    // while its sender ran) goes out now, from a detached sender: nothing here waits for it.
    if (spool !== undefined && isMainThread && hasSpooled(spool.dir)) startSpoolSender(spool.dir);
  } catch (err) {
    bridge?.uninstall();
    removeExitHooks?.();
    removeChildContext?.();
    contrib?.uninstall();
    for (const i of instrumentations) {
      try {
        i.disable();
      } catch {
        // best effort: the app must run on
      }
    }
    void sdk?.shutdown().catch(() => undefined);
    // Leave the API as an uninstrumented process has it: no-op providers, no propagators.
    trace.disable();
    logs.disable();
    metrics.disable();
    propagation.disable();
    context.disable();
    throw err;
  }
  for (const w of warnings) warn(w);

  const sdkRef = sdk;
  return {
    config,
    async shutdown() {
      bridge?.uninstall();
      removeExitHooks?.();
      removeChildContext?.();
      await sdkRef.shutdown();
    },
  };
}
