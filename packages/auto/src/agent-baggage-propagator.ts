import { propagation } from '@opentelemetry/api';
import type { Context, TextMapGetter, TextMapPropagator, TextMapSetter } from '@opentelemetry/api';
import { W3CBaggagePropagator } from '@opentelemetry/core';
import { BAGGAGE_PARENT_AGENT_ID } from '@tracebridge/schema';
import { SAME_AGENT } from './internal/same-agent.js';
import type { AgentBaggagePropagatorOptions } from './types.js';

/**
 * The W3C baggage propagator, plus one rule: what this process sends carries `agent.parent.id` = its
 * own agent id, so the agent it calls or messages knows who delegated the work (its records get
 * `agent.parent.id`). What it receives is kept as sent: the caller's id stays the parent of the
 * records written here. The entry is set on the outgoing header only, never in the local context,
 * so this process's own records keep the parent it was given.
 */
export class AgentBaggagePropagator implements TextMapPropagator {
  private readonly w3c = new W3CBaggagePropagator();
  private readonly agentId: string | undefined;

  constructor(options: AgentBaggagePropagatorOptions = {}) {
    this.agentId = options.agentId === '' ? undefined : options.agentId;
  }

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    // Work handed to a part of this same agent (a worker thread) is not delegated: it keeps the parent
    // this agent was given, so all of the agent's records name the same parent.
    if (this.agentId === undefined || context.getValue(SAME_AGENT) === true) {
      this.w3c.inject(context, carrier, setter);
      return;
    }
    const baggage = (propagation.getBaggage(context) ?? propagation.createBaggage()).setEntry(BAGGAGE_PARENT_AGENT_ID, { value: this.agentId });
    this.w3c.inject(propagation.setBaggage(context, baggage), carrier, setter);
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    return this.w3c.extract(context, carrier, getter);
  }

  fields(): string[] {
    return this.w3c.fields();
  }
}
