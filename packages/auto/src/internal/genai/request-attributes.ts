/**
 * Request parameters as `gen_ai.request.*` attributes, for both providers (their parameter names mostly
 * agree; OpenAI also has `max_completion_tokens`, `stop` as a string, `n`, `seed`).
 */
import type { Attributes } from '@opentelemetry/api';
import { field } from './chat-result.js';
import {
  ATTR_GEN_AI_REQUEST_CHOICE_COUNT,
  ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY,
  ATTR_GEN_AI_REQUEST_SEED,
  ATTR_GEN_AI_REQUEST_STOP_SEQUENCES,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_K,
  ATTR_GEN_AI_REQUEST_TOP_P,
} from './semconv.js';

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function requestAttributes(params: unknown): Attributes {
  const out: Attributes = {};
  const maxTokens = num(field(params, 'max_tokens')) ?? num(field(params, 'max_completion_tokens'));
  if (maxTokens !== undefined) out[ATTR_GEN_AI_REQUEST_MAX_TOKENS] = maxTokens;
  const pairs: Array<[string, string]> = [
    ['temperature', ATTR_GEN_AI_REQUEST_TEMPERATURE],
    ['top_p', ATTR_GEN_AI_REQUEST_TOP_P],
    ['top_k', ATTR_GEN_AI_REQUEST_TOP_K],
    ['frequency_penalty', ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY],
    ['presence_penalty', ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY],
    ['seed', ATTR_GEN_AI_REQUEST_SEED],
  ];
  for (const [param, attr] of pairs) {
    const v = num(field(params, param));
    if (v !== undefined) out[attr] = v;
  }
  const stop = field(params, 'stop_sequences') ?? field(params, 'stop');
  if (typeof stop === 'string') out[ATTR_GEN_AI_REQUEST_STOP_SEQUENCES] = [stop];
  else if (Array.isArray(stop) && stop.every((s) => typeof s === 'string')) out[ATTR_GEN_AI_REQUEST_STOP_SEQUENCES] = stop as string[];
  const n = num(field(params, 'n'));
  if (n !== undefined && n !== 1) out[ATTR_GEN_AI_REQUEST_CHOICE_COUNT] = n;
  return out;
}
