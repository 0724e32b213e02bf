// The packages as a user gets them: `npm pack` tarballs installed into a fresh project outside the
// checkout, with no workspace and none of the root package.json's `overrides`. Third-party dependencies
// come from the npm registry through the machine's npm cache (`--prefer-offline`). There, an agent runs
// under `node --import @tracebridge/auto/register` with @tracebridge/logger against the real collector
// (`local` stack, which writes files), and the installed `npx tracebridge trace` draws its request.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimelineDocument, TimelineLogRow, TimelineSpanRow } from '@tracebridge/cli';
import { startCollector } from '#collector/run-lib.mjs';
import type { RunningCollector } from '#collector/run-lib.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PACKAGES = ['schema', 'logger', 'auto', 'cli'] as const;
const AGENT_ID = 'W1-haiku-001';
const TASK_ID = 'task-installed-001';
/** Built at run time, so no file of the repository holds a credential-shaped literal. */
const DB_PASSWORD = ['inst', 'alled', '-9x'].join('');

interface Result {
  code: number | null;
  out: string;
  err: string;
}

interface PackedPackage {
  name: string;
  filename: string;
  files: Array<{ path: string }>;
}

interface PackageJson {
  name: string;
  bin?: Record<string, string>;
  exports?: Record<string, string | Record<string, string>>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  overrides?: Record<string, string>;
}

/**
 * The environment of a user's shell: nothing of the npm script running these tests (its `npm_*`
 * settings would make npm treat the project as part of this workspace), of vitest, or of OTel/tracebridge
 * settings; the machine's npm cache and registry settings are kept.
 */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) && !/^npm_config_(cache|registry|userconfig)$/i.test(key)) continue;
    if (/^(INIT_CWD|NODE_OPTIONS|NODE_PATH|VITEST.*|OTEL_.*|TRACEBRIDGE_.*)$/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** Runs a command to its end (killed after `timeoutMs`), with its output. */
function run(cmd: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number }): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: options.cwd, env: options.env ?? userEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => {
      err += `\n[killed after ${options.timeoutMs / 1000} s]`;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

let packDir: string;
let project: string;
let packed: PackedPackage[];
let collector: RunningCollector | undefined;

beforeAll(async () => {
  packDir = mkdtempSync(path.join(os.tmpdir(), 'tb-packed-'));
  project = mkdtempSync(path.join(os.tmpdir(), 'tb-user-project-'));
  const pack = await run('npm', ['pack', '--json', '--pack-destination', packDir, ...PACKAGES.flatMap((p) => ['--workspace', `packages/${p}`])], { cwd: ROOT, timeoutMs: 120_000 });
  expect(pack.code, pack.err).toBe(0);
  packed = JSON.parse(pack.out) as PackedPackage[];

  writeFileSync(path.join(project, 'package.json'), `${JSON.stringify({ name: 'tb-user-project', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`);
  copyFileSync(path.join(ROOT, 'test/fixtures/installed/agent.mjs'), path.join(project, 'agent.mjs'));
  const tarballs = packed.map((p) => path.join(packDir, p.filename));
  const install = await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...tarballs], { cwd: project, timeoutMs: 180_000 });
  expect(install.code, `npm install:\n${install.out}\n${install.err}`).toBe(0);

  collector = await startCollector({ profile: 'local' });
}, 300_000);

afterAll(async () => {
  await collector?.stop();
  for (const dir of [packDir, project]) if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('the packed packages', () => {
  it('hold their build, types, sources and bin, every export target, and nothing else', () => {
    expect(packed.map((p) => p.name).sort()).toEqual(PACKAGES.map((p) => `@tracebridge/${p}`).sort());
    for (const p of packed) {
      const files = new Set(p.files.map((f) => f.path));
      const pkg = readJson<PackageJson>(path.join(ROOT, 'packages', p.name.split('/')[1]!, 'package.json'));
      const targets = [
        ...Object.values(pkg.exports ?? {}).flatMap((t) => (typeof t === 'string' ? [t] : Object.values(t))),
        ...Object.values(pkg.bin ?? {}),
      ].map((t) => path.posix.normalize(t));
      for (const target of targets) expect(files, `${p.name}: ${target}`).toContain(target);
      expect(files, p.name).toContain('dist/index.d.ts');
      for (const file of files) {
        expect(file, p.name).not.toMatch(/tsbuildinfo|(^|\/)test\/|\.test\./);
        // No output of a source file that is gone (tsc -b leaves those behind).
        const source = /^dist\/(.*)\.js$/.exec(file)?.[1];
        if (source !== undefined) expect(files, `${p.name}: ${file} without its source`).toContain(`src/${source}.ts`);
      }
    }
    expect(packed.find((p) => p.name === '@tracebridge/cli')?.files.map((f) => f.path)).toContain('bin/tracebridge.js');
  });

  it('pin every OpenTelemetry package their dependencies take by a range, at the version the workspace overrides it to', () => {
    // A user's project has no `overrides`: a range (`^0.223.0` in an instrumentation) would resolve to
    // the newest release, and a sibling's patch release pins other versions of the core packages, so
    // npm would install two copies. A version pinned by the package itself is placed first and taken.
    const lock = readJson<{ packages: Record<string, PackageJson & { version: string }> }>(path.join(ROOT, 'package-lock.json')).packages;
    const overrides = readJson<PackageJson>(path.join(ROOT, 'package.json')).overrides ?? {};
    const manifest = (name: string) => readJson<PackageJson>(path.join(ROOT, 'packages', name.split('/')[1]!, 'package.json'));
    const missing: string[] = [];
    for (const p of PACKAGES) {
      const own = manifest(`@tracebridge/${p}`);
      // Pinned by the package or by a @tracebridge package it depends on.
      const pins = { ...own.dependencies };
      for (const dep of Object.keys(own.dependencies ?? {})) if (dep.startsWith('@tracebridge/')) Object.assign(pins, manifest(dep).dependencies);
      const seen = new Set<string>();
      const queue: Array<[string, Record<string, string>]> = [[own.name, { ...own.dependencies }]];
      while (queue.length > 0) {
        const [from, deps] = queue.pop()!;
        for (const [name, range] of Object.entries(deps)) {
          const exact = /^\d+\.\d+\.\d+$/.test(range);
          if (!exact && overrides[name] !== undefined && pins[name] !== overrides[name]) missing.push(`@tracebridge/${p}: ${name}@${overrides[name]} (${from} takes ${range})`);
          if (seen.has(name)) continue;
          seen.add(name);
          const entry = name.startsWith('@tracebridge/') ? manifest(name) : lock[`node_modules/${name}`];
          if (entry !== undefined) queue.push([name, { ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies }]);
        }
      }
    }
    expect([...new Set(missing)]).toEqual([]);
  });
});

describe('a fresh project that installed the tarballs', () => {
  it('has one copy of each OpenTelemetry package, at the version the workspace tests, and a sound tree', async () => {
    const ls = await run('npm', ['ls', '--all', '--json'], { cwd: project, timeoutMs: 60_000 });
    expect(ls.code, ls.err).toBe(0);
    const versions = new Map<string, Set<string>>();
    const walk = (node: { dependencies?: Record<string, { version?: string; dependencies?: unknown }> }): void => {
      for (const [name, dep] of Object.entries(node.dependencies ?? {})) {
        if (dep.version !== undefined) (versions.get(name) ?? versions.set(name, new Set()).get(name)!).add(dep.version);
        walk(dep as Parameters<typeof walk>[0]);
      }
    };
    walk(JSON.parse(ls.out) as Parameters<typeof walk>[0]);
    const otel = [...versions].filter(([name]) => name.startsWith('@opentelemetry/'));
    expect(otel.length).toBeGreaterThan(50);
    expect(otel.filter(([, v]) => v.size > 1).map(([name, v]) => `${name}: ${[...v].join(', ')}`)).toEqual([]);
    const overrides = readJson<PackageJson>(path.join(ROOT, 'package.json')).overrides ?? {};
    const drift = otel.filter(([name, v]) => overrides[name] !== undefined && !v.has(overrides[name])).map(([name, v]) => `${name}: ${[...v].join(', ')} (workspace: ${overrides[name]})`);
    expect(drift).toEqual([]);
  });

  it('resolves every package, its subpaths and package.json, and type-checks a TypeScript user of them', async () => {
    const require = createRequire(path.join(project, 'package.json'));
    for (const spec of ['@tracebridge/schema', '@tracebridge/logger', '@tracebridge/auto', '@tracebridge/auto/register', '@tracebridge/cli']) {
      expect(require.resolve(spec), spec).toContain(path.join(project, 'node_modules'));
    }
    for (const p of PACKAGES) expect(readJson<PackageJson>(require.resolve(`@tracebridge/${p}/package.json`)).name).toBe(`@tracebridge/${p}`);
    writeFileSync(
      path.join(project, 'check.ts'),
      [
        "import type { AgentSpanOptions } from '@tracebridge/auto';",
        "import { withToolSpan } from '@tracebridge/auto';",
        "import { main } from '@tracebridge/cli';",
        "import { createLogger, withCorrelation } from '@tracebridge/logger';",
        "import type { Logger } from '@tracebridge/logger';",
        "import { ATTR_CORRELATION_ID, ERROR_CODES } from '@tracebridge/schema';",
        "const log: Logger = createLogger({ component: 'orders' });",
        "withCorrelation('task-1', () => withToolSpan({ name: 'place_order' }, () => log.info('typed', { context: { n: 1 } })));",
        "const options: AgentSpanOptions = { name: 'planner' };",
        'export const used: unknown[] = [main, ATTR_CORRELATION_ID, ERROR_CODES.USAGE, options];',
        '',
      ].join('\n'),
    );
    writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: ['node'], typeRoots: [path.join(ROOT, 'node_modules/@types')] },
        files: ['check.ts'],
      }),
    );
    const tsc = await run(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: project, timeoutMs: 60_000 });
    expect(tsc.code, `${tsc.out}${tsc.err}`).toBe(0);
  });

  it('runs an agent under --import @tracebridge/auto/register with the logger, whose task npx tracebridge trace draws', async () => {
    const dataDir = collector!.dataDir;
    const agent = await run(process.execPath, ['--import', '@tracebridge/auto/register', 'agent.mjs'], {
      cwd: project,
      env: userEnv({ TRACEBRIDGE_AGENT_ID: AGENT_ID, OTEL_EXPORTER_OTLP_ENDPOINT: collector!.otlpHttp, TASK_ID, DB_PASSWORD }),
      timeoutMs: 60_000,
    });
    expect(agent.code, agent.err).toBe(0);
    expect(agent.out).toContain('order o-42: ok');

    // The collector writes its files on its own schedule: ask until the task's spans and logs are there.
    let doc: TimelineDocument | undefined;
    let last: Result | undefined;
    const deadline = Date.now() + 60_000;
    const complete = (d: TimelineDocument): boolean => {
      const rows = d.traces.flatMap((t) => t.rows);
      return rows.filter((r) => r.type === 'span').length >= 3 && rows.some((r) => r.type === 'log' && r.scope === 'orders') && rows.some((r) => r.type === 'log' && r.scope === 'console');
    };
    while (doc === undefined || !complete(doc)) {
      if (Date.now() > deadline) throw new Error(`the task never showed complete in ${dataDir}: ${last?.code} ${last?.err}\n${last?.out.slice(0, 3000)}`);
      await new Promise((r) => setTimeout(r, 500));
      last = await run('npx', ['--no', '--', 'tracebridge', 'trace', TASK_ID, '--data', dataDir, '--json'], { cwd: project, timeoutMs: 30_000 });
      doc = last.code === 0 ? (JSON.parse(last.out) as TimelineDocument) : undefined;
    }

    expect(doc.idKind).toBe('correlation');
    expect(doc.traces).toHaveLength(1);
    const rows = doc.traces[0]!.rows;
    const spans = rows.filter((r): r is TimelineSpanRow => r.type === 'span');
    const logs = rows.filter((r): r is TimelineLogRow => r.type === 'log');
    expect(spans.every((s) => s.agent === AGENT_ID)).toBe(true);
    const tool = spans.find((s) => s.name === 'execute_tool place_order');
    const server = spans.find((s) => s.kind === 'server');
    expect(tool, JSON.stringify(spans.map((s) => s.name))).toBeDefined();
    expect(server).toBeDefined();
    expect(spans.some((s) => s.kind === 'client')).toBe(true);
    expect(spans.every((s) => s.correlationId === TASK_ID)).toBe(true);
    // The logger's record sits under the server span that handled the request, redacted.
    const placed = logs.find((l) => l.scope === 'orders');
    expect(placed).toMatchObject({ message: 'order placed', agent: AGENT_ID, level: 'INFO', correlationId: TASK_ID, underSpanId: server!.spanId });
    expect(placed!.attributes['context.dsn']).toBe('postgres://app:[REDACTED]@db/orders');
    expect(JSON.stringify(doc)).not.toContain(DB_PASSWORD);
    // The bridged console line, under the tool span it was printed in.
    expect(logs.find((l) => l.scope === 'console')).toMatchObject({ message: 'order o-42: ok', underSpanId: tool!.spanId });
  });

  it('has a CLI that tells its version, and that the demo needs the source checkout', async () => {
    const version = await run('npx', ['--no', '--', 'tracebridge', '--version'], { cwd: project, timeoutMs: 30_000 });
    expect(version.code, version.err).toBe(0);
    expect(version.out.trim()).toBe(readJson<{ version: string }>(path.join(ROOT, 'packages/cli/package.json')).version);
    const demo = await run('npx', ['--no', '--', 'tracebridge', 'demo'], { cwd: project, timeoutMs: 30_000 });
    expect(demo.code).toBe(2);
    expect(demo.out).toBe('');
    expect(demo.err.trim().split('\n')).toHaveLength(1);
    expect(demo.err).toContain('tracebridge demo runs only in a tracebridge source checkout');
    expect(demo.err).toContain("clone the repository and run 'npm ci && npm run demo' there");
    expect(demo.err).toContain('[TRACEBRIDGE_ERR_');
  });
});
