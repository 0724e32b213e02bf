// collector/stacks.yaml is the one declaration of which configuration files the collector loads, in which
// order, with which feature gates. What reads it (the demo, the tests, the benchmarks, through
// collector/stacks.mjs) cannot drift from it; what cannot read it (compose, the Dockerfile) names the
// stack it runs in a `# collector stack: <name>` comment and must spell out exactly that stack. Every
// stack loads in the real collector with exactly its gates, and no gate it passes is Alpha.
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { COLLECTOR_DIR, collectorArgs, collectorBinary, readStacks, resolveStack } from '#collector/run-lib.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const read = (rel: string): string => readFileSync(path.join(ROOT, rel), 'utf8');
const manifest = readStacks();
type Obj = Record<string, any>;

/** Where compose and the Dockerfile put collector/: the files keep their paths below it. */
const IMAGE_DIR = '/etc/otelcol';

/** The stack a file says it runs (`# collector stack: <name>`); exactly one. */
function namedStack(rel: string): string {
  const names = [...read(rel).matchAll(/^\s*# collector stack: (\S+)\s*$/gm)].map((m) => m[1]!);
  expect(names, `${rel} names one collector stack`).toHaveLength(1);
  return names[0]!;
}

describe('collector/stacks.yaml', () => {
  it('names files that exist, and every profile and fragment on disk', () => {
    const named = new Set([manifest.base.file, ...manifest.fragments.map((f) => f.file), ...manifest.stacks.map((s) => s.profile)]);
    for (const file of named) expect(existsSync(path.join(COLLECTOR_DIR, file)), file).toBe(true);
    for (const dir of ['profiles', 'fragments']) {
      for (const f of readdirSync(path.join(COLLECTOR_DIR, dir)).filter((n) => n.endsWith('.yaml'))) expect(named, `${dir}/${f} is in no stack`).toContain(`${dir}/${f}`);
    }
  });

  it('puts fragments in the manifest’s order and keeps their rules, whoever names them', () => {
    expect(resolveStack('local', { add: ['derived-metrics', 'sources'] }).files).toEqual(['config.yaml', 'profiles/local.yaml', 'fragments/sources.yaml', 'fragments/derived-metrics.yaml']);
    expect(() => resolveStack('local', { add: ['sources-journald'] })).toThrow(/needs sources/);
    expect(() => resolveStack('local', { add: ['loki-tenants'] })).toThrow(/only goes over profiles\/lgtm\.yaml/);
    expect(() => resolveStack('nope')).toThrow(expect.objectContaining({ code: 'TRACEBRIDGE_ERR_INVALID_OPTION' }));
  });

  it.each(manifest.stacks.map((s) => [s.name]))('stack %s loads in the real collector with exactly its gates', async (name) => {
    const { stdout, stderr } = await promisify(execFile)(await collectorBinary(), ['validate', ...collectorArgs(name)], {
      // secure-receivers refuses to load without a token; nothing else may need the environment.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', OTLP_BEARER_TOKEN: 'validate-only' },
      timeout: 60_000,
    });
    expect(stdout + stderr).toBe('');
  });
});

describe('what cannot read the manifest runs exactly the stack it names', () => {
  const composeFiles = ['compose/stack.yaml', 'compose/tenants.yaml'];

  it.each(composeFiles.map((f) => [f]))('%s: the collector command, and a mount for every file', (rel) => {
    const name = namedStack(rel);
    const collector = (parseYaml(read(rel)) as Obj).services.collector as Obj;
    expect(collector.command).toEqual(collectorArgs(name, { dir: IMAGE_DIR, equals: true }));
    // Mounted from collector/ at the same path below /etc/otelcol (stack.yaml mounts the base stack's
    // files, an overlay adds its own; compose adds an overlay's volumes to the base's).
    const mounts = [...composeFiles.slice(0, 1), rel].flatMap((f) => ((parseYaml(read(f)) as Obj).services.collector.volumes as string[]) ?? []);
    for (const file of resolveStack(name).files) expect(mounts, `${rel} mounts ${file}`).toContain(`../collector/${file}:${IMAGE_DIR}/${file}:ro`);
  });

  it('collector/Dockerfile: CMD is its stack, and the image holds every file of every stack', () => {
    const dockerfile = read('collector/Dockerfile');
    const name = namedStack('collector/Dockerfile');
    const cmd = /^CMD (\[[\s\S]*?\])\s*$/m.exec(dockerfile)?.[1];
    expect(JSON.parse(cmd!.replace(/\\\n/g, ''))).toEqual(collectorArgs(name, { dir: IMAGE_DIR, equals: true }));
    const copies = [...dockerfile.matchAll(/^COPY collector\/(\S+) (\S+)\s*$/gm)].map((m) => [m[1]!, m[2]!] as const);
    for (const stack of manifest.stacks) {
      for (const file of resolveStack(stack.name).files) {
        const copied = copies.some(([from, to]) => (from === file && to === `${IMAGE_DIR}/${file}`) || (from.endsWith('/') && file.startsWith(from) && to === `${IMAGE_DIR}/${from}`));
        expect(copied, `the image has no ${IMAGE_DIR}/${file} (stack ${stack.name})`).toBe(true);
      }
    }
  });
});

describe('what can read the manifest does', () => {
  /** Source files of the repository (not generated, not dependencies). */
  const sources = (dir: string): string[] =>
    readdirSync(path.join(ROOT, dir), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && /\.(ts|mts|mjs|js)$/.test(e.name) && !/(^|\/)(node_modules|dist)(\/|$)/.test(path.relative(ROOT, e.parentPath)))
      .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)));

  it('reads no feature gate out of a configuration file’s comments', () => {
    const readers = ['packages', 'test', 'bench', 'collector'].flatMap(sources).filter((f) => /feature-gates=\(/.test(read(f)));
    expect(readers).toEqual([]);
  });

  it('the demo, the benchmarks and the tests start the collector through collector/run-lib.mjs, which takes the files from collector/stacks.mjs', () => {
    expect(read('collector/run-lib.mjs')).toMatch(/from '\.\/stacks\.mjs'[\s\S]*stackFiles\(profile/);
    expect(read('examples/swarm/src/demo.ts')).toMatch(/collector\/run-lib\.mjs'[\s\S]*startCollector\(\{ profile: 'local'/);
    for (const bench of ['bench/throughput.bench.ts', 'bench/collector-cpu.bench.ts']) expect(read(bench), bench).toMatch(/#collector\/run-lib\.mjs'[\s\S]*startCollector\(/);
    // No other place spawns the collector binary with --config files of its own.
    const spawners = ['packages', 'test', 'bench', 'examples'].flatMap(sources).filter((f) => /collectorBinary\(\)[\s\S]*spawn\([^)]*\['--config'/.test(read(f)));
    expect(spawners).toEqual([]);
  });
});

describe('feature gates', () => {
  /** `otelcol-tracebridge featuregate`: id → stage, as the built collector reports them. */
  async function stages(): Promise<Map<string, string>> {
    const { stdout } = await promisify(execFile)(await collectorBinary(), ['featuregate'], { timeout: 60_000 });
    const rows = stdout.split('\n').slice(1).map((l) => /^(\S+)\s+(true|false)\s+(\S+)\s/.exec(l)).filter((m) => m !== null);
    return new Map(rows.map((m) => [m[1]!, m[3]!]));
  }

  // An Alpha gate can change or disappear in any collector release under a config that still loads
  // (README, "Upgrading the collector"). None is needed today; one added to stacks.yaml must be Beta or
  // beyond, or this fails until the README's upgrade note says why it is accepted.
  it('no stack passes a gate that is Alpha in the built collector', async () => {
    const known = await stages();
    expect(known.size, 'the featuregate table was read').toBeGreaterThan(10);
    for (const stage of known.values()) expect(['Alpha', 'Beta', 'Stable', 'Deprecated']).toContain(stage);
    for (const stack of manifest.stacks) {
      for (const gate of resolveStack(stack.name).gates) {
        expect(known.get(gate), `${gate} (stack ${stack.name}) is not a gate of this collector`).toBeDefined();
        expect(known.get(gate), `${gate} (stack ${stack.name})`).not.toBe('Alpha');
      }
    }
  });
});
