/**
 * Attribute keys the mapping writes. Semantic-convention names where one exists
 * (https://opentelemetry.io/docs/specs/semconv/), `tracebridge.*` or the record's own names otherwise.
 */

/** Resource: the logical service; the role part of `agent_id` unless configured. */
export const ATTR_SERVICE_NAME = 'service.name';
/** Resource: the agent instance, `agent_id` as written. */
export const ATTR_SERVICE_INSTANCE_ID = 'service.instance.id';
/** Resource: the deployment environment (`production`, `staging`). */
export const ATTR_DEPLOYMENT_ENVIRONMENT_NAME = 'deployment.environment.name';
/** Resource (and record, when a logger writes for another agent): the agent id, GenAI conventions. */
export const ATTR_GEN_AI_AGENT_ID = 'gen_ai.agent.id';
/** Resource: the agent's role, GenAI conventions. */
export const ATTR_GEN_AI_AGENT_NAME = 'gen_ai.agent.name';
/** Record: the request/task/swarm correlation id; also the W3C baggage key that carries it. */
export const ATTR_CORRELATION_ID = 'correlation.id';
/**
 * Span and record: the correlation id again, under the GenAI conventions' name for a conversation
 * (session, thread), so GenAI tooling groups a request's calls without knowing `correlation.id`.
 */
export const ATTR_GEN_AI_CONVERSATION_ID = 'gen_ai.conversation.id';
/** Record: the agent that delegated the work. */
export const ATTR_AGENT_PARENT_ID = 'agent.parent.id';
/** Record: exception class name. */
export const ATTR_EXCEPTION_TYPE = 'exception.type';
/** Record: exception message. */
export const ATTR_EXCEPTION_MESSAGE = 'exception.message';
/** Record: stack trace with its `Caused by:` chain. */
export const ATTR_EXCEPTION_STACKTRACE = 'exception.stacktrace';
/** Record: low-cardinality error class, from `error.code`. */
export const ATTR_ERROR_TYPE = 'error.type';
/** Record: prefix of performance figures (`performance.duration_ms`). */
export const ATTR_PERFORMANCE_PREFIX = 'performance';
/** Record: prefix of flattened `context`. */
export const ATTR_CONTEXT_PREFIX = 'context';
/** Record: prefix of flattened `metadata`. */
export const ATTR_METADATA_PREFIX = 'metadata';
/** Record: the record's tags, a string array. */
export const ATTR_TAGS = 'tags';
/** Record: the `if://` citation URI. */
export const ATTR_IF_CITATION = 'if.citation';
/** Record: unique id for de-duplication and audit (ULID or UUIDv7). */
export const ATTR_LOG_RECORD_UID = 'log.record.uid';
/** Record: prefix under which a bad field's raw value is kept (`tracebridge.invalid.level`). */
export const ATTR_INVALID_PREFIX = 'tracebridge.invalid';

/** The W3C baggage key that carries the correlation id across processes. */
export const BAGGAGE_CORRELATION_ID = ATTR_CORRELATION_ID;
/** The W3C baggage key that carries the delegating agent's id across processes. */
export const BAGGAGE_PARENT_AGENT_ID = ATTR_AGENT_PARENT_ID;
