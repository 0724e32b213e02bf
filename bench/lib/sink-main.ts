/**
 * Child process of SinkProcess: an OTLP/HTTP logs receiver on 127.0.0.1 that identifies every record
 * by its bench id (record-id.ts) and counts the expected phase's records: distinct, duplicates, when
 * the first and the last arrived. Records of any other tag (a warm-up, an earlier process) and records
 * without an id are counted apart and otherwise ignored. Driven over IPC: `expect` starts a phase,
 * `status` reads its counts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { scanJsonIds, scanProtobufIds } from './otlp-scan.js';
import { parseId } from './record-id.js';
import type { SinkStatus } from './sink-process.js';

let tag = '';
/** Arrivals per sequence number of the expected phase (saturating at 255). */
let seen = new Uint8Array(0);
let status: SinkStatus = blank();

function blank(): SinkStatus {
  return { tag: '', distinct: 0, duplicates: 0, outOfRange: 0, otherTags: 0, unidentified: 0, requests: 0, firstAt: 0, firstDistinct: 0, lastNewAt: 0, lastArrivalAt: 0 };
}

function onRecord(id: string | undefined, now: number): void {
  const parsed = id === undefined ? undefined : parseId(id);
  if (parsed === undefined) {
    status.unidentified++;
    return;
  }
  if (parsed.tag !== tag) {
    status.otherTags++;
    return;
  }
  status.lastArrivalAt = now;
  if (parsed.seq >= seen.length) {
    status.outOfRange++;
    return;
  }
  const n = seen[parsed.seq] as number;
  if (n === 0) {
    status.distinct++;
    status.lastNewAt = now;
    if (status.firstAt === 0 || status.firstAt === now) {
      status.firstAt = now;
      status.firstDistinct++;
    }
  } else status.duplicates++;
  if (n < 255) seen[parsed.seq] = n + 1;
}

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (d: Buffer) => chunks.push(d));
  req.on('end', () => {
    const now = Date.now();
    let body = Buffer.concat(chunks);
    const json = String(req.headers['content-type'] ?? '').includes('json');
    try {
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      status.requests++;
      (json ? scanJsonIds : scanProtobufIds)(body, (id) => onRecord(id, now));
    } catch (err) {
      // A body that does not parse is the bench's failure, not the logger's: say so loudly.
      process.stderr.write(`bench sink: unreadable request: ${(err as Error).message}\n`);
      res.writeHead(400).end();
      return;
    }
    res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' }).end(json ? '{}' : undefined);
  });
});
server.keepAliveTimeout = 5000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
process.send?.({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/logs` });

process.on('message', (m: { seq: number; op: 'expect' | 'status'; tag?: string; capacity?: number }) => {
  if (m.op === 'expect') {
    tag = m.tag ?? '';
    seen = new Uint8Array(m.capacity ?? 0);
    status = { ...blank(), tag };
  }
  process.send?.({ seq: m.seq, status: { ...status } });
});
process.on('disconnect', () => process.exit(0));
