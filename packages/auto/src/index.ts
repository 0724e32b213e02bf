export type {
  AgentBaggagePropagatorOptions,
  ConsumerSpanOptions,
  ExtractOptions,
  InjectOptions,
  MessageCarrier,
  MessageSpanOptions,
  ProducerSpanOptions,
} from './types.js';
export { AgentBaggagePropagator } from './agent-baggage-propagator.js';
export { extract, inject, messageGetter, messageSetter } from './propagation.js';
export { withConsumerSpan, withProducerSpan } from './message-spans.js';
