/**
 * The app of the exit-spool benchmark, run under `node --import=@tracebridge/auto/register`: ends SPANS
 * spans (each with the attributes of a typical HTTP client span) that the SDK still holds (a long
 * schedule delay), then calls process.exit(). Its own `exit` listener, added after the bootstrap's, reports
 * how long the bootstrap's exit work took (serialising, writing the spool, starting the sender).
 */
import { writeSync } from 'node:fs';
import { SpanKind, trace } from '@opentelemetry/api';

const n = Number(process.env.SPANS ?? '10000');
const tracer = trace.getTracer('bench');
for (let i = 0; i < n; i++) {
  const span = tracer.startSpan(`GET /items/${i % 100}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      'http.request.method': 'GET',
      'url.full': `http://inventory.internal:8080/items/${i % 100}?page=${i}`,
      'server.address': 'inventory.internal',
      'server.port': 8080,
      'http.response.status_code': 200,
      'network.protocol.version': '1.1',
    },
  });
  span.end();
}
const mark = performance.now();
process.on('exit', () => writeSync(1, `${JSON.stringify({ exitMs: performance.now() - mark })}\n`));
process.exit(0);
