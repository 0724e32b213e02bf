// `tracebridge demo` (examples/swarm, run by the CLI in a checkout) end to end: the real collector (local profile), three real agent processes started
// with `node --import @tracebridge/auto/register`, their real Anthropic and OpenAI SDK calls answered by
// the API stand-in on 127.0.0.1, and the timeline read back from the files the collector wrote (priced
// with docs/prices.sample.json), as JSON and as a page loaded in headless Chromium. Also: Ctrl-C leaves
// no process behind.
import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '@tracebridge/cli';
import type { TimelineDocument, TimelineLogRow, TimelineSpanRow } from '@tracebridge/cli';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = path.join(ROOT, 'packages', 'cli', 'bin', 'tracebridge.js');
/** Debian's package (`apt-get install -y chromium`): Playwright's own browser download does not work here. */
const CHROMIUM = '/usr/bin/chromium';
/** The price table the demo prices its timeline with. */
const SAMPLE_PRICES = path.join(ROOT, 'docs', 'prices.sample.json');

/** What the sample table says a call costs: the longest `prefix*` key (or the exact name) matching its model. */
function samplePrice(model: string, inputTokens: number, outputTokens: number): number {
  const table = JSON.parse(readFileSync(SAMPLE_PRICES, 'utf8')) as { per?: number; models: Record<string, { input: number; output: number }> };
  const key = Object.keys(table.models)
    .filter((k) => k === model || (k.endsWith('*') && model.startsWith(k.slice(0, -1))))
    .sort((a, b) => b.length - a.length)[0];
  expect(key, `a price for ${model} in ${SAMPLE_PRICES}`).toBeDefined();
  const price = table.models[key!]!;
  return (inputTokens * price.input + outputTokens * price.output) / (table.per ?? 1_000_000);
}

/** A process of the test's, with its output, ended in afterAll whatever happened. */
interface Run {
  child: ChildProcess;
  out: string;
  err: string;
  done: Promise<number | string>;
}

const runs: Run[] = [];
const dirs: string[] = [];

/** Starts `node BIN args…` in `cwd`, without colour, and keeps its output. */
function start(args: string[], cwd: string): Run {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const k of Object.keys(env)) if (k.startsWith('OTEL_') || k.startsWith('TRACEBRIDGE_DATA')) delete env[k];
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const run: Run = { child, out: '', err: '', done: Promise.resolve(0) };
  child.stdout?.on('data', (d: Buffer) => (run.out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (run.err += d.toString()));
  run.done = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  runs.push(run);
  return run;
}

/** Resolves with the exit status, or fails after `ms` (the process is then interrupted, then killed). */
async function finish(run: Run, ms: number): Promise<number | string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      run.child.kill('SIGINT');
      setTimeout(() => run.child.kill('SIGKILL'), 15_000).unref();
      reject(new Error(`no exit within ${ms / 1000} s\nstdout:\n${run.out}\nstderr:\n${run.err}`));
    }, ms);
  });
  try {
    return await Promise.race([run.done, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** A writable that keeps what is written. */
class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** `tracebridge trace …` in this process, for its JSON. */
async function trace(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(['trace', ...args], { stdout, stderr, env: {} });
  return { code, out: stdout.text, err: stderr.text };
}

/** Every process below `pid` (children, grandchildren), from /proc. */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4 (ppid) comes after the command name in parentheses, which may itself hold spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // ended while we looked
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const [child, parent] of parents) if (parent === p) (out.push(child), walk(child));
  };
  walk(pid);
  return out;
}

/** True while `pid` exists and is not a zombie waiting to be reaped. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

afterAll(async () => {
  for (const r of runs) {
    if (r.child.exitCode === null && r.child.signalCode === null) {
      r.child.kill('SIGINT');
      await Promise.race([r.done, new Promise((res) => setTimeout(res, 10_000))]);
      r.child.kill('SIGKILL');
    }
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('tracebridge demo', () => {
  let run: Run;
  let dataDir: string;
  let first: string;
  let second: string;
  let doc: TimelineDocument;

  beforeAll(async () => {
    // From a folder outside the checkout: the demo finds its collector and agents from its own package.
    const cwd = tempDir('tb-demo-');
    dataDir = path.join(cwd, 'data');
    run = start(['demo', '--data', dataDir], cwd);
    const code = await finish(run, 180_000);
    expect(code, `stdout:\n${run.out}\nstderr:\n${run.err}`).toBe(0);
    first = /^This request again:\s+npx tracebridge trace (\S+) --data /m.exec(run.out)?.[1] ?? '';
    second = /^Another request:\s+npx tracebridge trace (\S+) --data /m.exec(run.out)?.[1] ?? '';
    const json = await trace([first, '--data', dataDir, '--json', '--prices', SAMPLE_PRICES]);
    expect(json.code, json.err).toBe(0);
    doc = JSON.parse(json.out) as TimelineDocument;
  }, 240_000);

  it('reports its steps, where the data is, and the commands to look again', () => {
    for (const step of ['[1/5] collector:', '[2/5] collector: local profile', '[3/5] agents:', '[4/5] requests:', '[5/5] delivery:']) expect(run.err).toContain(step);
    expect(run.err).toContain(`each started as node --import @tracebridge/auto/register`);
    expect(run.err).toMatch(/their Anthropic and OpenAI SDK calls go to a stand-in for both APIs on http:\/\/127\.0\.0\.1:\d+/);
    expect(first).toMatch(/^req-[0-9a-f]{32}$/);
    expect(second).toMatch(/^req-[0-9a-f]{32}$/);
    // Paths inside the working directory are shown relative to it, as a person would type them.
    expect(run.out).toContain('Data: data/ (logs.jsonl, traces.jsonl, metrics.jsonl');
    expect(run.out).toContain('Every request:        npx tracebridge trace --data data\n');
    expect(existsSync(path.join(dataDir, 'logs.jsonl'))).toBe(true);
    expect(readFileSync(path.join(dataDir, 'process-output', 'W2.log'), 'utf8')).toContain('picked up parse-report');
  });

  it('draws the first request in the terminal: the waterfall, the failing task and its exception', () => {
    expect(run.out).toContain(`trace ${first.slice(4)}  ·  ${first}`);
    expect(run.out).toMatch(/^POST \/requests\s+C0-opus-001\s+server\s/m);
    expect(run.out).toMatch(/^├─ ✗ task parse-report\s+C0-opus-001\s+internal\s/m);
    expect(run.out).toMatch(/ERROR \[task_queue\] task parse-report failed\n.*ReportFormatError: section "Risks" not found in quarterly-report\.md\n.*at parseSection \(/);
  });

  it('draws each LLM call with its model and tokens and a cost, and the request\'s LLM usage by agent and by model', () => {
    expect(run.out).toMatch(/^│  ├─ chat claude-opus-4-1\s+C0-opus-001\s+client\s/m);
    expect(run.out).toMatch(/ claude-opus-4-1-20261101 · 42 in → 17 out tokens · \$\d+\.\d+\n/);
    expect(run.out).toMatch(/ gpt-5-mini-2026-11-01 · 42 in → 17 out tokens · \$\d+\.\d+\n/);
    expect(run.out).toMatch(/^LLM usage: 4 calls · 168 in → 68 out tokens · \$\d+\.\d+$/m);
    expect(run.out).toMatch(/^ {2}agent {2}C0-opus-001 +2 calls · 84 in → 34 out tokens · \$\d+\.\d+$/m);
    expect(run.out).toMatch(/^ {2}model {2}claude-haiku-4-5-20261101 +1 call · 42 in → 17 out tokens · \$\d+\.\d+$/m);
    // The cost is the sample table's placeholders, and the demo says so.
    expect(run.out).toMatch(/^With your prices: +npx tracebridge trace req-\S+ --data data --prices my-prices\.json +\(the cost above uses the placeholders of .*prices\.sample\.json\)$/m);
  });

  it('has one trace whose spans and records all arrived, from all three agents, under one correlation id', () => {
    expect(doc.traces).toHaveLength(1);
    const t = doc.traces[0]!;
    expect(t.traceId).toBe(first.slice(4));
    expect([...t.agents].sort()).toEqual(['C0-opus-001', 'W1-haiku-001', 'W2-sonnet-001']);
    // 1 request + 5 tasks + 4 HTTP calls (one retried) seen from both sides + 1 inner span of the slow task
    // + 2 messages, each sent and processed; and the LLM work: C0's turn (2 chat calls, each with its HTTP
    // request, and the tool run between them), W1's turn (1 streamed chat call, 1 HTTP request), W2's
    // turn (1 chat call over 2 HTTP attempts, the first answered 429: the fifth failed span).
    // Records: 17, and C0's "plan ready" and W1's "summary streamed".
    const logs = t.rows.filter((r): r is TimelineLogRow => r.type === 'log');
    const said = logs.map((l) => `${l.agent} [${l.scope}] ${l.level} ${l.message}`).join('\n');
    expect(t.counts, `records that arrived:\n${said}`).toEqual({ spans: 19 + 6 + 3 + 4, logs: 19, errorSpans: 5, errorLogs: 2 });
    const uncorrelated = logs.filter((l) => l.correlationId !== first);
    expect(
      uncorrelated.map((l) => `${l.agent} [${l.scope}] ${l.message}: ${JSON.stringify(l.attributes).slice(0, 300)}`),
      'every record carries the request\'s correlation id',
    ).toEqual([]);
    // console, pino and @tracebridge/logger records all arrive.
    expect(new Set(logs.map((l) => l.scope))).toEqual(new Set(['console', 'coordinator', 'task_queue', '@opentelemetry/instrumentation-pino']));
    expect(doc.untracedLogs).toEqual([]);
  });

  it('has the LLM calls as GenAI spans: a tool round trip in an agent turn, a streamed call, a 429 the SDK retried', () => {
    const spans = doc.traces[0]!.rows.filter((r): r is TimelineSpanRow => r.type === 'span');
    const childrenOf = (s: TimelineSpanRow | undefined): TimelineSpanRow[] => spans.filter((c) => c.parentSpanId === s?.spanId);
    const turn = (agent: string): TimelineSpanRow | undefined => spans.find((s) => s.name === `invoke_agent ${agent.split('-')[0]}` && s.agent === agent);
    for (const agent of ['C0-opus-001', 'W1-haiku-001', 'W2-sonnet-001']) {
      expect(turn(agent)?.attributes, agent).toMatchObject({ 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.id': agent });
    }
    // C0: the model calls list_tasks, the tool runs (its call id the one the model gave), the model answers.
    const planning = childrenOf(turn('C0-opus-001'));
    expect(planning.map((s) => s.name)).toEqual(['chat claude-opus-4-1', 'execute_tool list_tasks', 'chat claude-opus-4-1']);
    const [ask, tool, answer] = planning;
    expect(ask?.attributes).toMatchObject({ 'gen_ai.provider.name': 'anthropic', 'gen_ai.response.finish_reasons': ['tool_use'], 'tracebridge.gen_ai.tool_call.names': ['list_tasks'] });
    expect(tool?.attributes['gen_ai.tool.call.id']).toBe((ask?.attributes['tracebridge.gen_ai.tool_call.ids'] as string[])[0]);
    expect(answer?.attributes['gen_ai.response.finish_reasons']).toEqual(['end_turn']);
    // W1: a streamed call, its span over the whole stream (usage from the stream's last events).
    const [streamed] = childrenOf(turn('W1-haiku-001'));
    expect(streamed?.attributes).toMatchObject({ 'gen_ai.request.stream': true, 'gen_ai.usage.output_tokens': 17 });
    expect(streamed?.llm).toMatchObject({ provider: 'anthropic', model: 'claude-haiku-4-5-20261101', inputTokens: 42, outputTokens: 17 });
    // W2: one OpenAI call, not failed, over two HTTP attempts: 429, then 200.
    const [classified] = childrenOf(turn('W2-sonnet-001'));
    expect([classified?.name, classified?.status, classified?.llm?.provider]).toEqual(['chat gpt-5-mini', 'unset', 'openai']);
    expect(childrenOf(classified).map((a) => [a.attributes['http.response.status_code'], a.status])).toEqual([
      [429, 'error'],
      [200, 'unset'],
    ]);
  });

  it('totals the tokens by agent and by model, priced from the sample table', () => {
    const usage = doc.usage!;
    expect(usage.currency).toBe('USD');
    expect(usage.total).toMatchObject({ calls: 4, inputTokens: 168, outputTokens: 68, unpricedCalls: 0 });
    expect(usage.byAgent.map((a) => [a.agent, a.calls, a.inputTokens, a.outputTokens])).toEqual([
      ['C0-opus-001', 2, 84, 34],
      ['W1-haiku-001', 1, 42, 17],
      ['W2-sonnet-001', 1, 42, 17],
    ]);
    const expected = samplePrice('claude-opus-4-1-20261101', 84, 34) + samplePrice('claude-haiku-4-5-20261101', 42, 17) + samplePrice('gpt-5-mini-2026-11-01', 42, 17);
    expect(usage.total.cost).toBeCloseTo(expected, 12);
  });

  it('shows the error: the exception under the consumer span that threw, and the failed task above it', () => {
    const rows = doc.traces[0]!.rows;
    const spans = rows.filter((r): r is TimelineSpanRow => r.type === 'span');
    const consumer = spans.find((s) => s.name === 'process tasks' && s.status === 'error');
    expect(consumer).toMatchObject({ agent: 'W2-sonnet-001', kind: 'consumer' });
    const thrown = rows.find((r): r is TimelineLogRow => r.type === 'log' && r.exception !== null);
    expect(thrown).toMatchObject({ level: 'ERROR', agent: 'W2-sonnet-001', underSpanId: consumer?.spanId, depth: (consumer?.depth ?? 0) + 1 });
    expect(thrown?.exception).toMatchObject({ type: 'ReportFormatError', message: 'section "Risks" not found in quarterly-report.md' });
    expect(thrown?.exception?.stacktrace).toContain('at parseSection (');
    const producer = spans.find((s) => s.spanId === consumer?.parentSpanId);
    expect(producer).toMatchObject({ name: 'send tasks', kind: 'producer', agent: 'C0-opus-001' });
    expect(spans.find((s) => s.spanId === producer?.parentSpanId)).toMatchObject({ name: 'task parse-report', status: 'error' });
  });

  it('keeps the request in order: each task with its own work nested under it, the retry between its two attempts, the summary last', () => {
    const rows = doc.traces[0]!.rows;
    const label = (r: (typeof rows)[number]): string => (r.type === 'span' ? `${r.kind} ${r.name}${r.status === 'error' ? ' ✗' : ''}` : `${r.level} ${r.message}`);
    expect(label(rows[0]!)).toBe('server POST');
    // The coordinator starts its five tasks concurrently: two of them may start within the same
    // millisecond, so their order among siblings is the scheduler's. What the demo guarantees is which
    // tasks run, and that each one's work stays under it.
    const tasks = rows.filter((r): r is TimelineSpanRow => r.depth === 1 && r.type === 'span');
    expect(tasks.map(label).sort()).toEqual([
      'internal invoke_agent C0',
      'internal task classify-tickets',
      'internal task fetch-sources',
      'internal task index-corpus',
      'internal task parse-report ✗',
      'internal task summarise-inbox',
    ]);
    const spans = new Map(rows.filter((r): r is TimelineSpanRow => r.type === 'span').map((r) => [r.spanId, r]));
    const taskOf = (r: (typeof rows)[number]): string | undefined => {
      let at = r.type === 'span' ? r : spans.get(r.underSpanId ?? '');
      while (at !== undefined && at.depth > 1) at = spans.get(at.parentSpanId ?? '');
      return at?.depth === 1 ? at.name : undefined;
    };
    // Rows are drawn depth-first: every row between a task and the next task belongs to that task.
    let current: string | undefined;
    for (const r of rows.slice(1)) {
      if (r.depth === 1) current = r.type === 'span' ? r.name : undefined;
      else if (r.depth > 1) expect(taskOf(r), label(r)).toBe(current);
    }
    expect(label(rows.at(-1)!)).toBe('WARN request finished with 1 failed task(s)');
    const fetchTask = rows.findIndex((r) => r.type === 'span' && r.name === 'task fetch-sources');
    const underFetch = rows.slice(fetchTask + 1).filter((r) => r.depth === 2);
    expect(underFetch.slice(0, 3).map(label)).toEqual(['client POST ✗', 'WARN W1 refused fetch-sources (HTTP 503), retrying', 'client POST']);
    const slow = rows.find((r): r is TimelineSpanRow => r.type === 'span' && r.name === 'embed documents');
    expect(slow?.durationMs).toBeGreaterThanOrEqual(650);
    // Offsets never go backwards among siblings.
    const byParent = new Map<string, number[]>();
    for (const r of rows) {
      const parent = r.type === 'span' ? (r.parentSpanId ?? '') : (r.underSpanId ?? '');
      byParent.set(parent, [...(byParent.get(parent) ?? []), r.offsetMs]);
    }
    for (const offsets of byParent.values()) expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
  });

  it('lists both requests, newest first', async () => {
    const list = JSON.parse((await trace(['--data', dataDir, '--json'])).out) as { requests: Array<{ id: string; agents: string[]; errors: number; llmCalls: number; inputTokens: number }> };
    const ids = list.requests.map((r) => r.id);
    expect(ids.indexOf(second)).toBeGreaterThanOrEqual(0);
    expect(ids.indexOf(second)).toBeLessThan(ids.indexOf(first));
    expect(list.requests.find((r) => r.id === first)).toMatchObject({ errors: 7, llmCalls: 4, inputTokens: 168 });
    // The second request is planned and classified with the models too; its classification is not rate limited.
    expect(list.requests.find((r) => r.id === second)).toMatchObject({ errors: 0, llmCalls: 4 });
  });

  it('writes a page that headless Chromium renders with every span and record, and the error', async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get update && apt-get install -y chromium`).toBe(true);
    const file = path.join(tempDir('tb-html-'), 'timeline.html');
    const r = await trace([first, '--data', dataDir, '--html', file]);
    expect(r.code, r.err).toBe(0);
    const context = await chromium.launchPersistentContext(tempDir('tb-chromium-'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const page = await context.newPage();
      const requested: string[] = [];
      page.on('request', (req) => requested.push(req.url()));
      await page.goto(pathToFileURL(file).href);
      expect(await page.locator('tr.span').count()).toBe(doc.traces[0]!.counts.spans);
      expect(await page.locator('tr.log').count()).toBe(doc.traces[0]!.counts.logs);
      expect(await page.locator('tr.log.lvl-ERROR .ex-head').first().textContent()).toBe('ReportFormatError: section "Risks" not found in quarterly-report.md');
      expect(await page.getByText('ReportFormatError: section "Risks" not found in quarterly-report.md').first().isVisible()).toBe(true);
      expect(await page.locator('tr.span.error').count()).toBe(5);
      // The script works: folding the root hides every other row; the level filter hides INFO records.
      await page.locator('tr.span[data-depth="0"] .fold').click();
      expect(await page.locator('tr.span:visible, tr.log:visible').count()).toBe(1);
      await page.locator('tr.span[data-depth="0"] .fold').click();
      await page.locator('.level-filter[value="INFO"]').uncheck();
      expect(await page.locator('tr.log:visible').count()).toBe(await page.locator('tr.log:not(.lvl-INFO)').count());
      expect(requested).toEqual([pathToFileURL(file).href]);
    } finally {
      await context.close();
    }
  });
});

describe('tracebridge demo interrupted', () => {
  it('leaves no process running after Ctrl-C', async () => {
    const cwd = tempDir('tb-demo-int-');
    const run = start(['demo', '--data', path.join(cwd, 'data')], cwd);
    const deadline = Date.now() + 120_000;
    while (!run.err.includes('[3/5] agents:')) {
      if (Date.now() > deadline || run.child.exitCode !== null) throw new Error(`the agents did not start:\n${run.err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const pid = run.child.pid as number;
    const started = descendants(pid);
    // The collector and the three agents (each with its own threads, not processes).
    expect(started.length).toBeGreaterThanOrEqual(4);
    run.child.kill('SIGINT');
    expect(await finish(run, 60_000)).toBe(130);
    expect(run.err).toContain('interrupted: stopping the agents and the collector');
    const deadlineGone = Date.now() + 10_000;
    while (started.some(running) && Date.now() < deadlineGone) await new Promise((r) => setTimeout(r, 100));
    expect(started.filter(running)).toEqual([]);
  }, 200_000);
});
