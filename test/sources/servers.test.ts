// collector/fragments/sources.yaml on the logs of real servers: Debian's redis-server and nginx, started here as the
// current user on free ports of 127.0.0.1 with configs written by the test and every file in a temp folder
// (no system service is touched). nginx serves a file, a 404 and a slow request proxied to a Node server
// that sleeps; Redis gets commands, a DEBUG LOG line and a background save (which logs from its child
// process). The real collector (local profile + sources.yaml) tails their logs, and the records it wrote
// are compared with the lines the servers wrote: one record per line, the line's time, severity, body and
// semantic-convention attributes, and the source's service.name.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import type { StoredLog } from '@tracebridge/cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startCollector } from '#collector/run-lib.mjs';
import type { RunningCollector } from '#collector/run-lib.mjs';
import { SOURCES, bodyText, ofSource, readLogs, requireProgram, sourcesEnv, startServer, timeMs } from './harness.js';
import type { Server } from './harness.js';
import { waitFor } from '../helpers/wait-for.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** The slow request's upstream sleeps this long, so nginx's $request_time is at least this. */
const SLOW_MS = 1200;
const MARKER = `tracebridge marker ${process.pid}`;

let dir: string;
let collector: RunningCollector | undefined;
const servers: Server[] = [];
let slowUpstream: http.Server | undefined;
let redisPort: number;
let redisPid: number;
let nginxPort: number;
let logs: StoredLog[] = [];

/** Sends one command in RESP and returns the raw reply (enough for the replies used here). */
async function redis(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(redisPort, '127.0.0.1');
    let reply = '';
    socket.setTimeout(10_000, () => socket.destroy(new Error(`redis ${args[0]}: no reply`)));
    socket.on('error', reject);
    socket.on('data', (d: Buffer) => {
      reply += d.toString();
      if (reply.endsWith('\r\n')) {
        socket.end();
        resolve(reply);
      }
    });
    socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
  });
}

/** GET on nginx with a chosen User-Agent and Referer; resolves with the status. */
function get(urlPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: nginxPort, path: urlPath, headers: { 'user-agent': 'tracebridge-test/1.0', referer: 'http://referrer.test/page' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
}

/** `dd Mon yyyy hh:mm:ss.mmm` (Redis) in UTC → ms. */
function redisTime(text: string): number {
  const m = /^(\d{1,2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2})\.(\d{3})$/.exec(text)!;
  return Date.UTC(+m[3]!, MONTHS.indexOf(m[2]!), +m[1]!, +m[4]!, +m[5]!, +m[6]!, +m[7]!);
}
/** `dd/Mon/yyyy:hh:mm:ss +hhmm` (nginx $time_local) → ms. */
function nginxAccessTime(text: string): number {
  const m = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(text)!;
  const offset = (m[7] === '-' ? -1 : 1) * (+m[8]! * 60 + +m[9]!) * 60_000;
  return Date.UTC(+m[3]!, MONTHS.indexOf(m[2]!), +m[1]!, +m[4]!, +m[5]!, +m[6]!) - offset;
}
/** `yyyy/mm/dd hh:mm:ss` (nginx error log) in UTC → ms. */
function nginxErrorTime(text: string): number {
  const m = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text)!;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

const lines = (file: string): string[] => readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
const redisLog = (): string => path.join(dir, 'redis', 'redis.log');
const nginxLogs = (name: string): string => path.join(dir, 'nginx', 'logs', name);

beforeAll(async () => {
  const redisServer = requireProgram('redis-server', 'redis-server');
  const nginx = requireProgram('nginx', 'nginx');
  dir = mkdtempSync(path.join(tmpdir(), 'tb-sources-servers-'));

  // The collector first: the servers' log files appear while it runs, as on a real host.
  collector = await startCollector({
    profile: 'local',
    extraConfigs: [SOURCES],
    dataDir: path.join(dir, 'data'),
    env: await sourcesEnv(dir, {
      TRACEBRIDGE_REDIS_LOGS: path.join(dir, 'redis', '*.log'),
      TRACEBRIDGE_NGINX_ACCESS_LOGS: path.join(dir, 'nginx', 'logs', 'access*.log'),
      TRACEBRIDGE_NGINX_ERROR_LOGS: path.join(dir, 'nginx', 'logs', 'error.log'),
    }),
  });

  // Redis: verbose, so client connections are logged (its `-` level); DEBUG LOG allowed from localhost.
  mkdirSync(path.join(dir, 'redis'));
  redisPort = await freePort();
  writeFileSync(
    path.join(dir, 'redis', 'redis.conf'),
    [`port ${redisPort}`, 'bind 127.0.0.1', 'daemonize no', `dir ${path.join(dir, 'redis')}`, `logfile ${redisLog()}`, 'loglevel verbose', 'save ""', 'appendonly no', 'enable-debug-command local', ''].join('\n'),
  );
  const redisProcess = await startServer(redisServer, [path.join(dir, 'redis', 'redis.conf')], {
    env: { PATH: process.env.PATH ?? '', TZ: 'UTC' },
    ready: () => {
      try {
        return readFileSync(redisLog(), 'utf8').includes('Ready to accept connections');
      } catch {
        return false;
      }
    },
  });
  servers.push(redisProcess);
  redisPid = redisProcess.process.pid!;

  // The upstream of the slow request.
  slowUpstream = http.createServer((_req, res) => void setTimeout(() => res.end('slow\n'), SLOW_MS));
  await new Promise<void>((resolve) => slowUpstream!.listen(0, '127.0.0.1', resolve));

  // nginx: the combined format, and the same plus $request_time in a second file; the error log at info.
  // As root, the workers would drop to `nobody`, which cannot enter the test's private folder.
  const n = path.join(dir, 'nginx');
  for (const sub of ['logs', 'www', 'tmp']) mkdirSync(path.join(n, sub), { recursive: true });
  writeFileSync(path.join(n, 'www', 'index.html'), '<p>tracebridge</p>\n');
  nginxPort = await freePort();
  const upstreamPort = (slowUpstream.address() as AddressInfo).port;
  writeFileSync(
    path.join(n, 'nginx.conf'),
    `${process.getuid?.() === 0 ? `user ${userInfo().username};\n` : ''}worker_processes 1;
daemon off;
pid ${path.join(n, 'nginx.pid')};
error_log ${nginxLogs('error.log')} info;
events { worker_connections 64; }
http {
  log_format timed '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time';
  access_log ${nginxLogs('access.log')} combined;
  access_log ${nginxLogs('access-timed.log')} timed;
${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${path.join(n, 'tmp', t)};`).join('\n')}
  server {
    listen 127.0.0.1:${nginxPort};
    root ${path.join(n, 'www')};
    location /slow { proxy_pass http://127.0.0.1:${upstreamPort}; }
  }
}
`,
  );
  servers.push(
    await startServer(nginx, ['-p', n, '-c', path.join(n, 'nginx.conf'), '-e', nginxLogs('error.log')], {
      env: { PATH: process.env.PATH ?? '', TZ: 'UTC' },
      ready: () =>
        new Promise((resolve) => {
          const s = net.connect(nginxPort, '127.0.0.1');
          s.once('connect', () => (s.destroy(), resolve(true)));
          s.once('error', () => resolve(false));
        }),
    }),
  );

  // Traffic.
  expect(await redis('SET', 'tracebridge:key', 'value')).toBe('+OK\r\n');
  expect(await redis('GET', 'tracebridge:key')).toBe('$5\r\nvalue\r\n');
  expect(await redis('DEBUG', 'LOG', MARKER)).toBe('+OK\r\n');
  expect(await redis('BGSAVE')).toMatch(/^\+Background saving started/);
  await waitFor('redis to finish its background save', () => readFileSync(redisLog(), 'utf8'), (t) => t.includes('Background saving terminated'), { timeoutMs: 60_000 });
  expect(await get('/')).toBe(200);
  expect(await get('/missing?probe=404')).toBe(404);
  expect(await get('/slow')).toBe(200);

  // Stopped, so their files are final (Redis at verbose writes a line every few seconds on its own):
  // then every line both servers wrote must become a record.
  for (const s of servers) await s.stop();
  const expected = lines(redisLog()).length + lines(nginxLogs('access.log')).length + lines(nginxLogs('access-timed.log')).length + lines(nginxLogs('error.log')).length;
  logs = await waitFor(
    'the redis and nginx records in the files',
    () => readLogs(collector!.dataDir),
    (l) => ofSource(l, 'redis').length + ofSource(l, 'nginx.access').length + ofSource(l, 'nginx.error').length >= expected,
    { timeoutMs: 60_000 },
  );
}, 180_000);

afterAll(async () => {
  for (const s of servers.reverse()) await s.stop();
  await new Promise<void>((resolve) => (slowUpstream ? slowUpstream.close(() => resolve()) : resolve()));
  await collector?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('Redis server log', () => {
  it('gives one record per line, in service redis, scope redis', () => {
    const records = ofSource(logs, 'redis');
    expect(records.map(bodyText).sort()).toEqual(lines(redisLog()).map((l) => /^\d+:[XCSM] .{24} [-.*#] (.*)$/.exec(l)?.[1] ?? l).sort());
    for (const r of records) {
      expect(r.resource['service.name']).toBe('redis');
      expect(r.scope).toBe('redis');
    }
  });

  it('takes time, severity, pid and role from the line (DEBUG LOG is a # warning)', () => {
    const line = lines(redisLog()).find((l) => l.endsWith(`DEBUG LOG: ${MARKER}`))!;
    const [, pid, , time] = /^(\d+):([XCSM]) (.{24}) # /.exec(line)!;
    const record = ofSource(logs, 'redis').find((r) => bodyText(r) === `DEBUG LOG: ${MARKER}`)!;
    expect(record).toBeDefined();
    expect(timeMs(record)).toBe(redisTime(time!));
    expect(record.record.severityNumber).toBe(13);
    expect(record.record.severityText).toBe('WARN');
    expect(record.attributes).toMatchObject({ 'process.pid': Number(pid), 'redis.role': 'master', 'log.file.name': 'redis.log' });
    expect(Number(pid)).toBe(redisPid);
  });

  it('tells the background-save child (C) from the master, and notice (*) from verbose (-)', () => {
    const records = ofSource(logs, 'redis');
    const saved = records.find((r) => bodyText(r) === 'DB saved on disk')!;
    expect(saved.attributes['redis.role']).toBe('child');
    expect(saved.attributes['process.pid']).not.toBe(redisPid);
    expect([saved.record.severityNumber, saved.record.severityText]).toEqual([10, 'INFO']);
    const accepted = records.find((r) => bodyText(r).startsWith('Accepted 127.0.0.1:'))!;
    expect([accepted.record.severityNumber, accepted.record.severityText]).toEqual([6, 'DEBUG']);
    expect(accepted.attributes['redis.role']).toBe('master');
  });
});

describe('nginx access log (combined, and combined + $request_time)', () => {
  const byFile = (file: string): StoredLog[] => ofSource(logs, 'nginx.access').filter((r) => r.attributes['log.file.name'] === file);

  it('gives one record per line in each file, in service nginx, the line as body', () => {
    for (const file of ['access.log', 'access-timed.log']) {
      expect(byFile(file).map(bodyText).sort()).toEqual(lines(nginxLogs(file)).sort());
      for (const r of byFile(file)) expect([r.resource['service.name'], r.scope]).toEqual(['nginx', 'nginx.access']);
    }
  });

  it('parses the 404 into HTTP semantic-convention attributes, as a WARN, at the line time', () => {
    for (const file of ['access.log', 'access-timed.log']) {
      const record = byFile(file).find((r) => r.attributes['http.response.status_code'] === 404)!;
      const line = lines(nginxLogs(file)).find((l) => l.includes('/missing?probe=404'))!;
      expect(record.attributes).toMatchObject({
        'client.address': '127.0.0.1',
        'http.request.method': 'GET',
        'url.path': '/missing',
        'url.query': 'probe=404',
        'network.protocol.version': '1.1',
        'http.response.status_code': 404,
        'http.response.body.size': Number(/" 404 (\d+) "/.exec(line)![1]),
        'user_agent.original': 'tracebridge-test/1.0',
        'http.request.header.referer': ['http://referrer.test/page'],
      });
      expect(record.attributes['user.name']).toBeUndefined();
      expect([record.record.severityNumber, record.record.severityText]).toEqual([13, 'WARN']);
      expect(timeMs(record)).toBe(nginxAccessTime(/\[([^\]]+)\]/.exec(line)![1]!));
    }
  });

  it('gives a 200 INFO, and the slow request its duration from $request_time', () => {
    const ok = byFile('access.log').find((r) => r.attributes['url.path'] === '/')!;
    expect([ok.record.severityNumber, ok.record.severityText, ok.attributes['http.response.status_code']]).toEqual([9, 'INFO', 200]);
    expect(ok.attributes['performance.duration_ms']).toBeUndefined();
    const slow = byFile('access-timed.log').find((r) => r.attributes['url.path'] === '/slow')!;
    const seconds = Number(/ (\d+\.\d+)$/.exec(bodyText(slow))![1]);
    expect(slow.attributes['performance.duration_ms']).toBeCloseTo(seconds * 1000, 6);
    expect(slow.attributes['performance.duration_ms'] as number).toBeGreaterThanOrEqual(SLOW_MS);
    expect(byFile('access.log').find((r) => r.attributes['url.path'] === '/slow')!.attributes['performance.duration_ms']).toBeUndefined();
  });
});

describe('nginx error log', () => {
  it('gives one record per line, message as body, syslog levels mapped', () => {
    const records = ofSource(logs, 'nginx.error');
    expect(records.map(bodyText).sort()).toEqual(lines(nginxLogs('error.log')).map((l) => /^.{19} \[[a-z]+\] \d+#\d+: (?:\*\d+ )?(.*)$/.exec(l)![1]).sort());
    const notice = records.find((r) => bodyText(r).startsWith('start worker process'))!;
    expect([notice.record.severityNumber, notice.record.severityText]).toEqual([10, 'INFO']);
  });

  it('parses the 404 failure: ERROR, the request, client and worker pid, at the line time', () => {
    const line = lines(nginxLogs('error.log')).find((l) => l.includes('[error]') && l.includes('/missing'))!;
    const record = ofSource(logs, 'nginx.error').find((r) => r.record.severityNumber === 17 && bodyText(r).includes('/missing'))!;
    expect(record.record.severityText).toBe('ERROR');
    expect(bodyText(record)).toMatch(/^open\(\) ".*missing" failed \(2: No such file or directory\), client: 127\.0\.0\.1/);
    expect(record.attributes).toMatchObject({
      'client.address': '127.0.0.1',
      'http.request.method': 'GET',
      'url.path': '/missing',
      'url.query': 'probe=404',
      'network.protocol.version': '1.1',
      'process.pid': Number(/\] (\d+)#/.exec(line)![1]),
      'nginx.connection.id': Number(/: \*(\d+) /.exec(line)![1]),
    });
    // `server: ,` (no server_name) is left out, not kept empty.
    expect(record.attributes['server.address']).toBeUndefined();
    expect(timeMs(record)).toBe(nginxErrorTime(line.slice(0, 19)));
  });
});

describe('every source record', () => {
  it('carries the host it was collected on: host.name, and service.instance.id from it', () => {
    for (const r of [...ofSource(logs, 'redis'), ...ofSource(logs, 'nginx.access'), ...ofSource(logs, 'nginx.error')]) {
      expect(typeof r.resource['host.name']).toBe('string');
      expect(r.resource['service.instance.id']).toBe(r.resource['host.name']);
      // Working fields of the parsers never reach the backend.
      for (const key of Object.keys(r.attributes)) expect(key).not.toMatch(/^_|__/);
    }
  });
});
