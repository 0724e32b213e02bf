export type {
  AgentBaggagePropagatorOptions,
  AgentSpanOptions,
  ConsumerSpanOptions,
  ExtractOptions,
  InjectOptions,
  MessageCarrier,
  MessageSpanOptions,
  ProducerSpanOptions,
  ToolSpanOptions,
} from './types.js';
export { AgentBaggagePropagator } from './agent-baggage-propagator.js';
export { extract, inject, messageGetter, messageSetter } from './propagation.js';
export { withConsumerSpan, withProducerSpan } from './message-spans.js';
export { withAgentSpan, withToolSpan } from './agent-spans.js';
export { GENAI_SCHEMA_URL, GENAI_SEMCONV_COMMIT } from './internal/genai/semconv.js';
