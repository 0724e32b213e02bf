// Demo agent W1: a worker that takes tasks over HTTP (POST /work) and logs with pino. It sets up no
// tracing: `node --import @tracebridge/auto/register` traces its HTTP server and its Anthropic SDK calls,
// and sends the pino records, with the request's trace and correlation id, to the collector. Its own
// additions: one span for the slow task, and an agent turn around the summary it asks a model for
// (a streamed response, read as it arrives).
import http from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import { trace } from '@opentelemetry/api';
import { withAgentSpan } from '@tracebridge/auto';
import pino from 'pino';
import { reportReady, sleep } from './message-channel.mjs';

const log = pino({ base: { agent: process.env.TRACEBRIDGE_AGENT_ID } });
// One span of its own, so the slow task shows where its time went.
const tracer = trace.getTracer('demo-worker-http');
// ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY name the demo's stand-in for the API on 127.0.0.1.
const anthropic = new Anthropic();
const SUMMARY_MODEL = 'claude-haiku-4-5';

/** An agent turn: a streamed summary, its `chat` span ending with the stream's last event. */
function summarise(task) {
  const agentId = process.env.TRACEBRIDGE_AGENT_ID;
  return withAgentSpan({ name: agentId.split('-')[0], id: agentId, description: 'summarises and indexes documents', provider: 'anthropic', model: SUMMARY_MODEL }, async () => {
    const stream = await anthropic.messages.create({
      model: SUMMARY_MODEL,
      max_tokens: 512,
      stream: true,
      messages: [{ role: 'user', content: 'Summarise the unread messages of the shared inbox in three lines.' }],
    });
    let summary = '';
    for await (const event of stream) if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') summary += event.delta.text;
    log.info({ task: task.name, characters: summary.length }, `${task.name}: summary streamed (${summary.length} characters)`);
    return summary;
  });
}

/** Attempts seen per task, to refuse the first attempt of the flaky task. */
const attempts = new Map();

async function work(task) {
  const attempt = (attempts.get(task.name) ?? 0) + 1;
  attempts.set(task.name, attempt);
  if (task.flaky && attempt === 1) {
    log.warn({ task: task.name, attempt }, `source index for ${task.name} is not ready; refusing attempt ${attempt}`);
    return { status: 503, body: { error: 'source index not ready, try again' } };
  }
  log.info({ task: task.name, attempt }, `working on ${task.name}`);
  if (task.slow) {
    await tracer.startActiveSpan('embed documents', async (span) => {
      span.setAttribute('demo.documents', 48);
      log.info({ task: task.name, documents: 48 }, 'embedding 48 documents');
      await sleep(task.slowMs ?? 700);
      span.end();
    });
  } else if (task.llm === 'summary') {
    await summarise(task);
  } else {
    await sleep(20);
  }
  log.info({ task: task.name }, `${task.name} done`);
  return { status: 200, body: { task: task.name, ok: true, attempt } };
}

const server = http.createServer(async (req, res) => {
  if (req.method !== 'POST' || req.url !== '/work') {
    res.writeHead(404).end();
    return;
  }
  let body = '';
  for await (const chunk of req) body += chunk;
  const { status, body: answer } = await work(JSON.parse(body).task);
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
});

server.listen(0, '127.0.0.1', () => {
  reportReady({ port: server.address().port }, () => {
    server.close();
    server.closeAllConnections();
  });
});
