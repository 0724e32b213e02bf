// Demo agent C0: the coordinator. It receives one HTTP request (POST /requests), opens a correlation
// scope for it, asks a model for the request's plan (a tool-use round trip: the model calls the
// `list_tasks` tool, the coordinator runs it and sends the result back), and delegates the tasks in
// parallel: to W1 over HTTP (retrying a 503), and to W2 over the JSON message channel, with the trace
// context and baggage written into each message by `inject`. It logs with @tracebridge/logger and
// console; `--import @tracebridge/auto/register` does the tracing, the LLM calls' `chat` spans included.
import http from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { inject, withAgentSpan, withToolSpan } from '@tracebridge/auto';
import { createLogger, getCorrelationId, withCorrelation } from '@tracebridge/logger';
import { fromRunner, openChannel, reportReady, sleep } from './message-channel.mjs';

const log = createLogger({ component: 'coordinator' });
const tracer = trace.getTracer('demo-coordinator');
// Where the workers listen: the demo runner starts the three agents at once and sends their addresses
// once the workers are ready (started by hand: DEMO_WORKER_HTTP_URL and DEMO_WORKER_QUEUE_PORT).
const workers = await fromRunner('workers', () => ({ httpUrl: process.env.DEMO_WORKER_HTTP_URL, queuePort: Number(process.env.DEMO_WORKER_QUEUE_PORT) }));
const workerUrl = workers.httpUrl;
const channel = await openChannel({ port: workers.queuePort });
// The SDK reads ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY: the demo points them at its stand-in for the
// API on 127.0.0.1 (examples/swarm/stand-ins/llm-server.mjs). Nothing leaves the machine.
const anthropic = new Anthropic();
const PLANNER_MODEL = 'claude-opus-4-1';
/** The planner's one tool: the coordinator knows the tasks of each plan (PLANS below). */
const LIST_TASKS = {
  name: 'list_tasks',
  description: 'The tasks of the current request, each with the worker that runs it.',
  input_schema: { type: 'object', properties: {} },
};

/**
 * What each request asks for: the full plan has one slow, one retried and one failing task; in both, a
 * worker streams a summary from a model and another classifies with a model that first answers 429.
 */
const PLANS = {
  full: [
    { name: 'summarise-inbox', via: 'http', llm: 'summary' },
    { name: 'index-corpus', via: 'http', slow: true, slowMs: 700 },
    { name: 'fetch-sources', via: 'http', flaky: true },
    { name: 'classify-tickets', via: 'queue', llm: 'classify' },
    { name: 'parse-report', via: 'queue' },
  ],
  small: [
    { name: 'summarise-inbox', via: 'http', llm: 'summary' },
    { name: 'classify-tickets', via: 'queue', llm: 'classify' },
  ],
};

const MAX_ATTEMPTS = 3;

async function overHttp(task) {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(`${workerUrl}/work`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ task }),
    });
    const body = await res.json();
    if (res.status !== 503) return body;
    if (attempt === MAX_ATTEMPTS) throw new Error(`W1 refused ${task.name} ${MAX_ATTEMPTS} times`);
    log.warn(`W1 refused ${task.name} (HTTP 503), retrying`, { context: { task: task.name, attempt } });
    await sleep(100 * attempt);
  }
}

async function overQueue(task) {
  // A PRODUCER span for handing the message over; `inject` writes its context (and the baggage with
  // the correlation id) into the message, so W2's CONSUMER span becomes its child.
  const reply = await tracer.startActiveSpan(
    'send tasks',
    { kind: SpanKind.PRODUCER, attributes: { 'messaging.system': 'jsonl_tcp', 'messaging.destination.name': 'tasks', 'messaging.operation.type': 'send' } },
    (span) => {
      const sent = channel.request(inject({ task }));
      span.end();
      return sent;
    },
  );
  if (!reply.ok) throw Object.assign(new Error(`${reply.error.type}: ${reply.error.message}`), { name: 'TaskFailedError' });
  return reply.result;
}

function runTask(task) {
  return tracer.startActiveSpan(`task ${task.name}`, { attributes: { 'demo.task': task.name, 'demo.via': task.via } }, async (span) => {
    try {
      const result = task.via === 'http' ? await overHttp(task) : await overQueue(task);
      return { task: task.name, ok: true, result };
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
      log.error(`task ${task.name} failed: ${err.message}`, { context: { task: task.name, via: task.via }, errorCode: 'TASK_FAILED' });
      return { task: task.name, ok: false, error: err.message };
    } finally {
      span.end();
    }
  });
}

/**
 * The coordinator's agent turn: the model is asked for the plan, calls `list_tasks`, gets its result
 * and answers. An `invoke_agent C0` span with the two `chat` calls and the `execute_tool list_tasks`
 * run under it.
 */
function planWithModel(plan) {
  const agentId = process.env.TRACEBRIDGE_AGENT_ID;
  return withAgentSpan({ name: agentId.split('-')[0], id: agentId, description: 'plans each request and delegates its tasks', provider: 'anthropic', model: PLANNER_MODEL }, async () => {
    const messages = [{ role: 'user', content: `Plan the "${plan}" request: which tasks, on which worker?` }];
    const first = await anthropic.messages.create({ model: PLANNER_MODEL, max_tokens: 1024, tools: [LIST_TASKS], messages });
    const use = first.content.find((block) => block.type === 'tool_use');
    if (use === undefined) throw new Error(`${PLANNER_MODEL} answered without calling ${LIST_TASKS.name} (${first.stop_reason})`);
    const tasks = await withToolSpan({ name: use.name, callId: use.id, description: LIST_TASKS.description }, async () => PLANS[plan] ?? PLANS.full);
    const answer = await anthropic.messages.create({
      model: PLANNER_MODEL,
      max_tokens: 1024,
      tools: [LIST_TASKS],
      messages: [
        ...messages,
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: JSON.stringify(tasks.map((t) => ({ task: t.name, via: t.via }))) }] },
      ],
    });
    log.info(`plan ready: ${tasks.length} tasks`, { context: { plan, model: answer.model, tasks: tasks.map((t) => t.name) } });
    return tasks;
  });
}

async function handle(plan) {
  const correlationId = getCorrelationId();
  const traceId = trace.getActiveSpan()?.spanContext().traceId;
  const tasks = await planWithModel(plan);
  console.log(`C0: request ${correlationId}: delegating ${tasks.length} tasks`);
  log.info(`request accepted: ${tasks.length} tasks`, { context: { plan, tasks: tasks.map((t) => t.name) } });
  const results = await Promise.all(tasks.map((t) => runTask(t)));
  const failed = results.filter((r) => !r.ok).length;
  if (failed > 0) log.warn(`request finished with ${failed} failed task(s)`, { context: { failed, done: results.length - failed } });
  else log.info('request finished', { context: { done: results.length } });
  return { correlationId, traceId, results };
}

const server = http.createServer(async (req, res) => {
  if (req.method !== 'POST' || req.url !== '/requests') {
    res.writeHead(404).end();
    return;
  }
  let body = '';
  for await (const chunk of req) body += chunk;
  const { plan } = JSON.parse(body || '{}');
  try {
    // A new request scope: its id is req-<this trace's id>, carried by every record, span and message.
    const answer = await withCorrelation('req', () => handle(plan));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  } catch (err) {
    log.error(`request failed: ${err.message}`, { error: err });
    res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: err.message }));
  }
});

server.listen(0, '127.0.0.1', () => {
  reportReady({ port: server.address().port }, () => {
    server.close();
    server.closeAllConnections();
    channel.close();
  });
});
