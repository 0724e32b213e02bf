/** The recent requests as a table, for `tracebridge trace` without an id. */
import { palette } from './internal/ansi.js';
import { fit, fitRight, formatClock, formatDuration, oneLine } from './internal/format.js';
import { formatCost, formatTokens } from './internal/usage-format.js';
import type { RequestSummary } from './request-list.js';

/** Options of {@link renderRequestList}. */
export interface RequestListRenderOptions {
  /** Colour with ANSI escapes. @default false */
  color?: boolean;
  /** The price table's currency: adds a COST column. @default none: no cost column */
  currency?: string;
}

/** One line per request, newest first, under a header; ends with a newline. */
export function renderRequestList(requests: readonly RequestSummary[], options: RequestListRenderOptions = {}): string {
  const p = palette(options.color === true);
  const idWidth = Math.max(10, ...requests.map((r) => r.id.length));
  const row = (cells: string[]): string => cells.filter((c) => c !== '').join('  ').trimEnd();
  const priced = options.currency !== undefined;
  const tokens = (r: RequestSummary): string => (r.llmCalls === 0 ? '-' : `${formatTokens(r.inputTokens)}→${formatTokens(r.outputTokens)}`);
  const tokensWidth = Math.max(13, ...requests.map((r) => tokens(r).length));
  const cost = (r: RequestSummary): string => (r.cost === null ? '-' : formatCost(r.cost, options.currency ?? null));
  const costWidth = Math.max(9, ...requests.map((r) => cost(r).length));
  const lines = [
    p.dim(
      row([
        fit('REQUEST', idWidth),
        fit('START (UTC)', 23),
        fitRight('DURATION', 10),
        fitRight('SPANS', 6),
        fitRight('LOGS', 6),
        fitRight('ERRORS', 7),
        fitRight('TOKENS IN→OUT', tokensWidth),
        priced ? fitRight('COST', costWidth) : '',
        'AGENTS',
      ]),
    ),
  ];
  for (const r of requests) {
    const errors = fitRight(String(r.errors), 7);
    lines.push(
      row([
        fit(oneLine(r.id), idWidth),
        fit(formatClock(r.start), 23),
        fitRight(formatDuration(r.durationMs), 10),
        fitRight(String(r.spans), 6),
        fitRight(String(r.logs), 6),
        r.errors > 0 ? p.red(errors) : errors,
        fitRight(tokens(r), tokensWidth),
        priced ? fitRight(cost(r), costWidth) : '',
        // The last column runs on: cutting it would hide agents, and nothing is to its right.
        oneLine(r.agents.join(', ')),
      ]),
    );
  }
  return `${lines.join('\n')}\n`;
}
