// docs/queries.md: every ```logql and ```traceql block is parsed with Grafana's own grammars
// (@grafana/lezer-logql, @grafana/lezer-traceql) and must produce no error node; every label, field
// and attribute a query names must be one that Loki or Tempo actually holds for tracebridge data,
// as given by the shared vectors (what the mapping emits) and compose/loki.yaml (what Loki indexes).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parser as logqlParser } from '@grafana/lezer-logql';
import { parser as traceqlParser } from '@grafana/lezer-traceql';
import type { LRParser } from '@lezer/lr';
import { describe, expect, it } from 'vitest';
import { loadVectors } from '../helpers/vectors.js';
import { indexedLogAttributes as indexedLogAttributesOf, indexedResourceAttributes, lokiConfig, lokiName } from '../helpers/loki-labels.js';
import * as genai from '../../packages/auto/src/internal/genai/semconv.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const read = (rel: string): string => readFileSync(path.join(ROOT, rel), 'utf8');
type Obj = Record<string, any>;

const DOC = read('docs/queries.md');

interface Block { lang: string; body: string; line: number }
/** Fenced code blocks with their language and 1-based starting line. */
function fencedBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    blocks.push({ lang: open[1]!, body: body.join('\n'), line: start + 1 });
  }
  return blocks;
}
const blocks = fencedBlocks(DOC);
const logqlBlocks = blocks.filter((b) => b.lang === 'logql');
const traceqlBlocks = blocks.filter((b) => b.lang === 'traceql');

interface Parsed { errors: Array<{ at: number; text: string }>; empty: boolean; nodes: Array<{ name: string; text: string; path: string[] }> }
/** Parses with a Lezer grammar and lists error nodes (⚠) with where they are. */
function parse(parser: LRParser, query: string): Parsed {
  const tree = parser.parse(query);
  const out: Parsed = { errors: [], empty: true, nodes: [] };
  const cursor = tree.cursor();
  const stack: string[] = [];
  const walk = (): void => {
    const node = cursor.node;
    if (node.type.isError) out.errors.push({ at: node.from, text: query.slice(Math.max(0, node.from - 10), node.to + 10) });
    if (stack.length > 0) out.empty = false;
    out.nodes.push({ name: node.name, text: query.slice(node.from, node.to), path: [...stack] });
    if (cursor.firstChild()) {
      stack.push(node.name);
      do walk(); while (cursor.nextSibling());
      stack.pop();
      cursor.parent();
    }
  };
  walk();
  return out;
}

// ---------------------------------------------------------------------------------------------
// What Loki and Tempo hold for tracebridge data.

const loki = lokiConfig();
/** Resource attributes Loki indexes for this stack (compose/loki.yaml's distributor.otlp_config). */
const LOKI_INDEXED_RESOURCE_ATTRIBUTES = indexedResourceAttributes(loki);
const indexedLogAttributes = indexedLogAttributesOf(loki);

const requests = loadVectors().map((v) => v.expected as unknown as Obj);
const resourceKeys = new Set(requests.flatMap((r) => (r.resourceLogs as Obj[]).flatMap((rl) => ((rl.resource?.attributes ?? []) as Obj[]).map((a) => a.key as string))));
const logAttributeKeys = new Set(
  requests.flatMap((r) => (r.resourceLogs as Obj[]).flatMap((rl) => (rl.scopeLogs as Obj[]).flatMap((sl) => (sl.logRecords as Obj[]).flatMap((lr) => ((lr.attributes ?? []) as Obj[]).map((a) => a.key as string))))),
);

/** Loki labels: the indexed resource attributes plus the log attributes loki.yaml indexes (`level`). */
const LABELS = new Set([...LOKI_INDEXED_RESOURCE_ATTRIBUTES.map(lokiName), ...indexedLogAttributes.map(lokiName)]);
/** Structured metadata: the record's special fields, the scope, unindexed resource and log attributes. */
const METADATA = new Set([
  'trace_id', 'span_id', 'severity_text', 'severity_number', 'scope_name',
  ...[...resourceKeys].filter((k) => !LOKI_INDEXED_RESOURCE_ATTRIBUTES.includes(k)).map(lokiName),
  ...[...logAttributeKeys].filter((k) => !indexedLogAttributes.includes(k)).map(lokiName),
]);
const LOGQL_SPECIAL = new Set(['__error__', '__error_details__', '__line__']);

/** Tempo: the resource attributes the mapping sets (plus standard ones), and the span attribute tracebridge adds. */
const TEMPO_RESOURCE = new Set([...resourceKeys, 'service.namespace', 'deployment.environment.name']);
/**
 * Span attributes: correlation.id (every span), and those of the GenAI spans @tracebridge/auto makes
 * (chat, invoke_agent, execute_tool), as its conventions file names them; gen_ai.token.type is on
 * metric points only.
 */
const GENAI_SPAN_ATTRIBUTES = Object.entries(genai)
  .filter(([name, value]) => name.startsWith('ATTR_') && name !== 'ATTR_GEN_AI_TOKEN_TYPE' && typeof value === 'string')
  .map(([, value]) => value as string);
const TEMPO_SPAN = new Set(['correlation.id', ...GENAI_SPAN_ATTRIBUTES]);

interface Names { selector: string[]; other: string[] }
function logqlNames(parsed: Parsed, query: string): Names {
  const ids = parsed.nodes.filter((n) => n.name === 'Identifier');
  const templateFields = [...query.matchAll(/\{\{\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)].map((m) => m[1]!);
  return {
    selector: ids.filter((n) => n.path.includes('Selector')).map((n) => n.text),
    other: [...ids.filter((n) => !n.path.includes('Selector')).map((n) => n.text), ...templateFields],
  };
}
function logqlProblems(query: string): string[] {
  const parsed = parse(logqlParser, query);
  const problems = parsed.errors.map((e) => `syntax error at ${e.at}: …${e.text}…`);
  if (parsed.empty) problems.push('empty query');
  const names = logqlNames(parsed, query);
  if (names.selector.length === 0 && problems.length === 0) problems.push('no stream selector');
  for (const n of names.selector) if (!LABELS.has(n)) problems.push(`stream selector on ${n}, which Loki does not index`);
  for (const n of names.other) if (!LABELS.has(n) && !METADATA.has(n) && !LOGQL_SPECIAL.has(n)) problems.push(`${n} is neither a label nor structured metadata`);
  return problems;
}

function traceqlProblems(query: string): string[] {
  const parsed = parse(traceqlParser, query);
  const problems = parsed.errors.map((e) => `syntax error at ${e.at}: …${e.text}…`);
  if (parsed.empty) problems.push('empty query');
  const fields = parsed.nodes.filter((n) => n.name === 'AttributeField');
  for (const f of fields) {
    const m = /^(span|resource)?\.(.+)$/.exec(f.text.replace(/^(span|resource)\./, '$1.'));
    const [, scope, name] = m ?? [];
    if (scope === 'span' && !TEMPO_SPAN.has(name!)) problems.push(`span.${name} is not a span attribute tracebridge sets`);
    else if (scope === 'resource' && !TEMPO_RESOURCE.has(name!)) problems.push(`resource.${name} is not a resource attribute of the mapping`);
    else if (!scope) problems.push(`${f.text}: scope the attribute (span. or resource.)`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------

describe('the checks themselves', () => {
  it('catch malformed queries through error nodes', () => {
    expect(logqlProblems('{service_name=~".+"')).not.toEqual([]);
    expect(logqlProblems('{service_name=~".+"} | performance_duration_ms > ')).not.toEqual([]);
    expect(traceqlProblems('{ span.correlation.id = "x" ')).not.toEqual([]);
    expect(traceqlProblems('{ span.correlation.id = }')).not.toEqual([]);
  });

  it("catch names Loki and Tempo do not have, such as the seed's correlation_id label", () => {
    expect(logqlProblems('{correlation_id="req-4bf92f3577b34da6a3ce929d0e0e4736"}')).toEqual(['stream selector on correlation_id, which Loki does not index']);
    expect(logqlProblems('{level="ERROR"} | component="redis_bus"')).toEqual(['component is neither a label nor structured metadata']);
    expect(traceqlProblems('{ span.correlation_id = "x" }')).toEqual(['span.correlation_id is not a span attribute tracebridge sets']);
    expect(traceqlProblems('{ resource.agent.id = "A1-haiku-001" }')).toEqual(['resource.agent.id is not a resource attribute of the mapping']);
    // The seed's naming of token counts, not the conventions'.
    expect(traceqlProblems('{ span.gen_ai.usage.prompt_tokens > 0 }')).toEqual(['span.gen_ai.usage.prompt_tokens is not a span attribute tracebridge sets']);
  });

  it('accept what the mapping emits', () => {
    expect(logqlProblems('{service_name="A1", level="ERROR"} | service_instance_id="A1-haiku-001" | scope_name="redis_bus" | performance_duration_ms > 100')).toEqual([]);
    // The agent id is structured metadata, not a label (compose/loki.yaml, distributor.otlp_config).
    expect(logqlProblems('{service_instance_id="A1-haiku-001"}')).toEqual(['stream selector on service_instance_id, which Loki does not index']);
    expect(traceqlProblems('{ span.correlation.id = "req-1" && resource.service.name = "A1" }')).toEqual([]);
  });
});

describe('docs/queries.md', () => {
  it('has LogQL and TraceQL blocks to check', () => {
    expect(logqlBlocks.length).toBeGreaterThanOrEqual(30);
    expect(traceqlBlocks.length).toBeGreaterThanOrEqual(8);
  });

  it('has one query per logql or traceql block', () => {
    for (const b of [...logqlBlocks, ...traceqlBlocks]) expect(b.body.trim().split('\n'), `line ${b.line}`).toHaveLength(1);
  });

  it.each(logqlBlocks.map((b) => [b.line, b.body] as const))('parses the LogQL at line %i with Loki names only', (_line, body) => {
    expect(logqlProblems(body)).toEqual([]);
  });

  it.each(traceqlBlocks.map((b) => [b.line, b.body] as const))('parses the TraceQL at line %i with tracebridge attributes only', (_line, body) => {
    expect(traceqlProblems(body)).toEqual([]);
  });

  it('covers the seed cookbook: level, component, agent, correlation id, errors, slow operations, error rate, cross-agent', () => {
    const all = logqlBlocks.map((b) => b.body);
    const some = (re: RegExp): boolean => all.some((q) => re.test(q));
    expect(some(/\{level="ERROR"\}/)).toBe(true);
    expect(some(/scope_name="redis_bus"/)).toBe(true);
    expect(some(/\{service_name="A1"\} \| service_instance_id="A1-haiku-001"/)).toBe(true);
    expect(some(/correlation_id="req-[0-9a-f]{32}"/)).toBe(true);
    expect(some(/correlation_id=~"swarm-/)).toBe(true);
    expect(some(/performance_duration_ms > \d+/)).toBe(true);
    expect(some(/rate\(\{level=~"ERROR\|FATAL"\}/)).toBe(true);
    expect(some(/sum by \(service_instance_id\) \(count_over_time\(\{service_name=~"\.\+"\} \| correlation_id=/)).toBe(true);
    expect(some(/agent_parent_id/)).toBe(true);
    expect(some(/unwrap performance_duration_ms/)).toBe(true);
  });

  it('finds traces by correlation.id and by service in TraceQL', () => {
    const all = traceqlBlocks.map((b) => b.body);
    expect(all).toContain('{ span.correlation.id = "req-4bf92f3577b34da6a3ce929d0e0e4736" }');
    expect(all.some((q) => /resource\.service\.name = "A1"/.test(q))).toBe(true);
    expect(all.some((q) => />>/.test(q))).toBe(true);
  });

  it('finds the most expensive requests and the failed tool calls in TraceQL', () => {
    const all = traceqlBlocks.map((b) => b.body);
    expect(all.some((q) => /\| sum\(span\.gen_ai\.usage\.output_tokens\) > \d+/.test(q))).toBe(true);
    expect(all.some((q) => /\| sum\(span\.gen_ai\.usage\.input_tokens\) > \d+/.test(q))).toBe(true);
    expect(all).toContain('{ span.gen_ai.operation.name = "execute_tool" && status = error }');
    expect(all.some((q) => /execute_tool" && status = error \} \| select\(span\.gen_ai\.tool\.name, span\.gen_ai\.tool\.call\.id/.test(q))).toBe(true);
  });

  it('gives the tracebridge trace equivalents: by correlation id, by trace id, and the list, with --loki and --tempo', () => {
    const shell = blocks.filter((b) => b.lang === 'sh').map((b) => b.body).join('\n');
    expect(shell).toMatch(/tracebridge trace req-[0-9a-f]{32} --loki \S+ --tempo \S+/);
    expect(shell).toMatch(/tracebridge trace [0-9a-f]{32} --loki \S+ --tempo \S+/);
    expect(shell).toMatch(/tracebridge trace --loki \S+ --tempo \S+/);
  });

  it('uses the same example ids as the shared vectors, so the queries select real records', () => {
    const corr = [...new Set([...DOC.matchAll(/req-[0-9a-f]{32}/g)].map((m) => m[0]))];
    const vectorText = requests.map((r) => JSON.stringify(r)).join('\n');
    for (const id of corr) expect(vectorText, id).toContain(id);
    for (const traceId of new Set([...DOC.matchAll(/\b[0-9a-f]{32}\b/g)].map((m) => m[0]))) expect(vectorText, traceId).toContain(traceId);
  });
});
