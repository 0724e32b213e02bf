/**
 * Spans for the agent side of GenAI work, as the GenAI conventions name them: `invoke_agent {name}`
 * around an agent's turn, `execute_tool {name}` around a tool the model asked for. The chat calls made
 * inside get these spans as parents, and their metric points name the agent.
 */
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import type { Attributes, Span } from '@opentelemetry/api';
import { withAgent } from './internal/genai/agent-context.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_AGENT_DESCRIPTION,
  ATTR_GEN_AI_AGENT_ID,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_AGENT_VERSION,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_DESCRIPTION,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_TOOL_TYPE,
  GENAI_SCHEMA_URL,
} from './internal/genai/semconv.js';
import type { AgentSpanOptions, ToolSpanOptions } from './types.js';

const TRACER_NAME = '@tracebridge/auto';

function tracer() {
  return trace.getTracerProvider().getTracer(TRACER_NAME, undefined, { schemaUrl: GENAI_SCHEMA_URL });
}

function fail(span: Span, err: unknown): void {
  const type = err instanceof Error ? err.name || 'Error' : '_OTHER';
  if (err instanceof Error) span.recordException(err);
  span.setAttribute(ATTR_ERROR_TYPE, type);
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
}

/** Runs `fn` and ends `span` when it returns or its promise settles; errors are recorded and rethrown. */
function runInSpan<T>(span: Span, fn: () => T): T {
  let result: T;
  try {
    result = fn();
  } catch (err) {
    fail(span, err);
    span.end();
    throw err;
  }
  if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
    (result as unknown as PromiseLike<unknown>).then(
      () => span.end(),
      (err: unknown) => {
        fail(span, err);
        span.end();
      },
    );
    return result;
  }
  span.end();
  return result;
}

/**
 * Runs `fn` in an `invoke_agent {name}` span (INTERNAL, or CLIENT for a remote agent) carrying
 * `gen_ai.agent.name`, `gen_ai.agent.id` and the other agent attributes given. Chat calls made inside
 * count their tokens for this agent (`gen_ai.agent.*` on the metric points). The span ends when `fn`
 * returns or its promise settles; an error is recorded (`error.type`, status) and rethrown.
 */
export function withAgentSpan<T>(options: AgentSpanOptions, fn: (span: Span) => T): T {
  const attributes: Attributes = {
    [ATTR_GEN_AI_OPERATION_NAME]: 'invoke_agent',
    [ATTR_GEN_AI_AGENT_NAME]: options.name,
  };
  if (options.id !== undefined) attributes[ATTR_GEN_AI_AGENT_ID] = options.id;
  if (options.description !== undefined) attributes[ATTR_GEN_AI_AGENT_DESCRIPTION] = options.description;
  if (options.version !== undefined) attributes[ATTR_GEN_AI_AGENT_VERSION] = options.version;
  if (options.provider !== undefined) attributes[ATTR_GEN_AI_PROVIDER_NAME] = options.provider;
  if (options.model !== undefined) attributes[ATTR_GEN_AI_REQUEST_MODEL] = options.model;
  if (options.conversationId !== undefined) attributes[ATTR_GEN_AI_CONVERSATION_ID] = options.conversationId;
  const span = tracer().startSpan(`invoke_agent ${options.name}`, {
    kind: options.remote === true ? SpanKind.CLIENT : SpanKind.INTERNAL,
    attributes: { ...attributes, ...options.attributes },
  });
  const ctx = withAgent(trace.setSpan(context.active(), span), { name: options.name, ...(options.id === undefined ? {} : { id: options.id }) });
  return context.with(ctx, () => runInSpan(span, () => fn(span)));
}

/**
 * Runs `fn` in an `execute_tool {name}` span (INTERNAL) carrying `gen_ai.tool.name`,
 * `gen_ai.tool.call.id` (the id of the model's tool-use block, which links the tool run to the chat
 * call that asked for it) and `gen_ai.tool.type`. Ends and records errors as {@link withAgentSpan}.
 */
export function withToolSpan<T>(options: ToolSpanOptions, fn: (span: Span) => T): T {
  const attributes: Attributes = {
    [ATTR_GEN_AI_OPERATION_NAME]: 'execute_tool',
    [ATTR_GEN_AI_TOOL_NAME]: options.name,
    [ATTR_GEN_AI_TOOL_TYPE]: options.type ?? 'function',
  };
  if (options.callId !== undefined) attributes[ATTR_GEN_AI_TOOL_CALL_ID] = options.callId;
  if (options.description !== undefined) attributes[ATTR_GEN_AI_TOOL_DESCRIPTION] = options.description;
  const span = tracer().startSpan(`execute_tool ${options.name}`, { kind: SpanKind.INTERNAL, attributes: { ...attributes, ...options.attributes } });
  return context.with(trace.setSpan(context.active(), span), () => runInSpan(span, () => fn(span)));
}
