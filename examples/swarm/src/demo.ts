import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { main as tracebridge } from '@tracebridge/cli';
// The collector's own run helpers, beside its build script in the checkout: the same relative path from
// src/ and from dist/.
import { collectorBinary, startCollector } from '../../../collector/run-lib.mjs';
// The stand-in for the Anthropic and OpenAI APIs, beside the agents (the GenAI tests use it too).
import { startLlmServer } from '../stand-ins/llm-server.mjs';
import type { LlmServer } from '../stand-ins/llm-server.mjs';
import { ChildProcesses } from './child-processes.js';
import type { Child } from './child-processes.js';
import { waitForDelivery } from './delivery.js';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Data folder to write. @default a fresh `.tracebridge/demo-<time>` under `cwd` */
  dataDir?: string;
  /** Write into `.tracebridge/data` (what `tracebridge trace` reads by default) instead of a fresh folder. */
  reuse?: boolean;
  /** `--color` / `--no-color` for the timeline; by default colour only on a terminal without `NO_COLOR`. */
  color?: boolean;
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
  /** @default process.cwd() */
  cwd?: string;
}

/** The agents of the swarm: files under `agents/` of this package. */
const AGENTS = [
  { name: 'W1', id: 'W1-haiku-001', file: 'worker-http.mjs', role: 'HTTP worker, pino' },
  { name: 'W2', id: 'W2-sonnet-001', file: 'worker-queue.mjs', role: 'message-channel worker, console + @tracebridge/logger' },
  { name: 'C0', id: 'C0-opus-001', file: 'coordinator.mjs', role: 'coordinator, @tracebridge/logger + console' },
] as const;

/** The preload every agent is started with: the agents themselves hold no tracing set-up. */
export const AGENT_IMPORT = '@tracebridge/auto/register';

/** Folder of the agent files (from src/ and dist/ alike). */
const AGENTS_DIR = fileURLToPath(new URL('../agents/', import.meta.url));

/** The model W2 classifies with, whose first request the API stand-in answers 429 (the SDK retries it). */
const RATE_LIMITED_MODEL = 'gpt-5-mini';

/**
 * The price table the timeline is priced with: the checkout's sample, whose numbers are placeholders
 * (no prices are shipped as truth); `tracebridge trace --prices` takes one of your own.
 */
const SAMPLE_PRICES = fileURLToPath(new URL('../../../docs/prices.sample.json', import.meta.url));

/**
 * Sub-folder of the data folder for what the agents and the collector printed. Not `agents/`: the
 * `local` profile tails JSON-lines files there (the file route).
 */
const OUTPUT_DIR = 'process-output';

/** What the coordinator answers for a request. */
interface RequestAnswer {
  correlationId: string;
  traceId: string;
  results: Array<{ task: string; ok: boolean }>;
}

/**
 * `npm run demo` (and `tracebridge demo` in a checkout): builds (or reuses) the collector, starts it with the `local` profile on free ports,
 * starts the stand-in for the LLM APIs, runs a coordinator and two workers as real processes instrumented
 * with `--import` (their SDK calls going to the stand-in), sends two requests, waits for the telemetry to
 * land in the files, stops everything and draws the first request's timeline, priced with the sample
 * price table. Progress goes to stderr, the timeline and the follow-up commands to stdout. Exit status 0
 * when the timeline was drawn.
 */
export async function runDemo(options: DemoOptions): Promise<number> {
  const started = Date.now();
  const cwd = options.cwd ?? process.cwd();
  const { stdout, stderr, env } = options;
  const say = (line: string): Promise<void> => writeLine(stderr, line);
  const dataDir = path.resolve(cwd, options.dataDir ?? (options.reuse ? path.join('.tracebridge', 'data') : path.join('.tracebridge', `demo-${stamp(new Date())}`)));
  const shown = displayPath(dataDir, cwd);
  const children = new ChildProcesses();
  children.onInterrupt = () => void stderr.write('\ninterrupted: stopping the agents and the collector\n');
  children.watch();
  let agents: Child[] = [];
  let llm: LlmServer | undefined;
  try {
    await say('tracebridge demo: a coordinator and two workers, traced and logged through the collector');
    let building = false;
    let own = false;
    const collectorStart = Date.now();
    const bin = await collectorBinary({
      log: (line) => {
        if (/OTELCOL_BIN/.test(line)) own = true;
        else if (!building && !own) {
          building = true;
          void say('[1/5] collector: not in the machine cache yet, building it from Go modules (several minutes the first time; progress below)');
        }
        void say(`      ${line}`);
      },
    });
    await say(
      own ? `[1/5] collector: using OTELCOL_BIN (${bin})` : building ? `[1/5] collector: ready after ${formatDuration(Date.now() - collectorStart)}` : '[1/5] collector: reusing the cached build',
    );

    mkdirSync(dataDir, { recursive: true });
    const collector = await startCollector({ profile: 'local', bin, dataDir, onSpawn: (child) => children.track('collector', child) });
    const why = options.dataDir !== undefined ? 'as asked' : options.reuse ? 'reused: what tracebridge trace reads by default' : 'a fresh folder; --reuse writes to .tracebridge/data instead';
    await say(`[2/5] collector: local profile, OTLP on ${collector.otlpHttp}, writing ${shown} (${why})`);

    llm = await startLlmServer({ rateLimitOnce: [RATE_LIMITED_MODEL] });
    agents = await startAgents(children, collector.otlpHttp, llm.url, env);
    await say(
      `[3/5] agents: ${AGENTS.map((a) => `${a.id} (${a.role})`).join('; ')}; each started as node --import ${AGENT_IMPORT} <agent>.mjs; ` +
        `their Anthropic and OpenAI SDK calls go to a stand-in for both APIs on ${llm.url}`,
    );

    const coordinator = agents[2] as Child & { port: number };
    const first = await post(coordinator.port, { plan: 'full' });
    const second = await post(coordinator.port, { plan: 'small' });
    await say(
      `[4/5] requests: ${first.correlationId} (planned by a model calling a tool; 5 tasks: one slow, one retried, one failing; ` +
        `a streamed summary, a 429 the SDK retried), ${second.correlationId} (2 tasks)`,
    );

    // Agents end on their own once asked (servers closed), which is when the instrumentation flushes.
    await Promise.all(agents.map((a) => children.stop(a, { graceMs: 10_000, ask: () => a.process.send({ type: 'stop' }) })));
    saveAgentOutput(dataDir, agents);
    const counts = await waitForDelivery(dataDir, { quietMs: 1000, timeoutMs: 20_000, ready: (c) => c.logs > 0 && c.spans > 0 });
    await collector.stop({ graceMs: 15_000 });
    writeFileSync(path.join(dataDir, OUTPUT_DIR, 'collector.log'), collector.output());
    await say(`[5/5] delivery: ${counts.logs} logs and ${counts.spans} spans in the files${counts.settled ? '' : ' (still moving when the wait ran out)'}; collector stopped`);
    await say('');

    const colour = options.color === undefined ? [] : [options.color ? '--color' : '--no-color'];
    const code = await tracebridge(['trace', first.correlationId, '--data', dataDir, '--prices', SAMPLE_PRICES, ...colour], { stdout, stderr, env });
    if (code !== 0) {
      await say(`the request's telemetry did not arrive; the agents' and the collector's output is in ${displayPath(path.join(dataDir, OUTPUT_DIR), cwd)}`);
      return 1;
    }
    const data = `--data ${shellWord(shown)}`;
    await writeLine(
      stdout,
      [
        '',
        `Data: ${shown}/ (logs.jsonl, traces.jsonl, metrics.jsonl: OTLP/JSON as the collector wrote it; ${OUTPUT_DIR}/: what the processes printed)`,
        `This request again:   npx tracebridge trace ${first.correlationId} ${data}`,
        `Another request:      npx tracebridge trace ${second.correlationId} ${data}`,
        `Every request:        npx tracebridge trace ${data}`,
        `As JSON:              npx tracebridge trace ${first.correlationId} ${data} --json`,
        `As a web page:        npx tracebridge trace ${first.correlationId} ${data} --html timeline.html`,
        `With your prices:     npx tracebridge trace ${first.correlationId} ${data} --prices my-prices.json   (the cost above uses the placeholders of ${shellWord(displayPath(SAMPLE_PRICES, cwd))})`,
        `Demo done in ${formatDuration(Date.now() - started)}.`,
      ].join('\n'),
    );
    return 0;
  } catch (err) {
    for (const a of agents) if (a.output().trim() !== '') await say(`--- what ${a.name} printed ---\n${a.output().trim().slice(-3000)}`);
    await say(`tracebridge demo: ${(err as Error).message}`);
    return 1;
  } finally {
    await children.stopAll({ graceMs: 3000 });
    children.unwatch();
    await llm?.close();
  }
}

/** Starts the workers, then the coordinator pointed at them; resolves once each says it is ready. */
async function startAgents(children: ChildProcesses, otlpHttp: string, llmUrl: string, parentEnv: NodeJS.ProcessEnv): Promise<Array<Child & { port: number }>> {
  // The parent's OTEL_*, TRACEBRIDGE_* settings are not the demo's; nor are its ANTHROPIC_* and OPENAI_*
  // ones: a real key or base URL must never make the demo call a real API. Leave them out.
  const base: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(parentEnv)) if (!/^(OTEL|TRACEBRIDGE|ANTHROPIC|OPENAI)_/.test(k)) base[k] = v;
  Object.assign(base, {
    // The SDKs' own variables: every agent's LLM calls go to the stand-in, with a key it does not check.
    ANTHROPIC_BASE_URL: llmUrl,
    ANTHROPIC_API_KEY: 'demo-stand-in',
    OPENAI_BASE_URL: `${llmUrl}/v1`,
    OPENAI_API_KEY: 'demo-stand-in',
    OTEL_EXPORTER_OTLP_ENDPOINT: otlpHttp,
    // Short batch delays: the demo's requests are over in a second or two.
    OTEL_BSP_SCHEDULE_DELAY: '200',
    OTEL_BLRP_SCHEDULE_DELAY: '200',
    OTEL_METRIC_EXPORT_INTERVAL: '5000',
    TRACEBRIDGE_ENVIRONMENT: 'demo',
  });
  const start = (index: number): { child: Child; ready: Promise<number> } => {
    const agent = AGENTS[index] as (typeof AGENTS)[number];
    // `--import` resolves its specifier from the working directory: the demo folder finds this package's
    // dependencies, wherever the command was run from.
    const child = children.spawn(agent.name, process.execPath, ['--import', AGENT_IMPORT, agent.file], {
      cwd: AGENTS_DIR,
      env: { ...base, TRACEBRIDGE_AGENT_ID: agent.id },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    return { child, ready: readyPort(child, 30_000) };
  };
  // All three at once (each takes a second or more to load its SDKs under the instrumentation); the
  // coordinator is told where the workers are once they listen, and only then opens its own server.
  const [w1, w2, c0] = [start(0), start(1), start(2)];
  const workersReady = Promise.all([w1.ready, w2.ready]).then(([httpPort, queuePort]) => {
    c0.child.process.send({ type: 'workers', httpUrl: `http://127.0.0.1:${httpPort}`, queuePort });
    return [httpPort, queuePort] as const;
  });
  const [[httpPort, queuePort], coordinatorPort] = await Promise.all([workersReady, c0.ready]);
  return [Object.assign(w1.child, { port: httpPort }), Object.assign(w2.child, { port: queuePort }), Object.assign(c0.child, { port: coordinatorPort })];
}

/** The port an agent reports over IPC once it listens. */
function readyPort(child: Child, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`agent ${child.name} did not start within ${timeoutMs / 1000} s:\n${child.output().slice(-3000)}`)), timeoutMs);
    child.process.on('message', (m: { type?: string; port?: number }) => {
      if (m?.type !== 'ready' || typeof m.port !== 'number') return;
      clearTimeout(timer);
      resolve(m.port);
    });
    void child.exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`agent ${child.name} exited (${code}) before it was ready:\n${child.output().slice(-3000)}`));
    });
  });
}

async function post(port: number, body: unknown): Promise<RequestAnswer> {
  const res = await fetch(`http://127.0.0.1:${port}/requests`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  if (!res.ok) throw new Error(`the coordinator answered HTTP ${res.status}`);
  return (await res.json()) as RequestAnswer;
}

function saveAgentOutput(dataDir: string, agents: readonly Child[]): void {
  const dir = path.join(dataDir, OUTPUT_DIR);
  mkdirSync(dir, { recursive: true });
  for (const a of agents) writeFileSync(path.join(dir, `${a.name}.log`), a.output());
}

/** `20251125-184001` (UTC): sortable, no characters a shell or a file system minds. */
function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/** A path relative to `cwd` when it is inside it (what a person would type), else absolute. */
function displayPath(p: string, cwd: string): string {
  const rel = path.relative(cwd, p);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

/** Writes a line and waits for the stream to drain when it asks to. */
async function writeLine(stream: Writable, text: string): Promise<void> {
  if (!stream.write(`${text}\n`)) await new Promise((resolve) => stream.once('drain', resolve));
}

/** A word as a POSIX shell reads it back: unquoted when safe, else in single quotes. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `880 ms`, `12.3 s`, `2m 05s`: how long a step took. */
function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
}
