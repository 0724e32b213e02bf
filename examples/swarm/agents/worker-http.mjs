// Demo agent W1: a worker that takes tasks over HTTP (POST /work) and logs with pino. Nothing here knows
// about OpenTelemetry: `node --import @tracebridge/auto/register` traces its HTTP server and sends the
// pino records, with the request's trace and correlation id, to the collector.
import http from 'node:http';
import { trace } from '@opentelemetry/api';
import pino from 'pino';
import { reportReady, sleep } from './message-channel.mjs';

const log = pino({ base: { agent: process.env.TRACEBRIDGE_AGENT_ID } });
// One span of its own, so the slow task shows where its time went.
const tracer = trace.getTracer('demo-worker-http');

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
