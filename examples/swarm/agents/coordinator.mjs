// Demo agent C0: the coordinator. It receives one HTTP request (POST /requests), opens a correlation
// scope for it, and delegates its tasks in parallel: to W1 over HTTP (retrying a 503), and to W2 over the
// JSON message channel, with the trace context and baggage written into each message by `inject`.
// It logs with @tracebridge/logger and console; `--import @tracebridge/auto/register` does the tracing.
import http from 'node:http';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { inject } from '@tracebridge/auto';
import { createLogger, getCorrelationId, withCorrelation } from '@tracebridge/logger';
import { openChannel, reportReady, sleep } from './message-channel.mjs';

const log = createLogger({ component: 'coordinator' });
const tracer = trace.getTracer('demo-coordinator');
const workerUrl = process.env.DEMO_WORKER_HTTP_URL;
const channel = await openChannel({ port: Number(process.env.DEMO_WORKER_QUEUE_PORT) });

/** What each request asks for: the full plan has one slow, one retried and one failing task. */
const PLANS = {
  full: [
    { name: 'summarise-inbox', via: 'http' },
    { name: 'index-corpus', via: 'http', slow: true, slowMs: 700 },
    { name: 'fetch-sources', via: 'http', flaky: true },
    { name: 'classify-tickets', via: 'queue' },
    { name: 'parse-report', via: 'queue' },
  ],
  small: [
    { name: 'summarise-inbox', via: 'http' },
    { name: 'classify-tickets', via: 'queue' },
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

async function handle(plan) {
  const tasks = PLANS[plan] ?? PLANS.full;
  const correlationId = getCorrelationId();
  const traceId = trace.getActiveSpan()?.spanContext().traceId;
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
  // A new request scope: its id is req-<this trace's id>, carried by every record, span and message.
  const answer = await withCorrelation('req', () => handle(plan));
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
});

server.listen(0, '127.0.0.1', () => {
  reportReady({ port: server.address().port }, () => {
    server.close();
    server.closeAllConnections();
    channel.close();
  });
});
