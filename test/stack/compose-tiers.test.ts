// compose.tiers.yaml (stack.yaml + tiers.yaml), read through the real Compose loader (`docker compose
// config`, test/helpers/compose.ts): the collector service runs the agent tier (stack
// `agent-tier-dns`) and finds the gateways by the gateway service's name; the gateway service is a
// pool (deploy.replicas) running stack `gateway` against the same backends as the plain stack's collector.
// Both stacks load in the real collector: test/collector/stacks.test.ts validates every declared stack.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collectorArgs, resolveStack } from '#collector/stacks.mjs';
import { ROOT, composeSandbox } from '../helpers/compose.js';
import type { Obj } from '../helpers/compose.js';

/** Where compose mounts collector/: the files keep their paths below it. */
const IMAGE_DIR = '/etc/otelcol';

const sandbox = await composeSandbox();
afterAll(() => sandbox.remove());
const tiers = sandbox.config('compose.tiers.yaml');
const plain = sandbox.config('compose.yaml');
const services = tiers.services as Record<string, Obj>;
const agentTier = services.collector!;
const gateway = services.gateway!;

/** The collector files a service mounts: checkout path → target. */
const collectorMounts = (service: Obj): Map<string, string> =>
  new Map(
    ((service.volumes ?? []) as Obj[])
      .filter((v) => v.type === 'bind' && sandbox.repoPath(v.source as string).startsWith('collector/'))
      .map((v) => [sandbox.repoPath(v.source as string), v.target as string]),
  );

/** The stack a service of tiers.yaml says it runs (`# collector stack: <name>` inside its block). */
function namedStack(service: string): string {
  const text = readFileSync(path.join(ROOT, 'compose/tiers.yaml'), 'utf8');
  const block = new RegExp(`^  ${service}:\\n([\\s\\S]*?)(?=^  \\S|(?![\\s\\S]))`, 'm').exec(text)?.[1] ?? '';
  const names = [...block.matchAll(/^\s*# collector stack: (\S+)\s*$/gm)].map((m) => m[1]!);
  expect(names, `${service} names one collector stack`).toHaveLength(1);
  return names[0]!;
}

describe.each([
  ['collector', 'agent-tier-dns'],
  ['gateway', 'gateway'],
])('compose.tiers.yaml: service %s', (service, stack) => {
  it(`runs stack ${stack}, the one its comment names, with every file mounted read-only from collector/`, () => {
    expect(namedStack(service)).toBe(stack);
    expect(services[service]!.command).toEqual(collectorArgs(stack, { dir: IMAGE_DIR, equals: true }));
    const mounts = collectorMounts(services[service]!);
    for (const file of resolveStack(stack).files) expect(mounts.get(`collector/${file}`), `${service} mounts collector/${file}`).toBe(`${IMAGE_DIR}/${file}`);
    for (const v of (services[service]!.volumes ?? []) as Obj[]) if (v.type === 'bind') expect(v.read_only, v.target).toBe(true);
  });
});

describe('compose.tiers.yaml: the agent tier', () => {
  const env = agentTier.environment as Record<string, string>;

  it('resolves the gateway service by its name, on the port the gateways receive OTLP gRPC on', () => {
    expect(Object.keys(services)).toContain(env.TRACEBRIDGE_GATEWAYS_DNS);
    expect(env.TRACEBRIDGE_GATEWAYS_PORT).toBe((gateway.environment.OTLP_GRPC_ENDPOINT as string).split(':').at(-1));
  });

  it("keeps the plain collector's published ports, token and queue volume, so agents change nothing", () => {
    expect(agentTier.ports).toEqual(plain.services.collector.ports);
    expect(env.OTLP_BEARER_TOKEN).toBe(plain.services.collector.environment.OTLP_BEARER_TOKEN);
    const queue = ((agentTier.volumes ?? []) as Obj[]).find((v) => v.target === env.TRACEBRIDGE_DATA_DIR);
    expect(queue).toMatchObject({ type: 'volume', source: 'otelcol-data' });
    expect(agentTier.depends_on.gateway).toBeDefined();
  });
});

describe('compose.tiers.yaml: the gateway pool', () => {
  const env = gateway.environment as Record<string, string>;

  it('is several replicas of the image the collector service builds, reachable inside the network only', () => {
    expect(gateway.deploy.replicas).toBeGreaterThanOrEqual(2);
    expect(gateway.image).toBe(agentTier.image);
    expect(gateway.pull_policy).toBe('never');
    expect(gateway.ports ?? []).toEqual([]);
    expect(env.OTLP_GRPC_ENDPOINT).toMatch(/^0\.0\.0\.0:\d+$/);
  });

  it("exports to the backends the plain stack's collector exports to, with its credentials", () => {
    const collectorEnv = plain.services.collector.environment as Record<string, string>;
    for (const key of ['LOKI_ENDPOINT', 'TEMPO_ENDPOINT', 'TEMPO_INSECURE', 'PROMETHEUS_OTLP_ENDPOINT', 'S3_ENDPOINT', 'S3_BUCKET', 'S3_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
      expect(env[key], key).toBe(collectorEnv[key]);
    }
  });

  it('keeps each replica’s queue in its own container: no volume shared by the replicas', () => {
    expect(((gateway.volumes ?? []) as Obj[]).filter((v) => v.type === 'volume' && v.target !== '/probe')).toEqual([]);
    expect(env.TRACEBRIDGE_DATA_DIR).toBeDefined();
  });

  it('has a healthcheck and a memory limit like every long-running service', () => {
    expect(gateway.healthcheck.test).toEqual(plain.services.collector.healthcheck.test);
    expect(gateway.deploy.resources.limits.memory).toBeDefined();
  });
});
