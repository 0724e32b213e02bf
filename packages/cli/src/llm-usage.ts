/**
 * What the LLM calls of a request used: per span (model and tokens), and totals by agent and by model,
 * with a cost when a price table is given. A span is an LLM call when it carries the GenAI conventions'
 * `gen_ai.operation.name` of an inference (`chat`, `text_completion`, `generate_content`, `embeddings`)
 * or token usage; agent (`invoke_agent`) and tool (`execute_tool`) spans are not counted, so a request's
 * tokens are counted once whatever wraps the calls.
 */
import { priceFor } from './prices.js';
import type { PriceTable } from './prices.js';

/** The LLM call a span records. */
export interface LlmCall {
  provider: string | null;
  /** The model that answered, else the one asked for. */
  model: string;
  requestModel: string | null;
  inputTokens: number;
  outputTokens: number;
  /** Part of the input tokens, when the provider reported it. */
  cacheReadTokens: number;
  cacheCreationTokens: number;
  /** In the price table's currency; `null` without a table or without a price for the model. */
  cost: number | null;
}

/** Totals of a group of calls. */
export interface UsageTotals {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheCreationTokens: number;
  /** Sum of the priced calls; `null` when none was priced. */
  cost: number | null;
  /** Calls no price applied to (all of them without a table). */
  unpricedCalls: number;
}

/** A request's usage, as the views show it. */
export interface UsageSummary {
  total: UsageTotals;
  byAgent: Array<UsageTotals & { agent: string }>;
  byModel: Array<UsageTotals & { model: string; provider: string | null }>;
  /** The currency of the costs, when a table was given. */
  currency: string | null;
}

const INFERENCE = new Set(['chat', 'text_completion', 'generate_content', 'embeddings']);

function int(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) && n >= 0 ? Math.trunc(n) : undefined;
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** The call of a span's attributes, or `null` for a span that is not an LLM call. */
export function llmCallOf(attributes: Record<string, unknown>, prices?: PriceTable): LlmCall | null {
  const operation = str(attributes['gen_ai.operation.name']);
  const input = int(attributes['gen_ai.usage.input_tokens']);
  const output = int(attributes['gen_ai.usage.output_tokens']);
  if (operation !== null ? !INFERENCE.has(operation) : input === undefined && output === undefined) return null;
  const requestModel = str(attributes['gen_ai.request.model']);
  const responseModel = str(attributes['gen_ai.response.model']);
  const call: LlmCall = {
    provider: str(attributes['gen_ai.provider.name']) ?? str(attributes['gen_ai.system']),
    model: responseModel ?? requestModel ?? 'unknown',
    requestModel,
    inputTokens: input ?? 0,
    outputTokens: output ?? 0,
    cacheReadTokens: int(attributes['gen_ai.usage.cache_read.input_tokens']) ?? 0,
    cacheCreationTokens: int(attributes['gen_ai.usage.cache_creation.input_tokens']) ?? int(attributes['gen_ai.usage.cache_write.input_tokens']) ?? 0,
    cost: null,
  };
  if (prices !== undefined) {
    const p = priceFor(prices, responseModel, requestModel);
    if (p !== undefined) {
      // The conventions count cached tokens inside the input tokens: bill them at their own price.
      const fresh = Math.max(0, call.inputTokens - call.cacheReadTokens - call.cacheCreationTokens);
      call.cost = (fresh * p.input + call.cacheReadTokens * p.cacheRead + call.cacheCreationTokens * p.cacheCreation + call.outputTokens * p.output) / prices.per;
    }
  }
  return call;
}

function empty(): UsageTotals {
  return { calls: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0, cost: null, unpricedCalls: 0 };
}

function add(t: UsageTotals, c: LlmCall): void {
  t.calls++;
  t.inputTokens += c.inputTokens;
  t.outputTokens += c.outputTokens;
  t.cacheReadTokens += c.cacheReadTokens;
  t.cacheCreationTokens += c.cacheCreationTokens;
  if (c.cost === null) t.unpricedCalls++;
  else t.cost = (t.cost ?? 0) + c.cost;
}

/** Totals of the calls (each with the agent that made it); `null` when there is none. */
export function summarizeUsage(calls: ReadonlyArray<{ agent: string; call: LlmCall }>, prices?: PriceTable): UsageSummary | null {
  if (calls.length === 0) return null;
  const total = empty();
  const byAgent = new Map<string, UsageTotals & { agent: string }>();
  const byModel = new Map<string, UsageTotals & { model: string; provider: string | null }>();
  for (const { agent, call } of calls) {
    add(total, call);
    let a = byAgent.get(agent);
    if (a === undefined) byAgent.set(agent, (a = { agent, ...empty() }));
    add(a, call);
    const key = `${call.provider ?? ''}\u0000${call.model}`;
    let m = byModel.get(key);
    if (m === undefined) byModel.set(key, (m = { model: call.model, provider: call.provider, ...empty() }));
    add(m, call);
  }
  const heaviest = (a: UsageTotals, b: UsageTotals) => b.inputTokens + b.outputTokens - (a.inputTokens + a.outputTokens);
  return {
    total,
    byAgent: [...byAgent.values()].sort((a, b) => heaviest(a, b) || a.agent.localeCompare(b.agent)),
    byModel: [...byModel.values()].sort((a, b) => heaviest(a, b) || a.model.localeCompare(b.model)),
    currency: prices?.currency ?? null,
  };
}
