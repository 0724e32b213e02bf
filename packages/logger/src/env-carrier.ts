/**
 * Environment variables as a trace-context carrier, per the OpenTelemetry specification's
 * "Environment Variables as Context Propagation Carriers"
 * (https://opentelemetry.io/docs/specs/otel/context/env-carriers/): a propagator's fields become
 * environment variable names (`traceparent` → `TRACEPARENT`, `tracestate` → `TRACESTATE`,
 * `baggage` → `BAGGAGE`), and the values are passed through untouched, because the carrier must stay
 * format-agnostic: parsing and validating is the propagator's business.
 *
 * A process reads them once, at start-up; it writes them into the environment of a process or worker
 * it starts, never into its own `process.env` (which its later children would otherwise inherit as a
 * stale parent).
 */
import { ROOT_CONTEXT, context as api, propagation } from '@opentelemetry/api';
import type { Context, TextMapGetter, TextMapPropagator, TextMapSetter } from '@opentelemetry/api';
import { ensureContextManager } from './internal/context-manager.js';
import { otelCore } from './internal/sdk-modules.js';
import type { EnvCarrier, EnvContextOptions } from './types.js';

/**
 * The environment variable name of a propagator field, normalised as the specification says: ASCII
 * letters upper-cased, every character other than `A-Z`, `0-9` and `_` replaced by `_`, and a `_` put
 * in front of a leading digit (POSIX names cannot start with one).
 */
export function envVariableName(field: string): string {
  let out = '';
  for (const ch of field) {
    if ((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch === '_') out += ch;
    else if (ch >= 'a' && ch <= 'z') out += ch.toUpperCase();
    else out += '_';
  }
  return out !== '' && out[0]! >= '0' && out[0]! <= '9' ? `_${out}` : out;
}

/** Reads a propagator field from the variable of its normalised name. */
export const envGetter: TextMapGetter<EnvCarrier> = {
  keys(carrier) {
    return Object.keys(carrier);
  },
  get(carrier, key) {
    return carrier[envVariableName(key)];
  },
};

/** Writes a propagator field to the variable of its normalised name. */
export const envSetter: TextMapSetter<EnvCarrier> = {
  set(carrier, key, value) {
    carrier[envVariableName(key)] = value;
  },
};

let fallback: TextMapPropagator | undefined;

/**
 * The global propagator when an SDK registered one; otherwise W3C trace context and baggage, so that a
 * process that only uses the logger (no `--import`) can still hand its request on to a child.
 */
function currentPropagator(): TextMapPropagator {
  if (propagation.fields().length > 0) {
    return {
      inject: (ctx, carrier, setter) => propagation.inject(ctx, carrier, setter),
      extract: (ctx, carrier, getter) => propagation.extract(ctx, carrier, getter),
      fields: () => propagation.fields(),
    };
  }
  if (fallback === undefined) {
    const { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } = otelCore();
    fallback = new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });
  }
  return fallback;
}

/**
 * The environment for a child process or worker: a copy of `env` (default `process.env`) with
 * `TRACEPARENT`, `TRACESTATE` and `BAGGAGE` of the active context (or `options.context`). Variables of
 * the propagator's fields that the context does not fill are removed, so a value this process itself
 * inherited never reaches the child beside a newer one. `env` is not modified.
 *
 * ```ts
 * spawn('tool', args, { env: injectEnv({ ...process.env, TOOL_MODE: 'fast' }) });
 * ```
 */
export function injectEnv(env: EnvCarrier = process.env, options: EnvContextOptions = {}): EnvCarrier {
  const propagator = options.propagator ?? currentPropagator();
  const out: EnvCarrier = { ...env };
  for (const field of propagator.fields()) delete out[envVariableName(field)];
  propagator.inject(options.context ?? api.active(), out, envSetter);
  return out;
}

/**
 * The context a parent process handed over in `env` (default `process.env`): its span as the remote
 * parent, its baggage (`correlation.id`, `agent.parent.id`). Read it once at start-up and run the work
 * in it, `context.with(extractEnv(), main)`; `@tracebridge/auto/register` does this by itself.
 */
export function extractEnv(env: EnvCarrier = process.env, options: EnvContextOptions = {}): Context {
  // The context is made to be entered: without a context manager (no SDK), `context.with` would run
  // the function outside it without a word.
  ensureContextManager();
  return (options.propagator ?? currentPropagator()).extract(options.context ?? ROOT_CONTEXT, env, envGetter);
}
