// compose/smoke/agent.mjs: the one instrumented agent of the stack smoke run (stack-smoke.mjs).
//
// Run by stack-smoke.mjs from the repository root as `node --import @tracebridge/auto/register
// compose/smoke/agent.mjs`, with the standard OTEL_* variables pointing at the stack's collector. It holds
// no tracing code, like any agent: it serves one HTTP request to itself (an instrumented fetch and an
// instrumented server, so a client and a server span of one trace) and logs inside it through console
// (bridged into OpenTelemetry logs, with the trace and the correlation id `req-<trace id>`). Its last line
// on stdout is JSON: the trace id and the correlation id the smoke run then looks for. The SDK flushes
// at exit (beforeExit), so the process ends once everything was handed to the collector.
import http from 'node:http';

const server = http.createServer((req, res) => {
  // The instrumented fetch sent the request's trace context; the server span continues it.
  const traceId = /^00-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(String(req.headers.traceparent ?? ''))?.[1] ?? null;
  console.log(`stack smoke: request ${req.url} accepted`);
  console.warn('stack smoke: a warning inside the same request');
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ traceId }));
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
let answer;
try {
  answer = await (await fetch(`http://127.0.0.1:${port}/smoke`)).json();
} finally {
  server.close();
}
if (!answer.traceId) {
  console.error('stack smoke agent: the request carried no trace context; is @tracebridge/auto loaded (--import)?');
  process.exitCode = 1;
} else {
  process.stdout.write(`${JSON.stringify({ traceId: answer.traceId, correlationId: `req-${answer.traceId}` })}\n`);
}
