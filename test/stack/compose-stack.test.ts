// The compose stack as a whole, checked without a Docker engine through the real Compose loader
// (test/helpers/compose.ts: `docker compose config` on a copy of compose/ with the secrets
// init-secrets.sh writes): schema, mounts, images, variables, healthchecks, memory limits, published
// ports and secrets, for every entry point and profile. Backend configs are checked in
// compose-backends.test.ts, the collector wiring in compose-collector.test.ts.
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveStack } from '#collector/stacks.mjs';
import { COMPOSE_ENTRIES, ROOT, composeSandbox, parseEnvFile } from '../helpers/compose.js';
import type { ComposeSandbox, Obj } from '../helpers/compose.js';

const COMPOSE_DIR = path.join(ROOT, 'compose');
const read = (rel: string): string => readFileSync(path.join(ROOT, rel), 'utf8');

const entry = parseYaml(read('compose/compose.yaml')) as Obj;
const stack = parseYaml(read('compose/stack.yaml')) as Obj;
const tenantsEntry = parseYaml(read('compose/compose.tenants.yaml')) as Obj;
const tenantsOverlay = parseYaml(read('compose/tenants.yaml')) as Obj;
const tiersOverlay = parseYaml(read('compose/tiers.yaml')) as Obj;
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
/** The `${VAR...}` references written in a file (the source text, before Compose reads it). */
function varUses(doc: unknown): VarUse[] {
  return strings(doc).flatMap((s) =>
    [...s.replaceAll('$$', '\u0000\u0000').matchAll(BRACED)].map((m) => ({ name: m[1]!, op: m[2] ?? '', arg: m[3] ?? '' })),
  );
}
const bareUses = (doc: unknown): string[] => strings(doc).flatMap((s) => [...s.replaceAll('$$', '\u0000\u0000').matchAll(BARE)].map((m) => m[0]));

const SECRET_NAMES = [...new Set(varUses(stack).map((u) => u.name).filter(isSecretName))];

/** Byte count of a Compose/Go memory size ("512M", "1G", "400MiB", or bytes as Compose prints them). */
function bytes(size: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kKmMgG])?(i?[bB])?$/.exec(size.trim());
  if (!m) throw new Error(`not a size: ${size}`);
  const unit = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? '').toLowerCase() as 'k' | 'm' | 'g'] ?? 1;
  return Number(m[1]) * unit;
}

/** The README's "Run the full stack" section (up to the next level-2 heading). */
function readmeSection(): string {
  const readme = read('README.md');
  const start = readme.indexOf('\n## Run the full stack');
  if (start < 0) return '';
  const next = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, next < 0 ? undefined : next);
}

let sandbox: ComposeSandbox;
/** What Compose runs: `config` of each entry point, with every profile on (the demo agent included). */
let plain: Obj;
let tenants: Obj;
/** The same, without interpolation: the `${VAR...}` forms as Compose merged them. */
let plainRaw: Obj;
let profiles: string[];

beforeAll(async () => {
  sandbox = await composeSandbox();
  const listed = sandbox.run(['-f', 'compose.yaml', 'config', '--profiles']);
  expect(listed.status, listed.stderr).toBe(0);
  profiles = listed.stdout.split('\n').filter(Boolean);
  plain = sandbox.config('compose.yaml', { profiles });
  tenants = sandbox.config('compose.tenants.yaml', { profiles });
  plainRaw = sandbox.config('compose.yaml', { profiles, interpolate: false });
});
afterAll(() => sandbox?.remove());

const servicesOf = (config: Obj): Record<string, Obj> => config.services as Record<string, Obj>;
/** One-shot jobs: restart "no" and something waits for them to complete. */
const oneShotsOf = (services: Record<string, Obj>): string[] =>
  Object.entries(services)
    .filter(([name, s]) => s.restart === 'no' && Object.values(services).some((o) => o.depends_on?.[name]?.condition === 'service_completed_successfully'))
    .map(([name]) => name);

describe('the Compose loader (docker compose config)', () => {
  it('accepts every entry point with and without each profile', () => {
    expect(profiles).toEqual(['demo']);
    for (const file of COMPOSE_ENTRIES) {
      for (const p of [[], ...profiles.map((x) => [x])]) {
        const res = sandbox.run(['-f', file, ...p.flatMap((x) => ['--profile', x]), 'config', '--quiet']);
        expect(res.status, `${file} ${p.join(' ')}: ${res.stderr}`).toBe(0);
      }
    }
  });

  it('starts the demo agent only with its profile', () => {
    expect(Object.keys(servicesOf(sandbox.config('compose.yaml')))).not.toContain('demo-agent');
    expect(Object.keys(servicesOf(plain))).toContain('demo-agent');
  });

  it('refuses a service with a misspelt key (the validator is live)', async () => {
    const broken = await composeSandbox({
      edit: (dir) => {
        const file = path.join(dir, 'stack.yaml');
        writeFileSync(file, readFileSync(file, 'utf8').replace('      interval: 10s\n', '      intervall: 10s\n'));
      },
    });
    try {
      const res = broken.run(['-f', 'compose.yaml', 'config', '--quiet']);
      expect(res.status).not.toBe(0);
      expect(res.stderr).toMatch(/intervall/);
    } finally {
      broken.remove();
    }
  });

  it('refuses to load without secrets.env, naming the file, and without any one secret, naming it', async () => {
    const bare = await composeSandbox({ secrets: false });
    try {
      const res = bare.run(['-f', 'compose.yaml', 'config', '--quiet']);
      expect(res.status).not.toBe(0);
      expect(res.stderr).toMatch(/secrets\.env/);
    } finally {
      bare.remove();
    }
    for (const name of SECRET_NAMES) {
      const missing = await composeSandbox({
        edit: (dir) => {
          const file = path.join(dir, 'secrets.env');
          writeFileSync(file, readFileSync(file, 'utf8').replace(new RegExp(`^${name}=.*\\n`, 'm'), ''));
        },
      });
      try {
        const res = missing.run(['-f', 'compose.yaml', 'config', '--quiet']);
        expect(res.status, name).not.toBe(0);
        expect(res.stderr, name).toContain(`set ${name} in compose/secrets.env (run compose/init-secrets.sh)`);
      } finally {
        missing.remove();
      }
    }
  });

  it('lets a variable exported in the shell win over .env', () => {
    const moved = sandbox.config('compose.yaml', { env: { GRAFANA_PORT: '3300', BIND_ADDRESS: '0.0.0.0' } });
    expect(servicesOf(moved).grafana!.ports).toEqual([expect.objectContaining({ host_ip: '0.0.0.0', published: '3300', target: 3000 })]);
  });
});

describe('compose.yaml', () => {
  it('includes stack.yaml with .env then secrets.env for interpolation', () => {
    expect(entry.include).toEqual([{ path: 'stack.yaml', env_file: ['.env', 'secrets.env'] }]);
    expect(plain.name).toBe('tracebridge');
  });

  it('keeps secrets.env out of git and has init-secrets.sh write every secret with openssl', () => {
    expect(read('compose/.gitignore').split('\n')).toContain('secrets.env');
    const script = read('compose/init-secrets.sh');
    for (const name of SECRET_NAMES) expect(script).toMatch(new RegExp(`\\badd ${name} "\\$\\(openssl rand -hex \\d+\\)"`));
    // What the script wrote is what Compose handed the services.
    const written = parseEnvFile(readFileSync(path.join(sandbox.dir, 'secrets.env'), 'utf8'));
    expect([...written.keys()].sort()).toEqual([...SECRET_NAMES].sort());
    expect(servicesOf(plain).collector!.environment.OTLP_BEARER_TOKEN).toBe(written.get('OTLP_BEARER_TOKEN'));
    expect(servicesOf(plain).grafana!.environment.GF_SECURITY_ADMIN_PASSWORD).toBe(written.get('GRAFANA_ADMIN_PASSWORD'));
  });

  it('has compose.tenants.yaml include stack.yaml with tenants.yaml over it, reading the same env files', () => {
    expect(tenantsEntry.name).toBe(entry.name);
    expect(tenantsEntry.include).toEqual([{ path: ['stack.yaml', 'tenants.yaml'], env_file: ['.env', 'secrets.env'] }]);
    expect(tenants.name).toBe(plain.name);
  });
});

interface Bind { service: string; source: string; target: string; readOnly: boolean }
const bindsOf = (config: Obj): Bind[] =>
  Object.entries(servicesOf(config)).flatMap(([service, s]) =>
    ((s.volumes ?? []) as Obj[])
      .filter((v) => v.type === 'bind')
      .map((v) => ({ service, source: sandbox.repoPath(v.source as string), target: v.target as string, readOnly: v.read_only === true })),
  );
const loadedConfigs = (command: string[]): string[] => command.filter((a) => a.startsWith('--config=')).map((a) => a.slice('--config='.length));

describe('mounted files', () => {
  it('mounts only paths inside the repository that exist', () => {
    const binds = bindsOf(plain);
    expect(binds.length).toBeGreaterThan(5);
    for (const b of binds) {
      expect(b.source.startsWith('..'), `${b.service}: ${b.source}`).toBe(false);
      expect(existsSync(path.join(ROOT, b.source)), `${b.service} mounts ${b.source}, which does not exist`).toBe(true);
    }
  });

  it('mounts exactly the collector files its command loads (stack `compose` of collector/stacks.yaml), which exist', () => {
    const collectorFiles = bindsOf(plain).filter((b) => b.source.startsWith('collector/'));
    expect(collectorFiles.map((b) => b.source).sort()).toEqual(resolveStack('compose').files.map((f) => `collector/${f}`).sort());
    for (const b of collectorFiles) expect(statSync(path.join(ROOT, b.source)).isFile(), b.source).toBe(true);
    expect(collectorFiles.map((b) => b.target).sort()).toEqual(loadedConfigs(servicesOf(plain).collector!.command).sort());
  });

  it('with compose.tenants.yaml, mounts and loads exactly stack `compose-tenants` (with collector/fragments/loki-tenants.yaml)', () => {
    const mounted = bindsOf(tenants).filter((b) => b.source.startsWith('collector/'));
    const loaded = loadedConfigs(servicesOf(tenants).collector!.command);
    expect(mounted.map((b) => b.target).sort()).toEqual([...loaded].sort());
    expect(mounted.map((b) => b.source).sort()).toEqual(resolveStack('compose-tenants').files.map((f) => `collector/${f}`).sort());
    expect(loaded).toContain('/etc/otelcol/fragments/loki-tenants.yaml');
  });

  it('mounts every config file a command points at, read-only', () => {
    const configArgs: Array<[string, RegExp]> = [
      ['collector', /^--config=(.+)$/],
      ['loki', /^-config\.file=(.+)$/],
      ['tempo', /^-config\.file=(.+)$/],
      ['prometheus', /^--config\.file=(.+)$/],
    ];
    for (const config of [plain, tenants]) {
      const binds = bindsOf(config);
      for (const [service, re] of configArgs) {
        const wanted = (servicesOf(config)[service]!.command as string[]).map((a) => re.exec(a)?.[1]).filter(Boolean);
        expect(wanted.length, service).toBeGreaterThan(0);
        for (const file of wanted) {
          const bind = binds.find((b) => b.service === service && b.target === file);
          expect(bind, `${service} reads ${file}`).toBeDefined();
          expect(bind!.readOnly, `${service}: ${file}`).toBe(true);
        }
      }
    }
  });

  it('mounts the Grafana provisioning folder and the dashboards folder the provider reads', () => {
    const grafana = bindsOf(plain).filter((b) => b.service === 'grafana');
    const provisioning = grafana.find((b) => b.target === '/etc/grafana/provisioning');
    expect(provisioning?.source).toBe('compose/grafana/provisioning');
    for (const sub of ['datasources', 'dashboards']) expect(existsSync(path.join(ROOT, provisioning!.source, sub)), sub).toBe(true);
    const provider = parseYaml(read('compose/grafana/provisioning/dashboards/dashboards.yaml')) as Obj;
    const dashPath = provider.providers[0].options.path as string;
    const mount = grafana.find((b) => b.target === dashPath);
    expect(mount, `nothing mounted at ${dashPath}`).toBeDefined();
    expect(readdirSync(path.join(ROOT, mount!.source)).filter((f) => f.endsWith('.json')).length).toBeGreaterThan(0);
  });
});

describe('images', () => {
  it('takes every tag from a variable that only .env defines, and runs that tag', () => {
    for (const [name, s] of Object.entries(servicesOf(plainRaw))) {
      const m = /^([a-z0-9./-]+):\$\{([A-Z0-9_]+_IMAGE_TAG):\?[^}]+\}$/.exec(s.image as string);
      expect(m, `${name}: image ${s.image} should be <name>:\${X_IMAGE_TAG:?...}`).not.toBeNull();
      const tag = dotEnv.get(m![2]!);
      expect(tag, `${m![2]} is not set in compose/.env`).toBeTruthy();
      expect(tag).not.toMatch(/^(latest|main|master|edge)$/);
      expect(servicesOf(plain)[name]!.image).toBe(`${m![1]}:${tag}`);
    }
  });

  it('builds the collector from our distribution (collector/Dockerfile), tagged with the release the manifest builds', () => {
    const collector = servicesOf(plain).collector!;
    // The contrib image has no s3_archive exporter: the stack must run what collector/manifest.yaml builds.
    expect(sandbox.repoPath(collector.build.context as string)).toBe('');
    expect(collector.build.dockerfile).toBe('collector/Dockerfile');
    expect(statSync(path.join(ROOT, collector.build.dockerfile as string)).isFile()).toBe(true);
    // Rebuilt on every `up`, so the image never lags behind the checkout.
    expect(collector.pull_policy).toBe('build');
    const release = /go\.opentelemetry\.io\/collector\/receiver\/otlpreceiver v(\d+\.\d+\.\d+)/.exec(read('collector/manifest.yaml'))?.[1];
    expect(release).toBeDefined();
    expect(collector.image).toBe(`tracebridge/otelcol:${release}`);
    for (const s of Object.values(servicesOf(plain))) expect(s.image as string).not.toMatch(/opentelemetry-collector-contrib|otelcol-contrib/);
  });

  it("runs the image as the uid the init job hands the collector's data volume to, with the command as arguments", () => {
    const dockerfile = read('collector/Dockerfile');
    const final = dockerfile.split(/^FROM\s/m).at(-1)!;
    const user = [...final.matchAll(/^USER\s+(\d+)(?::(\d+))?\s*$/gm)].at(-1);
    expect(user, 'the final stage of collector/Dockerfile sets no numeric USER').toBeDefined();
    const script = (servicesOf(plain).init!.command as string[]).join(' ');
    expect(script).toMatch(new RegExp(`chown ${user![1]}:${user![2] ?? user![1]} [^\\n]*/var/lib/otelcol`));
    // Exec-form ENTRYPOINT: compose's `command` (the --config files) becomes the binary's arguments.
    expect(final).toMatch(/^ENTRYPOINT\s+\["[^"]+"\]\s*$/m);
    expect(dockerfile).toMatch(/^COPY\s+collector\/manifest\.yaml\s/m);
  });

  it('uses a maintained, permissively licensed S3 server, not MinIO', () => {
    const images = Object.values(servicesOf(plain)).map((s) => s.image as string);
    expect(images.some((i) => i.startsWith('versity/versitygw:'))).toBe(true);
    expect(images.some((i) => /minio/i.test(i))).toBe(false);
  });
});

describe('variables', () => {
  // tenants.yaml and tiers.yaml are part of the stack's interface: their variables follow the same rules.
  const uses = [...varUses(stack), ...varUses(tenantsOverlay), ...varUses(tiersOverlay)];
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
    for (const key of dotEnv.keys()) expect(names, `.env sets ${key}, which no compose file reads`).toContain(key);
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
});

describe('services', () => {
  it('has the stack the issue asks for', () => {
    expect(Object.keys(servicesOf(plain))).toEqual(
      expect.arrayContaining(['collector', 'loki', 'tempo', 's3', 's3-bucket', 'prometheus', 'grafana', 'demo-agent']),
    );
    expect(servicesOf(plain)['demo-agent']!.profiles).toEqual(['demo']);
  });

  it('gives every long-running service an exec-form healthcheck, and one-shot jobs none', () => {
    for (const config of [plain, tenants]) {
      const services = servicesOf(config);
      const oneShots = oneShotsOf(services);
      expect(oneShots.sort()).toEqual(['init', 's3-bucket']);
      for (const name of Object.keys(services).filter((n) => !oneShots.includes(n))) {
        const test = services[name]!.healthcheck?.test as string[] | undefined;
        expect(Array.isArray(test) && test[0] === 'CMD', `${name} needs healthcheck.test ["CMD", ...]`).toBe(true);
        expect(services[name]!.healthcheck.disable, name).toBeUndefined();
      }
      for (const name of oneShots) expect(services[name]!.healthcheck).toEqual({ disable: true });
    }
  });

  it('waits only on conditions the dependency can meet', () => {
    const services = servicesOf(plain);
    const oneShots = oneShotsOf(services);
    for (const [name, s] of Object.entries(services)) {
      for (const [dep, { condition }] of Object.entries((s.depends_on ?? {}) as Record<string, { condition: string }>)) {
        expect(services[dep], `${name} depends on unknown ${dep}`).toBeDefined();
        if (condition === 'service_healthy') expect(oneShots, `${name} waits for ${dep} to be healthy`).not.toContain(dep);
        if (condition === 'service_completed_successfully') expect(oneShots).toContain(dep);
      }
    }
  });

  it('limits the memory of every service, with GOMEMLIMIT below the limit where set', () => {
    for (const [name, s] of Object.entries(servicesOf(plain))) {
      const limit = s.deploy?.resources?.limits?.memory as string | undefined;
      expect(limit, `${name} has no memory limit`).toBeDefined();
      const gomem = s.environment?.GOMEMLIMIT as string | undefined;
      if (gomem) expect(bytes(gomem), name).toBeLessThan(bytes(limit!) * 0.9);
    }
  });

  it('publishes only Grafana and the OTLP ports, on BIND_ADDRESS, with or without tenants.yaml', () => {
    for (const config of [plain, tenants]) {
      const published = Object.entries(servicesOf(config))
        .filter(([, s]) => s.ports)
        .map(([name, s]) => [name, (s.ports as Obj[]).map((p) => String(p.target)).sort()]);
      expect(Object.fromEntries(published)).toEqual({ collector: ['4317', '4318'], grafana: ['3000'] });
      for (const s of Object.values(servicesOf(config))) {
        for (const p of (s.ports ?? []) as Obj[]) expect(p.host_ip, JSON.stringify(p)).toBe(dotEnv.get('BIND_ADDRESS'));
        expect(s.network_mode, 'host networking would bypass the published ports').toBeUndefined();
      }
    }
    expect(dotEnv.get('BIND_ADDRESS')).toBe('127.0.0.1');
  });

  it('makes the demo agent send the collector token the standard way', () => {
    const env = servicesOf(plain)['demo-agent']!.environment as Record<string, string>;
    expect(env.OTEL_EXPORTER_OTLP_HEADERS).toBe(`Authorization=Bearer%20${servicesOf(plain).collector!.environment.OTLP_BEARER_TOKEN}`);
  });

  it('with tenants.yaml, turns on Loki multi-tenancy and has Grafana read every tenant', () => {
    const loki = servicesOf(tenants).loki!;
    expect(loki.command).toEqual(['-config.file=/etc/loki/loki.yaml', '-auth.enabled=true', '-querier.multi-tenant-queries-enabled=true']);
    expect(servicesOf(tenants).grafana!.environment.LOKI_QUERY_TENANTS).toBe('alpha|beta|default');
    expect(servicesOf(plain).grafana!.environment.LOKI_QUERY_TENANTS).toBe('fake');
    const ds = (parseYaml(read('compose/grafana/provisioning/datasources/datasources.yaml')) as Obj).datasources.find((d: Obj) => d.uid === 'loki');
    expect(ds.jsonData.httpHeaderName1).toBe('X-Scope-OrgID');
    expect(ds.secureJsonData.httpHeaderValue1).toBe('$LOKI_QUERY_TENANTS');
  });

  it('probes each service on the port it listens on', () => {
    const services = servicesOf(plain);
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
    expect(services.collector!.volumes).toContainEqual(expect.objectContaining({ type: 'volume', source: 'probe', target: '/probe', read_only: true }));
    expect(services.init!.volumes).toContainEqual(expect.objectContaining({ type: 'volume', source: 'probe', target: '/probe' }));

    expect((services.grafana!.healthcheck.test as string[]).at(-1)).toBe('http://127.0.0.1:3000/api/health');
    expect((services.prometheus!.healthcheck.test as string[]).at(-1)).toBe('http://127.0.0.1:9090/-/ready');
  });

  it('hands every volume of a uid-10001 service to that uid before it starts', () => {
    const services = servicesOf(plain);
    const script = (services.init!.command as string[]).join(' ');
    for (const name of ['collector', 'loki', 'tempo']) {
      const named = ((services[name]!.volumes ?? []) as Obj[]).filter((v) => v.type === 'volume' && v.read_only !== true);
      expect(named.length, name).toBeGreaterThan(0);
      for (const v of named) expect(script, `${name}: ${v.target} is not chowned`).toMatch(new RegExp(`chown 10001:10001 .*${v.target}(\\s|$)`));
      expect(services[name]!.depends_on.init.condition).toBe('service_completed_successfully');
    }
  });
});

describe('secrets', () => {
  const composeFiles = ['compose/compose.yaml', 'compose/stack.yaml', 'compose/compose.tenants.yaml', 'compose/tenants.yaml', 'compose/compose.tiers.yaml', 'compose/tiers.yaml', 'compose/.env', 'compose/loki.yaml', 'compose/tempo.yaml', 'compose/prometheus.yml', 'compose/grafana/provisioning/datasources/datasources.yaml'];

  it('passes every credential through a required variable, never a literal', () => {
    for (const [name, s] of Object.entries(servicesOf(plainRaw))) {
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
    'compose/compose.yaml', 'compose/stack.yaml', 'compose/compose.tenants.yaml', 'compose/tenants.yaml', 'compose/compose.tiers.yaml', 'compose/tiers.yaml', 'compose/.env', 'compose/.env.example', 'compose/.gitignore',
    'compose/loki.yaml', 'compose/tempo.yaml', 'compose/prometheus.yml', 'compose/init-secrets.sh',
    'compose/grafana/provisioning/datasources/datasources.yaml', 'compose/grafana/provisioning/dashboards/dashboards.yaml',
    'compose/alerts/tracebridge.rules.yml', 'compose/alerts/tracebridge.rules.test.yml',
    'compose/smoke/stack-smoke.mjs', 'compose/smoke/agent.mjs',
  ];

  it('opens every config file with a comment saying what it is and how it is loaded', () => {
    for (const file of files) {
      const lines = read(file).split('\n');
      const first = lines[0]!.startsWith('#!') ? lines[1]! : lines[0]!;
      expect(first, file).toMatch(/^(#|\/\/) \S/);
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

  it('records in each backend config the release it was checked against, which is the pinned one', () => {
    const pinned: Array<[string, string]> = [
      ['compose/loki.yaml', `Loki ${dotEnv.get('LOKI_IMAGE_TAG')}`],
      ['compose/tempo.yaml', `Tempo ${dotEnv.get('TEMPO_IMAGE_TAG')}`],
      ['compose/prometheus.yml', `Prometheus ${dotEnv.get('PROMETHEUS_IMAGE_TAG')}`],
      ['compose/grafana/provisioning/datasources/datasources.yaml', `Grafana ${dotEnv.get('GRAFANA_IMAGE_TAG')}`],
      ['compose/grafana/provisioning/dashboards/dashboards.yaml', `Grafana ${dotEnv.get('GRAFANA_IMAGE_TAG')}`],
    ];
    for (const [file, release] of pinned) {
      const header = read(file).split('\n').filter((l) => l.startsWith('#')).join('\n');
      expect(header, file).toMatch(new RegExp(`Checked against ${release.replace(/[.]/g, '\\.')}\\b`));
    }
  });
});
