// Reads collector/stacks.yaml, the one declaration of which configuration files the collector loads, in
// which order, with which feature gates; used by `tracebridge demo`, the tests and the benchmarks. Plain
// ESM beside build-lib.mjs, typed by stacks.d.mts, so it runs without a compile step.
//
//   node collector/stacks.mjs                   the stacks and fragments
//   node collector/stacks.mjs lgtm              the command line of stack `lgtm`
//   node collector/stacks.mjs local +sources    … with a fragment added

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';

/** This folder: the base configuration, profiles/, fragments/, stacks.yaml. */
export const COLLECTOR_DIR = path.dirname(fileURLToPath(import.meta.url));

/** The declaration this module reads. */
export const STACKS_FILE = path.join(COLLECTOR_DIR, 'stacks.yaml');

/** What a bad stack name, fragment or manifest throws: the codes of docs/errors.md. */
export class StackError extends Error {
  /**
   * @param {'TRACEBRIDGE_ERR_INVALID_OPTION' | 'TRACEBRIDGE_ERR_INPUT'} code
   * @param {string} message
   * @param {{ cause?: unknown }} [options]
   */
  constructor(code, message, options) {
    super(message, options);
    this.name = 'TracebridgeError';
    this.code = code;
  }
}

const invalid = (message) => new StackError('TRACEBRIDGE_ERR_INVALID_OPTION', message);

/** Gates of a manifest entry: a list of non-empty strings, none by default. */
function gatesOf(entry, where) {
  const gates = entry.gates ?? [];
  if (!Array.isArray(gates) || gates.some((g) => typeof g !== 'string' || g === '' || g.includes(','))) {
    throw new StackError('TRACEBRIDGE_ERR_INPUT', `${where}: gates must be a list of feature gate ids`);
  }
  return gates;
}

function fileOf(entry, where) {
  if (typeof entry?.file !== 'string' || entry.file === '' || path.isAbsolute(entry.file)) {
    throw new StackError('TRACEBRIDGE_ERR_INPUT', `${where}: file must be a path relative to collector/`);
  }
  return entry.file;
}

/**
 * The manifest, checked: every name and reference resolves. Paths stay relative to collector/.
 * @param {string} [file]
 */
export function readStacks(file = STACKS_FILE) {
  let doc;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new StackError('TRACEBRIDGE_ERR_INPUT', `cannot read the collector stacks from ${file}: ${cause.message}`, { cause });
  }
  const where = path.basename(file);
  const base = { file: fileOf(doc?.base, `${where}: base`), gates: gatesOf(doc.base, `${where}: base`) };
  const fragments = Object.entries(doc.fragments ?? {}).map(([name, entry]) => ({
    name,
    file: fileOf(entry, `${where}: fragment ${name}`),
    gates: gatesOf(entry, `${where}: fragment ${name}`),
    requires: entry.requires ?? [],
    profiles: entry.profiles ?? [],
  }));
  const names = new Set(fragments.map((f) => f.name));
  for (const f of fragments) {
    for (const r of f.requires) if (!names.has(r)) throw new StackError('TRACEBRIDGE_ERR_INPUT', `${where}: fragment ${f.name} requires ${r}, which is no fragment`);
  }
  const stacks = Object.entries(doc.stacks ?? {}).map(([name, entry]) => {
    if (typeof entry?.profile !== 'string' || entry.profile === '') throw new StackError('TRACEBRIDGE_ERR_INPUT', `${where}: stack ${name} names no profile`);
    return { name, profile: entry.profile, fragments: entry.fragments ?? [], gates: gatesOf(entry, `${where}: stack ${name}`) };
  });
  const manifest = { file, base, fragments, stacks };
  // Every declared stack must resolve (known fragments, their rules kept).
  for (const s of stacks) resolveStack(s.name, { manifest });
  return manifest;
}

let cached;
/** The manifest of this checkout, read once. */
function defaultManifest() {
  cached ??= readStacks();
  return cached;
}

/**
 * A stack: its files in load order (relative to collector/) and the feature gates they need. `add` names
 * more fragments; every fragment takes its place in the manifest's order, whoever names it.
 * @param {string} name
 * @param {{ add?: string[], manifest?: ReturnType<typeof readStacks> }} [options]
 */
export function resolveStack(name, { add = [], manifest = defaultManifest() } = {}) {
  const stack = manifest.stacks.find((s) => s.name === name);
  if (stack === undefined) throw invalid(`no collector stack ${JSON.stringify(name)}; stacks.yaml declares ${manifest.stacks.map((s) => s.name).join(', ')}`);
  const wanted = new Set([...stack.fragments, ...add]);
  for (const f of wanted) {
    if (!manifest.fragments.some((m) => m.name === f)) throw invalid(`no collector fragment ${JSON.stringify(f)}; stacks.yaml declares ${manifest.fragments.map((m) => m.name).join(', ')}`);
  }
  const fragments = manifest.fragments.filter((f) => wanted.has(f.name));
  for (const f of fragments) {
    for (const r of f.requires) if (!wanted.has(r)) throw invalid(`fragment ${f.name} needs ${r} in the same stack (stack ${name})`);
    if (f.profiles.length > 0 && !f.profiles.includes(stack.profile)) throw invalid(`fragment ${f.name} only goes over ${f.profiles.join(', ')}, not ${stack.profile} (stack ${name})`);
  }
  const gates = new Set([...manifest.base.gates, ...stack.gates, ...fragments.flatMap((f) => f.gates)]);
  return { name, files: [manifest.base.file, stack.profile, ...fragments.map((f) => f.file)], gates: [...gates] };
}

/**
 * The absolute paths of a stack's files, in load order.
 * @param {string} name
 * @param {{ add?: string[] }} [options]
 */
export function stackFiles(name, options) {
  return resolveStack(name, options).files.map((f) => path.join(COLLECTOR_DIR, f));
}

/**
 * The collector's arguments for a stack: `--config <file>` per file, then `--feature-gates=` when it
 * needs any. `dir` is where collector/ is for the process that runs it (another checkout, a container's
 * /etc/otelcol); `equals` writes `--config=<file>`, as compose and the Dockerfile do.
 * @param {string} name
 * @param {{ add?: string[], dir?: string, equals?: boolean }} [options]
 */
export function collectorArgs(name, { add, dir = COLLECTOR_DIR, equals = false } = {}) {
  const { files, gates } = resolveStack(name, { add });
  const args = files.flatMap((f) => (equals ? [`--config=${path.join(dir, f)}`] : ['--config', path.join(dir, f)]));
  if (gates.length > 0) args.push(`--feature-gates=${gates.join(',')}`);
  return args;
}

/**
 * The feature gates the given configuration files need, by the manifest (a file it does not name, such
 * as a test's own profile, needs none).
 * @param {string[]} files absolute paths
 */
export function gatesFor(files, manifest = defaultManifest()) {
  const byFile = new Map([[manifest.base.file, manifest.base.gates], ...manifest.fragments.map((f) => [f.file, f.gates]), ...manifest.stacks.map((s) => [s.profile, s.gates])]);
  const gates = new Set();
  for (const file of files) for (const g of byFile.get(path.relative(COLLECTOR_DIR, file).split(path.sep).join('/')) ?? []) gates.add(g);
  return [...gates];
}

/**
 * The absolute path of a fragment's file.
 * @param {string} name
 */
export function fragmentFile(name, manifest = defaultManifest()) {
  const f = manifest.fragments.find((m) => m.name === name);
  if (f === undefined) throw invalid(`no collector fragment ${JSON.stringify(name)}; stacks.yaml declares ${manifest.fragments.map((m) => m.name).join(', ')}`);
  return path.join(COLLECTOR_DIR, f.file);
}

/** Every profile file some stack loads (absolute, each once, in declaration order). */
export function profileFiles(manifest = defaultManifest()) {
  return [...new Set(manifest.stacks.map((s) => s.profile))].map((p) => path.join(COLLECTOR_DIR, p));
}

// `node collector/stacks.mjs [stack [+fragment ...]]`
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const [name, ...rest] = process.argv.slice(2);
  try {
    const manifest = defaultManifest();
    if (name === undefined) {
      for (const s of manifest.stacks) console.log(`stack ${s.name}: ${resolveStack(s.name).files.join(' + ')}`);
      for (const f of manifest.fragments) console.log(`fragment ${f.name}: ${f.file}`);
    } else {
      const add = rest.map((r) => r.replace(/^\+/, ''));
      const args = collectorArgs(name, { add, dir: path.relative(process.cwd(), COLLECTOR_DIR) || '.' });
      console.log(['otelcol-tracebridge', ...args].join(' '));
    }
  } catch (err) {
    console.error(`${err.code ?? 'error'}: ${err.message}`);
    process.exitCode = 1;
  }
}
