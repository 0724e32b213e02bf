// The collector fragments (collector/fragments/sources.yaml, sources-journald.yaml, derived-metrics.yaml) as files:
// each loads with every profile (the real collector's `validate`), adds without replacing (no list a
// profile owns, no pipeline id of a profile), documents itself, and, merged with any profile, has no
// loop through the loopback exporter: data the otlp receiver takes in never comes back to it as the same
// signal. The loop checker is shown to find a loop planted on purpose.
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { COLLECTOR_DIR, collectorBinary, collectorFeatureGates, printConfig, stackFiles } from '#collector/run-lib.mjs';
import { DERIVED, SOURCES, SOURCES_JOURNALD, envReferences, run } from './harness.js';

type Obj = Record<string, any>;

const BASE = path.join(COLLECTOR_DIR, 'config.yaml');
const PROFILES = readdirSync(path.join(COLLECTOR_DIR, 'profiles')).filter((f) => f.endsWith('.yaml')).map((f) => path.join(COLLECTOR_DIR, 'profiles', f));
const FRAGMENTS = [SOURCES, SOURCES_JOURNALD, DERIVED];
/** The stack of each profile (collector/stacks.yaml) with these fragments, in the manifest's order. */
const WITH_FRAGMENTS = ['sources', 'sources-journald', 'derived-metrics'];
const withFragments = (profileFile: string): string[] => stackFiles(path.basename(profileFile, '.yaml'), { add: WITH_FRAGMENTS });
const load = (file: string): Obj => parseYaml(readFileSync(file, 'utf8')) as Obj;

/** The collector's own merge of `files` (print-config), with the sources' environment for their variables. */
const merged = (...files: string[]): Promise<Obj> => printConfig({ configs: files, env: { TRACEBRIDGE_DATA_DIR: tmpdir() } });

/** A further config file holding `yaml`, merged last: a loop planted on purpose. */
function plant(yaml: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'tb-plant-')), 'planted.yaml');
  writeFileSync(file, yaml);
  return file;
}

const signalOf = (pipelineId: string): string => pipelineId.split('/')[0]!;

/** The exporters that send back into this collector's own otlp receiver. */
const LOOPBACKS = ['otlp_http/loopback', 'otlp_http/loopback_metrics'];

/**
 * Loops through the loopbacks: an edge otlp(S) → otlp(T) exists when data of signal S entering the otlp
 * receiver can reach `otlp_http/loopback` or `otlp_http/loopback_metrics` as signal T (through pipelines and connectors). Returns every
 * cycle found, as text.
 */
function loopbackCycles(config: Obj): string[] {
  const pipelines = (config.service?.pipelines ?? {}) as Record<string, Obj>;
  const connectors = new Set(Object.keys(config.connectors ?? {}));
  const reach = (signal: string): Set<string> => {
    const out = new Set<string>();
    const seen = new Set<string>();
    const visit = (receiver: string, sig: string): void => {
      for (const [id, p] of Object.entries(pipelines)) {
        if (signalOf(id) !== sig || !((p.receivers ?? []) as string[]).includes(receiver) || seen.has(id)) continue;
        seen.add(id);
        for (const exporter of (p.exporters ?? []) as string[]) {
          if (LOOPBACKS.includes(exporter)) out.add(sig);
          if (connectors.has(exporter)) {
            for (const [id2] of Object.entries(pipelines).filter(([, p2]) => ((p2.receivers ?? []) as string[]).includes(exporter))) visit(exporter, signalOf(id2));
          }
        }
      }
    };
    visit('otlp', signal);
    return out;
  };
  const edges = new Map(['logs', 'traces', 'metrics'].map((s) => [s, reach(s)]));
  const cycles: string[] = [];
  const walk = (start: string, at: string, pathSoFar: string[]): void => {
    for (const next of edges.get(at) ?? []) {
      if (next === start) cycles.push([...pathSoFar, next].join(' → '));
      else if (!pathSoFar.includes(next)) walk(start, next, [...pathSoFar, next]);
    }
  };
  for (const s of edges.keys()) walk(s, s, [s]);
  return cycles;
}

describe('the fragments load with every profile', () => {
  it.each(PROFILES.map((p) => [path.basename(p)]))('validates config.yaml + %s + the fragments', async (name) => {
    const files = withFragments(name);
    const args = ['validate', ...files.flatMap((f) => ['--config', f]), `--feature-gates=${collectorFeatureGates(...files).join(',')}`];
    const { code, stdout, stderr } = await run(await collectorBinary(), args);
    expect(code, stdout + stderr).toBe(0);
  });

  it('validates each fragment on its own (sources without derived, derived without sources)', async () => {
    for (const fragment of ['sources', 'derived-metrics']) {
      const files = stackFiles('local', { add: [fragment] });
      const { code, stdout, stderr } = await run(await collectorBinary(), ['validate', ...files.flatMap((f) => ['--config', f]), `--feature-gates=${collectorFeatureGates(...files).join(',')}`]);
      expect(code, `${fragment}: ${stdout}${stderr}`).toBe(0);
    }
  });
});

describe('the fragments add, never replace', () => {
  it('restate no list a profile owns and reuse no pipeline id of the base or a profile', () => {
    const owned = new Set(PROFILES.concat(BASE).flatMap((p) => Object.keys(load(p).service?.pipelines ?? {})));
    for (const fragment of FRAGMENTS) {
      const doc = load(fragment);
      expect(doc.service.extensions, fragment).toBeUndefined();
      expect(doc.service.telemetry, fragment).toBeUndefined();
      for (const id of Object.keys(doc.service.pipelines)) expect(owned.has(id), `${path.basename(fragment)} redefines pipeline ${id}`).toBe(false);
      // memory_limiter first: refuse before anything holds data (one limiter shared with the profile's).
      for (const [id, p] of Object.entries(doc.service.pipelines as Record<string, Obj>)) expect(p.processors[0], id).toBe('memory_limiter');
    }
  });

  it('rely only on what every profile provides: file_storage/offsets enabled, a logs and a metrics pipeline from otlp', async () => {
    for (const profile of PROFILES) {
      const config = await merged(BASE, profile);
      expect(config.service.extensions, profile).toContain('file_storage/offsets');
      for (const signal of ['logs', 'metrics']) {
        expect(Object.entries(config.service.pipelines as Record<string, Obj>).some(([id, p]) => signalOf(id) === signal && p.receivers.includes('otlp')), `${profile}: ${signal}`).toBe(true);
      }
    }
  });

  it('define their loopbacks to the otlp receiver\'s own HTTP endpoint, the same but for the queue', () => {
    const base = load(BASE);
    const [a, b] = [load(SOURCES).exporters['otlp_http/loopback'], load(DERIVED).exporters['otlp_http/loopback_metrics']];
    expect(a.endpoint).toBe(`http://${base.receivers.otlp.protocols.http.endpoint}`);
    // Records wait for the receiver (a file's offset moves on only then); counts are queued in memory,
    // so that the connectors' last emission at shutdown cannot block the collector's exit.
    expect(a.sending_queue).toEqual({ enabled: false });
    expect(b.sending_queue).toMatchObject({ enabled: true });
    expect(b.sending_queue.storage).toBeUndefined();
    expect({ ...a, sending_queue: undefined }).toEqual({ ...b, sending_queue: undefined });
  });
});

describe('no loop through the loopback', () => {
  it.each(PROFILES.map((p) => [path.basename(p)]))('with %s: nothing the otlp receiver takes comes back to it as the same signal', async (name) => {
    expect(loopbackCycles(await merged(...withFragments(name)))).toEqual([]);
  });

  it('finds a loop when there is one (the checker is live)', async () => {
    const files = withFragments('local');
    const looped = await merged(...files, plant('service:\n  pipelines:\n    metrics/derived:\n      receivers: [count/logs, span_metrics, otlp]\n'));
    expect(loopbackCycles(looped)).toEqual(['metrics → metrics']);
    const viaLogs = await merged(...files, plant('service:\n  pipelines:\n    logs/derived:\n      exporters: [count/logs, otlp_http/loopback]\n'));
    expect(loopbackCycles(viaLogs)).toEqual(['logs → logs']);
  });
});

describe('each fragment documents itself', () => {
  it.each(FRAGMENTS.map((f) => [path.basename(f, '.yaml'), f]))('%s opens with what it adds, how it is loaded, and the lists-replaced rule', (name, file) => {
    const text = readFileSync(file, 'utf8');
    const header = text.slice(0, text.search(/^[a-z]/m));
    expect(text.startsWith(`# tracebridge collector fragment \`${name}\``)).toBe(true);
    // How it is loaded: collector/stacks.yaml, and the command that prints a stack with it.
    expect(header).toContain('collector/stacks.yaml');
    expect(header).toMatch(new RegExp(`node collector/stacks\\.mjs \\S+ (?:\\+\\S+ )*\\+${name}\\b`));
    expect(header).toMatch(/LISTS ARE REPLACED/);
    // Every variable it reads has a default, and every tracebridge one is listed in the header.
    for (const [variable, fallback] of envReferences(file)) {
      expect(fallback, `\${env:${variable}} has no default`).toBeDefined();
      if (variable.startsWith('TRACEBRIDGE_') && variable !== 'TRACEBRIDGE_DATA_DIR') expect(header, `${variable} is not documented in the header`).toContain(variable);
    }
  });
});

describe('transform/sources', () => {
  // OTTL tests a value only by naming its key (walking a map's values takes a lambda, behind an Alpha
  // feature gate), so the statements that drop an empty or `-` value list the attributes one by one.
  it('drops an empty or `-` value of every attribute a source sets', () => {
    const sources = readFileSync(SOURCES, 'utf8');
    const dropped = new Set([...sources.matchAll(/delete_key\(log\.attributes, "([^"]+)"\) where log\.attributes\["\1"\] == "" or log\.attributes\["\1"\] == "-"/g)].map((m) => m[1]!));
    const set = new Set<string>();
    for (const text of [sources, readFileSync(SOURCES_JOURNALD, 'utf8')]) {
      // Capture groups (`_…` are working fields), journald's moved fields, added fields, transform targets.
      for (const m of text.matchAll(/\?P<([a-z][a-z0-9_]*)>|(?:to|field): attributes\.([a-z][a-z0-9_]*)|set\(log\.attributes\["([a-z][a-z0-9_.]*)"\]/g)) {
        set.add((m[1] ?? m[2] ?? m[3])!.replaceAll('__', '.'));
      }
    }
    // Removed by name (the syslog parser's own fields), parsed into the resource, or groups of the stack
    // trace patterns (they fill exception.*, which are listed).
    const removed = (/delete_matching_keys\(log\.attributes, "\^\(([^)]*)\)\$\$"\)/.exec(sources)?.[1] ?? '').split('|');
    const notAttributes = new Set([...removed, 'service.name', 'type', 'stack']);
    // Never a string: a number (seconds → ms), a string array, a map.
    const notStrings = new Set(['performance.duration_ms', 'http.request.header.referer', 'syslog.structured_data']);
    expect(removed).toContain('appname');
    const missing = [...set].filter((name) => !notAttributes.has(name) && !notStrings.has(name) && !dropped.has(name));
    expect(missing).toEqual([]);
    expect(dropped.size).toBeGreaterThan(15);
  });
});
