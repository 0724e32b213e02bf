/**
 * Which OTLP resource attributes Loki indexes as labels for the compose stack: compose/loki.yaml's
 * distributor.otlp_config.default_resource_attributes_as_index_labels, or Loki's own default list when
 * the file sets none (pkg/loghttp/push/otlp_config.go, checked for Loki 3.7.8). Shared by the tests that
 * reason about what Loki stores (compose-backends, queries).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Loki's built-in default index labels (distributor.otlp.default_resource_attributes_as_index_labels). */
export const LOKI_DEFAULT_INDEXED_RESOURCE_ATTRIBUTES: readonly string[] = [
  'service.name', 'service.namespace', 'service.instance.id', 'deployment.environment', 'deployment.environment.name',
  'cloud.region', 'cloud.availability_zone', 'k8s.cluster.name', 'k8s.namespace.name', 'k8s.pod.name',
  'k8s.container.name', 'container.name', 'k8s.replicaset.name', 'k8s.deployment.name', 'k8s.statefulset.name',
  'k8s.daemonset.name', 'k8s.cronjob.name', 'k8s.job.name',
];

type Obj = Record<string, any>;

/** compose/loki.yaml, parsed. */
export function lokiConfig(): Obj {
  return parseYaml(readFileSync(path.join(ROOT, 'compose/loki.yaml'), 'utf8')) as Obj;
}

/** The resource attributes a Loki with this config indexes. */
export function indexedResourceAttributes(config: Obj = lokiConfig()): string[] {
  return (config.distributor?.otlp_config?.default_resource_attributes_as_index_labels as string[] | undefined) ?? [...LOKI_DEFAULT_INDEXED_RESOURCE_ATTRIBUTES];
}

/** The log attributes a Loki with this config indexes (limits_config.otlp_config.log_attributes, index_label). */
export function indexedLogAttributes(config: Obj = lokiConfig()): string[] {
  return ((config.limits_config?.otlp_config?.log_attributes ?? []) as Obj[]).filter((c) => c.action === 'index_label').flatMap((c) => c.attributes as string[]);
}

/** Loki turns every character a label name cannot hold into `_` (`service.name` → `service_name`). */
export const lokiName = (key: string): string => key.replace(/[^A-Za-z0-9_]/g, '_');
