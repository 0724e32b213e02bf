// Builds the tracebridge collector and the test stores from Go modules into a machine-level cache, and hands
// back the binary paths. Used by `collector/build.mjs` (npm run collector:build) and imported by tests, so it
// has no dependencies beyond Node's standard library.
//
// Why a cache outside the repo: a cold build is long (measured on 2 cores from an empty cache,
// `node collector/build.mjs --all` took 8 min 9 s for the collector and every test store, before it built the
// tools too); keying the binary by the hash of its inputs (the manifest and the Go sources of our own
// components) lets a fresh clone (CI) reuse whatever the machine already built, and never commits a binary. Why a lock: two test files may ask for the
// same binary at once; the loser waits and then reuses the winner's result instead of racing it in the same
// directories.

import { spawn, execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Path of the builder manifest the collector is built from. */
export const MANIFEST_PATH = path.join(HERE, 'manifest.yaml');

/**
 * Our own collector components: local Go modules the manifest pulls in with `path:` (relative to the
 * manifest's directory). Their sources are part of the collector's cache key.
 */
export const COMPONENTS_DIR = path.join(HERE, 'components');

const BUILDER_MODULE = 'go.opentelemetry.io/collector/cmd/builder';

/** What the builder is doing after each of its log lines (it is silent in between, for minutes). */
const BUILDER_PHASES = {
  'Sources created': 'go mod tidy: resolving and downloading modules',
  'Getting go modules': 'go mod download',
  Compiling: 'go build',
};

/** How often a running build prints a "still building" line when the tools themselves are silent. */
const HEARTBEAT_MS = 10_000;
/** How often a lock holder refreshes its lock; a lock not refreshed for LOCK_STALE_MS is taken over. */
const LOCK_REFRESH_MS = 5_000;
const LOCK_STALE_MS = 60_000;

/**
 * Stores built from Go modules for the backend tests. Each is a tiny module under `collector/stores/<name>/`
 * whose committed go.mod/go.sum pin the version (a `tool` line names the main package), so the cache key is
 * the hash of those files.
 */
export const STORES = Object.freeze({
  // versitygw serves S3 from a directory (posix backend) and checks SigV4 signatures, so the s3_archive
  // exporter is exercised with real auth. Apache-2.0.
  s3: { pkg: 'github.com/versity/versitygw/cmd/versitygw', bin: 'versitygw', versionArgs: ['--version'] },
  // Jaeger (the v2 backend, itself an OTel collector build: in-memory storage, OTLP in, HTTP query API);
  // run it with stores/jaeger/jaeger.yaml. Apache-2.0.
  jaeger: { pkg: 'github.com/jaegertracing/jaeger/cmd/jaeger', bin: 'jaeger', versionArgs: ['version'] },
  // VictoriaLogs single node: OTLP logs in, LogsQL out. Apache-2.0.
  victorialogs: {
    pkg: 'github.com/VictoriaMetrics/VictoriaLogs/app/victoria-logs',
    bin: 'victoria-logs',
    versionArgs: ['-version'],
  },
});

/**
 * Command-line tools the tests (and benchmarks) drive, built from Go modules like the stores: each is a tiny
 * module under `tools/<name>/` whose committed go.mod/go.sum pin the version through a `tool` line. The cache
 * key names the pinned version and hashes those files. `versionVar` (optional) is the package variable the
 * release build stamps with its version (`-X`), so `--version` answers with the pinned release instead of
 * "dev". `bench: true` marks a tool only benchmarks use, which the tests' global setup leaves alone.
 */
export const TOOLS = Object.freeze({
  // The Docker Compose CLI (Apache-2.0). Its `config` command loads, interpolates, merges and validates a
  // project exactly as `docker compose up` would, with no engine; run as a standalone binary.
  compose: {
    module: 'github.com/docker/compose/v5',
    pkg: 'github.com/docker/compose/v5/cmd',
    bin: 'docker-compose',
    versionArgs: ['version'],
    versionVar: 'github.com/docker/compose/v5/internal.Version',
  },
  // actionlint (MIT): checks GitHub Actions workflows (syntax, expressions, action inputs, shellcheck on
  // `run:` scripts when shellcheck is on PATH).
  actionlint: {
    module: 'github.com/rhysd/actionlint',
    pkg: 'github.com/rhysd/actionlint/cmd/actionlint',
    bin: 'actionlint',
    versionArgs: ['-version'],
    versionVar: 'github.com/rhysd/actionlint.version',
  },
  // telemetrygen (Apache-2.0), the collector project's own load generator, at the manifest's contrib
  // release: drives each collector stack at saturation in bench/collector-tiers.bench.ts. A benchmark's
  // tool only (`bench: true`): the tests' global setup does not build it. It has no version command,
  // and no version variable to stamp.
  telemetrygen: {
    module: 'github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen',
    pkg: 'github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen',
    bin: 'telemetrygen',
    versionArgs: ['--help'],
    bench: true,
  },
});

/** Folder of the tool modules (see {@link TOOLS}). */
export const TOOLS_DIR = path.join(HERE, '..', 'tools');

/**
 * Root of the machine-level cache: `$TRACEBRIDGE_CACHE`, else `$XDG_CACHE_HOME/tracebridge`, else
 * `~/.cache/tracebridge`.
 */
export function cacheDir() {
  if (process.env.TRACEBRIDGE_CACHE) return path.resolve(process.env.TRACEBRIDGE_CACHE);
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.resolve(base, 'tracebridge');
}

/** Error thrown when a binary cannot be provided; `code` is stable for callers to match on. */
export class CollectorBuildError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = 'CollectorBuildError';
    this.code = 'TRACEBRIDGE_ERR_COLLECTOR_BUILD';
  }
}

const defaultLog = (line) => process.stderr.write(`${line}\n`);

/**
 * Returns the absolute path of a working collector binary, building it on a cache miss.
 * `OTELCOL_BIN` (an existing otelcol or otelcol-contrib) short-circuits the build.
 * @param {{ log?: (line: string) => void }} [options] `log` receives progress lines (default: stderr).
 */
export async function ensureCollector({ log = defaultLog } = {}) {
  const own = process.env.OTELCOL_BIN;
  if (own) {
    const bin = path.resolve(own);
    try {
      await fs.access(bin, fsConstants.X_OK);
    } catch (cause) {
      throw new CollectorBuildError(`OTELCOL_BIN=${own} is not an executable file; unset it to build our own`, {
        cause,
      });
    }
    const version = await answersVersion(bin, ['--version']);
    if (!version) throw new CollectorBuildError(`OTELCOL_BIN=${own} does not answer --version`);
    log(`[collector] using OTELCOL_BIN: ${version}`);
    return bin;
  }

  const manifest = await fs.readFile(MANIFEST_PATH, 'utf8');
  const { distName, coreVersion } = parseManifest(manifest);
  const hash = await collectorInputsHash(manifest);
  const root = cacheDir();
  const finalDir = path.join(root, 'bin', `otelcol-${hash}`);
  const finalBin = path.join(finalDir, distName);
  const label = 'collector';

  return buildOnce({
    root,
    label,
    key: `otelcol-${hash}`,
    finalDir,
    finalBin,
    versionArgs: ['--version'],
    log,
    build: async (stage) => {
      const builder = await ensureBuilder(root, coreVersion, log);
      const srcDir = path.join(stage, 'src');
      const stagedManifest = path.join(stage, 'manifest.yaml');
      // The builder has no output-path flag in this release: point `dist.output_path` at the staging dir.
      const rewritten = manifest.replace(/^(\s+output_path:).*$/m, `$1 ${JSON.stringify(srcDir)}`);
      if (rewritten === manifest) throw new CollectorBuildError('manifest.yaml has no dist.output_path line');
      // The staged manifest lives in the cache, and the builder resolves a module's `path:` against its own
      // working directory: make each one absolute, as written relative to the manifest's directory.
      await fs.writeFile(stagedManifest, absoluteModulePaths(rewritten, HERE));
      log(`[${label}] cold build of ${distName} (${coreVersion}); with every test store, 8 min 9 s from an empty cache on 2 cores (node collector/build.mjs --all)`);
      await run(builder, ['--config', stagedManifest], {
        label,
        log,
        logFile: path.join(stage, 'build.log'),
        env: {
          CGO_ENABLED: '0',
          // `go mod tidy` (run by the builder) also resolves the imports of dependencies' *tests*; the module
          // proxy refuses a few test-only modules (e.g. otlpencodingextension@v0.160.0 for fileexporter's
          // tests), which fails tidy although the binary never needs them. `-e` lets tidy carry on; go build
          // and go mod download ignore a GOFLAGS entry they do not know.
          GOFLAGS: [process.env.GOFLAGS, '-e'].filter(Boolean).join(' '),
        },
      });
      return path.join(srcDir, distName);
    },
  });
}

/**
 * Returns the absolute path of a store binary (see {@link STORES}), building it on a cache miss.
 * @param {keyof typeof STORES} name
 * @param {{ log?: (line: string) => void }} [options]
 */
export async function ensureStore(name, { log = defaultLog } = {}) {
  const store = STORES[name];
  if (!store) {
    throw new CollectorBuildError(`unknown store "${name}"; known: ${Object.keys(STORES).join(', ')}`);
  }
  const moduleDir = path.join(HERE, 'stores', name);
  const goMod = await fs.readFile(path.join(moduleDir, 'go.mod'), 'utf8');
  const toolchain = goToolchainOf(goMod);
  const hash = await hashModuleDir(moduleDir, [store.pkg, toolchain ?? '']);
  const root = cacheDir();
  const finalDir = path.join(root, 'bin', `${name}-${hash}`);
  const label = `store ${name}`;

  return buildOnce({
    root,
    label,
    key: `${name}-${hash}`,
    finalDir,
    finalBin: path.join(finalDir, store.bin),
    versionArgs: store.versionArgs,
    log,
    build: async (stage) => {
      await requireGo();
      const out = path.join(stage, store.bin);
      log(`[${label}] cold build of ${store.pkg}${toolchain ? ` with GOTOOLCHAIN=${toolchain}` : ''}`);
      await run('go', ['build', '-mod=readonly', '-trimpath', '-ldflags=-s -w', '-o', out, store.pkg], {
        label,
        log,
        cwd: moduleDir,
        logFile: path.join(stage, 'build.log'),
        // Only a module that needs a newer Go than the machine's asks for one (a `toolchain` line in its
        // go.mod); the env var is set for that build alone, never globally.
        env: { CGO_ENABLED: '0', ...(toolchain ? { GOTOOLCHAIN: toolchain } : {}) },
      });
      return out;
    },
  });
}

/**
 * Returns the absolute path of a tool binary (see {@link TOOLS}), building it on a cache miss.
 * @param {keyof typeof TOOLS} name
 * @param {{ log?: (line: string) => void }} [options]
 */
export async function ensureTool(name, { log = defaultLog } = {}) {
  const tool = TOOLS[name];
  if (!tool) {
    throw new CollectorBuildError(`unknown tool "${name}"; known: ${Object.keys(TOOLS).join(', ')}`);
  }
  const moduleDir = path.join(TOOLS_DIR, name);
  const goMod = await fs.readFile(path.join(moduleDir, 'go.mod'), 'utf8');
  const version = requiredVersion(goMod, tool.module);
  if (!version) throw new CollectorBuildError(`tools/${name}/go.mod does not require ${tool.module}`);
  const toolchain = goToolchainOf(goMod);
  const hash = await hashModuleDir(moduleDir, [tool.pkg, toolchain ?? '']);
  const root = cacheDir();
  const key = `${name}-${version}-${hash}`;
  const finalDir = path.join(root, 'bin', key);
  const label = `tool ${name}`;

  return buildOnce({
    root,
    label,
    key,
    finalDir,
    finalBin: path.join(finalDir, tool.bin),
    versionArgs: tool.versionArgs,
    log,
    build: async (stage) => {
      await requireGo();
      const out = path.join(stage, tool.bin);
      log(`[${label}] cold build of ${tool.pkg}@${version}`);
      await run(
        'go',
        ['build', '-mod=readonly', '-trimpath', `-ldflags=-s -w${tool.versionVar ? ` -X ${tool.versionVar}=${version}` : ''}`, '-o', out, tool.pkg],
        {
          label,
          log,
          cwd: moduleDir,
          logFile: path.join(stage, 'build.log'),
          env: { CGO_ENABLED: '0', ...(toolchain ? { GOTOOLCHAIN: toolchain } : {}) },
        },
      );
      return out;
    },
  });
}

/** The version go.mod requires of `module` (`require` block or line), or undefined. */
export function requiredVersion(goMod, module) {
  const escaped = module.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(v\\S+)`, 'm').exec(goMod)?.[1];
}

// --- building -----------------------------------------------------------------------------------------------

/**
 * Reuse `finalBin` if it answers; otherwise, under a per-key lock, build into a fresh staging dir and rename
 * the finished directory into place. rename(2) of a directory is atomic, so a reader sees either no
 * directory or a complete one, and a build killed half-way leaves only a staging dir that the next build
 * under the same lock deletes.
 */
async function buildOnce({ root, label, key, finalDir, finalBin, versionArgs, log, build }) {
  if (await answersVersion(finalBin, versionArgs)) return finalBin;

  const lockDir = path.join(root, 'locks', `${key}.lock`);
  return withLock(lockDir, { label, log }, async () => {
    // Another process may have finished the same build while we waited for the lock.
    if (await answersVersion(finalBin, versionArgs)) {
      log(`[${label}] built by another process: ${finalBin}`);
      return finalBin;
    }
    const tmpRoot = path.join(root, 'tmp');
    await fs.mkdir(tmpRoot, { recursive: true });
    await removeLeftovers(tmpRoot, `${key}-`);
    const stage = await fs.mkdtemp(path.join(tmpRoot, `${key}-`));
    const started = Date.now();
    let built;
    try {
      built = await build(stage);
    } catch (err) {
      throw new CollectorBuildError(
        `${label} build failed after ${elapsed(started)}: ${err.message}\n` +
          `  the staging directory is kept for inspection: ${stage}`,
        { cause: err },
      );
    }
    if (!(await answersVersion(built, versionArgs))) {
      throw new CollectorBuildError(`${label}: the built binary does not answer ${versionArgs.join(' ')}: ${built}`);
    }
    const packed = path.join(stage, 'final');
    await fs.mkdir(packed);
    await fs.rename(built, path.join(packed, path.basename(finalBin)));
    // A directory at finalDir here is broken (it failed the version check above): replace it.
    await fs.rm(finalDir, { recursive: true, force: true });
    await fs.mkdir(path.dirname(finalDir), { recursive: true });
    await fs.rename(packed, finalDir);
    await fs.rm(stage, { recursive: true, force: true });
    log(`[${label}] built in ${elapsed(started)}: ${finalBin}`);
    return finalBin;
  });
}

/** Installs the collector builder at the manifest's core version into `<cache>/bin/builder-<version>/`. */
async function ensureBuilder(root, version, log) {
  const dir = path.join(root, 'bin', `builder-${version}`);
  const bin = path.join(dir, process.platform === 'win32' ? 'builder.exe' : 'builder');
  if (await answersVersion(bin, ['version'])) return bin;
  await requireGo();
  return withLock(path.join(root, 'locks', `builder-${version}.lock`), { label: 'builder', log }, async () => {
    if (await answersVersion(bin, ['version'])) return bin;
    const tmpRoot = path.join(root, 'tmp');
    await fs.mkdir(tmpRoot, { recursive: true });
    await removeLeftovers(tmpRoot, `builder-${version}-`);
    const stage = await fs.mkdtemp(path.join(tmpRoot, `builder-${version}-`));
    const started = Date.now();
    log(`[builder] installing ${BUILDER_MODULE}@${version}`);
    await run('go', ['install', `${BUILDER_MODULE}@${version}`], {
      label: 'builder',
      log,
      cwd: stage,
      env: { GOBIN: stage, CGO_ENABLED: '0' },
    });
    await fs.rm(dir, { recursive: true, force: true });
    await fs.mkdir(path.dirname(dir), { recursive: true });
    await fs.rename(stage, dir);
    log(`[builder] installed in ${elapsed(started)}`);
    return bin;
  });
}

/**
 * Runs a command, streaming its output lines to `log` (and to `logFile`), and prints a heartbeat with the
 * elapsed time whenever it has been silent for HEARTBEAT_MS: the builder buffers go's output until each step
 * ends, so without it a cold build looks hung for minutes.
 */
function run(cmd, args, { label, log, cwd, env, logFile }) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let lastOutput = Date.now();
    let phase = '';
    const tail = [];
    const chunks = [];
    const child = spawn(cmd, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const onLine = (line) => {
      if (!line.trim()) return;
      lastOutput = Date.now();
      chunks.push(line);
      tail.push(line);
      if (tail.length > 30) tail.shift();
      // Builder log lines look like "<time> INFO builder/main.go:121 Compiling {...}": keep the message.
      const m = /\bINFO\s+\S+\s+(.*)$/.exec(line);
      if (m) {
        const message = m[1].replace(/\s*\{.*$/, '');
        phase = BUILDER_PHASES[message] ?? message;
      }
      log(`[${label}] ${line}`);
    };
    for (const stream of [child.stdout, child.stderr]) {
      let buf = '';
      stream.setEncoding('utf8');
      stream.on('data', (data) => {
        buf += data;
        const lines = buf.split('\n');
        buf = lines.pop();
        lines.forEach(onLine);
      });
      stream.on('end', () => buf && onLine(buf));
    }
    const heartbeat = setInterval(() => {
      if (Date.now() - lastOutput >= HEARTBEAT_MS - 100) {
        log(`[${label}] still running (${elapsed(started)} elapsed${phase ? `; ${phase}` : ''})`);
      }
    }, HEARTBEAT_MS);
    const stopOnSignal = () => child.kill('SIGTERM');
    process.once('SIGINT', stopOnSignal);
    process.once('SIGTERM', stopOnSignal);
    const done = async (err) => {
      clearInterval(heartbeat);
      process.off('SIGINT', stopOnSignal);
      process.off('SIGTERM', stopOnSignal);
      if (logFile) await fs.writeFile(logFile, chunks.join('\n') + '\n').catch(() => {});
      if (err) reject(err);
      else resolve();
    };
    child.on('error', (err) =>
      done(new Error(`cannot run ${cmd}: ${err.message}${err.code === 'ENOENT' ? ' (is it installed and on PATH?)' : ''}`)),
    );
    child.on('close', (code, signal) => {
      if (code === 0) return done();
      done(
        new Error(
          `${cmd} ${args.join(' ')} exited with ${signal ?? code}; last output:\n    ${tail.slice(-15).join('\n    ')}`,
        ),
      );
    });
  });
}

// --- locking ------------------------------------------------------------------------------------------------

/**
 * Runs `fn` holding a lock made with mkdir (atomic on every local file system, no native module needed).
 * The holder records its pid and host and refreshes the lock's mtime; a waiter takes the lock over when the
 * holder is gone (same host, pid not alive) or silent for LOCK_STALE_MS (another host, or a frozen process).
 */
async function withLock(lockDir, { label, log }, fn) {
  await fs.mkdir(path.dirname(lockDir), { recursive: true });
  const waitStarted = Date.now();
  let lastNotice = 0;
  for (;;) {
    try {
      await fs.mkdir(lockDir);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    const owner = await readOwner(lockDir);
    if (await isStale(lockDir, owner)) {
      // Rename first so that of several waiters exactly one removes the stale lock; the others retry mkdir.
      const grave = `${lockDir}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
      try {
        await fs.rename(lockDir, grave);
        log(`[${label}] took over a stale lock (holder pid ${owner?.pid ?? '?'} is gone)`);
        await fs.rm(grave, { recursive: true, force: true });
      } catch {
        /* someone else got there first */
      }
      continue;
    }
    if (Date.now() - lastNotice >= HEARTBEAT_MS) {
      lastNotice = Date.now();
      log(
        `[${label}] waiting for another build (pid ${owner?.pid ?? '?'}) to finish` +
          ` (${elapsed(waitStarted)} waited)`,
      );
    }
    await sleep(500 + Math.random() * 500);
  }

  await fs.writeFile(
    path.join(lockDir, 'owner.json'),
    JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date().toISOString() }),
  );
  const refresh = setInterval(() => {
    const now = new Date();
    fs.utimes(lockDir, now, now).catch(() => {});
  }, LOCK_REFRESH_MS);
  refresh.unref();
  try {
    return await fn();
  } finally {
    clearInterval(refresh);
    await fs.rm(lockDir, { recursive: true, force: true });
  }
}

async function readOwner(lockDir) {
  try {
    return JSON.parse(await fs.readFile(path.join(lockDir, 'owner.json'), 'utf8'));
  } catch {
    return undefined; // just created and not written yet, or being removed
  }
}

async function isStale(lockDir, owner) {
  let stat;
  try {
    stat = await fs.stat(lockDir);
  } catch {
    return false; // released meanwhile: the next mkdir will tell
  }
  if (Date.now() - stat.mtimeMs > LOCK_STALE_MS) return true;
  if (owner && owner.host === os.hostname() && owner.pid !== process.pid) {
    try {
      process.kill(owner.pid, 0);
    } catch (err) {
      return err.code === 'ESRCH';
    }
  }
  return false;
}

// --- helpers ------------------------------------------------------------------------------------------------

/**
 * The manifest must name a single collector release: every `go.opentelemetry.io/collector/...` module at
 * v0.x must carry the same version, which is also the builder version installed.
 */
export function parseManifest(text) {
  const distName = /^dist:\s*\n(?:[ \t]+.*\n)*?[ \t]+name:\s*(\S+)/m.exec(text)?.[1];
  if (!distName) throw new CollectorBuildError('manifest.yaml: no dist.name');
  const versions = new Set(
    [...text.matchAll(/^\s*-\s*gomod:\s*go\.opentelemetry\.io\/collector\/\S+\s+(v0\.\d+\.\d+)\s*$/gm)].map((m) => m[1]),
  );
  if (versions.size !== 1) {
    throw new CollectorBuildError(
      `manifest.yaml must pin all core collector modules to one v0.x release; found: ${[...versions].join(', ') || 'none'}`,
    );
  }
  return { distName, coreVersion: [...versions][0] };
}

/**
 * Rewrites every module's `path:` (local modules, see the builder's README) to an absolute path, resolved
 * against `baseDir`. Only list-item keys match: `dist.output_path` is a different key.
 */
export function absoluteModulePaths(text, baseDir) {
  return text.replace(
    /^(\s*(?:-\s+)?path:\s*)(["']?)([^"'#\n]*?)\2(\s*(?:#.*)?)$/gm,
    (_m, key, _q, value, rest) => `${key}${JSON.stringify(path.resolve(baseDir, value.trim()))}${rest}`,
  );
}

/**
 * The collector's cache key: the manifest plus the Go sources of our own components (go.mod, go.sum and
 * non-test .go files under components/, by relative path), so editing a component rebuilds and an
 * unchanged checkout hits the cache. Tests and testdata are left out: they never reach the binary, and a
 * test-only edit should not cost a cold build. With no components this equals the manifest-only hash.
 */
export async function collectorInputsHash(manifest) {
  const h = createHash('sha256').update(manifest);
  for (const rel of await componentSources(COMPONENTS_DIR)) {
    h.update(`\0${rel}\0`).update(await fs.readFile(path.join(COMPONENTS_DIR, ...rel.split('/'))));
  }
  return h.digest('hex').slice(0, 16);
}

/** Relative, '/'-separated, sorted paths of the component files that go into the binary. */
async function componentSources(dir) {
  let entries;
  try {
    entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  } catch (err) {
    if (err.code === 'ENOENT') return [];
    throw err;
  }
  const rels = [];
  for (const e of entries) {
    if (!e.isFile()) continue;
    const parent = e.parentPath ?? e.path; // `path` before Node 20.12
    const rel = path.relative(dir, path.join(parent, e.name)).split(path.sep).join('/');
    const isSource = e.name === 'go.mod' || e.name === 'go.sum' || (e.name.endsWith('.go') && !e.name.endsWith('_test.go'));
    if (isSource && !rel.split('/').includes('testdata')) rels.push(rel);
  }
  return rels.sort();
}

/** A `toolchain goX.Y.Z` line in a store's go.mod asks for that Go for its build (see ensureStore). */
function goToolchainOf(goMod) {
  return /^toolchain\s+(go\d+\.\d+(?:\.\d+)?)\s*$/m.exec(goMod)?.[1];
}

async function hashModuleDir(dir, extra) {
  const h = createHash('sha256');
  const names = (await fs.readdir(dir)).filter((n) => n === 'go.mod' || n === 'go.sum' || n.endsWith('.go')).sort();
  for (const n of names) h.update(`${n}\0`).update(await fs.readFile(path.join(dir, n))).update('\0');
  for (const e of extra) h.update(`${e}\0`);
  return h.digest('hex').slice(0, 16);
}

let goChecked;
function requireGo() {
  goChecked ??= new Promise((resolve, reject) => {
    execFile('go', ['version'], { timeout: 30_000 }, (err, stdout) => {
      if (err) {
        reject(
          new CollectorBuildError(
            'Go is needed to build the collector and stores but `go version` failed; install Go (1.25 or newer)' +
              ' or set OTELCOL_BIN to an existing collector',
            { cause: err },
          ),
        );
      } else resolve(stdout.trim());
    });
  });
  return goChecked;
}

/** Resolves to the first line the binary prints for `args`, or undefined if it is missing or fails. */
function answersVersion(bin, args) {
  return new Promise((resolve) => {
    execFile(bin, args, { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) return resolve(undefined);
      resolve((stdout || stderr).trim().split('\n')[0] || bin);
    });
  });
}

async function removeLeftovers(dir, prefix) {
  for (const name of await fs.readdir(dir)) {
    if (name.startsWith(prefix)) await fs.rm(path.join(dir, name), { recursive: true, force: true });
  }
}

function elapsed(since) {
  const s = Math.round((Date.now() - since) / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
