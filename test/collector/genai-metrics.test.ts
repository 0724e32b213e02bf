// The GenAI side of the metrics the stack gives Prometheus, on the real collector (`local` stack plus the
// derived-metrics fragment) with real GenAI spans and metrics: the Anthropic and OpenAI SDKs run under
// `node --import @tracebridge/auto/register` against the API stand-in of examples/swarm, and an agent
// that names its turns and tools with withAgentSpan/withToolSpan. Checked: the span metrics carry the
// model, provider, operation, agent and error.type of each LLM call, agent turn and tool run, and nothing
// per request; the agents' client histograms arrive as they were sent; and every GenAI metric name and
// label that compose/alerts/tracebridge.rules.yml and the Grafana dashboard query is one that Prometheus
// makes of what arrived.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector } from '#collector/run-lib.mjs';
import type { RunningCollector } from '#collector/run-lib.mjs';
import { startLlmServer } from '../../examples/swarm/stand-ins/llm-server.mjs';
import type { LlmServer } from '../../examples/swarm/stand-ins/llm-server.mjs';
import { readPoints } from '../sources/harness.js';
import type { StoredPoint } from '../sources/harness.js';
import { waitFor } from '../helpers/wait-for.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'genai');

/** The span metrics connector's own dimensions (collector.instance.id: a beta gate, on by default). */
const DEFAULT_DIMENSIONS = ['service.name', 'span.name', 'span.kind', 'status.code', 'collector.instance.id'];
/** What derived-metrics.yaml adds, each bounded (its comment says why). */
const GENAI_DIMENSIONS = ['gen_ai.operation.name', 'gen_ai.provider.name', 'gen_ai.request.model', 'gen_ai.response.model', 'gen_ai.agent.name', 'error.type'];

interface Finished {
  code: number | null;
  stderr: string;
}

/** Runs a fixture agent to its end under the bootstrap, with a pinned environment. */
async function runAgent(script: string, agentId: string, otlpHttp: string, llm: LlmServer): Promise<Finished> {
  const child = spawn(process.execPath, ['--import=@tracebridge/auto/register', script], {
    cwd: FIXTURES,
    env: {
      PATH: process.env.PATH ?? '',
      TRACEBRIDGE_AGENT_ID: agentId,
      OTEL_EXPORTER_OTLP_ENDPOINT: otlpHttp,
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      TRACEBRIDGE_RUNTIME_METRICS: 'off',
      LLM_URL: llm.url,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stderr };
}

let llm: LlmServer | undefined;
let collector: RunningCollector | undefined;
let points: StoredPoint[];
const runs: Record<string, Finished> = {};

/** The latest (cumulative) point of `name` for `agent`'s span `span`, with status `status` when given. */
function latest(name: string, agent: string, span: string, status?: string): StoredPoint | undefined {
  return points
    .filter((p) => p.name === name && p.resource['service.instance.id'] === agent && p.attributes['span.name'] === span && (status === undefined || p.attributes['status.code'] === status))
    .sort((a, b) => a.timeMs - b.timeMs)
    .at(-1);
}
const calls = (agent: string, span: string, status?: string): StoredPoint | undefined => latest('traces.span.metrics.calls', agent, span, status);

/** The spans each agent makes once (the connector first reports a new series at 0, then counts it). */
const ONCE: Array<[agent: string, span: string, status: string]> = [
  ['A1-haiku-001', 'chat claude-test', 'STATUS_CODE_UNSET'],
  ['A1-haiku-001', 'chat claude-test-429-once', 'STATUS_CODE_UNSET'],
  ['A1-haiku-001', 'chat claude-test-overloaded', 'STATUS_CODE_ERROR'],
  ['O1-gpt-001', 'chat gpt-test', 'STATUS_CODE_UNSET'],
  ['O1-gpt-001', 'chat gpt-test-overloaded', 'STATUS_CODE_ERROR'],
  ['P1-haiku-001', 'invoke_agent planner', 'STATUS_CODE_UNSET'],
  ['P1-haiku-001', 'chat claude-test-tool', 'STATUS_CODE_UNSET'],
  ['P1-haiku-001', 'execute_tool get_weather', 'STATUS_CODE_UNSET'],
  ['P1-haiku-001', 'execute_tool broken_tool', 'STATUS_CODE_ERROR'],
];

/** A1's input tokens by requested model, from the latest cumulative point of each series. */
function a1InputTokens(): Record<string, number> {
  const last = new Map<string, number>();
  const input = points.filter((p) => p.name === 'gen_ai.client.token.usage' && p.resource['service.instance.id'] === 'A1-haiku-001' && p.attributes['gen_ai.token.type'] === 'input');
  for (const p of input.sort((a, b) => a.timeMs - b.timeMs)) last.set(String(p.attributes['gen_ai.request.model']), Number(p.point.sum));
  return Object.fromEntries(last);
}
/** Every answered call's 42 input tokens (80 with the cache-read and cache-write ones). */
const A1_INPUT = { 'claude-test': 42, 'claude-test-cache': 80, 'claude-test-tool': 42, 'claude-test-early': 42, 'claude-test-429-once': 42 };

beforeAll(async () => {
  llm = await startLlmServer();
  collector = await startCollector({ profile: 'local', fragments: ['derived-metrics'], env: { TRACEBRIDGE_DERIVED_INTERVAL: '1s' } });
  const otlp = collector.otlpHttp;
  [runs.anthropic, runs.openai, runs.agent] = await Promise.all([
    runAgent('anthropic-app.mjs', 'A1-haiku-001', otlp, llm),
    runAgent('openai-app.cjs', 'O1-gpt-001', otlp, llm),
    runAgent('agent-app.mjs', 'P1-haiku-001', otlp, llm),
  ]);
  for (const [name, run] of Object.entries(runs)) expect(run.code, `${name}: ${run.stderr}`).toBe(0);
  // Span metrics are emitted every interval, the agents' histograms once more at their exit: wait until
  // every span made once is counted once, and A1's last export has arrived.
  points = await waitFor(
    'the span metrics and client histograms of all three agents',
    () => readPoints(collector!.dataDir),
    (p) => {
      points = p;
      const histograms = (agent: string): boolean => ['gen_ai.client.token.usage', 'gen_ai.client.operation.duration'].every((n) => p.some((x) => x.name === n && x.resource['service.instance.id'] === agent));
      return (
        ONCE.every(([agent, span, status]) => calls(agent, span, status)?.value === 1) &&
        JSON.stringify(a1InputTokens()) === JSON.stringify(A1_INPUT) &&
        ['O1-gpt-001', 'P1-haiku-001'].every(histograms)
      );
    },
    { timeoutMs: 90_000 },
  );
}, 180_000);

afterAll(async () => {
  await collector?.stop();
  await llm?.close();
});

describe('span metrics of GenAI spans (derived-metrics.yaml)', () => {
  it('carry the operation, provider, requested and answering model, and agent of an LLM call', () => {
    const a = calls('A1-haiku-001', 'chat claude-test', 'STATUS_CODE_UNSET')!;
    expect(a.value).toBe(1);
    expect(a.attributes).toMatchObject({
      'service.name': 'A1',
      'span.kind': 'SPAN_KIND_CLIENT',
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'claude-test',
      'gen_ai.response.model': 'claude-test-20261101',
      // Not on the chat span of an unnamed turn: from the resource, the agent id's role part.
      'gen_ai.agent.name': 'A1',
    });
    expect(a.attributes['error.type']).toBeUndefined();
    const o = calls('O1-gpt-001', 'chat gpt-test', 'STATUS_CODE_UNSET')!;
    expect(o.attributes).toMatchObject({ 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-test', 'gen_ai.response.model': 'gpt-test-2026-11-01', 'gen_ai.agent.name': 'O1' });
    // The duration histogram has the same dimensions.
    const d = latest('traces.span.metrics.duration', 'A1-haiku-001', 'chat claude-test')!;
    expect(d.attributes).toEqual(a.attributes);
  });

  it('name how a failed LLM call failed, by the API’s error type', () => {
    expect(calls('A1-haiku-001', 'chat claude-test-overloaded', 'STATUS_CODE_ERROR')!.attributes).toMatchObject({ 'error.type': 'overloaded_error', 'gen_ai.request.model': 'claude-test-overloaded' });
    expect(calls('O1-gpt-001', 'chat gpt-test-overloaded', 'STATUS_CODE_ERROR')!.attributes).toMatchObject({ 'error.type': 'server_error', 'gen_ai.provider.name': 'openai' });
    // A 429 the SDK retried is not a failed call: one call, no error.
    const retried = calls('A1-haiku-001', 'chat claude-test-429-once')!;
    expect([retried.value, retried.attributes['status.code'], retried.attributes['error.type']]).toEqual([1, 'STATUS_CODE_UNSET', undefined]);
  });

  it('count agent turns and tool runs by operation and agent, failed tools with their error class', () => {
    expect(calls('P1-haiku-001', 'invoke_agent planner')!.attributes).toMatchObject({ 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'planner', 'gen_ai.provider.name': 'anthropic', 'gen_ai.request.model': 'claude-test-tool' });
    // The turn's agent, over the process's role (P1), on the chat calls made in it.
    expect(calls('P1-haiku-001', 'chat claude-test-tool')!.attributes['gen_ai.agent.name']).toBe('planner');
    const tool = calls('P1-haiku-001', 'execute_tool get_weather')!;
    expect([tool.attributes['gen_ai.operation.name'], tool.attributes['status.code'], tool.attributes['error.type']]).toEqual(['execute_tool', 'STATUS_CODE_UNSET', undefined]);
    expect(calls('P1-haiku-001', 'execute_tool broken_tool', 'STATUS_CODE_ERROR')!.attributes).toMatchObject({ 'gen_ai.operation.name': 'execute_tool', 'error.type': 'TypeError' });
  });

  it('give other spans none of the model dimensions, and no span an id of its request, agent or call', () => {
    // The HTTP requests under the chat spans: no model or operation (the agent's role comes from the resource).
    const http = points.filter((p) => p.name === 'traces.span.metrics.calls' && p.resource['service.instance.id'] === 'A1-haiku-001' && p.attributes['span.kind'] === 'SPAN_KIND_CLIENT' && !String(p.attributes['span.name']).startsWith('chat '));
    expect(http.length).toBeGreaterThan(0);
    for (const p of http) {
      for (const key of ['gen_ai.operation.name', 'gen_ai.provider.name', 'gen_ai.request.model', 'gen_ai.response.model']) expect(p.attributes[key], `${p.attributes['span.name']}: ${key}`).toBeUndefined();
    }
    const spanMetrics = points.filter((p) => p.name.startsWith('traces.span.metrics.'));
    expect(spanMetrics.length).toBeGreaterThan(0);
    // Every dimension is one of the bounded ones: never gen_ai.agent.id, gen_ai.conversation.id,
    // gen_ai.response.id, gen_ai.tool.call.id, correlation.id (each one series per request or task).
    const keys = new Set(spanMetrics.flatMap((p) => Object.keys(p.attributes)));
    expect([...keys].filter((k) => !DEFAULT_DIMENSIONS.includes(k) && !GENAI_DIMENSIONS.includes(k))).toEqual([]);
    for (const k of GENAI_DIMENSIONS) expect(keys, k).toContain(k);
  });
});

describe("the agents' GenAI client histograms", () => {
  it('pass through to the profile’s metrics unchanged: cumulative, in their units, by agent, model and token type', () => {
    const tokens = points.filter((p) => p.name === 'gen_ai.client.token.usage' && p.resource['service.instance.id'] === 'A1-haiku-001');
    for (const p of tokens) {
      expect([p.type, p.temporality, p.unit]).toEqual(['histogram', 2, '{token}']);
      expect(p.attributes).toMatchObject({ 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'anthropic', 'gen_ai.agent.name': 'A1' });
    }
    expect(a1InputTokens()).toEqual(A1_INPUT);
    const duration = points.filter((p) => p.name === 'gen_ai.client.operation.duration' && p.resource['service.instance.id'] === 'P1-haiku-001');
    expect(duration.length).toBeGreaterThan(0);
    for (const p of duration) expect([p.type, p.temporality, p.unit, p.attributes['gen_ai.agent.name']]).toEqual(['histogram', 2, 's', 'planner']);
  });
});

// ---------------------------------------------------------------------------------------------
// What Prometheus holds for these points, and what the rules and the dashboard ask of it.

/** Metric name → label name → values, as Prometheus's OTLP receiver names what arrived. */
type Series = Map<string, Map<string, Set<string>>>;

/**
 * Prometheus's series for OTLP points under compose/prometheus.yml's UnderscoreEscapingWithSuffixes:
 * `.` → `_`, the unit as a suffix (`ms` milliseconds, `s` seconds; an annotation in braces adds none),
 * `_total` for a monotonic sum, `_bucket` (with `le`), `_sum`, `_count` for a histogram; attributes as
 * labels (`.` → `_`); `job` = service.name (after service.namespace and `/`), `instance` = service.instance.id.
 */
function prometheusSeries(all: StoredPoint[]): Series {
  const out: Series = new Map();
  const label = (k: string): string => k.replace(/[^A-Za-z0-9_]/g, '_');
  const UNITS: Record<string, string> = { ms: 'milliseconds', s: 'seconds' };
  for (const p of all) {
    const unit = p.unit === undefined || p.unit === '' || p.unit.startsWith('{') ? '' : UNITS[p.unit];
    if (unit === undefined) continue; // not a unit the GenAI or span metrics use
    const base = `${p.name.replace(/[^A-Za-z0-9_:]/g, '_')}${unit === '' ? '' : `_${unit}`}`;
    // The sums here (span metrics' calls) are monotonic counters.
    const names = p.type === 'histogram' ? [`${base}_bucket`, `${base}_sum`, `${base}_count`] : p.type === 'sum' ? [`${base}_total`] : [base];
    const labels: Record<string, string> = Object.fromEntries(Object.entries(p.attributes).map(([k, v]) => [label(k), String(v)]));
    const ns = p.resource['service.namespace'];
    if (p.resource['service.name'] !== undefined) labels.job = `${ns === undefined ? '' : `${String(ns)}/`}${String(p.resource['service.name'])}`;
    if (p.resource['service.instance.id'] !== undefined) labels.instance = String(p.resource['service.instance.id']);
    for (const name of names) {
      const series = out.get(name) ?? new Map<string, Set<string>>();
      out.set(name, series);
      for (const [k, v] of Object.entries({ ...labels, ...(name.endsWith('_bucket') ? { le: '+Inf' } : {}) })) series.set(k, (series.get(k) ?? new Set()).add(v));
    }
  }
  return out;
}

/** The GenAI and span-metric selectors of a PromQL expression, with their matchers, and its `by (...)` labels. */
function selectors(expr: string): { metrics: Array<{ name: string; matchers: Array<{ label: string; op: string; value: string }> }>; by: string[] } {
  const metrics = [...expr.matchAll(/(?<![\w:])((?:gen_ai_client|traces_span_metrics)_[a-z_]+)\b(?:\{([^}]*)\})?/g)].map((m) => ({
    name: m[1]!,
    matchers: [...(m[2] ?? '').matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g)].map((x) => ({ label: x[1]!, op: x[2]!, value: JSON.parse(`"${x[3]!}"`) as string })),
  }));
  const by = [...expr.matchAll(/\bby\s*\(([^)]*)\)/g)].flatMap((m) => m[1]!.split(',').map((s) => s.trim()).filter(Boolean));
  return { metrics, by };
}

/** Why `expr` would find nothing in `series` (an unknown metric, label or value), or [] when it would not. */
function problems(expr: string, series: Series): string[] {
  const out: string[] = [];
  const { metrics, by } = selectors(expr);
  for (const m of metrics) {
    const labels = series.get(m.name);
    if (labels === undefined) {
      out.push(`${m.name}: no such metric`);
      continue;
    }
    for (const matcher of m.matchers) {
      const values = labels.get(matcher.label);
      if (values === undefined) out.push(`${m.name}: no label ${matcher.label}`);
      else if (matcher.op === '=' && !values.has(matcher.value)) out.push(`${m.name}: no ${matcher.label}="${matcher.value}" (has ${[...values].join(', ')})`);
      else if (matcher.op === '=~' && ![...values].some((v) => new RegExp(`^(?:${matcher.value})$`).test(v))) out.push(`${m.name}: nothing matches ${matcher.label}=~"${matcher.value}"`);
    }
    for (const l of by) if (!labels.has(l)) out.push(`${m.name}: grouped by ${l}, which it does not have`);
  }
  return out;
}

describe('what the alert rules, the dashboard and docs/queries.md query (as Prometheus names what arrived)', () => {
  type Obj = Record<string, any>;
  const rules = (parseYaml(readFileSync(path.join(ROOT, 'compose', 'alerts', 'tracebridge.rules.yml'), 'utf8')) as Obj).groups.flatMap((g: Obj) => g.rules as Obj[]) as Obj[];
  const dashboard = JSON.parse(readFileSync(path.join(ROOT, 'compose', 'grafana', 'dashboards', 'tracebridge-overview.json'), 'utf8')) as Obj;
  const docBlocks = [...readFileSync(path.join(ROOT, 'docs', 'queries.md'), 'utf8').matchAll(/^```promql\n([\s\S]*?)\n```$/gm)].map((m) => m[1]!);
  const genai = (expr: string): boolean => selectors(expr).metrics.length > 0;
  const ruleExprs = rules.map((r) => r.expr as string).filter(genai);
  const panelExprs = (dashboard.panels as Obj[]).flatMap((p) => (p.targets ?? []) as Obj[]).filter((t) => (t.datasource?.uid ?? '') === 'prometheus').map((t) => (t.expr as string).replaceAll('$__rate_interval', '1m')).filter(genai);

  const docExprs = docBlocks.filter(genai);

  it('finds GenAI queries in each', () => {
    expect(ruleExprs.length).toBeGreaterThanOrEqual(2);
    expect(panelExprs.length).toBeGreaterThanOrEqual(5);
    expect(docExprs.length).toBeGreaterThanOrEqual(4);
  });

  it('names only metrics, labels and label values that exist', () => {
    const series = prometheusSeries(points);
    expect(series.get('gen_ai_client_token_usage_sum')?.get('gen_ai_agent_name')).toEqual(new Set(['A1', 'O1', 'planner']));
    expect([...ruleExprs, ...panelExprs, ...docExprs].flatMap((e) => problems(e, series).map((p) => `${e}\n  ${p}`))).toEqual([]);
  });

  it('would catch a query on a name Prometheus does not have', () => {
    const series = prometheusSeries(points);
    expect(problems('sum by (gen_ai_agent_id_x) (rate(gen_ai_client_token_usage_sum[5m]))', series)).toEqual(['gen_ai_client_token_usage_sum: grouped by gen_ai_agent_id_x, which it does not have']);
    expect(problems('rate(gen_ai_client_token_usage_total[5m])', series)).toEqual(['gen_ai_client_token_usage_total: no such metric']);
    expect(problems('rate(traces_span_metrics_calls_total{gen_ai_operation_name="tool_call"}[5m])', series)).toHaveLength(1);
  });
});
