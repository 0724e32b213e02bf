import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { ExportLogsServiceRequest, OtlpLogRecord, OtlpResourceLogs } from '@tracebridge/schema';
import { countLogRecords, decodeLogsRequest } from './otlp-proto.js';

/** One record as received, with its resource and scope. */
export interface ReceivedRecord {
  resource: OtlpResourceLogs['resource'];
  scope: string | undefined;
  record: OtlpLogRecord;
}

/**
 * An OTLP/HTTP logs receiver on 127.0.0.1 for tests: decodes protobuf and JSON bodies, keeps what
 * arrived, and can be told to fail (status) or stall, to exercise retries and timeouts.
 */
export class OtlpSink {
  readonly requests: ExportLogsServiceRequest[] = [];
  /** Records counted (kept too unless `countOnly`); a refused request's records are not. */
  count = 0;
  /** Requests received, whatever was answered (a retry shows as a second attempt). */
  attempts = 0;
  /** Requests answered with `failWith` instead of 200 (each retry of a batch is one more). */
  refused = 0;
  /** Answer every request with this status instead of 200. */
  failWith: number | undefined;
  /** Never answer (the connection hangs), to test timeouts. */
  stall = false;
  url = '';
  private server: http.Server | undefined;

  constructor(private readonly options: { countOnly?: boolean } = {}) {}

  async start(port = 0): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (d: Buffer) => chunks.push(d));
      req.on('end', () => {
        this.attempts++;
        if (this.stall) return;
        if (this.failWith !== undefined) {
          this.refused++;
          res.writeHead(this.failWith).end();
          return;
        }
        let body = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        const json = String(req.headers['content-type'] ?? '').includes('json');
        if (this.options.countOnly && !json) this.count += countLogRecords(body);
        else {
          const request = json ? (JSON.parse(body.toString('utf8')) as ExportLogsServiceRequest) : decodeLogsRequest(body);
          for (const rl of request.resourceLogs) for (const sl of rl.scopeLogs) this.count += sl.logRecords.length;
          if (!this.options.countOnly) this.requests.push(request);
        }
        res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' }).end(json ? '{}' : undefined);
      });
    });
    // Keep-alive sockets must not hold a test open.
    this.server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve) => (this.server as http.Server).listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1/logs`;
    return this;
  }

  /** Every record received, flattened with its resource and scope. */
  records(): ReceivedRecord[] {
    const out: ReceivedRecord[] = [];
    for (const request of this.requests) {
      for (const rl of request.resourceLogs) {
        for (const sl of rl.scopeLogs) {
          for (const record of sl.logRecords) out.push({ resource: rl.resource, scope: sl.scope?.name, record });
        }
      }
    }
    return out;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Attribute `key` of a received record as a plain value. */
export function attr(record: OtlpLogRecord, key: string): unknown {
  const kv = record.attributes?.find((a) => a.key === key);
  if (kv === undefined) return undefined;
  const v = kv.value;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map((x) => x.stringValue ?? x.intValue ?? x.doubleValue ?? x.boolValue);
  return v;
}
