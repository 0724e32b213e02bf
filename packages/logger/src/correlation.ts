import { randomBytes } from 'node:crypto';
import { ROOT_CONTEXT, context, propagation, trace } from '@opentelemetry/api';
import { BAGGAGE_CORRELATION_ID, BAGGAGE_PARENT_AGENT_ID } from '@tracebridge/schema';
import { ensureContextManager } from './internal/context-manager.js';

/** The three kinds of correlation scope of the record schema. */
export type CorrelationKind = 'req' | 'task' | 'swarm';

/** Options of {@link withCorrelation}. */
export interface CorrelationOptions {
  /** Agent that delegated this work; records inside carry it as `agent.parent.id`. */
  parentAgentId?: string;
}

const INVALID_TRACE_ID = '00000000000000000000000000000000';

/**
 * A new correlation id of a kind. A request id (`req-<32 hex>`) reuses the active trace id when there
 * is one, so the id found in a log line is also the trace to open; otherwise, and for `task-` and
 * `swarm-` ids, it is random.
 */
export function newCorrelationId(kind: CorrelationKind): string {
  if (kind === 'req') {
    const traceId = trace.getSpanContext(context.active())?.traceId;
    return `req-${traceId !== undefined && traceId !== INVALID_TRACE_ID ? traceId : randomBytes(16).toString('hex')}`;
  }
  return `${kind}-${randomBytes(8).toString('hex')}`;
}

/**
 * Runs `fn` in a context whose W3C baggage carries `correlation.id` (and `agent.parent.id` when
 * given). Every record written inside, across `await`, timers, event emitters and streams, carries it;
 * spans started inside get it as an attribute (with the correlation span processor); outgoing calls
 * propagate it in the `baggage` header. Pass a kind to start a new scope, or an id to continue one.
 */
export function withCorrelation<T>(idOrKind: CorrelationKind | string, fn: () => T, options: CorrelationOptions = {}): T {
  ensureContextManager();
  const id = idOrKind === 'req' || idOrKind === 'task' || idOrKind === 'swarm' ? newCorrelationId(idOrKind) : idOrKind;
  const active = context.active();
  let baggage = (propagation.getBaggage(active) ?? propagation.createBaggage()).setEntry(BAGGAGE_CORRELATION_ID, { value: id });
  if (options.parentAgentId !== undefined) {
    baggage = baggage.setEntry(BAGGAGE_PARENT_AGENT_ID, { value: options.parentAgentId });
  }
  return context.with(propagation.setBaggage(active, baggage), fn);
}

/** The correlation id of the active context, if any. */
export function getCorrelationId(): string | undefined {
  return propagation.getBaggage(context.active())?.getEntry(BAGGAGE_CORRELATION_ID)?.value;
}

/** The delegating agent's id carried in the active context, if any. */
export function getParentAgentId(): string | undefined {
  return propagation.getBaggage(context.active())?.getEntry(BAGGAGE_PARENT_AGENT_ID)?.value;
}

/** The active context without any correlation (for work that must not inherit it). */
export function withoutCorrelation<T>(fn: () => T): T {
  const active = context.active();
  const baggage = propagation.getBaggage(active);
  if (baggage === undefined) return fn();
  const cleared = baggage.removeEntry(BAGGAGE_CORRELATION_ID).removeEntry(BAGGAGE_PARENT_AGENT_ID);
  return context.with(propagation.setBaggage(active ?? ROOT_CONTEXT, cleared), fn);
}
