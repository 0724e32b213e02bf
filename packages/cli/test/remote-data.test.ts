import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '@tracebridge/cli';
import { buildTimeline } from '../src/timeline.js';
import { readRemoteTimelineData } from '../src/remote-data.js';
import type { TimelineLogRow, TimelineSpanRow } from '@tracebridge/cli';
import { Capture } from './helpers.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const CID = `req-${TRACE}`;
const T0 = 1_764_096_000_000_000_000n;
const b64 = (hex: string): string => Buffer.from(hex, 'hex').toString('base64');
const at = (ms: number): string => String(T0 + BigInt(ms) * 1_000_000n);

/** Requests the fake backends received: path and query parameters. */
const seen: Array<{ path: string; params: Record<string, string>; headers: http.IncomingHttpHeaders }> = [];
let server: http.Server;
let base: string;

/**
 * Loki and Tempo as their HTTP APIs answer (Loki 3 with categorize-labels; Tempo's protobuf JSON, with
 * base64 ids and enum names, and a search result whose trace id lost its leading zero).
 */
function answer(url: URL): unknown {
  if (url.pathname === '/loki/api/v1/query_range') {
    const query = url.searchParams.get('query') ?? '';
    if (!query.includes(CID) && !query.includes(TRACE)) return { status: 'success', data: { resultType: 'streams', result: [] } };
    return {
      status: 'success',
      data: {
        resultType: 'streams',
        result: [
          {
            stream: { service_name: 'C0', service_instance_id: 'C0-opus-001', deployment_environment_name: 'demo' },
            values: [
              [at(5), 'request accepted', { structuredMetadata: { trace_id: TRACE, span_id: 'a000000000000001', severity_text: 'INFO', severity_number: '9', scope_name: 'coordinator', correlation_id: CID } }],
              [
                at(850),
                'task failed',
                {
                  structuredMetadata: {
                    trace_id: TRACE,
                    span_id: 'a000000000000002',
                    severity_text: 'ERROR',
                    scope_name: 'coordinator',
                    correlation_id: CID,
                    exception_type: 'ValueError',
                    exception_message: 'boom',
                    exception_stacktrace: 'ValueError: boom\n    at f (x.js:1:1)',
                    context_task: 'parse',
                  },
                },
              ],
            ],
          },
        ],
      },
    };
  }
  if (url.pathname === '/api/search') return { traces: [{ traceID: TRACE.replace(/^0+/, ''), rootServiceName: 'C0', durationMs: 1000 }] };
  if (url.pathname === `/api/v2/traces/${TRACE}`) {
    return {
      trace: {
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'C0' } }, { key: 'service.instance.id', value: { stringValue: 'C0-opus-001' } }] },
            scopeSpans: [
              {
                scope: { name: 'demo' },
                spans: [
                  { traceId: b64(TRACE), spanId: b64('a000000000000001'), name: 'POST /requests', kind: 'SPAN_KIND_SERVER', startTimeUnixNano: at(0), endTimeUnixNano: at(1000), status: {} },
                  {
                    traceId: b64(TRACE),
                    spanId: b64('a000000000000002'),
                    parentSpanId: b64('a000000000000001'),
                    name: 'task parse',
                    kind: 'SPAN_KIND_INTERNAL',
                    startTimeUnixNano: at(100),
                    endTimeUnixNano: at(900),
                    status: { code: 'STATUS_CODE_ERROR', message: 'boom' },
                    attributes: [{ key: 'correlation.id', value: { stringValue: CID } }],
                  },
                ],
              },
            ],
          },
        ],
      },
    };
  }
  return undefined;
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push({ path: url.pathname, params: Object.fromEntries(url.searchParams), headers: req.headers });
    const body = answer(url);
    if (body === undefined) res.writeHead(404).end('trace not found');
    else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe(readRemoteTimelineData, () => {
  it('queries Loki by correlation id and Tempo by TraceQL then by trace id, and builds the same timeline', async () => {
    seen.length = 0;
    const data = await readRemoteTimelineData({ loki: base, tempo: base, now: () => 1_764_096_100_000, sinceMs: 3_600_000 }, CID);
    expect(seen.map((s) => s.path)).toEqual(['/api/search', '/loki/api/v1/query_range', '/loki/api/v1/query_range', `/api/v2/traces/${TRACE}`]);
    expect(seen[0]?.params).toMatchObject({ q: `{ span.correlation.id = "${CID}" }`, start: '1764092500', limit: '50' });
    expect(seen[1]?.params).toMatchObject({ query: `{service_name=~".+"} | correlation_id="${CID}"`, start: '1764092500000000000', direction: 'forward' });
    expect(seen[1]?.headers['x-loki-response-encoding-flags']).toBe('categorize-labels');
    expect(seen[2]?.params.query).toBe(`{service_name=~".+"} | trace_id=~"${TRACE}"`);

    const doc = buildTimeline(data, CID);
    expect(doc.traces).toHaveLength(1);
    const rows = doc.traces[0]!.rows;
    expect(rows.map((r) => `${r.depth}:${r.type === 'span' ? r.name : r.message}`)).toEqual(['0:POST /requests', '1:request accepted', '1:task parse', '2:task failed']);
    expect(rows[0]).toMatchObject({ kind: 'server', agent: 'C0-opus-001' });
    expect(rows[2]).toMatchObject({ kind: 'internal', status: 'error', statusMessage: 'boom', correlationId: CID } satisfies Partial<TimelineSpanRow>);
    expect(rows[3]).toMatchObject({
      level: 'ERROR',
      scope: 'coordinator',
      agent: 'C0-opus-001',
      exception: expect.objectContaining({ type: 'ValueError', message: 'boom' }),
      attributes: { 'correlation.id': CID, context_task: 'parse' },
    } satisfies Partial<TimelineLogRow>);
  });

  it('reads a trace id with Tempo trace-by-id and Loki | trace_id, and moves URL credentials to a header', async () => {
    seen.length = 0;
    const authed = base.replace('http://', 'http://grafana:s3cret@');
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await main(['trace', TRACE, '--loki', authed, '--tempo', authed, '--json'], { stdout, stderr, env: {} });
    expect(code).toBe(0);
    expect(seen.map((s) => s.path)).toEqual(['/loki/api/v1/query_range', `/api/v2/traces/${TRACE}`]);
    expect(seen[0]?.params.query).toBe(`{service_name=~".+"} | trace_id="${TRACE}"`);
    expect(seen[0]?.headers.authorization).toBe(`Basic ${Buffer.from('grafana:s3cret').toString('base64')}`);
    expect(JSON.parse(stdout.text).traces[0].counts).toEqual({ spans: 2, logs: 2, errorSpans: 1, errorLogs: 1 });
  });

  it('says an unknown id is unknown in those backends, and a backend that is down is an error naming it', async () => {
    const stderr = new Capture();
    const code = await main(['trace', 'req-ffffffffffffffffffffffffffffffff', '--loki', base, '--tempo', base], { stdout: new Capture(), stderr, env: {} });
    expect(code).toBe(1);
    expect(stderr.text).toContain(`in Loki ${base} and Tempo ${base}`);
    expect(stderr.text).toContain(`run 'tracebridge trace --loki ${base} --tempo ${base}'`);

    const down = new Capture();
    const status = await main(['trace', CID, '--loki', 'http://127.0.0.1:1', '--tempo', 'http://127.0.0.1:1'], { stdout: new Capture(), stderr: down, env: {} });
    expect(status).toBe(2);
    expect(down.text).toMatch(/Tempo at http:\/\/127\.0\.0\.1:1 cannot be reached: .*\[TRACEBRIDGE_ERR_BACKEND\]/);
  });
});
