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
/** A trace Tempo holds only in part (larger than max_bytes_per_trace). */
const BIG_TRACE = '1234567890abcdef1234567890abcdef';
/** The tenant of the multi-tenant fake (a Loki and Tempo with auth enabled). */
const TENANT = 'alpha';
const T0 = 1_764_096_000_000_000_000n;
const b64 = (hex: string): string => Buffer.from(hex, 'hex').toString('base64');
const at = (ms: number): string => String(T0 + BigInt(ms) * 1_000_000n);

/** Requests the fake backends received: path and query parameters. */
const seen: Array<{ path: string; params: Record<string, string>; headers: http.IncomingHttpHeaders }> = [];
let server: http.Server;
let base: string;

/**
 * Structured metadata Loki keeps for a record of agent C0-opus-001: the resource attributes it does not
 * index (compose/loki.yaml: the agent id, the SDK's and the mapping's), mixed with the record's own.
 */
const C0_RESOURCE_METADATA = {
  service_instance_id: 'C0-opus-001',
  gen_ai_agent_id: 'C0-opus-001',
  gen_ai_agent_name: 'C0',
  telemetry_sdk_language: 'nodejs',
  telemetry_sdk_name: 'opentelemetry',
  telemetry_sdk_version: '2.12.0',
  process_pid: '4242',
  host_name: 'worker-7',
};

const emptyStreams = { status: 'success', data: { resultType: 'streams', result: [] } };

/**
 * Loki and Tempo as their HTTP APIs answer: Loki 3 with categorize-labels; Tempo's v2 trace API with
 * protobuf JSON (base64 ids, enum names), `{"trace":{}}` (200) for a trace it does not have, and
 * `status: "PARTIAL"` for one over its size limit; a search result whose trace id lost its leading zero.
 * With `tenant`, both refuse a request without that X-Scope-OrgID (401, as with auth enabled).
 */
function answer(url: URL, headers: http.IncomingHttpHeaders, tenant?: string): { status: number; body: unknown } {
  if (tenant !== undefined && headers['x-scope-orgid'] !== tenant) return { status: 401, body: 'no org id' };
  const ok = (body: unknown): { status: number; body: unknown } => ({ status: 200, body });
  if (url.pathname === '/loki/api/v1/query_range') {
    const query = url.searchParams.get('query') ?? '';
    if (!query.includes(CID) && !query.includes(TRACE)) return ok(emptyStreams);
    return ok({
      status: 'success',
      data: {
        resultType: 'streams',
        result: [
          {
            stream: { service_name: 'C0', deployment_environment_name: 'demo', level: 'INFO' },
            values: [
              [at(5), 'request accepted', { structuredMetadata: { ...C0_RESOURCE_METADATA, trace_id: TRACE, span_id: 'a000000000000001', severity_text: 'INFO', severity_number: '9', scope_name: 'coordinator', correlation_id: CID } }],
              [
                at(850),
                'task failed',
                {
                  structuredMetadata: {
                    ...C0_RESOURCE_METADATA,
                    // A logger writing for another agent than its process: the record's own agent id.
                    gen_ai_agent_id: 'W9-helper-001',
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
    });
  }
  if (url.pathname === '/api/search') return ok({ traces: [{ traceID: TRACE.replace(/^0+/, ''), rootServiceName: 'C0', durationMs: 1000 }] });
  if (url.pathname === `/api/v2/traces/${BIG_TRACE}`) {
    return ok({
      trace: {
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'C0' } }] },
            scopeSpans: [{ scope: { name: 'demo' }, spans: [{ traceId: b64(BIG_TRACE), spanId: b64('b000000000000001'), name: 'fan-out', kind: 'SPAN_KIND_SERVER', startTimeUnixNano: at(0), endTimeUnixNano: at(10), status: {} }] }],
          },
        ],
      },
      status: 'PARTIAL',
      message: 'Trace exceeds maximum size of 5000000 bytes, a partial trace is returned',
    });
  }
  if (url.pathname === `/api/v2/traces/${TRACE}`) {
    return ok({
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
    });
  }
  // Tempo's v2 trace-by-id API: an unknown trace is a 200 with an empty trace, never a 404.
  if (url.pathname.startsWith('/api/v2/traces/')) return ok({ trace: {} });
  return { status: 404, body: '404 page not found' };
}

async function serve(tenant?: string): Promise<{ server: http.Server; base: string }> {
  const srv = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push({ path: url.pathname, params: Object.fromEntries(url.searchParams), headers: req.headers });
    const { status, body } = answer(url, req.headers, tenant);
    if (typeof body === 'string') res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
    else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return { server: srv, base: `http://127.0.0.1:${(srv.address() as AddressInfo).port}` };
}

let tenanted: { server: http.Server; base: string };
beforeAll(async () => {
  ({ server, base } = await serve());
  tenanted = await serve(TENANT);
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await new Promise((resolve) => tenanted.server.close(resolve));
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
    expect(rows[1]).toMatchObject({ type: 'log', agent: 'C0-opus-001', service: 'C0', attributes: { 'correlation.id': CID } } satisfies Partial<TimelineLogRow>);
    expect(rows[3]).toMatchObject({
      level: 'ERROR',
      scope: 'coordinator',
      agent: 'W9-helper-001',
      exception: expect.objectContaining({ type: 'ValueError', message: 'boom' }),
      attributes: { 'correlation.id': CID, context_task: 'parse', 'gen_ai.agent.id': 'W9-helper-001' },
    } satisfies Partial<TimelineLogRow>);
  });

  it('puts the resource attributes Loki keeps as structured metadata back on the resource', async () => {
    const data = await readRemoteTimelineData({ loki: base, tempo: base, now: () => 1_764_096_100_000 }, TRACE);
    const [accepted, failed] = data.logs;
    expect(accepted!.resource).toEqual({
      'service.name': 'C0',
      'service.instance.id': 'C0-opus-001',
      'deployment.environment.name': 'demo',
      'gen_ai.agent.id': 'C0-opus-001',
      'gen_ai.agent.name': 'C0',
      'telemetry.sdk.language': 'nodejs',
      'telemetry.sdk.name': 'opentelemetry',
      'telemetry.sdk.version': '2.12.0',
      'process.pid': '4242',
      'host.name': 'worker-7',
    });
    expect(accepted!.attributes).toEqual({ 'correlation.id': CID });
    expect(accepted!.record).toMatchObject({ severityText: 'INFO', severityNumber: 9, traceId: TRACE, spanId: 'a000000000000001' });
    // A record-level agent id that differs from the resource's stays on the record.
    expect(failed!.resource).not.toHaveProperty('gen_ai.agent.id');
    expect(failed!.attributes).toMatchObject({ 'gen_ai.agent.id': 'W9-helper-001', 'exception.type': 'ValueError', context_task: 'parse' });
    expect(Object.keys(failed!.attributes).filter((k) => k.startsWith('telemetry') || k.startsWith('process') || k.startsWith('service'))).toEqual([]);
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

  it("takes Tempo's empty trace (200) for a trace it does not have, and warns of a partial one", async () => {
    const unknown = 'ffffffffffffffffffffffffffffffff';
    const missing = await readRemoteTimelineData({ loki: base, tempo: base }, unknown);
    expect(missing.spans).toEqual([]);
    expect(missing.warnings).toEqual([`Tempo: trace ${unknown} not found (not yet flushed, or past retention)`]);

    const stderr = new Capture();
    const code = await main(['trace', unknown, '--loki', base, '--tempo', base], { stdout: new Capture(), stderr, env: {} });
    expect(code).toBe(1);
    expect(stderr.text).toContain(`warning: Tempo: trace ${unknown} not found`);
    expect(stderr.text).toContain(`no span or log with trace id '${unknown}'`);

    const partial = await readRemoteTimelineData({ loki: base, tempo: base }, BIG_TRACE);
    expect(partial.spans.map((s) => s.span.name)).toEqual(['fan-out']);
    expect(partial.warnings).toEqual([
      `Tempo: trace ${BIG_TRACE} is partial: Trace exceeds maximum size of 5000000 bytes, a partial trace is returned (overrides max_bytes_per_trace)`,
    ]);
  });

  it('sends the tenant as X-Scope-OrgID to Loki and Tempo, from --tenant or TRACEBRIDGE_TENANT', async () => {
    const url = tenanted.base;
    seen.length = 0;
    const stdout = new Capture();
    expect(await main(['trace', CID, '--loki', url, '--tempo', url, '--tenant', TENANT, '--json'], { stdout, stderr: new Capture(), env: {} })).toBe(0);
    expect(seen.map((s) => s.headers['x-scope-orgid'])).toEqual(seen.map(() => TENANT));
    expect(seen.map((s) => s.path)).toContain('/loki/api/v1/query_range');
    expect(seen.map((s) => s.path)).toContain(`/api/v2/traces/${TRACE}`);
    expect(JSON.parse(stdout.text).traces[0].counts).toMatchObject({ spans: 2, logs: 2 });

    seen.length = 0;
    expect(await main(['trace', CID, '--loki', url, '--tempo', url, '--json'], { stdout: new Capture(), stderr: new Capture(), env: { TRACEBRIDGE_TENANT: TENANT } })).toBe(0);
    expect(new Set(seen.map((s) => s.headers['x-scope-orgid']))).toEqual(new Set([TENANT]));

    // Without a tenant, the multi-tenant backend refuses, and the error says what to pass.
    const stderr = new Capture();
    expect(await main(['trace', CID, '--loki', url, '--tempo', url], { stdout: new Capture(), stderr, env: {} })).toBe(2);
    expect(stderr.text).toMatch(/answered HTTP 401: no org id; a multi-tenant backend needs --tenant \(or TRACEBRIDGE_TENANT\) \[TRACEBRIDGE_ERR_BACKEND\]/);

    // A single-tenant backend gets no header at all.
    seen.length = 0;
    await readRemoteTimelineData({ loki: base, tempo: base }, TRACE);
    expect(seen.every((s) => s.headers['x-scope-orgid'] === undefined)).toBe(true);
  });

  it('refuses --tenant without --loki and --tempo', async () => {
    const stderr = new Capture();
    expect(await main(['trace', CID, '--tenant', TENANT, '--data', '.'], { stdout: new Capture(), stderr, env: {} })).toBe(2);
    expect(stderr.text).toContain('--tenant selects a Loki and Tempo tenant');
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
