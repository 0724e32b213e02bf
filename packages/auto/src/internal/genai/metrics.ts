/**
 * The conventions' client metrics: `gen_ai.client.operation.duration` (s) and
 * `gen_ai.client.token.usage` ({token}, by `gen_ai.token.type`), with the bucket boundaries the
 * conventions give, by provider, operation, request and response model, server, `error.type`, and —
 * beyond the conventions' list — the agent (`gen_ai.agent.id`, `gen_ai.agent.name`), so a fleet's token
 * burn can be read per agent without joining on resource attributes.
 */
import type { Attributes, Histogram, Meter } from '@opentelemetry/api';
import type { ChatUsage } from './chat-result.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_TOKEN_TYPE,
  DURATION_BUCKETS,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
  TOKEN_BUCKETS,
} from './semconv.js';

export class GenAiMetrics {
  private readonly duration: Histogram;
  private readonly tokens: Histogram;

  constructor(meter: Meter) {
    this.duration = meter.createHistogram(METRIC_GEN_AI_CLIENT_OPERATION_DURATION, {
      description: 'GenAI operation duration.',
      unit: 's',
      advice: { explicitBucketBoundaries: [...DURATION_BUCKETS] },
    });
    this.tokens = meter.createHistogram(METRIC_GEN_AI_CLIENT_TOKEN_USAGE, {
      description: 'Number of input and output tokens used.',
      unit: '{token}',
      advice: { explicitBucketBoundaries: [...TOKEN_BUCKETS] },
    });
  }

  /**
   * One finished (or failed) call. Token counts only where the provider reported them; `error.type`
   * only on the duration, as the conventions list it there alone.
   */
  record(seconds: number, usage: ChatUsage | undefined, attributes: Attributes, errorType?: string): void {
    this.duration.record(seconds, errorType === undefined ? attributes : { ...attributes, [ATTR_ERROR_TYPE]: errorType });
    if (usage?.input !== undefined) this.tokens.record(usage.input, { ...attributes, [ATTR_GEN_AI_TOKEN_TYPE]: 'input' });
    if (usage?.output !== undefined) this.tokens.record(usage.output, { ...attributes, [ATTR_GEN_AI_TOKEN_TYPE]: 'output' });
  }
}
