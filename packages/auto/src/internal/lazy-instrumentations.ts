/**
 * The contrib instrumentations (contrib-instrumentations.ts), each loaded when a module it patches is
 * first required or imported, instead of all forty at start-up: loading them was most of the time an
 * agent's process took to reach its first line under `--import` (#22), and an agent uses a few.
 *
 * - CommonJS: `require` is watched (Module.prototype.require). The first require of a watched package
 *   (by name, or a file inside it, as a package imported from ESM loads its own files) loads its
 *   instrumentation *before* the module runs; the require then goes through the hooks the
 *   instrumentation just installed, so this very require is patched, internal files included.
 * - ESM: a trigger instrumentation hooks the same module names (import-in-the-middle, through the
 *   loader hook register.ts installs); when one is imported, its instrumentation is loaded at the end
 *   of that import's evaluation, and import-in-the-middle replays the modules already imported to it.
 *   An ESM-only package used by the importing module's top-level code before that would run
 *   unpatched once (a CommonJS package imported from ESM does not: its own requires load it first).
 * - Without modules to watch (undici: diagnostics channels; host metrics; the Lambda handler when on
 *   Lambda), and those of Node's own modules (http, https, net, dns, fs): created at once.
 *
 * Which ones run follows the contrib package's rules: the config map's `enabled`, then
 * `OTEL_NODE_ENABLED_INSTRUMENTATIONS` / `OTEL_NODE_DISABLED_INSTRUMENTATIONS`, then its default
 * exclusions (fs, host metrics).
 */
import Module, { createRequire, isBuiltin } from 'node:module';
import { diag } from '@opentelemetry/api';
import type { InstrumentationConfigMap } from '@opentelemetry/auto-instrumentations-node';
import { InstrumentationBase, InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import type { Instrumentation, InstrumentationConfig } from '@opentelemetry/instrumentation';
import { CONTRIB_INSTRUMENTATIONS, DEFAULT_EXCLUDED } from './contrib-instrumentations.js';
import type { ContribInstrumentation } from './contrib-instrumentations.js';

/** The contrib instrumentations of a process, created as their modules are first used. */
export interface LazyInstrumentations {
  /** Those created so far. */
  readonly created: readonly Instrumentation[];
  /** Hands each instrumentation created to `onCreate`: those created before, now; later ones as they come. */
  start(onCreate: (instrumentation: Instrumentation) => void): void;
  /** Stops watching requires and imports and disables every instrumentation created. */
  uninstall(): void;
}

interface Entry {
  readonly info: ContribInstrumentation;
  readonly config: InstrumentationConfig;
  loaded: boolean;
}

const PREFIX = '@opentelemetry/instrumentation-';

function listFromEnv(value: string | undefined): string[] {
  if (value === undefined || value.trim() === '') return [];
  return value.split(',').map((s) => `${PREFIX}${s.trim()}`);
}

/** The contrib package's rule (auto-instrumentations-node, `shouldDisableInstrumentation`). */
function chosen(env: NodeJS.ProcessEnv, configs: InstrumentationConfigMap): Entry[] {
  const enabledEnv = listFromEnv(env.OTEL_NODE_ENABLED_INSTRUMENTATIONS);
  const disabledEnv = listFromEnv(env.OTEL_NODE_DISABLED_INSTRUMENTATIONS);
  const known = new Set(CONTRIB_INSTRUMENTATIONS.map((i) => i.name));
  for (const name of [...enabledEnv, ...disabledEnv, ...Object.keys(configs)]) {
    if (!known.has(name)) diag.error(`Provided instrumentation name "${name}" not found`);
  }
  const out: Entry[] = [];
  for (const info of CONTRIB_INSTRUMENTATIONS) {
    const config = ((configs as Record<string, InstrumentationConfig | undefined>)[info.name] ?? {}) as InstrumentationConfig;
    let off: boolean;
    if (config.enabled === false) off = true;
    else if (config.enabled === true) off = false;
    else if (disabledEnv.includes(info.name)) off = true;
    else if (enabledEnv.length > 0) off = !enabledEnv.includes(info.name);
    else off = DEFAULT_EXCLUDED.has(info.name);
    // The Lambda instrumentation finds its handler from the environment; elsewhere it patches nothing.
    if (!off && info.name === `${PREFIX}aws-lambda` && env.LAMBDA_TASK_ROOT === undefined) off = true;
    if (!off) out.push({ info, config, loaded: false });
  }
  return out;
}

/** The package a path inside `node_modules` belongs to (`…/node_modules/@scope/name/lib/x.js` → `@scope/name`). */
function packageOfPath(filename: string): string | undefined {
  // The last node_modules of the path names the package (a dependency nested under another).
  const i = filename.lastIndexOf('node_modules');
  if (i < 0) return undefined;
  const rest = filename.slice(i + 'node_modules'.length + 1).split(/[\\/]/);
  if (rest.length < 2) return undefined;
  if (!rest[0]?.startsWith('@')) return rest[0];
  return rest.length < 3 ? undefined : `${rest[0]}/${rest[1]}`;
}

/** What a `require(id)` from `parent` loads, by the names instrumentations use: a package, a builtin. */
function candidates(id: string, parent: { filename?: string | null } | undefined): string[] {
  if (id.startsWith('node:')) return [id.slice(5)];
  const first = id.charCodeAt(0);
  if (first === 0x2e /* . */ || first === 0x2f /* / */ || /^[A-Za-z]:[\\/]/.test(id)) {
    const own = first === 0x2e ? parent?.filename : id;
    const pkg = typeof own === 'string' ? packageOfPath(own) : undefined;
    return pkg === undefined ? [] : [pkg];
  }
  const parts = id.split('/');
  const pkg = id.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] as string);
  // `fs/promises`, `dns/promises`: builtins with a subpath, named so by their instrumentations.
  return pkg === id ? [id] : [id, pkg];
}

/**
 * Hooks the ESM imports of the watched modules (and their CommonJS requires, as a second way in). A
 * class per call: InstrumentationBase calls `init()` from its constructor, before fields are set.
 */
function importTrigger(names: readonly string[], onImport: (name: string) => void): Instrumentation {
  class ImportTrigger extends InstrumentationBase {
    protected init(): InstrumentationNodeModuleDefinition[] {
      return names.map(
        (name) =>
          new InstrumentationNodeModuleDefinition(name, ['*'], (exports: unknown) => {
            // Imported: the instrumentation is loaded once the import has been evaluated, and
            // import-in-the-middle replays this module (and the package's others) to it.
            queueMicrotask(() => onImport(name));
            return exports;
          }),
      );
    }
  }
  return new ImportTrigger('@tracebridge/auto/lazy-instrumentations', '1.0.0', {});
}

export function lazyContribInstrumentations(configs: InstrumentationConfigMap, env: NodeJS.ProcessEnv = process.env): LazyInstrumentations {
  // Resolved as the contrib package resolves them: they are its dependencies.
  const load = createRequire(createRequire(import.meta.url).resolve('@opentelemetry/auto-instrumentations-node'));
  const created: Instrumentation[] = [];
  let onCreate: ((i: Instrumentation) => void) | undefined;
  const byModule = new Map<string, Entry[]>();

  const create = (entry: Entry): void => {
    if (entry.loaded) return;
    entry.loaded = true;
    for (const name of entry.info.modules) {
      const rest = (byModule.get(name) ?? []).filter((e) => !e.loaded);
      if (rest.length === 0) byModule.delete(name);
      else byModule.set(name, rest);
    }
    try {
      const Ctor = (load(entry.info.name) as Record<string, new (config: InstrumentationConfig) => Instrumentation>)[entry.info.export];
      if (Ctor === undefined) throw new Error(`${entry.info.name} exports no ${entry.info.export}`);
      const instrumentation = new Ctor(entry.config);
      created.push(instrumentation);
      onCreate?.(instrumentation);
    } catch (err) {
      diag.error(`tracebridge: could not load ${entry.info.name}`, err);
    }
  };
  const createFor = (name: string): boolean => {
    const entries = byModule.get(name);
    if (entries === undefined) return false;
    for (const e of entries) create(e);
    return true;
  };

  const watched: Entry[] = [];
  for (const entry of chosen(env, configs)) {
    // Node's own modules are created at once too: an ESM app imports them without a require, and
    // `http.createServer()` in its top-level code would run before an import-time load took effect.
    if (entry.info.modules.every((m) => isBuiltin(m))) create(entry);
    else {
      watched.push(entry);
      for (const name of entry.info.modules) byModule.set(name, [...(byModule.get(name) ?? []), entry]);
    }
  }

  const proto = Module.prototype as unknown as { require: (this: { filename?: string }, id: string) => unknown };
  const original = proto.require;
  let loading = false;
  const watchRequire = function (this: { filename?: string }, id: string): unknown {
    if (!loading && byModule.size > 0 && typeof id === 'string') {
      let hit = false;
      loading = true;
      try {
        for (const name of candidates(id, this)) if (createFor(name)) hit = true;
      } finally {
        loading = false;
      }
      // Through the require hooks the instrumentation just installed around this one, so that they see
      // this very require (back here, nothing is left to load for it).
      // eslint-disable-next-line prefer-rest-params
      if (hit) return proto.require.apply(this, arguments as unknown as [string]);
    }
    // eslint-disable-next-line prefer-rest-params
    return original.apply(this, arguments as unknown as [string]);
  };
  const names = [...byModule.keys()];
  let trigger: Instrumentation | undefined;
  if (names.length > 0) {
    proto.require = watchRequire;
    trigger = importTrigger(names, (name) => void createFor(name));
  }

  return {
    get created() {
      return created;
    },
    start(callback) {
      onCreate = callback;
      for (const i of created) callback(i);
    },
    uninstall() {
      trigger?.disable();
      // Only while ours is the outermost: another hook installed since keeps calling it, harmlessly.
      if (proto.require === watchRequire) proto.require = original;
      byModule.clear();
      for (const i of created) {
        try {
          i.disable();
        } catch {
          // best effort: the app must run on
        }
      }
    },
  };
}
