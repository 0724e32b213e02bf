// The compose stack as a whole, checked without a Docker engine: schema, mounts, images, variables,
// healthchecks, memory limits, published ports and secrets. Backend configs are checked in
// compose-backends.test.ts, the collector wiring in compose-collector.test.ts.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { resolveStack } from '../collector/stacks.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const COMPOSE_DIR = path.join(ROOT, 'compose');
const read = (rel: string): string => readFileSync(path.join(ROOT, rel), 'utf8');

type Obj = Record<string, any>;

// ajv and ajv-formats are CommonJS; under ESM their class is on `.default` or is the module itself.
const Ajv = ((AjvModule as any).default ?? AjvModule) as typeof import('ajv').default;
const addFormats = ((addFormatsModule as any).default ?? addFormatsModule) as (ajv: unknown) => void;

const entry = parseYaml(read('compose/compose.yaml')) as Obj;
const stack = parseYaml(read('compose/stack.yaml')) as Obj;
const services = stack.services as Record<string, Obj>;
/** compose.tenants.yaml: the same stack with tenants.yaml merged over it (Loki tenants). */
const tenantsEntry = parseYaml(read('compose/compose.tenants.yaml')) as Obj;
const tenantsOverlay = parseYaml(read('compose/tenants.yaml')) as Obj;

/** KEY=VALUE lines of an env file; comments and blank lines skipped. */
function parseEnvFile(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) out.set(m[1]!, m[2]!.trim());
  }
  return out;
}
const dotEnv = parseEnvFile(read('compose/.env'));
const envExample = parseEnvFile(read('compose/.env.example'));

/** Variables whose values are credentials: never in .env, never with a default. */
const isSecretName = (name: string): boolean => /PASSWORD|SECRET|ACCESS_KEY|TOKEN/.test(name);

/** Every string in a parsed YAML document, keys included (Compose interpolates both). */
function strings(node: unknown, out: string[] = []): string[] {
  if (typeof node === 'string') out.push(node);
  else if (Array.isArray(node)) for (const item of node) strings(item, out);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      out.push(k);
      strings(v, out);
    }
  }
  return out;
}

interface VarUse {
  name: string;
  /** '', ':-', '-', ':?', '?', ':+', '+' */
  op: string;
  arg: string;
}
// `$$` is Compose's escape for a literal `$`, so a `$` preceded by `$` starts nothing.
const BRACED = /(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}/g;
const BARE = /(?<!\$)\$([A-Za-z_][A-Za-z0-9_]*)/g;

function varUses(doc: unknown): VarUse[] {
  const uses: VarUse[] = [];
  for (const s of strings(doc)) {
    const unescaped = s.replaceAll('$$', '\u0000\u0000');
    for (const m of unescaped.matchAll(BRACED)) uses.push({ name: m[1]!, op: m[2] ?? '', arg: m[3] ?? '' });
  }
  return uses;
}
function bareUses(doc: unknown): string[] {
  return strings(doc).flatMap((s) => [...s.replaceAll('$$', '\u0000\u0000').matchAll(BARE)].map((m) => m[0]));
}

/** Compose-style interpolation of one string. */
function interpolate(s: string, env: Map<string, string>): string {
  return s
    .replaceAll('$$', '\u0000')
    .replace(BRACED, (_all, name: string, op: string | undefined, arg: string | undefined) => {
      const value = env.get(name);
      if (op === ':-') return value ? value : (arg ?? '');
      if (op === '-') return value ?? arg ?? '';
      if (op === ':?' || op === '?') {
        if (value === undefined || (op === ':?' && value === '')) throw new Error(`${name}: ${arg}`);
        return value;
      }
      return value ?? '';
    })
    .replaceAll('\u0000', '$');
}
function interpolateDoc(node: unknown, env: Map<string, string>): unknown {
  if (typeof node === 'string') return interpolate(node, env);
  if (Array.isArray(node)) return node.map((n) => interpolateDoc(n, env));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [interpolate(k, env), interpolateDoc(v, env)]));
  }
  return node;
}

const SECRET_NAMES = [...new Set(varUses(stack).map((u) => u.name).filter(isSecretName))];

/**
 * Compose's merge of an override over a model, for what tenants.yaml uses: maps merge, `command` is
 * replaced, `volumes` are added to (an entry with the same target replaces the earlier one).
 */
function mergeCompose(base: unknown, over: unknown, key = ''): unknown {
  if (over === undefined) return base;
  if (key === 'volumes' && Array.isArray(base) && Array.isArray(over)) {
    const target = (v: string): string => v.split(':')[1] ?? v;
    return [...(base as string[]).filter((b) => !(over as string[]).some((o) => target(o) === target(b))), ...(over as string[])];
  }
  if (base && over && typeof base === 'object' && typeof over === 'object' && !Array.isArray(base) && !Array.isArray(over)) {
    const out: Obj = { ...(base as Obj) };
    for (const [k, v] of Object.entries(over as Obj)) out[k] = mergeCompose(out[k], v, k);
    return out;
  }
  return over;
}
const tenantsStack = mergeCompose(stack, tenantsOverlay) as Obj;
/** .env plus stand-in secrets: what Compose would see after init-secrets.sh. */
const fullEnv = new Map([...dotEnv, ...SECRET_NAMES.map((n): [string, string] => [n, 'x'.repeat(24)])]);
const resolved = interpolateDoc(stack, fullEnv) as Obj;

/** Byte count of a Compose/Go memory size ("512M", "1G", "400MiB"). */
function bytes(size: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kKmMgG])?(i?[bB])?$/.exec(size.trim());
  if (!m) throw new Error(`not a size: ${size}`);
  const unit = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? '').toLowerCase() as 'k' | 'm' | 'g'] ?? 1;
  return Number(m[1]) * unit;
}

/** One-shot jobs: restart "no" and something waits for them to complete. */
const oneShots = Object.entries(services)
  .filter(([name, s]) =>
    s.restart === 'no' &&
    Object.values(services).some((other) => other.depends_on?.[name]?.condition === 'service_completed_successfully'),
  )
  .map(([name]) => name);
const longRunning = Object.keys(services).filter((n) => !oneShots.includes(n));

/** The README's "Run the full stack" section (up to the next level-2 heading). */
function readmeSection(): string {
  const readme = read('README.md');
  const start = readme.indexOf('\n## Run the full stack');
  if (start < 0) return '';
  const next = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, next < 0 ? undefined : next);
}

describe('compose files against the Compose Specification schema', () => {
  const schema = JSON.parse(read('test/schemas/compose-spec.json')) as Obj;
  // The schema names its draft by an https URL Ajv does not know; it is draft-07, Ajv's default.
  delete schema.$schema;
  const ajv = new Ajv({ strict: false, allErrors: true, allowUnionTypes: true });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  const errorsOf = (doc: unknown): string =>
    validate(doc) ? '' : ajv.errorsText(validate.errors, { separator: '\n' });

  it('accepts compose.yaml', () => {
    expect(errorsOf(entry)).toBe('');
  });

  it('accepts stack.yaml as written and after interpolation with .env', () => {
    expect(errorsOf(stack)).toBe('');
    expect(errorsOf(resolved)).toBe('');
  });

  it('accepts compose.tenants.yaml, and stack.yaml with tenants.yaml merged over it', () => {
    expect(errorsOf(tenantsEntry)).toBe('');
    expect(errorsOf(tenantsStack)).toBe('');
    expect(errorsOf(interpolateDoc(tenantsStack, fullEnv))).toBe('');
  });

  it('rejects a service with a misspelt key (the validator is live)', () => {
    const broken = structuredClone(stack) as Obj;
    broken.services.loki.healthcheck.intervall = '10s';
    expect(errorsOf(broken)).toMatch(/additional/i);
  });
});

describe('compose.yaml', () => {
  it('includes stack.yaml with .env then secrets.env for interpolation', () => {
    expect(entry.include).toEqual([{ path: 'stack.yaml', env_file: ['.env', 'secrets.env'] }]);
    expect(existsSync(path.join(COMPOSE_DIR, 'stack.yaml'))).toBe(true);
  });

  it('keeps secrets.env out of git and has init-secrets.sh write every secret with openssl', () => {
    expect(read('compose/.gitignore').split('\n')).toContain('secrets.env');
    const script = read('compose/init-secrets.sh');
    for (const name of SECRET_NAMES) expect(script).toMatch(new RegExp(`\\badd ${name} "\\$\\(openssl rand -hex \\d+\\)"`));
  });

  it('has compose.tenants.yaml include stack.yaml with tenants.yaml over it, reading the same env files', () => {
    expect(tenantsEntry.name).toBe(entry.name);
    expect(tenantsEntry.include).toEqual([{ path: ['stack.yaml', 'tenants.yaml'], env_file: ['.env', 'secrets.env'] }]);
  });
});

describe('mounted files', () => {
  const binds = Object.entries(services).flatMap(([service, s]) =>
    ((s.volumes ?? []) as string[])
      .map((v) => v.split(':'))
      .filter(([source]) => source!.startsWith('.') || source!.startsWith('/'))
      .map(([source, target]) => ({ service, source: source!, target: target!, abs: path.resolve(COMPOSE_DIR, source!) })),
  );
  const collectorFiles = binds.filter((b) => b.source.startsWith('../collector/'));

  it('mounts only paths inside the repository that exist', () => {
    expect(binds.length).toBeGreaterThan(5);
    for (const b of binds) {
      expect(path.relative(ROOT, b.abs).startsWith('..'), `${b.service}: ${b.source}`).toBe(false);
      expect(existsSync(b.abs), `${b.service} mounts ${b.source}, which does not exist`).toBe(true);
    }
  });

  it('mounts exactly the collector files its command loads (stack `compose` of collector/stacks.yaml), which exist', () => {
    expect(collectorFiles.map((b) => b.source).sort()).toEqual(resolveStack('compose').files.map((f) => `../collector/${f}`).sort());
    for (const b of collectorFiles) expect(statSync(b.abs).isFile(), b.source).toBe(true);
    const loaded = (services.collector!.command as string[]).filter((a) => a.startsWith('--config=')).map((a) => a.slice('--config='.length));
    expect(collectorFiles.map((b) => b.target).sort()).toEqual([...loaded].sort());
  });

  it('with tenants.yaml, also mounts and loads collector/fragments/loki-tenants.yaml', () => {
    const collector = tenantsStack.services.collector as Obj;
    const mounted = (collector.volumes as string[]).filter((v) => v.startsWith('../collector/')).map((v) => v.split(':'));
    const loaded = (collector.command as string[]).filter((a) => a.startsWith('--config=')).map((a) => a.slice('--config='.length));
    expect(mounted.map(([, target]) => target).sort()).toEqual([...loaded].sort());
    expect(loaded).toContain('/etc/otelcol/fragments/loki-tenants.yaml');
    for (const [source] of mounted) expect(existsSync(path.resolve(COMPOSE_DIR, source!)), source).toBe(true);
  });

  it('mounts every config file a command points at', () => {
    const targetsOf = (service: string) => binds.filter((b) => b.service === service).map((b) => b.target);
    const configArgs: Array<[string, RegExp]> = [
      ['collector', /^--config=(.+)$/],
      ['loki', /^-config\.file=(.+)$/],
      ['tempo', /^-config\.file=(.+)$/],
      ['prometheus', /^--config\.file=(.+)$/],
    ];
    for (const [service, re] of configArgs) {
      const wanted = (services[service]!.command as string[]).map((a) => re.exec(a)?.[1]).filter(Boolean);
      expect(wanted.length, service).toBeGreaterThan(0);
      for (const file of wanted) expect(targetsOf(service), `${service} reads ${file}`).toContain(file);
    }
    expect(targetsOf('collector')).toEqual(
      expect.arrayContaining(['/etc/otelcol/config.yaml', '/etc/otelcol/profiles/lgtm.yaml']),
    );
  });

  it('mounts the Grafana provisioning folder and the dashboards folder the provider reads', () => {
    const grafana = binds.filter((b) => b.service === 'grafana');
    const provisioning = grafana.find((b) => b.target === '/etc/grafana/provisioning');
    expect(provisioning?.source).toBe('./grafana/provisioning');
    for (const sub of ['datasources', 'dashboards']) {
      expect(existsSync(path.join(provisioning!.abs, sub)), sub).toBe(true);
    }
    const provider = parseYaml(read('compose/grafana/provisioning/dashboards/dashboards.yaml')) as Obj;
    const dashPath = provider.providers[0].options.path as string;
    const mount = grafana.find((b) => b.target === dashPath);
    expect(mount, `nothing mounted at ${dashPath}`).toBeDefined();
    expect(readdirSync(mount!.abs).filter((f) => f.endsWith('.json')).length).toBeGreaterThan(0);
  });
});

describe('images', () => {
  it('takes every tag from a variable that only .env defines', () => {
    for (const [name, s] of Object.entries(services)) {
      const m = /^([a-z0-9./-]+):\$\{([A-Z0-9_]+_IMAGE_TAG):\?[^}]+\}$/.exec(s.image as string);
      expect(m, `${name}: image ${s.image} should be <name>:\${X_IMAGE_TAG:?...}`).not.toBeNull();
      const tag = dotEnv.get(m![2]!);
      expect(tag, `${m![2]} is not set in compose/.env`).toBeTruthy();
      expect(tag).not.toMatch(/^(latest|main|master|edge)$/);
    }
  });

  it('builds the collector from our distribution (collector/Dockerfile), tagged with the release the manifest builds', () => {
    const collector = resolved.services.collector as Obj;
    // The contrib image has no s3_archive exporter: the stack must run what collector/manifest.yaml builds.
    expect(collector.build).toEqual({ context: '..', dockerfile: 'collector/Dockerfile' });
    const context = path.resolve(COMPOSE_DIR, collector.build.context as string);
    expect(context).toBe(path.resolve(ROOT));
    expect(statSync(path.join(context, collector.build.dockerfile as string)).isFile()).toBe(true);
    // Rebuilt on every `up`, so the image never lags behind the checkout.
    expect(collector.pull_policy).toBe('build');
    const manifest = read('collector/manifest.yaml');
    const release = /go\.opentelemetry\.io\/collector\/receiver\/otlpreceiver v(\d+\.\d+\.\d+)/.exec(manifest)?.[1];
    expect(release).toBeDefined();
    expect(collector.image).toBe(`tracebridge/otelcol:${release}`);
    for (const s of Object.values(resolved.services as Record<string, Obj>)) expect(s.image as string).not.toMatch(/opentelemetry-collector-contrib|otelcol-contrib/);
  });

  it("runs the image as the uid the init job hands the collector's data volume to, with the command as arguments", () => {
    const dockerfile = read('collector/Dockerfile');
    const stages = dockerfile.split(/^FROM\s/m);
    const final = stages.at(-1)!;
    const user = [...final.matchAll(/^USER\s+(\d+)(?::(\d+))?\s*$/gm)].at(-1);
    expect(user, 'the final stage of collector/Dockerfile sets no numeric USER').toBeDefined();
    const script = (services.init!.command as string[]).join(' ');
    expect(script).toMatch(new RegExp(`chown ${user![1]}:${user![2] ?? user![1]} [^\\n]*/var/lib/otelcol`));
    // Exec-form ENTRYPOINT: compose's `command` (the two --config files) becomes the binary's arguments.
    expect(final).toMatch(/^ENTRYPOINT\s+\["[^"]+"\]\s*$/m);
    expect(dockerfile).toMatch(/^COPY\s+collector\/manifest\.yaml\s/m);
  });

  it('uses a maintained, permissively licensed S3 server, not MinIO', () => {
    const images = Object.values(resolved.services as Record<string, Obj>).map((s) => s.image as string);
    expect(images.some((i) => i.startsWith('versity/versitygw:'))).toBe(true);
    expect(images.some((i) => /minio/i.test(i))).toBe(false);
  });
});

describe('variables', () => {
  // tenants.yaml is part of the stack's interface: its variables follow the same rules.
  const uses = [...varUses(stack), ...varUses(tenantsOverlay)];
  const names = [...new Set(uses.map((u) => u.name))].sort();

  it('gives every ${VAR} a default or a :? error, and uses no bare $VAR', () => {
    expect(names.length).toBeGreaterThan(10);
    for (const u of uses) expect([':-', '-', ':?', '?'], `\${${u.name}} has neither default nor error`).toContain(u.op);
    expect(bareUses(stack)).toEqual([]);
  });

  it('never gives a secret a default, and keeps secrets out of .env', () => {
    expect(SECRET_NAMES.sort()).toEqual(['GRAFANA_ADMIN_PASSWORD', 'OTLP_BEARER_TOKEN', 'S3_ACCESS_KEY', 'S3_SECRET_KEY']);
    for (const u of uses.filter((x) => isSecretName(x.name))) expect(u.op, u.name).toBe(':?');
    for (const key of dotEnv.keys()) expect(isSecretName(key), `${key} is a secret in .env`).toBe(false);
  });

  it('defines in .env every non-secret variable, with the same value as any inline default', () => {
    for (const name of names.filter((n) => !isSecretName(n))) expect(dotEnv.has(name), `${name} missing from .env`).toBe(true);
    for (const key of dotEnv.keys()) expect(names, `.env sets ${key}, which neither stack.yaml nor tenants.yaml reads`).toContain(key);
    for (const u of uses.filter((x) => x.op === ':-' || x.op === '-')) {
      expect(u.arg, `default of ${u.name} differs from .env`).toBe(dotEnv.get(u.name));
    }
  });

  it('lists every variable in .env.example: .env values verbatim, secrets as placeholders to generate', () => {
    expect([...envExample.keys()].sort()).toEqual(names);
    for (const [key, value] of envExample) {
      if (isSecretName(key)) expect(value, key).toMatch(/^<openssl rand -hex \d+>$/);
      else expect(value, key).toBe(dotEnv.get(key));
    }
  });

  it('documents every variable in the README table, with its default', () => {
    const section = readmeSection();
    expect(section, 'README.md has no "## Run the full stack" section').not.toBe('');
    const rows = section.split('\n').filter((l) => l.startsWith('|'));
    for (const name of names) {
      const row = rows.find((r) => r.includes(`\`${name}\``));
      expect(row, `${name} is not in the README table`).toBeDefined();
      const fallback = dotEnv.get(name);
      if (fallback) expect(row, `README row of ${name} lacks its default ${fallback}`).toContain(`\`${fallback}\``);
      else expect(row, `README row of ${name} should say how to make it`).toMatch(/init-secrets\.sh|openssl/);
    }
  });

  it('brings the stack up in three commands in the README', () => {
    const block = /```sh\n([\s\S]*?)```/.exec(readmeSection())?.[1] ?? '';
    const commands = block.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
    expect(commands).toHaveLength(3);
    expect(commands.join('\n')).toMatch(/init-secrets\.sh/);
    expect(commands.join('\n')).toMatch(/docker compose -f compose\/compose\.yaml .*up/);
  });

  it('refuses to interpolate when a secret is missing', () => {
    const withoutSecrets = new Map(dotEnv);
    expect(() => interpolateDoc(stack, withoutSecrets)).toThrow(/GRAFANA_ADMIN_PASSWORD|S3_ACCESS_KEY|S3_SECRET_KEY|OTLP_BEARER_TOKEN/);
    const withoutToken = new Map([...fullEnv].filter(([k]) => k !== 'OTLP_BEARER_TOKEN'));
    expect(() => interpolateDoc(stack, withoutToken)).toThrow(/OTLP_BEARER_TOKEN/);
  });
});

describe('services', () => {
  it('has the stack the issue asks for', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(['collector', 'loki', 'tempo', 's3', 's3-bucket', 'prometheus', 'grafana', 'demo-agent']),
    );
    expect(services['demo-agent']!.profiles).toEqual(['demo']);
  });

  it('gives every long-running service an exec-form healthcheck, and one-shot jobs none', () => {
    expect(oneShots.sort()).toEqual(['init', 's3-bucket']);
    for (const name of longRunning) {
      const test = services[name]!.healthcheck?.test as string[] | undefined;
      expect(Array.isArray(test) && test[0] === 'CMD', `${name} needs healthcheck.test ["CMD", ...]`).toBe(true);
      expect(services[name]!.healthcheck.disable, name).toBeUndefined();
    }
    for (const name of oneShots) expect(services[name]!.healthcheck).toEqual({ disable: true });
  });

  it('waits only on conditions the dependency can meet', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [dep, { condition }] of Object.entries((s.depends_on ?? {}) as Record<string, { condition: string }>)) {
        expect(services[dep], `${name} depends on unknown ${dep}`).toBeDefined();
        if (condition === 'service_healthy') expect(longRunning, `${name} waits for ${dep} to be healthy`).toContain(dep);
        if (condition === 'service_completed_successfully') expect(oneShots).toContain(dep);
      }
    }
  });

  it('limits the memory of every service, with GOMEMLIMIT below the limit where set', () => {
    for (const [name, s] of Object.entries(services)) {
      const limit = s.deploy?.resources?.limits?.memory as string | undefined;
      expect(limit, `${name} has no memory limit`).toBeDefined();
      const gomem = s.environment?.GOMEMLIMIT as string | undefined;
      if (gomem) expect(bytes(gomem), name).toBeLessThan(bytes(limit!) * 0.9);
    }
  });

  it('publishes only Grafana and the OTLP ports, on BIND_ADDRESS, with or without tenants.yaml', () => {
    for (const model of [stack, tenantsStack]) {
      const published = Object.entries((interpolateDoc(model, fullEnv) as Obj).services as Record<string, Obj>)
        .filter(([, s]) => s.ports)
        .map(([name, s]) => [name, (s.ports as string[]).map((p) => p.split(':').at(-1)).sort()]);
      expect(Object.fromEntries(published)).toEqual({ collector: ['4317', '4318'], grafana: ['3000'] });
      for (const s of Object.values(model.services as Record<string, Obj>)) {
        for (const p of (s.ports ?? []) as string[]) expect(p.startsWith('${BIND_ADDRESS:-127.0.0.1}:'), p).toBe(true);
        expect(s.network_mode, 'host networking would bypass the published ports').toBeUndefined();
      }
    }
    expect(dotEnv.get('BIND_ADDRESS')).toBe('127.0.0.1');
  });

  it('makes the demo agent send the collector token the standard way', () => {
    const env = services['demo-agent']!.environment as Record<string, string>;
    expect(env.OTEL_EXPORTER_OTLP_HEADERS).toMatch(/^Authorization=Bearer%20\$\{OTLP_BEARER_TOKEN:\?[^}]+\}$/);
  });

  it('with tenants.yaml, turns on Loki multi-tenancy and has Grafana read every tenant', () => {
    const loki = tenantsStack.services.loki as Obj;
    expect(loki.command).toEqual(expect.arrayContaining(['-config.file=/etc/loki/loki.yaml', '-auth.enabled=true', '-querier.multi-tenant-queries-enabled=true']));
    const grafana = interpolateDoc(tenantsStack.services.grafana, fullEnv) as Obj;
    expect(grafana.environment.LOKI_QUERY_TENANTS).toBe('alpha|beta|default');
    expect((resolved.services.grafana as Obj).environment.LOKI_QUERY_TENANTS).toBe('fake');
    const ds = (parseYaml(read('compose/grafana/provisioning/datasources/datasources.yaml')) as Obj).datasources.find((d: Obj) => d.uid === 'loki');
    expect(ds.jsonData.httpHeaderName1).toBe('X-Scope-OrgID');
    expect(ds.secureJsonData.httpHeaderValue1).toBe('$LOKI_QUERY_TENANTS');
  });

  it('probes each service on the port it listens on', () => {
    const loki = parseYaml(read('compose/loki.yaml')) as Obj;
    const tempo = parseYaml(read('compose/tempo.yaml')) as Obj;
    // `loki -health` and `tempo -health` check http://localhost:3100/ready and :3200/ready.
    expect(services.loki!.healthcheck.test).toEqual(['CMD', '/usr/bin/loki', '-health']);
    expect(loki.server.http_listen_port).toBe(3100);
    expect(services.tempo!.healthcheck.test).toEqual(['CMD', '/tempo', '-health']);
    expect(tempo.server.http_listen_port).toBe(3200);

    const s3 = services.s3!.command as string[];
    const s3Port = s3[s3.indexOf('--port') + 1]!.replace(':', '');
    const s3Health = s3[s3.indexOf('--health') + 1]!;
    expect((services.s3!.healthcheck.test as string[]).at(-1)).toBe(`http://127.0.0.1:${s3Port}${s3Health}`);

    const healthPort = (services.collector!.environment.HEALTH_ENDPOINT as string).split(':').at(-1);
    expect((services.collector!.healthcheck.test as string[]).at(-1)).toBe(`http://127.0.0.1:${healthPort}/`);
    expect(services.collector!.healthcheck.test[1]).toBe('/probe/busybox');
    expect(services.collector!.volumes).toContain('probe:/probe:ro');
    expect(services.init!.volumes).toContain('probe:/probe');

    expect((services.grafana!.healthcheck.test as string[]).at(-1)).toBe('http://127.0.0.1:3000/api/health');
    expect((services.prometheus!.healthcheck.test as string[]).at(-1)).toBe('http://127.0.0.1:9090/-/ready');
  });

  it('hands every volume of a uid-10001 service to that uid before it starts', () => {
    const script = (services.init!.command as string[]).join(' ');
    for (const name of ['collector', 'loki', 'tempo']) {
      const named = ((services[name]!.volumes ?? []) as string[])
        .map((v) => v.split(':'))
        .filter(([source, , mode]) => !source!.startsWith('.') && mode !== 'ro');
      for (const [, target] of named) expect(script, `${name}: ${target} is not chowned`).toMatch(new RegExp(`chown 10001:10001 .*${target}(\\s|$)`));
      expect(services[name]!.depends_on.init.condition).toBe('service_completed_successfully');
    }
  });
});

describe('secrets', () => {
  const composeFiles = ['compose/compose.yaml', 'compose/stack.yaml', 'compose/compose.tenants.yaml', 'compose/tenants.yaml', 'compose/.env', 'compose/loki.yaml', 'compose/tempo.yaml', 'compose/prometheus.yml', 'compose/grafana/provisioning/datasources/datasources.yaml'];

  it('passes every credential through a required variable, never a literal', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [key, value] of Object.entries((s.environment ?? {}) as Record<string, string>)) {
        if (!isSecretName(key)) continue;
        expect(value, `${name}.${key}`).toMatch(/^\$\{[A-Z0-9_]+:\?[^}]+\}$/);
      }
    }
  });

  it('contains no well-known default credentials or key material', () => {
    const banned = [/admin\/admin/i, /minioadmin/i, /supersecret/i, /changeme/i, /AKIA[0-9A-Z]{16}/, /-----BEGIN [A-Z ]*PRIVATE KEY-----/];
    for (const file of composeFiles) {
      for (const re of banned) expect(re.test(read(file)), `${file} matches ${re}`).toBe(false);
    }
  });

  it('keeps generated secrets out of the repository', () => {
    expect(existsSync(path.join(COMPOSE_DIR, 'secrets.env.example'))).toBe(false);
    for (const value of envExample.values()) expect(value).not.toMatch(/^[0-9a-f]{24,}$/);
  });
});

describe('config files', () => {
  const files = [
    'compose/compose.yaml', 'compose/stack.yaml', 'compose/compose.tenants.yaml', 'compose/tenants.yaml', 'compose/.env', 'compose/.env.example', 'compose/.gitignore',
    'compose/loki.yaml', 'compose/tempo.yaml', 'compose/prometheus.yml', 'compose/init-secrets.sh',
    'compose/grafana/provisioning/datasources/datasources.yaml', 'compose/grafana/provisioning/dashboards/dashboards.yaml',
    'compose/alerts/tracebridge.rules.yml', 'compose/alerts/tracebridge.rules.test.yml',
  ];

  it('opens every config file with a comment saying what it is and how it is loaded', () => {
    for (const file of files) {
      const lines = read(file).split('\n');
      const first = lines[0]!.startsWith('#!') ? lines[1]! : lines[0]!;
      expect(first, file).toMatch(/^# \S/);
      const header = lines.slice(0, 12).join('\n');
      if (!file.endsWith('.gitignore')) expect(header, `${file}: say how it is loaded`).toMatch(/load|read|mount|include|pass|run/i);
    }
  });

  it('covers every file in compose/ (JSON dashboards carry a description instead of a comment)', () => {
    const all: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const abs = path.join(dir, name);
        if (statSync(abs).isDirectory()) walk(abs);
        else if (name !== 'secrets.env') all.push(path.relative(ROOT, abs).split(path.sep).join('/'));
      }
    };
    walk(COMPOSE_DIR);
    for (const file of all) {
      if (file.endsWith('.json')) {
        const dash = JSON.parse(read(file)) as Obj;
        expect(dash.description, file).toMatch(/\S/);
      } else expect(files, `${file} is not checked for a header`).toContain(file);
    }
  });
});

