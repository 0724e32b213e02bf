import {
  ATTR_AGENT_PARENT_ID,
  ATTR_CORRELATION_ID,
  ATTR_DEPLOYMENT_ENVIRONMENT_NAME,
  ATTR_ERROR_TYPE,
  ATTR_EXCEPTION_MESSAGE,
  ATTR_EXCEPTION_STACKTRACE,
  ATTR_EXCEPTION_TYPE,
  ATTR_GEN_AI_AGENT_ID,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_SERVICE_INSTANCE_ID,
  ATTR_SERVICE_NAME,
} from '@tracebridge/schema';

/**
 * How Loki names an OTLP attribute as a label or structured-metadata field: every character a label
 * name cannot hold becomes `_` (`service.instance.id` → `service_instance_id`). The dotted name cannot be
 * recovered from it (`cloud.availability_zone` and `process.command_args` keep their `_`), so the names
 * tracebridge reads back are listed.
 */
export const lokiName = (key: string): string => key.replace(/[^A-Za-z0-9_]/g, '_');

/**
 * Resource attributes an agent's telemetry carries: the agent resource of the mapping, the SDK's default
 * resource (`telemetry.sdk.*`, `service.name`), what OTEL_RESOURCE_ATTRIBUTES and resource detectors
 * usually add (semantic conventions: service, deployment, host, os, process, container, k8s, cloud), and
 * Loki's default index labels. Loki keeps those it does not index as structured metadata, mixed with the
 * record's own attributes; these names go back to the resource.
 */
const RESOURCE_ATTRIBUTES = [
  ATTR_SERVICE_NAME, ATTR_SERVICE_INSTANCE_ID, 'service.namespace', 'service.version',
  'deployment.environment', ATTR_DEPLOYMENT_ENVIRONMENT_NAME,
  ATTR_GEN_AI_AGENT_NAME,
  'telemetry.sdk.name', 'telemetry.sdk.language', 'telemetry.sdk.version', 'telemetry.distro.name', 'telemetry.distro.version',
  'host.name', 'host.id', 'host.arch', 'host.type', 'host.image.id', 'host.image.name',
  'os.type', 'os.name', 'os.version', 'os.description',
  'process.pid', 'process.parent_pid', 'process.executable.name', 'process.executable.path', 'process.command',
  'process.command_line', 'process.command_args', 'process.owner',
  'process.runtime.name', 'process.runtime.version', 'process.runtime.description',
  'container.id', 'container.name', 'container.image.name', 'container.image.tag',
  'k8s.cluster.name', 'k8s.namespace.name', 'k8s.node.name', 'k8s.pod.name', 'k8s.pod.uid', 'k8s.container.name',
  'k8s.replicaset.name', 'k8s.deployment.name', 'k8s.statefulset.name', 'k8s.daemonset.name', 'k8s.cronjob.name', 'k8s.job.name',
  'cloud.provider', 'cloud.platform', 'cloud.region', 'cloud.availability_zone', 'cloud.account.id',
];

/** Loki field name → resource attribute name. */
export const RESOURCE_FIELDS: ReadonlyMap<string, string> = new Map(RESOURCE_ATTRIBUTES.map((key) => [lokiName(key), key]));

/** Loki fields that go back to record attributes under their OTel names. */
export const ATTRIBUTE_FIELDS: ReadonlyMap<string, string> = new Map(
  [ATTR_CORRELATION_ID, ATTR_AGENT_PARENT_ID, ATTR_EXCEPTION_TYPE, ATTR_EXCEPTION_MESSAGE, ATTR_EXCEPTION_STACKTRACE, ATTR_ERROR_TYPE].map((key) => [lokiName(key), key]),
);

/**
 * `gen_ai.agent.id` is on the resource (the agent id, like `service.instance.id`) and, for a logger that
 * writes for another agent than its process, on the record too; Loki keeps one field for both. Equal to
 * the agent id, it is the resource's; different, the record's.
 */
export const AGENT_ID_FIELD = lokiName(ATTR_GEN_AI_AGENT_ID);

/** The field of the resource's agent id (`service.instance.id`). */
export const INSTANCE_ID_FIELD = lokiName(ATTR_SERVICE_INSTANCE_ID);

/** Loki fields that are the record's own (not attributes). */
export const RECORD_FIELDS: ReadonlySet<string> = new Set([
  'trace_id', 'span_id', 'severity_text', 'severity_number', 'scope_name', 'level', 'detected_level', 'flags', 'observed_timestamp',
]);
