import { describe, expect, it } from 'vitest';
import { renderTimelineHtml } from '../src/render-html.js';
import { renderRequestList } from '../src/render-request-list.js';
import { renderTimelineText } from '../src/render-terminal.js';
import { listRequests } from '../src/request-list.js';
import { buildTimeline } from '../src/timeline.js';
import { llmCallOf, summarizeUsage } from '../src/llm-usage.js';
import { parsePriceTable } from '../src/prices.js';
import { span } from './fixtures.js';

const TRACE = 'a'.repeat(32);
const prices = parsePriceTable({ currency: 'USD', per: 1_000_000, models: { 'claude-x*': { input: 2, output: 10, cache_read: 0.2, cache_creation: 2.5 }, 'gpt-y': { input: 1, output: 4 } } }, 'p.json');

const chat = (id: string, at: number, agent: string, attributes: Record<string, string>) =>
  span(TRACE, id, at, at + 10, { parent: 'root', name: `chat ${attributes['gen_ai.request.model'] ?? ''}`, agent, attributes: { 'gen_ai.operation.name': 'chat', 'correlation.id': 'req-1', ...attributes } });

const DATA = {
  logs: [],
  spans: [
    span(TRACE, 'root', 0, 100, { name: 'POST /task', attributes: { 'correlation.id': 'req-1' } }),
    chat('c1', 10, 'A1-haiku-001', { 'gen_ai.provider.name': 'anthropic', 'gen_ai.request.model': 'claude-x', 'gen_ai.response.model': 'claude-x-1', 'gen_ai.usage.input_tokens': '1000', 'gen_ai.usage.output_tokens': '100', 'gen_ai.usage.cache_read.input_tokens': '600', 'gen_ai.usage.cache_creation.input_tokens': '100' }),
    chat('c2', 30, 'A1-haiku-001', { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-y', 'gen_ai.usage.input_tokens': '50', 'gen_ai.usage.output_tokens': '5' }),
    chat('c3', 50, 'W2-sonnet-001', { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'unpriced-z', 'gen_ai.usage.input_tokens': '7', 'gen_ai.usage.output_tokens': '3' }),
    span(TRACE, 'tool', 60, 70, { parent: 'root', name: 'execute_tool get', attributes: { 'gen_ai.operation.name': 'execute_tool', 'correlation.id': 'req-1' } }),
  ],
};

describe(llmCallOf, () => {
  it('prices cached input tokens at their own rate (they are inside the input count)', () => {
    const call = llmCallOf(DATA.spans[1]?.attributes as Record<string, unknown>, prices);
    expect(call).toMatchObject({ model: 'claude-x-1', provider: 'anthropic', inputTokens: 1000, outputTokens: 100, cacheReadTokens: 600, cacheCreationTokens: 100 });
    // (300 × 2 + 600 × 0.2 + 100 × 2.5 + 100 × 10) / 1e6
    expect(call?.cost).toBeCloseTo((600 + 120 + 250 + 1000) / 1e6, 12);
  });

  it('counts inference spans only, not agent or tool spans', () => {
    expect(llmCallOf({ 'gen_ai.operation.name': 'execute_tool' })).toBeNull();
    expect(llmCallOf({ 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.usage.input_tokens': 5 })).toBeNull();
    expect(llmCallOf({ 'http.request.method': 'POST' })).toBeNull();
    expect(llmCallOf({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm' })).toMatchObject({ model: 'm', inputTokens: 0, cost: null });
  });
});

describe(summarizeUsage, () => {
  it('totals by agent and by model, heaviest first, and says which calls had no price', () => {
    const doc = buildTimeline(DATA, 'req-1', { prices });
    const usage = doc.usage;
    expect(usage?.total).toMatchObject({ calls: 3, inputTokens: 1057, outputTokens: 108, unpricedCalls: 1 });
    expect(usage?.byAgent.map((a) => [a.agent, a.calls, a.inputTokens])).toEqual([
      ['A1-haiku-001', 2, 1050],
      ['W2-sonnet-001', 1, 7],
    ]);
    expect(usage?.byModel.map((m) => m.model)).toEqual(['claude-x-1', 'gpt-y', 'unpriced-z']);
    expect(usage?.byModel[2]?.cost).toBeNull();
    expect(usage?.currency).toBe('USD');
    expect(summarizeUsage([])).toBeNull();
  });

  it('has no cost without a price table', () => {
    const usage = buildTimeline(DATA, 'req-1').usage;
    expect(usage?.total.cost).toBeNull();
    expect(usage?.currency).toBeNull();
  });
});

describe('the views', () => {
  it('draw each LLM span’s model and tokens and the request totals in the terminal', () => {
    const text = renderTimelineText(buildTimeline(DATA, 'req-1', { prices }));
    expect(text).toContain('claude-x-1 · 1,000 in (600 cache read, 100 cache write) → 100 out tokens · $0.001970');
    expect(text).toMatch(/LLM usage: 3 calls · 1,057 in → 108 out tokens · cache 600 read, 100 write · \$0\.002\d+ \(1 call without a price\)/);
    expect(text).toMatch(/agent {2}W2-sonnet-001 +1 call · 7 in → 3 out tokens · no price/);
  });

  it('carry the same in the HTML page and the JSON document', () => {
    const doc = buildTimeline(DATA, 'req-1', { prices });
    const html = renderTimelineHtml(doc);
    expect(html).toContain('<h2>LLM usage</h2>');
    expect(html).toContain('<td>claude-x-1 (anthropic)</td><td class="num">1</td><td class="num">1000</td><td class="num">100</td>');
    const json = JSON.parse(JSON.stringify(doc)) as { usage: { total: { calls: number } }; traces: Array<{ rows: Array<{ llm: unknown }> }> };
    expect(json.usage.total.calls).toBe(3);
    expect(json.traces[0]?.rows.filter((r) => r.llm !== null)).toHaveLength(3);
  });

  it('list the tokens (and the cost with prices) per request', () => {
    const [request] = listRequests(DATA, { prices });
    expect(request).toMatchObject({ id: 'req-1', llmCalls: 3, inputTokens: 1057, outputTokens: 108 });
    expect(request?.cost).toBeCloseTo(0.00197 + 0.00007, 9);
    const text = renderRequestList(listRequests(DATA, { prices }), { currency: 'USD' });
    expect(text.split('\n')[0]).toMatch(/ERRORS\s+TOKENS IN→OUT\s+COST\s+AGENTS/);
    expect(text.split('\n')[1]).toMatch(/1,057→108\s+\$0\.0020\d+\s+/);
  });
});
