/**
 * The timeline as one self-contained HTML page: the same rows as the terminal view, with CSS and a little
 * script inline and nothing loaded from anywhere (a Content-Security-Policy forbids it), so the file can
 * be attached to an incident or opened from disk offline. The page reads without script; the script
 * only folds spans, filters levels and shows a span's attributes.
 */
import { formatClock, formatDuration, formatOffset } from './internal/format.js';
import { scopeLabel, spanLabel } from './internal/labels.js';
import { spanNotes } from './internal/span-notes.js';
import { callLine, isPriced, totalsLine } from './internal/usage-format.js';
import type { UsageSummary } from './llm-usage.js';
import type { TimelineDocument, TimelineException, TimelineLogRow, TimelineSpanRow, TraceTimeline } from './timeline.js';

/** Agents' bar colours, cycled; error spans are drawn red whatever their agent. */
const AGENT_COLOURS = ['#3b82f6', '#06b6d4', '#a855f7', '#22c55e', '#eab308', '#f97316', '#14b8a6', '#ec4899'];

/** The page for `doc`. */
export function renderTimelineHtml(doc: TimelineDocument): string {
  const levels = new Set<string>();
  for (const t of doc.traces) for (const r of t.rows) if (r.type === 'log') levels.add(r.level);
  for (const l of doc.untracedLogs) levels.add(l.level);
  const spans = doc.traces.reduce((n, t) => n + t.counts.spans, 0);
  const logs = doc.traces.reduce((n, t) => n + t.counts.logs, 0) + doc.untracedLogs.length;
  const body = [
    '<header>',
    `<h1>${esc(doc.id)}</h1>`,
    `<p class="facts">${esc(doc.idKind === 'trace' ? 'trace id' : 'correlation id')} · ${doc.traces.length} trace${doc.traces.length === 1 ? '' : 's'} · ${spans} span${spans === 1 ? '' : 's'} · ${logs} log${logs === 1 ? '' : 's'}</p>`,
    '<div class="controls">',
    ...[...levels].sort(levelOrder).map(
      (l) => `<label><input type="checkbox" class="level-filter" value="${esc(l)}" checked> <span class="lv lv-${esc(l)}">${esc(l)}</span></label>`,
    ),
    '<button type="button" id="collapse-all">collapse all</button> <button type="button" id="expand-all">expand all</button>',
    '</div>',
    '</header>',
    doc.usage === null ? '' : usageSection(doc.usage),
    ...doc.traces.map((t) => traceSection(t, doc.usage?.currency ?? null)),
    doc.untracedLogs.length === 0 ? '' : untracedSection(doc),
    '<footer>drawn by tracebridge trace</footer>',
  ];
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>tracebridge · ${esc(doc.id)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    `<body>${body.join('\n')}`,
    `<script>${SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** The request's LLM usage: totals, then a table by agent and one by model. */
function usageSection(usage: UsageSummary): string {
  const priced = isPriced(usage);
  const table = (head: string, rows: Array<{ name: string; totals: UsageSummary['total'] }>): string =>
    [
      `<table class="usage"><thead><tr><th>${esc(head)}</th><th class="num">calls</th><th class="num">input tokens</th><th class="num">output tokens</th><th class="num">cache read</th><th class="num">cache write</th>${priced ? '<th class="num">cost</th>' : ''}</tr></thead><tbody>`,
      ...rows.map(
        ({ name, totals: t }) =>
          `<tr><td>${esc(name)}</td><td class="num">${t.calls}</td><td class="num">${t.inputTokens}</td><td class="num">${t.outputTokens}</td><td class="num">${t.cacheReadTokens}</td><td class="num">${t.cacheCreationTokens}</td>${
            priced ? `<td class="num">${t.cost === null ? 'no price' : esc(t.cost.toFixed(6))}</td>` : ''
          }</tr>`,
      ),
      '</tbody></table>',
    ].join('');
  return [
    '<section class="llm-usage">',
    `<h2>LLM usage</h2>`,
    `<p class="facts">${esc(totalsLine(usage.total, usage.currency, priced))}${priced ? ` · ${esc(usage.currency ?? '')}` : ''}</p>`,
    table('agent', usage.byAgent.map((a) => ({ name: a.agent, totals: a }))),
    table('model', usage.byModel.map((m) => ({ name: m.provider === null ? m.model : `${m.model} (${m.provider})`, totals: m }))),
    '</section>',
  ].join('\n');
}

function traceSection(t: TraceTimeline, currency: string | null): string {
  const { errorSpans, errorLogs } = t.counts;
  const errorText = [errorSpans > 0 ? `${errorSpans} failed span${errorSpans === 1 ? '' : 's'}` : '', errorLogs > 0 ? `${errorLogs} error log${errorLogs === 1 ? '' : 's'}` : '']
    .filter(Boolean)
    .join(', ');
  const facts = [
    `${formatClock(t.start)} UTC`,
    formatDuration(t.durationMs),
    `agents: ${t.agents.join(', ')}`,
    `${t.counts.spans} spans`,
    `${t.counts.logs} logs`,
    errorText === '' ? 'no errors' : `<span class="err">${esc(errorText)}</span>`,
  ];
  const ancestors: string[] = [];
  const logsUnder = new Map<string, TimelineLogRow[]>();
  for (const r of t.rows) {
    if (r.type !== 'log' || r.underSpanId === null) continue;
    logsUnder.set(r.underSpanId, [...(logsUnder.get(r.underSpanId) ?? []), r]);
  }
  const rows = t.rows.map((row) => {
    ancestors.length = row.depth;
    const html = row.type === 'span' ? spanRow(row, t, ancestors, logsUnder.get(row.spanId) ?? [], currency) : logRow(row, ancestors, false);
    if (row.type === 'span') ancestors[row.depth] = row.spanId;
    return html;
  });
  return [
    `<section class="trace" data-trace-id="${esc(t.traceId)}">`,
    `<h2>trace <code>${esc(t.traceId)}</code>${t.correlationIds.map((c) => ` <code class="cid">${esc(c)}</code>`).join('')}</h2>`,
    `<p class="facts">${facts.map((f) => (f.startsWith('<span') ? f : esc(f))).join(' · ')}</p>`,
    '<table class="timeline">',
    `<thead><tr><th class="name">span / log</th><th class="agent">agent</th><th class="kind">kind</th><th class="num">duration</th><th class="wf">0<span class="end">${esc(formatDuration(t.durationMs))}</span></th></tr></thead>`,
    '<tbody>',
    ...rows,
    '</tbody>',
    '</table>',
    '</section>',
  ].join('\n');
}

function untracedSection(doc: TimelineDocument): string {
  return [
    '<section class="trace untraced">',
    `<h2>${doc.untracedLogs.length} record(s) of <code>${esc(doc.id)}</code> outside any trace</h2>`,
    '<table class="timeline"><tbody>',
    ...doc.untracedLogs.map((l) => logRow(l, [], true)),
    '</tbody></table>',
    '</section>',
  ].join('\n');
}

function spanRow(row: TimelineSpanRow, t: TraceTimeline, ancestors: readonly string[], logs: readonly TimelineLogRow[], currency: string | null): string {
  const total = t.durationMs > 0 ? t.durationMs : 1;
  const left = clampPct((row.offsetMs / total) * 100);
  const barWidth = Math.max(0.3, Math.min(100 - left, (row.durationMs / total) * 100));
  const colour = row.status === 'error' ? '#dc2626' : (AGENT_COLOURS[Math.max(0, t.agents.indexOf(row.agent)) % AGENT_COLOURS.length] as string);
  const cls = `span${row.status === 'error' ? ' error' : ''}`;
  const notes = spanNotes(row, logs);
  const details = [
    row.llm === null ? '' : `<div class="llm">${esc(callLine(row.llm, currency))}</div>`,
    notes.status === null ? '' : `<div class="status">✗ ${esc(notes.status)}</div>`,
    ...notes.exceptions.map((e) => exceptionHtml(e)),
  ].join('');
  const attrs = JSON.stringify({ spanId: row.spanId, parentSpanId: row.parentSpanId, scope: row.scope, start: row.start, ...row.attributes }, null, 2);
  return [
    `<tr class="${cls}" data-span-id="${esc(row.spanId)}" data-ancestors="${esc(ancestors.join(' '))}" data-depth="${row.depth}">`,
    `<td class="name" style="padding-left:${0.4 + row.depth * 1.2}em"><button type="button" class="fold" aria-expanded="true" title="fold">▾</button> <span class="span-name" title="span ${esc(row.spanId)}: click for its attributes">${row.status === 'error' ? '✗ ' : ''}${esc(spanLabel(row))}</span>${details}</td>`,
    `<td class="agent">${esc(row.agent)}</td>`,
    `<td class="kind">${esc(row.kind)}</td>`,
    `<td class="num">${esc(formatDuration(row.durationMs))}</td>`,
    `<td class="wf"><div class="bar" style="left:${left.toFixed(3)}%;width:${barWidth.toFixed(3)}%;background:${colour}" title="${esc(`${formatOffset(row.offsetMs)} · ${formatDuration(row.durationMs)}`)}"></div></td>`,
    '</tr>',
    // The span's attributes, shown by a click on its name (see SCRIPT).
    `<tr class="detail hidden" data-detail-of="${esc(row.spanId)}"><td colspan="5" style="padding-left:${1.6 + row.depth * 1.2}em"><pre>${esc(attrs)}</pre></td></tr>`,
  ].join('');
}

function logRow(row: TimelineLogRow, ancestors: readonly string[], clock: boolean): string {
  const when = clock ? formatClock(row.time) : formatOffset(row.offsetMs);
  return [
    `<tr class="log lvl-${esc(row.level)}" data-level="${esc(row.level)}" data-ancestors="${esc(ancestors.join(' '))}" data-depth="${row.depth}">`,
    `<td colspan="5" class="logline" style="padding-left:${0.4 + row.depth * 1.2}em">`,
    `<span class="when">${esc(when)}</span> <span class="lv lv-${esc(row.level)}">${esc(row.level)}</span> <span class="who">${esc(row.agent)}</span>`,
    row.scope === '' ? '' : ` <span class="scope" title="${esc(row.scope)}">[${esc(scopeLabel(row.scope))}]</span>`,
    ` <span class="msg">${esc(row.message)}</span>`,
    row.exception === null ? '' : exceptionHtml(row.exception),
    '</td></tr>',
  ].join('');
}

function exceptionHtml(e: TimelineException): string {
  const frames = (e.stacktrace ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.startsWith('at '));
  const first = frames.slice(0, 3);
  return [
    '<div class="exception">',
    `<div class="ex-head">${esc(e.type)}: ${esc(e.message)}</div>`,
    first.length === 0 ? '' : `<pre class="ex-stack">${esc(first.join('\n'))}</pre>`,
    frames.length > first.length && e.stacktrace !== null ? `<details><summary>full stack</summary><pre>${esc(e.stacktrace)}</pre></details>` : '',
    '</div>',
  ].join('');
}

function clampPct(n: number): number {
  return Math.min(99.7, Math.max(0, Number.isFinite(n) ? n : 0));
}

const LEVEL_ORDER = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];

function levelOrder(a: string, b: string): number {
  const ia = LEVEL_ORDER.indexOf(a);
  const ib = LEVEL_ORDER.indexOf(b);
  return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
}

/** HTML-escapes text for element content and quoted attribute values. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const STYLE = `
:root { color-scheme: light dark; --fg: #1f2937; --bg: #ffffff; --muted: #6b7280; --line: #e5e7eb; --hover: #f3f4f6; }
@media (prefers-color-scheme: dark) { :root { --fg: #e5e7eb; --bg: #111827; --muted: #9ca3af; --line: #374151; --hover: #1f2937; } }
* { box-sizing: border-box; }
body { margin: 0; padding: 1rem 1.5rem; font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; color: var(--fg); background: var(--bg); }
h1 { font-size: 1.2rem; margin: 0 0 .2rem; }
h2 { font-size: 1rem; margin: 1.5rem 0 .2rem; }
.facts { color: var(--muted); margin: 0 0 .6rem; }
.controls { display: flex; flex-wrap: wrap; gap: .8rem; align-items: center; margin: .4rem 0; }
.controls button { font: inherit; }
table.timeline { width: 100%; border-collapse: collapse; table-layout: fixed; }
th { text-align: left; color: var(--muted); font-weight: normal; border-bottom: 1px solid var(--line); padding: .15rem .4rem; }
th.name { width: 40%; } th.agent { width: 11em; } th.kind { width: 6em; } th.num, td.num { text-align: right; width: 6.5em; }
th.wf .end { float: right; }
td { padding: .1rem .4rem; vertical-align: top; border-bottom: 1px solid var(--line); overflow: hidden; }
tr:hover td { background: var(--hover); }
td.agent, td.kind { white-space: nowrap; text-overflow: ellipsis; }
tr.span td.name { white-space: nowrap; text-overflow: ellipsis; }
tr.span.error .span-name, .err, .status, .ex-head { color: #dc2626; }
td.wf { position: relative; }
.bar { position: absolute; top: .3em; height: .9em; border-radius: 2px; min-width: 2px; }
.fold { border: 0; background: none; color: var(--muted); cursor: pointer; padding: 0; font: inherit; width: 1em; }
tr.folded .fold { transform: rotate(-90deg); }
.span-name { cursor: pointer; }
tr.detail pre { margin: 0; white-space: pre-wrap; font-size: .85em; color: var(--muted); }
td.logline { white-space: pre-wrap; word-break: break-word; }
.when, .scope, .who { color: var(--muted); }
.lv { display: inline-block; min-width: 3.2em; font-weight: bold; }
.lv-TRACE, .lv-DEBUG { color: #6b7280; } .lv-INFO { color: #16a34a; } .lv-WARN { color: #ca8a04; }
.lv-ERROR { color: #dc2626; } .lv-FATAL { color: #c026d3; }
tr.lvl-ERROR .msg, tr.lvl-FATAL .msg { color: #dc2626; }
.exception { margin: .2rem 0 .2rem 1.2em; white-space: normal; }
.ex-stack, .exception pre { margin: 0; color: var(--muted); white-space: pre-wrap; }
.exception summary { color: var(--muted); cursor: pointer; }
.llm { color: var(--muted); white-space: normal; }
table.usage { border-collapse: collapse; margin: .3rem 0 .8rem; }
table.usage td, table.usage th { border-bottom: 1px solid var(--line); padding: .1rem .6rem; }
.hidden { display: none; }
footer { color: var(--muted); margin-top: 2rem; }
`;

/**
 * Folding: a row is hidden while any span in its `data-ancestors` is folded. Level filter: a record is
 * hidden while its level is unchecked. Both classes are kept apart so one never undoes the other.
 */
const SCRIPT = `
(function () {
  var folded = new Set();
  var hiddenLevels = new Set();
  function apply() {
    document.querySelectorAll('tr[data-ancestors]').forEach(function (tr) {
      var anc = tr.getAttribute('data-ancestors');
      var ids = anc ? anc.split(' ') : [];
      var under = ids.some(function (id) { return folded.has(id); });
      var level = tr.getAttribute('data-level');
      tr.classList.toggle('hidden', under || (level !== null && hiddenLevels.has(level)));
    });
    document.querySelectorAll('tr.span').forEach(function (tr) {
      var f = folded.has(tr.getAttribute('data-span-id'));
      var detail = tr.nextElementSibling;
      if (detail && detail.classList.contains('detail') && tr.classList.contains('hidden')) detail.classList.add('hidden');
      tr.classList.toggle('folded', f);
      var b = tr.querySelector('.fold');
      if (b) b.setAttribute('aria-expanded', String(!f));
    });
  }
  document.addEventListener('click', function (ev) {
    var t = ev.target;
    if (!(t instanceof Element)) return;
    if (t.classList.contains('span-name')) {
      var detail = document.querySelector('tr[data-detail-of="' + t.closest('tr').getAttribute('data-span-id') + '"]');
      if (detail) detail.classList.toggle('hidden');
    } else if (t.classList.contains('fold')) {
      var id = t.closest('tr').getAttribute('data-span-id');
      if (folded.has(id)) folded.delete(id); else folded.add(id);
      apply();
    } else if (t.id === 'collapse-all' || t.id === 'expand-all') {
      folded.clear();
      if (t.id === 'collapse-all') document.querySelectorAll('tr.span[data-depth="0"]').forEach(function (tr) { folded.add(tr.getAttribute('data-span-id')); });
      apply();
    }
  });
  document.querySelectorAll('.level-filter').forEach(function (box) {
    box.addEventListener('change', function () {
      if (box.checked) hiddenLevels.delete(box.value); else hiddenLevels.add(box.value);
      apply();
    });
  });
})();
`;
