// collector/fragments/sources.yaml on sample files written here and on syslog messages sent over UDP and TCP: syslog
// (RFC 5424, RFC 3164 with and without PRI, rsyslog's RFC 3339 file format), the ChromaDB server log, and
// plain-text Python and Java application logs whose stack traces must become ONE record each, with
// exception.type / exception.message / exception.stacktrace. The real collector (local profile +
// sources.yaml) reads them; the records it wrote are compared field by field with the samples.
import dgram from 'node:dgram';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { StoredLog } from '@tracebridge/cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector } from '#collector/run-lib.mjs';
import type { RunningCollector } from '#collector/run-lib.mjs';
import { SOURCES, bodyText, ofSource, readLogs, sourcesEnv, timeMs } from './harness.js';
import { waitFor } from '../helpers/wait-for.js';

let dir: string;
let collector: RunningCollector | undefined;
let logs: StoredLog[] = [];
let env: Record<string, string>;

const YEAR = new Date().getUTCFullYear();

const SYSLOG_5424 = [
  '<165>1 2026-05-01T10:00:00.123456Z web-1 checkout 4242 ORDER [meta@32473 region="eu-west-1" zone="b"] order placed',
  '<11>1 2026-05-01T10:00:01Z web-1 payments - - - card declined',
  '<8>1 2026-05-01T10:00:01.5Z web-1 payments - - - cannot allocate memory',
];
const SYSLOG_3164 = ['<34>May  1 10:00:02 db-1 sshd[77]: Failed password for root from 10.0.0.9'];
const SYSLOG_TRADITIONAL = ['May  1 10:00:03 db-1 CRON[88]: (root) CMD (run-parts /etc/cron.hourly)'];
const SYSLOG_RSYSLOG = ['2026-05-01T10:00:04.567891+02:00 db-2 kernel: [ 12.345678] eth0: link up'];

const CHROMA = `INFO:     [01-05-2026 10:00:00] Anonymized telemetry enabled.
INFO:     [01-05-2026 10:00:01] 127.0.0.1:52345 - "GET /api/v1/heartbeat?probe=1 HTTP/1.1" 200
ERROR:    [01-05-2026 10:00:02] Exception in ASGI application
Traceback (most recent call last):
  File "/chroma/chromadb/api/fastapi.py", line 72, in catch_exceptions_middleware
    return await call_next(request)
  File "/chroma/chromadb/segment/impl/vector/local_hnsw.py", line 120, in query
    raise InvalidDimensionException("Embedding dimension 384 does not match collection dimensionality 1536")
chromadb.errors.InvalidDimensionException: Embedding dimension 384 does not match collection dimensionality 1536
WARNING:  [01-05-2026 10:00:03] Collection tb is nearly full
`;

// Python logging's `%(asctime)s - %(name)s - %(levelname)s - %(message)s`, with a chained traceback.
const PYTHON = `2026-05-01 10:00:00,100 - payments.worker - INFO - charging order 17
2026-05-01 10:00:00,250 - payments.worker - ERROR - charge failed
Traceback (most recent call last):
  File "/app/payments/gateway.py", line 31, in charge
    response = client.post(url, json=body)
  File "/app/payments/client.py", line 12, in post
    raise TimeoutError("gateway did not answer in 5s")
TimeoutError: gateway did not answer in 5s

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/app/payments/worker.py", line 88, in run
    self.charge(order)
  File "/app/payments/worker.py", line 54, in charge
    raise PaymentError(f"order {order.id}: gateway timeout")
payments.errors.PaymentError: order 17: gateway timeout
2026-05-01 10:00:01,000 - payments.worker - CRITICAL - giving up on order 17
2026-05-01 10:00:02,000 - payments.worker - WARNING - queue backlog
  47 orders waiting
`;

// logback's `%d{yyyy-MM-dd HH:mm:ss.SSS} [%thread] %-5level %logger - %msg%n`, with a cause.
const JAVA = `2026-05-01 10:00:00.300 [http-nio-8080-exec-1] INFO  com.example.checkout.CheckoutController - checkout started
2026-05-01 10:00:00.412 [http-nio-8080-exec-1] ERROR com.example.checkout.CheckoutService - payment failed for order 17
java.lang.IllegalStateException: payment gateway unavailable
\tat com.example.checkout.CheckoutService.pay(CheckoutService.java:42)
\tat com.example.checkout.CheckoutController.checkout(CheckoutController.java:27)
\tat java.base/java.lang.Thread.run(Thread.java:1583)
Caused by: java.net.SocketTimeoutException: Read timed out
\tat java.base/sun.nio.ch.NioSocketImpl.timedRead(NioSocketImpl.java:278)
\t... 3 more
2026-05-01 10:00:01.000 [main] WARN  com.example.checkout.Health - slow gateway
`;

const PYTHON_STACK = PYTHON.slice(PYTHON.indexOf('Traceback'), PYTHON.indexOf('\n2026-05-01 10:00:01,000'));
const JAVA_STACK = JAVA.slice(JAVA.indexOf('java.lang.IllegalStateException'), JAVA.indexOf('\n2026-05-01 10:00:01.000'));
const CHROMA_STACK = CHROMA.slice(CHROMA.indexOf('Traceback'), CHROMA.indexOf('\nWARNING:'));

/** RFC 6587 octet counting: `<length> <message>`. */
const octetFramed = (message: string): string => `${Buffer.byteLength(message)} ${message}`;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'tb-sources-files-'));
  for (const sub of ['syslog', 'chromadb', 'apps']) mkdirSync(path.join(dir, sub));
  writeFileSync(path.join(dir, 'syslog', 'rfc5424'), `${SYSLOG_5424.join('\n')}\n`);
  writeFileSync(path.join(dir, 'syslog', 'rfc3164'), `${SYSLOG_3164.join('\n')}\n`);
  writeFileSync(path.join(dir, 'syslog', 'traditional'), `${SYSLOG_TRADITIONAL.join('\n')}\n`);
  writeFileSync(path.join(dir, 'syslog', 'rsyslog'), `${SYSLOG_RSYSLOG.join('\n')}\n`);
  writeFileSync(path.join(dir, 'chromadb', 'chroma.log'), CHROMA);
  writeFileSync(path.join(dir, 'apps', 'payments.log'), PYTHON);
  writeFileSync(path.join(dir, 'apps', 'checkout.log'), JAVA);
  env = await sourcesEnv(dir, {
    TRACEBRIDGE_SYSLOG_FILES: path.join(dir, 'syslog', '*'),
    TRACEBRIDGE_CHROMADB_LOGS: path.join(dir, 'chromadb', '*.log'),
    TRACEBRIDGE_APP_LOGS: path.join(dir, 'apps', '*.log'),
  });
  collector = await startCollector({ profile: 'local', extraConfigs: [SOURCES], dataDir: path.join(dir, 'data'), env });

  // Over the network: RFC 3164 in a UDP datagram, RFC 5424 octet-counted over TCP.
  const udp = dgram.createSocket('udp4');
  const [udpHost, udpPort] = env.TRACEBRIDGE_SYSLOG_UDP_ENDPOINT!.split(':');
  await new Promise<void>((resolve, reject) => udp.send('<13>May  1 10:00:05 edge-1 app[5]: udp hello', Number(udpPort), udpHost, (err) => (err ? reject(err) : resolve())));
  udp.close();
  const [tcpHost, tcpPort] = env.TRACEBRIDGE_SYSLOG_TCP_ENDPOINT!.split(':');
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect(Number(tcpPort), tcpHost, () => {
      socket.end(octetFramed('<12>1 2026-05-01T10:00:06Z edge-2 app 6 - - tcp hello') + octetFramed('<14>1 2026-05-01T10:00:07Z edge-2 app 6 - - tcp again'), () => resolve());
    });
    socket.on('error', reject);
  });

  logs = await waitFor(
    'every source\'s records in the files',
    () => readLogs(collector!.dataDir),
    (l) =>
      ofSource(l, 'syslog').length >= 6 &&
      ofSource(l, 'syslog.udp').length >= 1 &&
      ofSource(l, 'syslog.tcp').length >= 2 &&
      ofSource(l, 'chromadb').length >= 4 &&
      ofSource(l, 'app').length >= 7,
    { timeoutMs: 60_000 },
  );
}, 120_000);

afterAll(async () => {
  await collector?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const find = (source: string, body: string): StoredLog => {
  const found = ofSource(logs, source).filter((l) => bodyText(l) === body);
  expect(found, `${source}: "${body}" in ${JSON.stringify(ofSource(logs, source).map(bodyText))}`).toHaveLength(1);
  return found[0]!;
};
const severity = (l: StoredLog): [number | undefined, string | undefined] => [l.record.severityNumber || undefined, l.record.severityText || undefined];
const nanos = (l: StoredLog): bigint => BigInt(l.record.timeUnixNano ?? 0);

describe('syslog files', () => {
  it('reads RFC 5424: body, severity by PRI, host, app, pid, msgid, facility, structured data, time to the microsecond', () => {
    const r = find('syslog', 'order placed');
    expect(severity(r)).toEqual([10, 'INFO']);
    expect(r.resource).toMatchObject({ 'service.name': 'syslog', 'host.name': 'web-1', 'service.instance.id': 'web-1' });
    expect(r.scope).toBe('syslog');
    expect(r.attributes).toMatchObject({
      'syslog.appname': 'checkout',
      'process.pid': 4242,
      'syslog.msgid': 'ORDER',
      'syslog.facility': 20,
      'syslog.structured_data': { 'meta@32473': { region: 'eu-west-1', zone: 'b' } },
    });
    expect(nanos(r)).toBe(BigInt(Date.parse('2026-05-01T10:00:00Z')) * 1_000_000n + 123_456_000n);
    // NILVALUE (`-`) fields are left out.
    const declined = find('syslog', 'card declined');
    expect(severity(declined)).toEqual([17, 'ERROR']);
    expect(declined.attributes['process.pid']).toBeUndefined();
    expect(declined.attributes['syslog.msgid']).toBeUndefined();
    expect(severity(find('syslog', 'cannot allocate memory'))).toEqual([21, 'FATAL']);
  });

  it('reads RFC 3164 with PRI (crit → ERROR2), without PRI (no severity), and rsyslog RFC 3339 lines', () => {
    const sshd = find('syslog', 'Failed password for root from 10.0.0.9');
    expect(severity(sshd)).toEqual([18, 'ERROR']);
    expect(sshd.resource['host.name']).toBe('db-1');
    expect(sshd.attributes).toMatchObject({ 'syslog.appname': 'sshd', 'process.pid': 77, 'syslog.facility': 4 });
    expect(timeMs(sshd)).toBe(Date.UTC(YEAR, 4, 1, 10, 0, 2));

    const cron = find('syslog', '(root) CMD (run-parts /etc/cron.hourly)');
    expect(severity(cron)).toEqual([undefined, undefined]);
    expect(cron.attributes).toMatchObject({ 'syslog.appname': 'CRON', 'process.pid': 88 });
    expect(cron.attributes['syslog.facility']).toBeUndefined();
    expect(timeMs(cron)).toBe(Date.UTC(YEAR, 4, 1, 10, 0, 3));

    const kernel = find('syslog', '[ 12.345678] eth0: link up');
    expect(kernel.resource['host.name']).toBe('db-2');
    expect(kernel.attributes['syslog.appname']).toBe('kernel');
    expect(nanos(kernel)).toBe(BigInt(Date.parse('2026-05-01T08:00:04Z')) * 1_000_000n + 567_891_000n);
  });

  it('keeps each message on its own host: records of several hosts in one file do not share a resource', () => {
    const hosts = new Set(ofSource(logs, 'syslog').map((l) => l.resource['host.name']));
    expect(hosts).toEqual(new Set(['web-1', 'db-1', 'db-2']));
  });
});

describe('syslog over the network', () => {
  it('takes RFC 3164 datagrams on UDP', () => {
    const r = find('syslog.udp', 'udp hello');
    expect(severity(r)).toEqual([10, 'INFO']);
    expect(r.resource).toMatchObject({ 'service.name': 'syslog', 'host.name': 'edge-1' });
    expect(r.attributes).toMatchObject({ 'syslog.appname': 'app', 'process.pid': 5, 'syslog.facility': 1 });
    expect(timeMs(r)).toBe(Date.UTC(YEAR, 4, 1, 10, 0, 5));
  });

  it('takes octet-counted RFC 5424 on TCP, one record per frame', () => {
    const r = find('syslog.tcp', 'tcp hello');
    expect(severity(r)).toEqual([13, 'WARN']);
    expect(r.resource).toMatchObject({ 'service.name': 'syslog', 'host.name': 'edge-2' });
    expect(timeMs(r)).toBe(Date.parse('2026-05-01T10:00:06Z'));
    expect(severity(find('syslog.tcp', 'tcp again'))).toEqual([9, 'INFO']);
  });
});

describe('ChromaDB server log', () => {
  it('parses level and time, and the HTTP fields of access lines', () => {
    const first = find('chromadb', 'Anonymized telemetry enabled.');
    expect(severity(first)).toEqual([9, 'INFO']);
    expect(first.resource['service.name']).toBe('chromadb');
    expect(timeMs(first)).toBe(Date.UTC(2026, 4, 1, 10, 0, 0));
    const access = find('chromadb', '127.0.0.1:52345 - "GET /api/v1/heartbeat?probe=1 HTTP/1.1" 200');
    expect(access.attributes).toMatchObject({
      'client.address': '127.0.0.1',
      'client.port': 52345,
      'http.request.method': 'GET',
      'url.path': '/api/v1/heartbeat',
      'url.query': 'probe=1',
      'network.protocol.version': '1.1',
      'http.response.status_code': 200,
    });
    expect(severity(find('chromadb', 'Collection tb is nearly full'))).toEqual([13, 'WARN']);
  });

  it('joins a traceback to its record, as exception.*', () => {
    expect(ofSource(logs, 'chromadb')).toHaveLength(4);
    const r = find('chromadb', 'Exception in ASGI application');
    expect(severity(r)).toEqual([17, 'ERROR']);
    expect(r.attributes).toMatchObject({
      'exception.type': 'chromadb.errors.InvalidDimensionException',
      'exception.message': 'Embedding dimension 384 does not match collection dimensionality 1536',
      'exception.stacktrace': CHROMA_STACK,
    });
  });
});

describe('application logs with stack traces', () => {
  const app = (service: string): StoredLog[] => ofSource(logs, 'app').filter((l) => l.resource['service.name'] === service);

  it('names the service after the file and the scope after the logger, one record per log call', () => {
    expect(app('payments').map(bodyText)).toEqual(['charging order 17', 'charge failed', 'giving up on order 17', 'queue backlog\n  47 orders waiting']);
    expect(app('checkout').map(bodyText)).toEqual(['checkout started', 'payment failed for order 17', 'slow gateway']);
    expect(new Set(app('payments').map((l) => l.scope))).toEqual(new Set(['payments.worker']));
    expect(app('checkout').map((l) => l.scope)).toEqual(['com.example.checkout.CheckoutController', 'com.example.checkout.CheckoutService', 'com.example.checkout.Health']);
  });

  it('makes a Python traceback (chained) one record: the exception finally raised, the whole traceback', () => {
    const r = find('app', 'charge failed');
    expect(severity(r)).toEqual([17, 'ERROR']);
    expect(timeMs(r)).toBe(Date.UTC(2026, 4, 1, 10, 0, 0, 250));
    expect(r.attributes).toMatchObject({
      'exception.type': 'payments.errors.PaymentError',
      'exception.message': 'order 17: gateway timeout',
      'exception.stacktrace': PYTHON_STACK,
    });
    expect(PYTHON_STACK).toContain('During handling of the above exception');
    expect(severity(find('app', 'giving up on order 17'))).toEqual([21, 'FATAL']);
  });

  it('makes a Java stack trace one record: the exception thrown, its trace with the cause, thread.name', () => {
    const r = find('app', 'payment failed for order 17');
    expect(severity(r)).toEqual([17, 'ERROR']);
    expect(timeMs(r)).toBe(Date.UTC(2026, 4, 1, 10, 0, 0, 412));
    expect(r.attributes).toMatchObject({
      'thread.name': 'http-nio-8080-exec-1',
      'exception.type': 'java.lang.IllegalStateException',
      'exception.message': 'payment gateway unavailable',
      'exception.stacktrace': JAVA_STACK,
    });
    expect(JAVA_STACK).toMatch(/\n\tat .*\nCaused by: java\.net\.SocketTimeoutException: Read timed out\n/);
    expect(severity(find('app', 'slow gateway'))).toEqual([13, 'WARN']);
  });

  it('keeps a continuation that is no stack trace in the body, without exception attributes', () => {
    const r = find('app', 'queue backlog\n  47 orders waiting');
    expect(severity(r)).toEqual([13, 'WARN']);
    expect(Object.keys(r.attributes).filter((k) => k.startsWith('exception.'))).toEqual([]);
  });
});
