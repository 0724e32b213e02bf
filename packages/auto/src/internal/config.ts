import { agentResource, agentRole, parseResourceAttributes } from '@tracebridge/schema';
import type { Attributes, MappingOptions } from '@tracebridge/schema';

/** The log sources the bootstrap can bridge into OpenTelemetry logs. */
export type LogBridge = 'console' | 'pino' | 'winston';

const BRIDGES: readonly LogBridge[] = ['console', 'pino', 'winston'];

/** What the bootstrap reads from the environment, resolved once at start. */
export interface AutoConfig {
  /** A well-formed agent id, or undefined (none set, or not `<role>-<model>-<instance>`). */
  agentId: string | undefined;
  /** Resource attributes: the agent resource of the schema. */
  resource: Attributes;
  /** Sources whose records are sent as OpenTelemetry logs. */
  bridges: ReadonlySet<LogBridge>;
  /** Bound on flushing at exit. */
  shutdownTimeoutMillis: number;
  /**
   * The environment-variable carrier (`TRACEPARENT`, `TRACESTATE`, `BAGGAGE`): `inject` writes the
   * active context into the environment of started processes and workers, `extract` continues the
   * context this process was started with.
   */
  envContext: { inject: boolean; extract: boolean };
  /** Event-loop, heap and GC metrics of `@opentelemetry/instrumentation-runtime-node`. */
  runtimeMetrics: boolean;
  /** Problems with the environment: warned about, never fatal. */
  warnings: string[];
}

/** Default bound on the exit flush: long enough for a batch round trip, short enough for an orchestrator's grace period. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MILLIS = 5000;

const ON = ['on', 'true', '1'];
const OFF = ['off', 'false', '0', 'none'];

function nonEmpty(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v === undefined || v === '' ? undefined : v;
}

/**
 * Reads the bootstrap's settings. Nothing here throws: an operator's typo is reported as a warning
 * and replaced by the default, because a bad variable must not stop an agent.
 */
export function resolveAutoConfig(env: NodeJS.ProcessEnv): AutoConfig {
  const warnings: string[] = [];
  let agentId = nonEmpty(env.TRACEBRIDGE_AGENT_ID);
  if (agentId !== undefined && agentRole(agentId) === undefined) {
    warnings.push(`TRACEBRIDGE_AGENT_ID="${agentId}" is not <role>-<model>-<instance> (e.g. A1-haiku-001): no agent id on this process's telemetry`);
    agentId = undefined;
  }
  const mapping: MappingOptions = { resourceAttributes: parseResourceAttributes(env.OTEL_RESOURCE_ATTRIBUTES) };
  const serviceName = nonEmpty(env.OTEL_SERVICE_NAME);
  if (serviceName !== undefined) mapping.serviceName = serviceName;
  const environment = nonEmpty(env.TRACEBRIDGE_ENVIRONMENT);
  if (environment !== undefined) mapping.environment = environment;

  const bridges = new Set<LogBridge>();
  const listed = nonEmpty(env.TRACEBRIDGE_LOG_BRIDGES);
  if (listed === undefined) for (const b of BRIDGES) bridges.add(b);
  else {
    for (const raw of listed.split(',')) {
      const name = raw.trim().toLowerCase();
      if (name === '' || name === 'none') continue;
      if ((BRIDGES as readonly string[]).includes(name)) bridges.add(name as LogBridge);
      else warnings.push(`TRACEBRIDGE_LOG_BRIDGES: unknown bridge "${name}" ignored (known: ${BRIDGES.join(', ')}, none)`);
    }
  }

  let shutdownTimeoutMillis = DEFAULT_SHUTDOWN_TIMEOUT_MILLIS;
  const timeout = nonEmpty(env.TRACEBRIDGE_SHUTDOWN_TIMEOUT);
  if (timeout !== undefined) {
    const n = Number(timeout);
    if (Number.isFinite(n) && n > 0) shutdownTimeoutMillis = n;
    else warnings.push(`TRACEBRIDGE_SHUTDOWN_TIMEOUT="${timeout}" is not a positive number of milliseconds; using ${DEFAULT_SHUTDOWN_TIMEOUT_MILLIS}`);
  }

  const envContext = { inject: true, extract: true };
  const directions = nonEmpty(env.TRACEBRIDGE_ENV_CONTEXT);
  if (directions !== undefined) {
    envContext.inject = false;
    envContext.extract = false;
    for (const raw of directions.split(',')) {
      const name = raw.trim().toLowerCase();
      if (name === 'inject' || name === 'extract') envContext[name] = true;
      else if (name !== '' && name !== 'none') warnings.push(`TRACEBRIDGE_ENV_CONTEXT: unknown direction "${name}" ignored (known: inject, extract, none)`);
    }
  }

  let runtimeMetrics = true;
  const runtime = nonEmpty(env.TRACEBRIDGE_RUNTIME_METRICS)?.toLowerCase();
  if (runtime !== undefined) {
    if (OFF.includes(runtime)) runtimeMetrics = false;
    else if (!ON.includes(runtime)) warnings.push(`TRACEBRIDGE_RUNTIME_METRICS="${runtime}" is not on or off; using on`);
  }
  // The contrib name, as in OTEL_NODE_DISABLED_INSTRUMENTATIONS=runtime-node, turns them off too.
  if ((env.OTEL_NODE_DISABLED_INSTRUMENTATIONS ?? '').split(',').some((n) => n.trim() === 'runtime-node')) runtimeMetrics = false;

  return { agentId, resource: agentResource(agentId, mapping), bridges, shutdownTimeoutMillis, envContext, runtimeMetrics, warnings };
}
