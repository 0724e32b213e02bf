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
  /** Problems with the environment: warned about, never fatal. */
  warnings: string[];
}

/** Default bound on the exit flush: long enough for a batch round trip, short enough for an orchestrator's grace period. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MILLIS = 5000;

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

  return { agentId, resource: agentResource(agentId, mapping), bridges, shutdownTimeoutMillis, warnings };
}
