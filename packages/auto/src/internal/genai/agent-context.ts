/**
 * The agent a piece of work runs for, in the context: set by `withAgentSpan` (an `invoke_agent` span),
 * read by the chat instrumentation to put the agent on its metric points. Without one, the process's
 * own agent identity (`TRACEBRIDGE_AGENT_ID`) is the agent.
 */
import { context, createContextKey } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';

/** The agent named on metric points. */
export interface AgentRef {
  id?: string;
  name?: string;
}

const AGENT_KEY = createContextKey('tracebridge.gen_ai.agent');

let processAgent: AgentRef = {};

/** Set once by the bootstrap from the agent identity. */
export function setProcessAgent(agent: AgentRef): void {
  processAgent = agent;
}

/** `ctx` with `agent` as the current agent. */
export function withAgent(ctx: Context, agent: AgentRef): Context {
  return ctx.setValue(AGENT_KEY, agent);
}

/** The innermost agent a helper set in the context, if any. */
export function contextAgent(ctx: Context = context.active()): AgentRef | undefined {
  return ctx.getValue(AGENT_KEY) as AgentRef | undefined;
}

/** The innermost agent of the active context, else the process's. */
export function currentAgent(ctx: Context = context.active()): AgentRef {
  return contextAgent(ctx) ?? processAgent;
}
