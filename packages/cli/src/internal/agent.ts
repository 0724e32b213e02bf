import { ATTR_GEN_AI_AGENT_ID, ATTR_SERVICE_INSTANCE_ID, ATTR_SERVICE_NAME } from '@tracebridge/schema';
import { stringAttr } from './otlp-values.js';

/**
 * The agent that wrote a record or span: a record's own `gen_ai.agent.id` (a logger writing for another
 * agent than its process), else the resource's `service.instance.id`, else its `service.name`.
 */
export function agentOf(resource: Record<string, unknown>, attributes: Record<string, unknown>): string {
  return (
    stringAttr(attributes, ATTR_GEN_AI_AGENT_ID) ??
    stringAttr(resource, ATTR_SERVICE_INSTANCE_ID) ??
    stringAttr(resource, ATTR_SERVICE_NAME) ??
    'unknown'
  );
}

/** The role (`service.name`) of a resource. */
export function serviceOf(resource: Record<string, unknown>): string {
  return stringAttr(resource, ATTR_SERVICE_NAME) ?? 'unknown_service';
}
