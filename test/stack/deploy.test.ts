// deploy/: the files for many nodes. The Helm values of the official OpenTelemetry Collector chart run
// exactly the stacks of collector/stacks.yaml that the tests run (from the image, which holds every
// stack's files), and the agent tier resolves the gateway release's headless Service; the Loki and Tempo
// settings keep the compose stack's OTLP attribute configuration and retention and are sized for the
// capacity model of docs/scaling.md.
//
// What cannot be run here: `helm template` (neither helm nor the chart's templates are available). The
// values were checked by hand against the chart's values.schema.json (chart 0.130.1); the keys it allows
// at the top level are listed below, so a key the chart would refuse fails here.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { collectorArgs, resolveStack } from '#collector/stacks.mjs';
import { parseEnvFile } from '../helpers/compose.js';

type Obj = Record<string, any>;
const ROOT = new URL('../../', import.meta.url).pathname;
const read = (rel: string): string => readFileSync(path.join(ROOT, rel), 'utf8');
const load = (rel: string): Obj => parseYaml(read(rel)) as Obj;

/** Where the image holds collector/ (collector/Dockerfile). */
const IMAGE_DIR = '/etc/otelcol';

/** The top-level keys of values.schema.json of open-telemetry/opentelemetry-collector chart 0.130.1 (additionalProperties: false). */
const CHART_KEYS = [
  'enabled', 'global', 'nameOverride', 'fullnameOverride', 'mode', 'namespaceOverride', 'presets', 'configMap', 'alternateConfig', 'config',
  'image', 'imagePullSecrets', 'command', 'serviceAccount', 'clusterRole', 'podSecurityContext', 'securityContext', 'nodeSelector', 'tolerations',
  'affinity', 'topologySpreadConstraints', 'priorityClassName', 'extraContainers', 'initContainers', 'extraEnvs', 'extraEnvsFrom', 'extraVolumes',
  'extraVolumeMounts', 'extraManifests', 'ports', 'resources', 'lifecycleHooks', 'livenessProbe', 'readinessProbe', 'startupProbe', 'podAnnotations',
  'podLabels', 'additionalLabels', 'hostNetwork', 'hostAliases', 'dnsPolicy', 'dnsConfig', 'schedulerName', 'replicaCount', 'revisionHistoryLimit',
  'annotations', 'service', 'ingress', 'podMonitor', 'serviceMonitor', 'podDisruptionBudget', 'autoscaling', 'rollout', 'prometheusRule',
  'statefulset', 'networkPolicy', 'internalTelemetryViaOTLP', 'useGOMEMLIMIT', 'shareProcessNamespace',
];

const agent = load('deploy/helm/agent-tier.values.yaml');
const gateway = load('deploy/helm/gateway.values.yaml');
const envOf = (values: Obj): Map<string, string> => new Map((values.extraEnvs as Obj[]).filter((e) => typeof e.value === 'string').map((e) => [e.name as string, e.value as string]));

/** The stack a values file says it runs (`# collector stack: <name>`); exactly one. */
function namedStack(rel: string): string {
  const names = [...read(rel).matchAll(/^\s*# collector stack: (\S+)\s*$/gm)].map((m) => m[1]!);
  expect(names, `${rel} names one collector stack`).toHaveLength(1);
  return names[0]!;
}

describe.each([
  ['deploy/helm/agent-tier.values.yaml', agent, 'daemonset'],
  ['deploy/helm/gateway.values.yaml', gateway, 'deployment'],
])('%s', (rel, values, mode) => {
  it('uses only keys the chart’s values schema allows, and the mode the tier needs', () => {
    expect(Object.keys(values).filter((k) => !CHART_KEYS.includes(k))).toEqual([]);
    expect(values.mode).toBe(mode);
    // The preStop sleep, where set, fits in the pod's default grace period (30 s).
    expect(values.lifecycleHooks?.preStop?.sleep?.seconds ?? 0).toBeLessThan(30);
  });

  it('runs the stack it names from the image’s files, in stacks.yaml’s order, with no configuration of the chart’s', () => {
    const stack = namedStack(rel);
    expect(values.configMap.create).toBe(false);
    expect(values.command.name).toBe('otelcol-tracebridge');
    expect(values.command.extraArgs).toEqual(collectorArgs(stack, { dir: IMAGE_DIR, equals: true }));
    expect(resolveStack(stack).files.length).toBeGreaterThan(1);
  });

  it('runs the image compose builds, at the tag compose pins', () => {
    const tag = parseEnvFile(read('compose/.env')).get('OTELCOL_IMAGE_TAG');
    expect(values.image).toMatchObject({ repository: 'tracebridge/otelcol', tag });
  });

  it('keeps the queues on a volume mounted where TRACEBRIDGE_DATA_DIR points', () => {
    const dir = envOf(values).get('TRACEBRIDGE_DATA_DIR');
    expect((values.extraVolumeMounts as Obj[]).some((m) => m.mountPath === dir)).toBe(true);
  });
});

describe('the agent tier and the gateway pool', () => {
  it('resolve each other: the agent tier asks DNS for the gateway release’s headless Service, on its OTLP gRPC port', () => {
    const env = envOf(agent);
    expect(env.get('TRACEBRIDGE_GATEWAYS_DNS')).toMatch(new RegExp(`^${gateway.fullnameOverride}\\.[a-z0-9-]+\\.svc\\.cluster\\.local$`));
    expect(gateway.service).toMatchObject({ enabled: true, clusterIP: 'None' });
    expect(env.get('TRACEBRIDGE_GATEWAYS_PORT')).toBe(String(gateway.ports.otlp.containerPort));
    expect(envOf(gateway).get('OTLP_GRPC_ENDPOINT')).toBe(`0.0.0.0:${gateway.ports.otlp.containerPort}`);
  });

  it('keeps agents on their own node’s agent tier, and its queue on the node’s disk', () => {
    expect(agent.service.internalTrafficPolicy).toBe('Local');
    const queue = (agent.extraVolumes as Obj[]).find((v) => v.name === 'queue');
    expect(queue?.hostPath?.path).toBeDefined();
  });

  it('gives each gateway its own id for the derived metrics (its pod name)', () => {
    const id = (gateway.extraEnvs as Obj[]).find((e) => e.name === 'TRACEBRIDGE_COLLECTOR_ID');
    expect(id?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
  });
});

describe('Loki and Tempo settings for the traffic of docs/scaling.md', () => {
  const loki = load('deploy/loki.yaml');
  const composeLoki = load('compose/loki.yaml');
  const tempo = load('deploy/tempo.yaml');
  const composeTempo = load('compose/tempo.yaml');
  // The capacity model's design point (docs/scaling.md): 10,000 agents × 20 records/s, ~334 B of OTLP per
  // record; half a span per record, ~300 B each.
  const recordsPerSecond = 10_000 * 20;
  const logBytes = 334;
  const spansPerSecond = recordsPerSecond / 2;
  const spanBytes = 300;

  it('index and keep the same attributes as the compose stack, with the same retention', () => {
    expect(loki.distributor.otlp_config).toEqual(composeLoki.distributor.otlp_config);
    expect(loki.limits_config.otlp_config).toEqual(composeLoki.limits_config.otlp_config);
    for (const key of ['retention_period', 'retention_stream', 'allow_structured_metadata']) expect(loki.limits_config[key], key).toEqual(composeLoki.limits_config[key]);
    expect(loki.compactor.retention_enabled).toBe(true);
    expect(tempo.backend_scheduler).toEqual(composeTempo.backend_scheduler);
    expect(tempo.backend_worker.compaction).toEqual(composeTempo.backend_worker.compaction);
  });

  it('store on object storage with the schema the compose stack uses', () => {
    expect(loki.schema_config.configs).toEqual(composeLoki.schema_config.configs.map((c: Obj) => ({ ...c, object_store: 's3' })));
    expect(tempo.storage.trace.backend).toBe('s3');
  });

  it('let the design point in with room to spare (at least 1.3×)', () => {
    expect(loki.limits_config.ingestion_rate_mb * 1e6).toBeGreaterThanOrEqual(1.3 * recordsPerSecond * logBytes);
    // Tempo's rate limit holds per distributor; the file assumes three.
    expect(3 * tempo.overrides.defaults.ingestion.rate_limit_bytes).toBeGreaterThanOrEqual(1.3 * spansPerSecond * spanBytes);
  });
});
