/**
 * GenAI telemetry of unmodified agents: the real Anthropic and OpenAI SDK clients, run under
 * `node --import @tracebridge/auto/register` against a stand-in for both APIs on 127.0.0.1 (their JSON
 * and server-sent-event wire formats, 429 with retry-after, 529/500 errors), through the real collector
 * (`local` profile). The test reads back what the collector wrote: `chat {model}` spans with the GenAI
 * convention attributes, streams ended by their reader, errors, content capture off and on (redacted),
 * the agent and tool spans of the helpers, `gen_ai.conversation.id`, and the client metrics.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLocalData } from '@tracebridge/cli';
import { buildTimeline } from '../../packages/cli/src/timeline.js';
import type { LocalData, StoredLog, StoredSpan } from '@tracebridge/cli';
import { startCollector } from '#collector/run-lib.mjs';
import type { RunningCollector } from '#collector/run-lib.mjs';
import { startLlmServer } from '../../examples/swarm/stand-ins/llm-server.mjs';
import type { LlmServer } from '../../examples/swarm/stand-ins/llm-server.mjs';

const FIXTURES = fileURLToPath(new URL('../fixtures/genai/', import.meta.url));
const CLIENT = 3;
const INTERNAL = 1;
const STATUS_ERROR = 2;
const SECRET = 'sk-ant-api03-SECRETSECRETSECRETSECRET00';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a fixture agent to its end under the bootstrap, with a pinned environment. */
async function runAgent(script: string, agentId: string, collector: RunningCollector, llm: LlmServer, env: Record<string, string> = {}): Promise<Run> {
  const child = spawn(process.execPath, ['--import=@tracebridge/auto/register', script], {
    cwd: FIXTURES,
    env: {
      PATH: process.env.PATH ?? '',
      TRACEBRIDGE_AGENT_ID: agentId,
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpHttp,
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      TRACEBRIDGE_RUNTIME_METRICS: 'off',
      LLM_URL: llm.url,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

function spansOf(data: LocalData, agentId: string): StoredSpan[] {
  return data.spans.filter((s) => s.resource['service.instance.id'] === agentId);
}

function chat(data: LocalData, agentId: string, model: string): StoredSpan {
  const found = spansOf(data, agentId).filter((s) => s.span.name === `chat ${model}`);
  expect(found, `one chat ${model} span of ${agentId}`).toHaveLength(1);
  return found[0] as StoredSpan;
}

function childrenOf(data: LocalData, parent: StoredSpan): StoredSpan[] {
  return data.spans.filter((s) => s.span.traceId === parent.span.traceId && s.span.parentSpanId === parent.span.spanId);
}

function nanos(value: unknown): bigint {
  return BigInt(String(value));
}

type Json = Record<string, unknown>;
interface HistogramPoint {
  resource: Record<string, unknown>;
  attributes: Record<string, unknown>;
  count: number;
  sum: number;
}

/** The last (cumulative) data point of each series of a histogram. */
function histogram(data: LocalData, name: string): HistogramPoint[] {
  const series = new Map<string, HistogramPoint>();
  for (const request of data.metrics) {
    for (const rm of request.resourceMetrics ?? []) {
      const resource = Object.fromEntries(((rm.resource?.attributes ?? []) as Array<{ key: string; value: Json }>).map((a) => [a.key, Object.values(a.value)[0]]));
      for (const sm of rm.scopeMetrics ?? []) {
        for (const m of sm.metrics ?? []) {
          if (m.name !== name) continue;
          for (const p of ((m.histogram as { dataPoints?: Json[] } | undefined)?.dataPoints ?? []) as Json[]) {
            const attributes = Object.fromEntries(((p.attributes ?? []) as Array<{ key: string; value: Json }>).map((a) => [a.key, Object.values(a.value)[0]]));
            const key = JSON.stringify([resource['service.instance.id'], Object.entries(attributes).sort()]);
            const point = { resource, attributes, count: Number(p.count), sum: Number(p.sum) };
            const known = series.get(key);
            if (known === undefined || point.count >= known.count) series.set(key, point);
          }
        }
      }
    }
  }
  return [...series.values()];
}

describe('GenAI telemetry under --import', () => {
  let collector: RunningCollector;
  let llm: LlmServer;
  let data: LocalData;
  const runs: Record<string, Run> = {};

  beforeAll(async () => {
    collector = await startCollector({ profile: 'local' });
    llm = await startLlmServer();
    runs.anthropic = await runAgent('anthropic-app.mjs', 'A1-haiku-001', collector, llm);
    runs.anthropicContent = await runAgent('anthropic-app.mjs', 'A2-haiku-001', collector, llm, { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true' });
    runs.openai = await runAgent('openai-app.cjs', 'O1-gpt-001', collector, llm);
    runs.openaiContent = await runAgent('openai-app.cjs', 'O2-gpt-001', collector, llm, { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true' });
    runs.agent = await runAgent('agent-app.mjs', 'P1-haiku-001', collector, llm);
    // Stopping the collector flushes its file exporters: everything the agents sent is on disk.
    await collector.stop();
    data = await readLocalData(collector.dataDir, { metrics: true });
  }, 240_000);

  afterAll(async () => {
    await collector?.stop();
    await llm?.close();
  });

  it('runs every agent to its end with the SDK calls answered as the API would', () => {
    for (const [name, run] of Object.entries(runs)) expect(run.code, `${name}: ${run.stderr}`).toBe(0);
    expect(JSON.parse(runs.anthropic?.stdout.trim().split('\n').pop() ?? '{}')).toEqual({
      done: { plain: 'msg_claudetest_1', streamed: 'The answer is 4.', tool: 'get_weather', retried: 'msg_claudetest429once_1', failed: 529 },
    });
    expect(JSON.parse(runs.openai?.stdout.trim().split('\n').pop() ?? '{}')).toEqual({
      done: { plain: 'chatcmpl-gpttest', streamed: 'The answer is 4.', tool: 'get_weather', retried: 'chatcmpl-gpttest429once', raw: 'chatcmpl-gpttestraw', failed: 500 },
    });
  });

  it('leaves the body of a call whose raw response the application takes unread, and still ends its span', () => {
    const s = chat(data, 'O1-gpt-001', 'gpt-test-raw');
    expect(s.span.status?.code ?? 0).not.toBe(STATUS_ERROR);
    expect(s.attributes['gen_ai.usage.input_tokens']).toBeUndefined();
  });

  it('gives a non-streamed Anthropic call a chat CLIENT span with the request, response and usage', () => {
    const s = chat(data, 'A1-haiku-001', 'claude-test');
    expect(s.span.kind).toBe(CLIENT);
    expect(s.scope).toBe('@tracebridge/instrumentation-anthropic');
    expect(s.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'claude-test',
      'gen_ai.request.max_tokens': 256,
      'gen_ai.request.temperature': 0.2,
      'gen_ai.response.model': 'claude-test-20261101',
      'gen_ai.response.id': 'msg_claudetest_1',
      'gen_ai.response.finish_reasons': ['end_turn'],
      'gen_ai.usage.input_tokens': 42,
      'gen_ai.usage.output_tokens': 17,
      'server.address': '127.0.0.1',
    });
    expect(s.attributes['gen_ai.conversation.id']).toBe(s.attributes['correlation.id']);
    // The HTTP request of the call hangs under the chat span.
    expect(childrenOf(data, s).map((c) => c.span.name)).toEqual(['POST']);
  });

  it('replaces the SDK’s own messages.create span instead of duplicating it', () => {
    expect(data.spans.filter((s) => s.span.name === 'anthropic.messages.create')).toEqual([]);
  });

  it('follows a stream to its end: usage and finish reason of the last events, cache tokens counted as input', () => {
    const s = chat(data, 'A1-haiku-001', 'claude-test-cache');
    expect(s.attributes).toMatchObject({
      'gen_ai.request.stream': true,
      'gen_ai.response.finish_reasons': ['end_turn'],
      'gen_ai.usage.input_tokens': 42 + 30 + 8,
      'gen_ai.usage.cache_read.input_tokens': 30,
      'gen_ai.usage.cache_creation.input_tokens': 8,
      'gen_ai.usage.output_tokens': 17,
    });
    expect(s.attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThan(0);
    const o = chat(data, 'O1-gpt-001', 'gpt-test-cache');
    expect(o.attributes).toMatchObject({ 'gen_ai.request.stream': true, 'gen_ai.response.finish_reasons': ['stop'], 'gen_ai.usage.input_tokens': 72, 'gen_ai.usage.cache_read.input_tokens': 30, 'gen_ai.usage.output_tokens': 17 });
  });

  it('ends the span of a stream its reader leaves early, with what was read and no error', () => {
    const s = chat(data, 'A1-haiku-001', 'claude-test-early');
    expect(s.attributes['gen_ai.usage.output_tokens']).toBe(1); // message_start's count: message_delta was never read
    expect(s.attributes['gen_ai.response.finish_reasons']).toBeUndefined();
    expect(s.span.status?.code ?? 0).not.toBe(STATUS_ERROR);
    expect(nanos(s.span.endTimeUnixNano)).toBeGreaterThanOrEqual(nanos(s.span.startTimeUnixNano));
  });

  it('records the tool calls of a response, streamed (stream() helper) or not', () => {
    expect(chat(data, 'A1-haiku-001', 'claude-test-tool').attributes).toMatchObject({
      'gen_ai.response.finish_reasons': ['tool_use'],
      'tracebridge.gen_ai.tool_call.names': ['get_weather'],
      'tracebridge.gen_ai.tool_call.ids': ['toolu_01A'],
    });
    expect(chat(data, 'O1-gpt-001', 'gpt-test-tool').attributes).toMatchObject({
      'gen_ai.response.finish_reasons': ['tool_calls'],
      'tracebridge.gen_ai.tool_call.names': ['get_weather'],
      'tracebridge.gen_ai.tool_call.ids': ['call_01A'],
    });
  });

  it('covers a 429 the SDK retried with one span over both attempts, not an error', () => {
    for (const [agent, model] of [
      ['A1-haiku-001', 'claude-test-429-once'],
      ['O1-gpt-001', 'gpt-test-429-once'],
    ] as const) {
      const s = chat(data, agent, model);
      expect(s.span.status?.code ?? 0).not.toBe(STATUS_ERROR);
      expect(s.attributes['error.type']).toBeUndefined();
      const attempts = childrenOf(data, s);
      expect(attempts.map((a) => a.attributes['http.response.status_code']).sort()).toEqual([200, 429]);
    }
  });

  it('marks a call that failed (529 overloaded, 500) with error.type and an error status', () => {
    const a = chat(data, 'A1-haiku-001', 'claude-test-overloaded');
    expect(a.span.status?.code).toBe(STATUS_ERROR);
    expect(a.attributes['error.type']).toBe('overloaded_error');
    const o = chat(data, 'O1-gpt-001', 'gpt-test-overloaded');
    expect(o.span.status?.code).toBe(STATUS_ERROR);
    expect(o.attributes['error.type']).toBe('server_error');
  });

  it('records no message content by default', () => {
    for (const agent of ['A1-haiku-001', 'O1-gpt-001']) {
      for (const s of spansOf(data, agent)) {
        for (const key of ['gen_ai.input.messages', 'gen_ai.output.messages', 'gen_ai.system_instructions']) expect(s.attributes[key]).toBeUndefined();
      }
    }
    const offText = JSON.stringify([...spansOf(data, 'A1-haiku-001'), ...spansOf(data, 'O1-gpt-001')].map((s) => s.span));
    expect(offText.includes('What is 2+2?'), 'a prompt in the spans of an agent without content capture').toBe(false);
    expect(offText.includes('The answer is 4.'), 'an answer in the spans of an agent without content capture').toBe(false);
  });

  it('records content when switched on, redacted as log records are', () => {
    const a = chat(data, 'A2-haiku-001', 'claude-test');
    const input = JSON.parse(String(a.attributes['gen_ai.input.messages'])) as Array<{ role: string; parts: Array<{ type: string; content: string }> }>;
    expect(input[0]?.role).toBe('user');
    expect(input[0]?.parts[0]?.content).toBe('What is 2+2? My key is [REDACTED]');
    expect(JSON.parse(String(a.attributes['gen_ai.system_instructions']))).toEqual([{ type: 'text', content: 'You are a calculator.' }]);
    expect(JSON.parse(String(a.attributes['gen_ai.output.messages']))).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'The answer is 4.' }], finish_reason: 'end_turn' },
    ]);
    const streamedTool = chat(data, 'A2-haiku-001', 'claude-test-tool');
    expect(JSON.parse(String(streamedTool.attributes['gen_ai.output.messages']))).toEqual([
      {
        role: 'assistant',
        parts: [
          { type: 'text', content: 'Let me look that up.' },
          { type: 'tool_call', id: 'toolu_01A', name: 'get_weather', arguments: { city: 'Paris' } },
        ],
        finish_reason: 'tool_use',
      },
    ]);
    const o = chat(data, 'O2-gpt-001', 'gpt-test');
    expect(String(o.attributes['gen_ai.input.messages'])).toContain('What is 2+2? [REDACTED]');
    const all = JSON.stringify(data.spans.map((s) => s.span));
    expect(all.includes(SECRET), 'the API key in the prompt reached a span').toBe(false);
    expect(all.includes('hunter2'), 'the password in the prompt reached a span').toBe(false);
  });

  it('gives the helpers’ invoke_agent and execute_tool spans, with chat calls and logs under the agent', () => {
    const agent = spansOf(data, 'P1-haiku-001').find((s) => s.span.name === 'invoke_agent planner') as StoredSpan;
    expect(agent.span.kind).toBe(INTERNAL);
    expect(agent.attributes).toMatchObject({ 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'planner', 'gen_ai.agent.id': 'planner-1' });
    const children = childrenOf(data, agent);
    expect(children.map((c) => c.span.name).sort()).toEqual(['chat claude-test', 'chat claude-test-tool', 'execute_tool broken_tool', 'execute_tool get_weather']);
    const tool = children.find((c) => c.span.name === 'execute_tool get_weather') as StoredSpan;
    expect(tool.attributes).toMatchObject({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'get_weather', 'gen_ai.tool.call.id': 'toolu_01A', 'gen_ai.tool.type': 'function' });
    const broken = children.find((c) => c.span.name === 'execute_tool broken_tool') as StoredSpan;
    expect(broken.span.status?.code).toBe(STATUS_ERROR);
    expect(broken.attributes['error.type']).toBe('TypeError');
    // The correlation id is the conversation id, on spans and on the log records written inside.
    const log = data.logs.find((l) => l.resource['service.instance.id'] === 'P1-haiku-001' && JSON.stringify(l.record.body).includes('planner turn started')) as StoredLog;
    expect(log.attributes['gen_ai.conversation.id']).toBe(agent.attributes['correlation.id']);
    expect(agent.attributes['gen_ai.conversation.id']).toBe(agent.attributes['correlation.id']);
    // The chat calls of the turn are the planner's, on the spans as on the metric points.
    for (const c of children.filter((s) => (s.span.name ?? '').startsWith('chat '))) expect(c.attributes['gen_ai.agent.id']).toBe('planner-1');
    // And the timeline totals them for that agent.
    const usage = buildTimeline(data, String(agent.attributes['correlation.id'])).usage;
    expect(usage?.byAgent.map((a) => [a.agent, a.calls, a.inputTokens, a.outputTokens])).toEqual([['planner-1', 2, 84, 34]]);
  });

  it('puts the agent identity on the resource beside service.*', () => {
    const s = chat(data, 'A1-haiku-001', 'claude-test');
    expect(s.resource).toMatchObject({ 'service.name': 'A1', 'service.instance.id': 'A1-haiku-001', 'gen_ai.agent.id': 'A1-haiku-001', 'gen_ai.agent.name': 'A1' });
  });

  it('exports the client token-usage and duration histograms by provider, model and agent', () => {
    const tokens = histogram(data, 'gen_ai.client.token.usage');
    const input = tokens.filter((p) => p.resource['service.instance.id'] === 'A1-haiku-001' && p.attributes['gen_ai.token.type'] === 'input');
    const byModel = Object.fromEntries(input.map((p) => [p.attributes['gen_ai.request.model'], p.sum]));
    // Every call that got an answer: plain 42, cache 42+30+8, tool 42, early stop 42, 429-then-200 42.
    expect(byModel).toEqual({ 'claude-test': 42, 'claude-test-cache': 80, 'claude-test-tool': 42, 'claude-test-early': 42, 'claude-test-429-once': 42 });
    for (const p of input) {
      expect(p.attributes).toMatchObject({ 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'anthropic', 'gen_ai.agent.id': 'A1-haiku-001', 'gen_ai.agent.name': 'A1' });
    }
    const planner = tokens.filter((p) => p.resource['service.instance.id'] === 'P1-haiku-001' && p.attributes['gen_ai.token.type'] === 'output');
    expect(planner.map((p) => p.attributes['gen_ai.agent.name']).sort()).toEqual(['planner', 'planner']);
    const openaiOutput = tokens.filter((p) => p.resource['service.instance.id'] === 'O1-gpt-001' && p.attributes['gen_ai.token.type'] === 'output');
    expect(openaiOutput.reduce((n, p) => n + p.sum, 0)).toBe(17 * 4);

    const duration = histogram(data, 'gen_ai.client.operation.duration').filter((p) => p.resource['service.instance.id'] === 'A1-haiku-001');
    expect(duration.reduce((n, p) => n + p.count, 0)).toBe(6);
    const failed = duration.find((p) => p.attributes['error.type'] !== undefined) as HistogramPoint;
    expect(failed.attributes).toMatchObject({ 'error.type': 'overloaded_error', 'gen_ai.request.model': 'claude-test-overloaded' });
  });
});
