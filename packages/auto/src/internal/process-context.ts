/**
 * The context a process (or worker thread) was started in, continued for its whole life.
 *
 * A parent that starts this process inside a request hands the request over in `TRACEPARENT`,
 * `TRACESTATE` and `BAGGAGE` (see child-context.ts). The bootstrap reads them once, at start-up, and
 * makes that context the process's *ambient* context: whatever runs outside any other context — the
 * main module, its timers and callbacks, a span started there, a log record written there — belongs to
 * the parent's span, with its baggage (`correlation.id`, `agent.parent.id`). Nothing has to be wrapped
 * and no span has to stay open for the process's life: a span kept open until exit would be lost
 * whenever the process ends by `process.exit()` or a crash, and would leave its children orphaned.
 *
 * Explicit contexts keep their meaning: an HTTP server span still starts from the request's headers
 * (a request without `traceparent` is a new trace, not part of the parent's), and code that enters
 * `ROOT_CONTEXT` on purpose gets an empty context, not the parent's.
 */
import { getEnvironmentData, isMainThread, setEnvironmentData } from 'node:worker_threads';
import { ROOT_CONTEXT, createContextKey } from '@opentelemetry/api';
import type { Context, TextMapPropagator } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { envGetter } from '@tracebridge/logger';
import type { EnvCarrier } from '@tracebridge/logger';

/**
 * Key of the worker environment data holding the carrier, for workers that share their parent's
 * `process.env` (`env: SHARE_ENV`), whose environment cannot carry a context of their own.
 */
export const WORKER_CARRIER_KEY = 'tracebridge.context-carrier';

const EXPLICIT = createContextKey('tracebridge.explicit-root');
/**
 * An empty context that is not `ROOT_CONTEXT` itself: what an explicit `with(ROOT_CONTEXT)` stores, so
 * that `active()` can tell "nothing entered" (the process context) from "root entered on purpose".
 */
const EXPLICIT_ROOT = ROOT_CONTEXT.setValue(EXPLICIT, true).deleteValue(EXPLICIT);

/** The async-local-storage context manager NodeSDK installs, with the process context as its fallback. */
export class ProcessContextManager extends AsyncLocalStorageContextManager {
  constructor(private readonly processContext: Context) {
    super();
  }

  override active(): Context {
    const ctx = super.active();
    return ctx === ROOT_CONTEXT ? this.processContext : ctx;
  }

  override with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return super.with(ctx === ROOT_CONTEXT ? EXPLICIT_ROOT : ctx, fn, thisArg, ...args);
  }

  override attach(ctx: Context): ReturnType<AsyncLocalStorageContextManager['attach']> {
    return super.attach(ctx === ROOT_CONTEXT ? EXPLICIT_ROOT : ctx);
  }
}

/**
 * The carrier a parent thread left in this worker's environment data (a worker sharing its parent's
 * `process.env`), taken once: it is removed here, or every worker this one starts would be handed a
 * copy of it (environment data is inherited) instead of the context it is started in.
 */
export function takeWorkerCarrier(): EnvCarrier | undefined {
  if (isMainThread) return undefined;
  const shared = getEnvironmentData(WORKER_CARRIER_KEY);
  if (shared === undefined) return undefined;
  setEnvironmentData(WORKER_CARRIER_KEY, undefined as unknown as string);
  return shared !== null && typeof shared === 'object' ? (shared as EnvCarrier) : undefined;
}

/** The context handed over in `carrier`, read with `propagator`; `ROOT_CONTEXT` itself when there is none. */
export function startupContext(propagator: TextMapPropagator, carrier: EnvCarrier): Context {
  return propagator.extract(ROOT_CONTEXT, carrier, envGetter);
}
