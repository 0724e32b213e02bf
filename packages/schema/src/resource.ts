import {
  ATTR_DEPLOYMENT_ENVIRONMENT_NAME,
  ATTR_GEN_AI_AGENT_ID,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_SERVICE_INSTANCE_ID,
  ATTR_SERVICE_NAME,
} from './attributes.js';
import { checkAgentId } from './internal/checks.js';
import type { Attributes, MappingOptions } from './types.js';

/** `service.name` when nothing names the service, as the OpenTelemetry SDKs spell it. */
export const UNKNOWN_SERVICE = 'unknown_service';

/** The role part of an agent id (`A1` of `A1-haiku-001`), or `undefined` when the id is not well formed. */
export function agentRole(agentId: string): string | undefined {
  if (checkAgentId(agentId) !== undefined) return undefined;
  return agentId.slice(0, agentId.indexOf('-'));
}

/**
 * Resource attributes of an agent: who wrote the records. `service.name` is, in order, the
 * `serviceName` option, a `service.name` among `resourceAttributes`, the role part of the agent id;
 * `service.instance.id` and `gen_ai.agent.id` are the agent id; `gen_ai.agent.name` the role.
 * An agent id that is not well formed contributes nothing (the mapping keeps it as an invalid field).
 */
export function agentResource(agentId: string | undefined, options: MappingOptions = {}): Attributes {
  const role = agentId === undefined ? undefined : agentRole(agentId);
  const extras = options.resourceAttributes ?? {};
  const serviceName = options.serviceName ?? (extras[ATTR_SERVICE_NAME] as string | undefined) ?? role ?? UNKNOWN_SERVICE;
  const out: Attributes = { [ATTR_SERVICE_NAME]: serviceName };
  if (role !== undefined) {
    out[ATTR_SERVICE_INSTANCE_ID] = agentId as string;
    out[ATTR_GEN_AI_AGENT_ID] = agentId as string;
    out[ATTR_GEN_AI_AGENT_NAME] = role;
  }
  if (options.environment !== undefined && options.environment !== '') {
    out[ATTR_DEPLOYMENT_ENVIRONMENT_NAME] = options.environment;
  }
  for (const key of Object.keys(extras)) {
    if (!(key in out)) out[key] = extras[key] as Attributes[string];
  }
  return out;
}

/**
 * Parses `OTEL_RESOURCE_ATTRIBUTES` (`key1=value1,key2=value2`, values percent-encoded as the
 * specification says). Malformed pairs are skipped, never thrown: a bad env var must not stop an agent.
 */
export function parseResourceAttributes(text: string | undefined): Attributes {
  const out: Attributes = {};
  if (text === undefined || text.trim() === '') return out;
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const key = pair.slice(0, eq).trim();
    const raw = pair.slice(eq + 1).trim();
    if (key === '') continue;
    try {
      out[key] = decodeURIComponent(raw);
    } catch {
      out[key] = raw;
    }
  }
  return out;
}
