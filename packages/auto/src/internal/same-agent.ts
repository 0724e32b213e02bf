import { createContextKey } from '@opentelemetry/api';

/**
 * Set (to `true`) on a context injected for a worker thread of this same agent: the agent baggage
 * propagator then passes `agent.parent.id` on as it is instead of naming this agent.
 */
export const SAME_AGENT = createContextKey('tracebridge.same-agent');
