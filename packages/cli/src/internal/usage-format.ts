/** Token counts and costs as the views print them. */
import type { LlmCall, UsageSummary, UsageTotals } from '../llm-usage.js';

/** `1,234,567`. */
export function formatTokens(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** `$0.0123` for USD, `0.0123 EUR` otherwise; small amounts keep enough digits to be told apart. */
export function formatCost(value: number, currency: string | null): string {
  const digits = value === 0 ? 2 : value < 0.01 ? 6 : value < 1 ? 4 : 2;
  const amount = value.toFixed(digits);
  return currency === null || currency === 'USD' ? `$${amount}` : `${amount} ${currency}`;
}

/** `claude-x · 80 in (30 cache read, 8 cache write) → 17 out tokens · $0.0012`: one LLM span's line. */
export function callLine(call: LlmCall, currency: string | null): string {
  const cache = [call.cacheReadTokens > 0 ? `${formatTokens(call.cacheReadTokens)} cache read` : '', call.cacheCreationTokens > 0 ? `${formatTokens(call.cacheCreationTokens)} cache write` : '']
    .filter(Boolean)
    .join(', ');
  const parts = [call.model, `${formatTokens(call.inputTokens)} in${cache === '' ? '' : ` (${cache})`} → ${formatTokens(call.outputTokens)} out tokens`];
  if (call.cost !== null) parts.push(formatCost(call.cost, currency));
  return parts.join(' · ');
}

/** `6 calls · 248 in → 85 out tokens · $0.0123 (2 calls without a price)`. */
export function totalsLine(t: UsageTotals, currency: string | null, priced: boolean): string {
  const parts = [`${t.calls} call${t.calls === 1 ? '' : 's'}`, `${formatTokens(t.inputTokens)} in → ${formatTokens(t.outputTokens)} out tokens`];
  if (t.cacheReadTokens > 0 || t.cacheCreationTokens > 0) parts.push(`cache ${formatTokens(t.cacheReadTokens)} read, ${formatTokens(t.cacheCreationTokens)} write`);
  if (priced) {
    const cost = t.cost === null ? 'no price' : formatCost(t.cost, currency);
    parts.push(t.unpricedCalls > 0 && t.cost !== null ? `${cost} (${t.unpricedCalls} call${t.unpricedCalls === 1 ? '' : 's'} without a price)` : cost);
  }
  return parts.join(' · ');
}

/** Whether a summary was computed with a price table. */
export function isPriced(usage: UsageSummary): boolean {
  return usage.currency !== null;
}
