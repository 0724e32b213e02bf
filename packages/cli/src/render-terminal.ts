/**
 * The timeline drawn for a terminal: a span waterfall (tree on the left, bars scaled to the trace's
 * duration on the right) with each log record under the span it was written in, exceptions below their
 * record or span. Colour is a choice of the caller (see `internal/ansi.ts`); without it the same text is
 * drawn with no escape codes, so it reads the same in a file or a CI log.
 */
import { palette } from './internal/ansi.js';
import type { Palette } from './internal/ansi.js';
import { scopeLabel, spanLabel } from './internal/labels.js';
import { spanNotes } from './internal/span-notes.js';
import { callLine, isPriced, totalsLine } from './internal/usage-format.js';
import type { UsageSummary } from './llm-usage.js';
import { fit, fitRight, formatClock, formatDuration, formatOffset, oneLine, stackFrames, truncate, width } from './internal/format.js';
import type { TimelineDocument, TimelineException, TimelineLogRow, TimelineRow, TimelineSpanRow, TraceTimeline } from './timeline.js';

/** Options of {@link renderTimelineText}. */
export interface TerminalRenderOptions {
  /** Colour with ANSI escapes. @default false */
  color?: boolean;
  /** Columns available. @default 120 */
  width?: number;
  /**
   * Cut log lines to `width` (a terminal), instead of letting them run on (a file, a pager: nothing of
   * a message is lost). @default false
   */
  fitLogLines?: boolean;
  /** Stack frames shown under an exception. @default 3 */
  stackFrames?: number;
}

/** Columns of the span rows for one trace. */
interface Layout {
  name: number;
  agent: number;
  kind: number;
  duration: number;
  bar: number;
}

const KIND_WIDTH = 8;
const DURATION_WIDTH = 9;
const GAP = 2;

/** The whole document as text, one trace after the other, ending with a newline. */
export function renderTimelineText(doc: TimelineDocument, options: TerminalRenderOptions = {}): string {
  const p = palette(options.color === true);
  const out: string[] = [];
  if (doc.idKind === 'correlation' && doc.traces.length > 1) {
    out.push(p.bold(`${oneLine(doc.id)}: ${doc.traces.length} traces`), '');
  }
  for (const trace of doc.traces) {
    out.push(...renderTrace(trace, doc, p, options), '');
  }
  if (doc.usage !== null) out.push(...usageLines(doc.usage, p), '');
  if (doc.untracedLogs.length > 0) {
    out.push(p.bold(`${doc.untracedLogs.length} record(s) of ${oneLine(doc.id)} outside any trace`));
    for (const log of doc.untracedLogs) {
      out.push(...logLines(log, '', '   ', p, options, [], true, true));
    }
    out.push('');
  }
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}

function renderTrace(trace: TraceTimeline, doc: TimelineDocument, p: Palette, options: TerminalRenderOptions): string[] {
  const total = options.width ?? 120;
  const ids = trace.correlationIds.filter((id) => id !== doc.id || doc.idKind === 'correlation');
  const title = [`trace ${trace.traceId}`, ...ids].map(oneLine).join('  ·  ');
  const { errorSpans, errorLogs } = trace.counts;
  const facts = [
    `${formatClock(trace.start)} UTC`,
    formatDuration(trace.durationMs),
    `${trace.agents.length} agent${trace.agents.length === 1 ? '' : 's'} (${oneLine(trace.agents.join(', '))})`,
    `${trace.counts.spans} span${trace.counts.spans === 1 ? '' : 's'}`,
    `${trace.counts.logs} log${trace.counts.logs === 1 ? '' : 's'}`,
    errorSpans + errorLogs === 0
      ? 'no errors'
      : p.red([errorSpans > 0 ? `${errorSpans} failed span${errorSpans === 1 ? '' : 's'}` : '', errorLogs > 0 ? `${errorLogs} error log${errorLogs === 1 ? '' : 's'}` : ''].filter(Boolean).join(', ')),
  ];
  const lines = [p.bold(title), facts.join(' · ')];
  const currency = doc.usage?.currency ?? null;
  const layout = layoutFor(trace, total);
  const scale = `${fit('0', layout.bar - width(formatDuration(trace.durationMs)))}${formatDuration(trace.durationMs)}`;
  lines.push(
    p.dim(
      `${fit('SPAN', layout.name)}${sp()}${fit('AGENT', layout.agent)}${sp()}${fit('KIND', layout.kind)}${sp()}${fitRight('DURATION', layout.duration)}${sp()} ${scale}`,
    ),
  );
  const last = lastChildFlags(trace.rows);
  const spanOwners = new Map(trace.rows.filter((r): r is TimelineSpanRow => r.type === 'span').map((r) => [r.spanId, r]));
  const open: boolean[] = [];
  trace.rows.forEach((row, i) => {
    const isLast = last[i] as boolean;
    open.length = row.depth;
    const ancestors = open.slice(1).map((o) => (o ? '│  ' : '   ')).join('');
    const connector = row.depth === 0 ? '' : isLast ? '└─ ' : '├─ ';
    // What continues below this row at its own depth: its siblings' line, if it has later siblings.
    const self = row.depth === 0 ? '' : isLast ? '   ' : '│  ';
    if (row.type === 'span') {
      const hasChildren = trace.rows[i + 1] !== undefined && (trace.rows[i + 1] as TimelineRow).depth > row.depth;
      lines.push(spanLine(row, trace, layout, `${ancestors}${connector}`, p));
      const below = `${ancestors}${self}${hasChildren ? '│  ' : '   '}`;
      lines.push(...spanDetails(row, trace, below, p, options, currency));
    } else {
      const span = spanOwners.get(row.underSpanId ?? '');
      lines.push(...logLines(row, `${ancestors}${connector}`, `${ancestors}${self}   `, p, options, trace.agents, span?.agent !== row.agent));
    }
    open[row.depth] = !isLast;
  });
  return lines;
}

function sp(): string {
  return ' '.repeat(GAP);
}

function layoutFor(trace: TraceTimeline, total: number): Layout {
  const agent = Math.min(20, Math.max(5, ...trace.agents.map((a) => width(oneLine(a)))));
  const bar = Math.max(12, Math.min(50, Math.floor(total * 0.3)));
  // Four gaps between the five columns, and the bar's two frame characters.
  const fixed = agent + KIND_WIDTH + DURATION_WIDTH + bar + GAP * 4 + 2;
  return { name: Math.max(24, total - fixed), agent, kind: KIND_WIDTH, duration: DURATION_WIDTH, bar };
}

/** For each row, whether no later sibling follows it (it draws `└─`). */
function lastChildFlags(rows: readonly TimelineRow[]): boolean[] {
  const flags = new Array<boolean>(rows.length);
  const seen: boolean[] = [];
  for (let i = rows.length - 1; i >= 0; i--) {
    const d = (rows[i] as TimelineRow).depth;
    flags[i] = seen[d] !== true;
    seen[d] = true;
    seen.length = d + 1;
  }
  return flags;
}

function spanLine(row: TimelineSpanRow, trace: TraceTimeline, layout: Layout, prefix: string, p: Palette): string {
  const error = row.status === 'error';
  const mark = error ? '✗ ' : '';
  const name = truncate(`${prefix}${mark}${oneLine(spanLabel(row))}`, layout.name);
  const nameText = fit(name, layout.name);
  const agentIndex = trace.agents.indexOf(row.agent);
  const agent = p.agent(agentIndex, fit(oneLine(row.agent), layout.agent));
  const bar = barOf(row, trace.durationMs, layout.bar);
  const barText = error ? p.red(bar) : p.agent(agentIndex, bar);
  const coloredName = error ? p.red(nameText) : nameText;
  return `${coloredName}${sp()}${agent}${sp()}${fit(row.kind, layout.kind)}${sp()}${fitRight(formatDuration(row.durationMs), layout.duration)}${sp()}${p.dim('│')}${barText}${p.dim('│')}`;
}

/**
 * The span's bar in `cells` columns: it starts at the cell its start falls in and covers at least one
 * cell, so a 40 µs span in a 2 s trace is still seen.
 */
export function barOf(row: Pick<TimelineSpanRow, 'offsetMs' | 'durationMs'>, totalMs: number, cells: number): string {
  const total = totalMs > 0 ? totalMs : 1;
  const from = Math.min(cells - 1, Math.max(0, Math.floor((row.offsetMs / total) * cells)));
  const to = Math.min(cells, Math.max(from + 1, Math.ceil(((row.offsetMs + row.durationMs) / total) * cells)));
  return ' '.repeat(from) + '█'.repeat(to - from) + ' '.repeat(cells - to);
}

function spanDetails(row: TimelineSpanRow, trace: TraceTimeline, below: string, p: Palette, options: TerminalRenderOptions, currency: string | null): string[] {
  const under = trace.rows.filter((r): r is TimelineLogRow => r.type === 'log' && r.underSpanId === row.spanId);
  const notes = spanNotes(row, under);
  const lines: string[] = [];
  if (row.llm !== null) lines.push(`${below}${p.dim(oneLine(callLine(row.llm, currency)))}`);
  if (notes.status !== null) lines.push(`${below}${p.red(`✗ ${oneLine(notes.status)}`)}`);
  for (const e of notes.exceptions) lines.push(...exceptionLines(e, below, p, options));
  return lines;
}

/** The request's LLM usage: the totals, then one line per agent and per model. */
function usageLines(usage: UsageSummary, p: Palette): string[] {
  const priced = isPriced(usage);
  const nameWidth = Math.max(5, ...usage.byAgent.map((a) => width(a.agent)), ...usage.byModel.map((m) => width(m.model)));
  const lines = [p.bold(`LLM usage: ${totalsLine(usage.total, usage.currency, priced)}`)];
  for (const a of usage.byAgent) lines.push(`  agent  ${fit(oneLine(a.agent), nameWidth)}  ${totalsLine(a, usage.currency, priced)}`);
  for (const m of usage.byModel) lines.push(`  model  ${fit(oneLine(m.model), nameWidth)}  ${totalsLine(m, usage.currency, priced)}`);
  return lines;
}

function exceptionLines(e: TimelineException, indent: string, p: Palette, options: TerminalRenderOptions): string[] {
  const head = `${indent}${p.red(`${oneLine(e.type)}: ${oneLine(e.message)}`)}`;
  const frames = stackFrames(e.stacktrace, options.stackFrames ?? 3).map((f) => `${indent}  ${p.dim(oneLine(f))}`);
  return [head, ...frames];
}

function logLines(
  row: TimelineLogRow,
  prefix: string,
  below: string,
  p: Palette,
  options: TerminalRenderOptions,
  agents: readonly string[],
  showAgent: boolean,
  clock = false,
): string[] {
  const when = clock ? formatClock(row.time) : formatOffset(row.offsetMs);
  const level = p.level(row.level, fit(row.level, 5));
  const who = showAgent ? `${p.agent(Math.max(0, agents.indexOf(row.agent)), oneLine(row.agent))} ` : '';
  const scopeText = oneLine(scopeLabel(row.scope));
  const scope = scopeText === '' ? '' : `${p.dim(`[${scopeText}]`)} `;
  let message = oneLine(row.message);
  if (options.fitLogLines === true) {
    const used = width(prefix) + width(when) + 1 + 6 + (who === '' ? 0 : width(oneLine(row.agent)) + 1) + (scope === '' ? 0 : width(scopeText) + 3);
    message = truncate(message, Math.max(10, (options.width ?? 120) - used));
  }
  const text = ['ERROR', 'FATAL'].includes(row.level) ? p.level(row.level, message) : message;
  const lines = [`${prefix}${p.dim(when)} ${level} ${who}${scope}${text}`];
  if (row.exception !== null) lines.push(...exceptionLines(row.exception, below, p, options));
  return lines;
}
