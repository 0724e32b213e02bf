import type { Attributes, Context, Link } from '@opentelemetry/api';

/**
 * Where trace context rides in a message: the message itself (a JSON envelope) or its headers
 * object. Keys written and read: `traceparent`, `tracestate`, `baggage` (or those of the configured
 * propagators). Values are strings; on reading, a string array gives its first item and a `Buffer` or
 * `Uint8Array` (Kafka-style headers) is decoded as UTF-8.
 */
export type MessageCarrier = Record<string, unknown>;

/** Options of {@link inject}. */
export interface InjectOptions {
  /** The context whose span and baggage are written. @default the active context */
  context?: Context;
}

/** Options of {@link extract}. */
export interface ExtractOptions {
  /**
   * The context the extracted span and baggage are added to. A message is a unit of work of its
   * own, so by default nothing of the receiving code's context (a previous message's baggage, the
   * span of the connection) leaks into it. @default `ROOT_CONTEXT`
   */
  context?: Context;
}

/** Options of {@link AgentBaggagePropagator}. */
export interface AgentBaggagePropagatorOptions {
  /** This process's agent id (`A1-haiku-001`), sent as `agent.parent.id`. @default none: plain W3C baggage */
  agentId?: string;
}

/** What both message span helpers take. */
export interface MessageSpanOptions {
  /** `messaging.system`: `redis`, `kafka`, `rabbitmq`, `aws_sqs`, or a name of your own (`jsonl_tcp`). */
  system: string;
  /** `messaging.destination.name`: the queue, topic or channel. Also the second word of the span name. */
  destination: string;
  /** `messaging.message.id`, when the system gives messages an id. @default none */
  messageId?: string;
  /** `messaging.message.body.size` in bytes, when known. @default none */
  bodySize?: number;
  /** More span attributes (`server.address`, `messaging.destination.partition.id`, …). @default none */
  attributes?: Attributes;
}

/** Options of {@link withProducerSpan}. */
export interface ProducerSpanOptions extends MessageSpanOptions {
  /**
   * `messaging.operation.type`: `send` when the span covers handing the message to the channel,
   * `create` when it only marks the message's creation (batch publishing). @default `'send'`
   */
  operation?: 'send' | 'create';
}

/** Options of {@link withConsumerSpan}. */
export interface ConsumerSpanOptions extends MessageSpanOptions {
  /**
   * `messaging.operation.type`: `process` when the handler is called for a message pushed to it
   * (a subscription callback, a socket line), `receive` when the code pulled it. @default `'process'`
   */
  operation?: 'process' | 'receive';
  /** `messaging.consumer.group.name`, when consumers share a group. @default none */
  consumerGroup?: string;
  /**
   * How the span relates to the producer's context found in the message. `'parent'`: a child of it
   * (one trace from request to consumer) and also linked to it; `'link'`: a new trace linked to it,
   * for work that must not lengthen the producer's trace (fan-out to many consumers, replays, messages
   * processed long after they were sent). @default `'parent'`
   */
  relation?: 'parent' | 'link';
  /** Further links (the other messages of a batch). @default none */
  links?: Link[];
}

/** Options of {@link withAgentSpan}. */
export interface AgentSpanOptions {
  /** `gen_ai.agent.name`, also the span name's second word (`invoke_agent planner`). */
  name: string;
  /** `gen_ai.agent.id`: the agent's unique id (`A1-haiku-001`). @default none */
  id?: string;
  /** `gen_ai.agent.description`. @default none */
  description?: string;
  /** `gen_ai.agent.version`. @default none */
  version?: string;
  /** `gen_ai.provider.name` of the model the agent uses (`anthropic`). @default none */
  provider?: string;
  /** `gen_ai.request.model` the agent uses. @default none */
  model?: string;
  /**
   * `gen_ai.conversation.id`. @default the request's correlation id, which the bootstrap's span
   * processor sets on every span
   */
  conversationId?: string;
  /** A remote agent (a CLIENT span) rather than one running in this process (INTERNAL). @default false */
  remote?: boolean;
  /** More span attributes. @default none */
  attributes?: Attributes;
}

/** Options of {@link withToolSpan}. */
export interface ToolSpanOptions {
  /** `gen_ai.tool.name`, also the span name's second word (`execute_tool get_weather`). */
  name: string;
  /** `gen_ai.tool.call.id`: the id of the model's tool-use block. @default none */
  callId?: string;
  /** `gen_ai.tool.type`: `function` (run by the client), `extension` (calls an external API), `datastore`. @default `'function'` */
  type?: 'function' | 'extension' | 'datastore';
  /** `gen_ai.tool.description`. @default none */
  description?: string;
  /** More span attributes. @default none */
  attributes?: Attributes;
}
