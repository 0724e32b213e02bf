/**
 * Hands the active context to every process and worker thread this process starts, in the
 * environment-variable carrier of the OpenTelemetry specification
 * (https://opentelemetry.io/docs/specs/otel/context/env-carriers/): `TRACEPARENT`, `TRACESTATE` and
 * `BAGGAGE` (the installed propagators' fields, normalised), with `agent.parent.id` = this agent in the
 * baggage. A child under `--import @tracebridge/auto/register` continues from them (process-context.ts);
 * any other program can read them (a shell script: `$TRACEPARENT`).
 *
 * Where it hooks in:
 * - `ChildProcess.prototype.spawn`: `spawn`, `exec`, `execFile` and `fork` all end there, with the
 *   environment already turned into `envPairs` (`KEY=value`) from the caller's `env` or `process.env`.
 *   One hook covers all four, and libraries that captured `spawn` early too.
 * - `spawnSync`, `execSync`, `execFileSync`: they go to an internal binding the app cannot reach, so
 *   the exported functions are wrapped and given an `env` (the caller's, or `process.env`, plus ours).
 * - `worker_threads.Worker`: a subclass that adds the variables to the worker's `env` (by default a
 *   copy of `process.env`). A worker sharing its parent's environment (`env: SHARE_ENV`) gets them as
 *   worker environment data instead, read by its own bootstrap. A worker is part of this agent unless
 *   its `env` names another `TRACEBRIDGE_AGENT_ID`: then its baggage keeps the `agent.parent.id` this
 *   agent was given (all of the agent's records name one parent) instead of naming this agent.
 * Named ESM imports (`import { spawnSync } from 'node:child_process'`) see the wrapped exports
 * through `syncBuiltinESMExports()`.
 *
 * The caller's environment is added to, never replaced. The one judgement: a carrier variable already
 * in it with the value this process itself inherited is a copy (`{ ...process.env }`), stale once this
 * process is in another span, and is replaced; any other value was put there on purpose and is kept.
 *
 * Never throws into a spawn: if anything goes wrong here the child starts with the environment it
 * would have had without us.
 */
import childProcess from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import workerThreads from 'node:worker_threads';
import type { WorkerOptions } from 'node:worker_threads';
import { context } from '@opentelemetry/api';
import type { TextMapPropagator } from '@opentelemetry/api';
import { envSetter, envVariableName } from '@tracebridge/logger';
import type { EnvCarrier } from '@tracebridge/logger';
import { WORKER_CARRIER_KEY } from './process-context.js';
import { SAME_AGENT } from './same-agent.js';

/** Undoes {@link installChildContext}. */
export type Uninstall = () => void;

/** Environment names compare case-insensitively on Windows (`Path` is `PATH`). */
const sameName: (a: string, b: string) => boolean =
  process.platform === 'win32' ? (a, b) => a.toUpperCase() === b.toUpperCase() : (a, b) => a === b;

/** The carrier for the active context, with the rule above applied to a caller's environment. */
export class EnvContext {
  private readonly names: string[];
  private readonly inherited: EnvCarrier;

  /**
   * @param propagator the installed propagators: their fields are the variables
   * @param inherited this process's own environment at start-up (what its copies look like)
   */
  constructor(
    private readonly propagator: TextMapPropagator,
    inherited: EnvCarrier,
  ) {
    this.names = [...new Set(propagator.fields().map(envVariableName))];
    this.inherited = {};
    for (const name of this.names) this.inherited[name] = inherited[name];
  }

  /**
   * The carrier variables of the active context (only those the propagators write). `sameAgent`: for
   * a part of this agent, whose baggage keeps the parent agent this one was given.
   */
  current(sameAgent = false): EnvCarrier {
    const out: EnvCarrier = {};
    const active = context.active();
    this.propagator.inject(sameAgent ? active.setValue(SAME_AGENT, true) : active, out, envSetter);
    return out;
  }

  private carrierName(name: string): string | undefined {
    return this.names.find((n) => sameName(n, name));
  }

  /** A new environment: `env` with the active context's variables; `env` is not modified. */
  merge(env: EnvCarrier, sameAgent = false): EnvCarrier {
    const ours = this.current(sameAgent);
    const out: EnvCarrier = {};
    const kept = new Set<string>();
    for (const [name, value] of Object.entries(env)) {
      const carrier = this.carrierName(name);
      if (carrier !== undefined && value !== undefined) {
        if (value === this.inherited[carrier]) continue;
        kept.add(carrier);
      }
      out[name] = value;
    }
    for (const [name, value] of Object.entries(ours)) if (!kept.has(name)) out[name] = value;
    return out;
  }

  /** The same for `KEY=value` pairs, the form the environment has inside `ChildProcess#spawn`. */
  mergePairs(pairs: readonly string[]): string[] {
    const ours = this.current();
    const out: string[] = [];
    const kept = new Set<string>();
    for (const pair of pairs) {
      // From index 1: Windows has variables whose name starts with `=` (`=C:`).
      const eq = pair.indexOf('=', 1);
      const carrier = eq === -1 ? undefined : this.carrierName(pair.slice(0, eq));
      if (carrier !== undefined) {
        if (pair.slice(eq + 1) === this.inherited[carrier]) continue;
        kept.add(carrier);
      }
      out.push(pair);
    }
    for (const [name, value] of Object.entries(ours)) if (!kept.has(name)) out.push(`${name}=${value}`);
    return out;
  }
}

type AnyFn = (...args: unknown[]) => unknown;
type SpawnMethod = (this: ChildProcess, options: SpawnOptions & { envPairs?: string[] }) => unknown;

/**
 * The arguments of `spawnSync(file, args?, options?)` / `execFileSync(file, args?, options?)` with an
 * `env` of ours in the options, following Node's own reading of the optional `args`.
 */
function withEnvAt(args: unknown[], env: EnvContext, argsList: boolean): unknown[] {
  const out = [...args];
  let at = 1;
  if (argsList) {
    const second = out[1];
    if (Array.isArray(second) || second === undefined || second === null) at = 2;
    else if (typeof second !== 'object') return out; // Node throws on it: leave that to Node
  }
  const options = out[at];
  if (options !== undefined && options !== null && typeof options !== 'object') return out;
  const given = options as { env?: EnvCarrier } | undefined | null;
  if (at === 2 && out.length < 2) out[1] = undefined;
  out[at] = { ...given, env: env.merge(given?.env ?? process.env) };
  return out;
}

/**
 * Installs the hooks for `propagator`. `inherited` is this process's environment at start-up. Returns
 * their removal (used when the bootstrap is undone).
 */
export function installChildContext(propagator: TextMapPropagator, inherited: EnvCarrier, agentId: string | undefined): Uninstall {
  const env = new EnvContext(propagator, inherited);
  const cp = childProcess as unknown as Record<string, AnyFn> & { ChildProcess: { prototype: { spawn: SpawnMethod } } };
  const proto = cp.ChildProcess.prototype;
  const originalSpawn = proto.spawn;
  proto.spawn = function spawn(this: ChildProcess, options) {
    let given = options;
    try {
      if (options !== null && typeof options === 'object' && Array.isArray(options.envPairs)) {
        given = { ...options, envPairs: env.mergePairs(options.envPairs) };
      }
    } catch {
      given = options;
    }
    return originalSpawn.call(this, given);
  };

  const originals: Array<[string, AnyFn]> = [];
  for (const [name, argsList] of [
    ['spawnSync', true],
    ['execFileSync', true],
    ['execSync', false],
  ] as const) {
    const original = cp[name] as AnyFn;
    originals.push([name, original]);
    const wrapped = function (this: unknown, ...args: unknown[]) {
      let given = args;
      try {
        given = withEnvAt(args, env, argsList);
      } catch {
        given = args;
      }
      return original.apply(this, given);
    };
    // What the app sees of the function stays the same (stack traces, `fn.name` checks).
    Object.defineProperty(wrapped, 'name', { value: original.name });
    cp[name] = wrapped as AnyFn;
  }

  const OriginalWorker = workerThreads.Worker;
  class Worker extends OriginalWorker {
    constructor(filename: string | URL, options?: WorkerOptions) {
      super(filename, workerOptions(options, env, agentId));
      // Worker data is copied into the worker as it is created: the copy is taken, clear ours.
      if (options?.env === workerThreads.SHARE_ENV) workerThreads.setEnvironmentData(WORKER_CARRIER_KEY, undefined as unknown as string);
    }
  }
  (workerThreads as { Worker: typeof OriginalWorker }).Worker = Worker;
  syncBuiltinESMExports();

  return () => {
    if (proto.spawn !== originalSpawn) proto.spawn = originalSpawn;
    for (const [name, original] of originals) cp[name] = original;
    (workerThreads as { Worker: typeof OriginalWorker }).Worker = OriginalWorker;
    syncBuiltinESMExports();
  };
}

/** The options of a new worker, with the active context in its environment (or its worker data). */
function workerOptions(options: WorkerOptions | undefined, env: EnvContext, agentId: string | undefined): WorkerOptions | undefined {
  try {
    if (options?.env === workerThreads.SHARE_ENV) {
      workerThreads.setEnvironmentData(WORKER_CARRIER_KEY, env.current(true) as unknown as string);
      return options;
    }
    const base = (options?.env ?? process.env) as EnvCarrier;
    const named = base.TRACEBRIDGE_AGENT_ID?.trim();
    return { ...options, env: env.merge(base, named === undefined || named === '' || named === agentId) };
  } catch {
    return options;
  }
}
