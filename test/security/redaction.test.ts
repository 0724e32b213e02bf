// Secrets never reach a store, on either side: the logger's redaction (packages/logger, on by default)
// and the collector's tracebridge_redact (collector/config.yaml), which every profile runs on every logs
// and traces pipeline for what never went through the logger: the file route, third-party SDKs,
// `sendRecords` (which sends records as they are) and a logger with redaction off.
//
// What is compared: a record holding the default secrets at several depths, and secret-looking
// strings, sent (1) through the logger to an OTLP sink, and through the real collector (`local`
// profile) (2) from the logger with redaction on, (3) from the logger with redaction off, (4) raw with
// sendRecords, (5) as a line of a JSON-lines file the file route tails. Every route must give the same
// attributes and body, with every secret replaced by `[REDACTED]`. Then a corpus of keys and strings
// (every default name in several spellings, every pattern with its edge cases) checks that the
// collector's rules give exactly what the logger's JavaScript rules give, and the names and patterns in
// the collector file are checked against the logger's own lists, so neither can drift.
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InMemoryLogRecordExporter } from '@opentelemetry/sdk-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { readRequests } from '../../packages/cli/src/local-data.js';
import { createLogger, sendRecords } from '@tracebridge/logger';
import type { Logger } from '@tracebridge/logger';
import { fromKeyValues } from '@tracebridge/schema';
import type { ExportLogsServiceRequest } from '@tracebridge/schema';
// The logger's default lists: internal, read from the built package so this test holds the collector
// to exactly what the logger ships.
import { DEFAULT_EXACT_KEYS, DEFAULT_KEY_PARTS, DEFAULT_PATTERNS, DEFAULT_TRIGGERS } from '../../packages/logger/dist/internal/redact.js';
import { COLLECTOR_DIR, readStacks, stackFiles, startCollector } from '#collector/run-lib.mjs';
import type { RunningCollector } from '#collector/run-lib.mjs';
import { OtlpSink } from '../helpers/otlp-sink.js';

type Obj = Record<string, any>;
const R = '[REDACTED]';

// ---------------------------------------------------------------------------------------------
// The record.

// Built at run time, so no file of the repository holds a credential-shaped literal.
const GITHUB_TOKEN = `ghp_${'a1B2'.repeat(9)}`;
const OPENAI_KEY = `sk-proj-${'Xy9'.repeat(10)}`;
const ANTHROPIC_KEY = `sk-ant-api03-${'q7W'.repeat(8)}`;
const AWS_KEY_ID = `AKIA${'IOSFODNN7EXAMPL'}E`;
const JWT = ['eyJhbGciOiJIUzI1NiJ9', 'eyJzdWIiOiIxMjMifQ', 'c2lnbmF0dXJl'].join('.');
const PG_PASSWORD = ['Pg', 'pass', '-9x!'].join('');
const BASIC = Buffer.from(`billing:${'Bs3cret'}`).toString('base64');
const STRIPE_KEY = `sk_${'live'}_${'51Hq'.repeat(6)}`;

/** Every literal secret of the record: none may appear anywhere in what is stored. */
const SECRETS = ['hunter2', 'pg-secret', 'dXNlcjpwYXNz', 'sid=abc', 'k-123', 's3cr3t', GITHUB_TOKEN, 'abc123', AWS_KEY_ID, 'abcdefghijklmnop', 'sess-7f3a9', 'tok-xyz', OPENAI_KEY, ANTHROPIC_KEY, JWT, PG_PASSWORD, BASIC, STRIPE_KEY];

const CONTEXT = {
  password: 'hunter2',
  db: { Password: 'pg-secret', host: 'db.local', pin: { pwd: 4321 } },
  request: { headers: { Authorization: 'Basic dXNlcjpwYXNz', 'Set-Cookie': 'sid=abc', 'x-request-id': 'r-1' } },
  user: { profile: { settings: { api_key: 'k-123', name: 'ada' } } },
  credentials: { user: 'svc', secret: 's3cr3t' },
  githubToken: GITHUB_TOKEN,
  usage: { tokens: 1536, prompt_tokens: 12 },
  note: `retry with token=abc123&page=2 and key ${AWS_KEY_ID}`,
  argv: ['curl', '-H', 'Authorization: Bearer abcdefghijklmnop', 3],
  // Under names on no list: a connection URL's password, a Basic credential inside a command line, a
  // payment provider's live key.
  dsn: `postgres://app:${PG_PASSWORD}@db:5432/orders`,
  tool: { command: `curl -H "Authorization: Basic ${BASIC}" https://billing.example/v1/charges` },
  billing: { live: STRIPE_KEY },
};
const METADATA = { session: 'sess-7f3a9', url: 'https://x/?access_token=tok-xyz&b=1', model: { key: OPENAI_KEY }, auth: { jwt: JWT } };
const MESSAGE = `upstream refused ${ANTHROPIC_KEY} for postgres://app:${PG_PASSWORD}@db/orders`;
const ERROR_MESSAGE = `401 with Bearer ${JWT} from postgres://app:${PG_PASSWORD}@db/orders`;

/** What every route must store for the record's context, metadata, body and exception message. */
const EXPECTED: Obj = {
  'context.password': R,
  'context.db.Password': R,
  'context.db.host': 'db.local',
  'context.db.pin.pwd': R,
  'context.request.headers.Authorization': R,
  'context.request.headers.Set-Cookie': R,
  'context.request.headers.x-request-id': 'r-1',
  'context.user.profile.settings.api_key': R,
  'context.user.profile.settings.name': 'ada',
  // A sensitive name holding an object: the whole object goes, as one attribute.
  'context.credentials': R,
  'context.githubToken': R,
  'context.usage.tokens': 1536,
  'context.usage.prompt_tokens': 12,
  'context.note': `retry with ${R}&page=2 and key ${R}`,
  'context.argv': ['curl', '-H', `Authorization: ${R}`, 3],
  'context.dsn': `postgres://app:${R}@db:5432/orders`,
  'context.tool.command': `curl -H "Authorization: ${R}" https://billing.example/v1/charges`,
  'context.billing.live': R,
  'metadata.session': R,
  'metadata.url': `https://x/?${R}&b=1`,
  'metadata.model.key': R,
  'metadata.auth.jwt': R,
  body: `upstream refused ${R} for postgres://app:${R}@db/orders`,
  'exception.message': `401 with ${R} from postgres://app:${R}@db/orders`,
};

function fileRecord(agentId: string): Obj {
  return {
    timestamp: '2026-01-02T03:04:05.678Z',
    level: 'ERROR',
    agent_id: agentId,
    correlation_id: 'task-security',
    component: 'auth',
    message: MESSAGE,
    context: CONTEXT,
    metadata: METADATA,
    error: { type: 'AuthError', message: ERROR_MESSAGE, stack: `AuthError: ${ERROR_MESSAGE}\n    at call (upstream.js:1:1)` },
  };
}

/** The compared part of a stored record: context.*, metadata.*, the body and exception.message. */
function view(attributes: Obj, body: unknown): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(attributes)) if (/^(context|metadata)\./.test(k) || k === 'exception.message') out[k] = v;
  out.body = body;
  return out;
}

function logRecordsOf(requests: readonly ExportLogsServiceRequest[]): Array<{ resource: Obj; attributes: Obj; body: unknown; raw: unknown }> {
  return requests.flatMap((req) =>
    (req.resourceLogs ?? []).flatMap((rl) =>
      (rl.scopeLogs ?? []).flatMap((sl) =>
        (sl.logRecords ?? []).map((lr) => ({ resource: fromKeyValues(rl.resource?.attributes), attributes: fromKeyValues(lr.attributes), body: lr.body?.stringValue, raw: { rl: rl.resource, lr } })),
      ),
    ),
  );
}

/** The stored records of one agent, once `count` of them are there (bounded wait). */
async function storedFor(collector: RunningCollector, agentId: string, count = 1, timeoutMs = 60_000): Promise<ReturnType<typeof logRecordsOf>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = logRecordsOf(await readRequests<ExportLogsServiceRequest>(collector.dataDir, 'logs', [])).filter((r) => r.resource['service.instance.id'] === agentId);
    if (found.length >= count || Date.now() > deadline) {
      expect(found.length, `records of ${agentId} (collector log: ${collector.output().slice(-3000)})`).toBe(count);
      return found;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

const loggers: Logger[] = [];
async function logThrough(options: { agentId: string; endpoint: string; redact?: false }): Promise<Logger> {
  const log = createLogger({ agentId: options.agentId, component: 'auth', endpoint: options.endpoint, handleExit: false, ...(options.redact === false ? { redact: false } : {}) });
  loggers.push(log);
  const error = new Error(ERROR_MESSAGE);
  error.name = 'AuthError';
  log.error(MESSAGE, { context: CONTEXT, metadata: METADATA, error });
  expect(await log.flush(15_000)).toBe(true);
  return log;
}

let collector: RunningCollector;
beforeAll(async () => {
  collector = await startCollector({ profile: 'local' });
  mkdirSync(path.join(collector.dataDir, 'agents'), { recursive: true });
});
afterAll(async () => {
  await Promise.all(loggers.splice(0).map((l) => l.shutdown()));
  await collector?.stop();
});

describe('a record holding secrets', () => {
  it('leaves the logger (redaction on) with every secret replaced, counted in stats()', async () => {
    const sink = await new OtlpSink().start();
    try {
      const log = await logThrough({ agentId: 'A1-sink-001', endpoint: sink.url });
      const [r] = sink.records();
      expect(view(fromKeyValues(r?.record.attributes), r?.record.body?.stringValue)).toEqual(EXPECTED);
      const wire = JSON.stringify(sink.requests);
      for (const secret of SECRETS) expect(wire, secret).not.toContain(secret);
      expect(log.stats().redacted).toBeGreaterThanOrEqual(16);
    } finally {
      await sink.stop();
    }
  });

  it('is stored the same, with every secret replaced, by every route through the collector', async () => {
    const endpoint = `${collector.otlpHttp}/v1/logs`;
    await logThrough({ agentId: 'A1-redacted-001', endpoint });
    // The logger with redaction off and sendRecords send the secrets as they are: the collector cleans them.
    await logThrough({ agentId: 'A1-raw-001', endpoint, redact: false });
    await sendRecords([fileRecord('A1-sendrecords-001')], { endpoint, serviceName: '', resourceAttributes: {} });
    writeFileSync(path.join(collector.dataDir, 'agents', 'secrets.jsonl'), `${JSON.stringify(fileRecord('A1-file-001'))}\n`);

    for (const agent of ['A1-redacted-001', 'A1-raw-001', 'A1-sendrecords-001', 'A1-file-001']) {
      const [stored] = await storedFor(collector, agent);
      expect(view(stored!.attributes, stored!.body), agent).toEqual(EXPECTED);
      const text = JSON.stringify(stored!.raw);
      for (const secret of SECRETS) expect(text, `${agent}: ${secret}`).not.toContain(secret);
    }
    expect(collector.output()).not.toMatch(/failed to execute statement/);
  });

  it('has the span attributes and exception events of traces cleaned too', async () => {
    const attr = (key: string, value: Obj) => ({ key, value });
    const body = {
      resourceSpans: [{
        resource: { attributes: [attr('service.name', { stringValue: 'third-party' }), attr('process.command_args', { arrayValue: { values: [{ stringValue: 'node' }, { stringValue: `--api-key=${OPENAI_KEY}` }] } })] },
        scopeSpans: [{
          scope: { name: 'http' },
          spans: [{
            traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'GET', kind: 3,
            startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000100000000',
            attributes: [
              attr('http.request.header.authorization', { arrayValue: { values: [{ stringValue: `Bearer ${JWT}` }] } }),
              attr('url.full', { stringValue: 'https://api.example/v1?access_token=tok-xyz&page=2' }),
              attr('http.response.status_code', { intValue: '401' }),
            ],
            events: [{ name: 'exception', timeUnixNano: '1700000000050000000', attributes: [attr('exception.message', { stringValue: `invalid key ${ANTHROPIC_KEY}` })] }],
          }],
        }],
      }],
    };
    const res = await fetch(`${collector.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    const deadline = Date.now() + 60_000;
    let spans: Obj[] = [];
    let resources: Obj[] = [];
    while (spans.length === 0 && Date.now() < deadline) {
      const requests = await readRequests<Obj>(collector.dataDir, 'traces', []);
      const rss = requests.flatMap((r) => r.resourceSpans as Obj[]);
      resources = rss.map((rs) => fromKeyValues(rs.resource?.attributes));
      spans = rss.flatMap((rs) => (rs.scopeSpans as Obj[]).flatMap((ss) => ss.spans as Obj[]));
      if (spans.length === 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(spans).toHaveLength(1);
    expect(resources[0]!['process.command_args']).toEqual(['node', `--${R}`]);
    expect(fromKeyValues(spans[0]!.attributes)).toEqual({
      'http.request.header.authorization': R,
      'url.full': `https://api.example/v1?${R}&page=2`,
      'http.response.status_code': 401,
    });
    expect(fromKeyValues(spans[0]!.events[0].attributes)).toEqual({ 'exception.message': `invalid key ${R}` });
  });
});

// ---------------------------------------------------------------------------------------------
// Exactness: the collector's RE2 rules against the logger's JavaScript rules.

/** The collector's tracebridge_redact, as config.yaml configures it. */
const BASE = parseYaml(readFileSync(path.join(COLLECTOR_DIR, 'config.yaml'), 'utf8'), { merge: true }) as Obj;
const REDACT = BASE.processors.tracebridge_redact as { names: string[]; name_parts: string[]; patterns: Array<{ regex: string; triggers: string[] }> };

/** JavaScript's `\s`, which RE2's `\s` (ASCII only) is not: the collector's patterns list it in full. */
const JS_WHITESPACE = String.raw`\t\n\v\f\r \x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x{feff}`;

/**
 * A collector pattern (RE2, in a collector config file) written back in the logger's JavaScript syntax:
 * `$$` → `$`, the whitespace class → `\s`, `(?s:.*?)` → `[\s\S]*?`, `(?i:…)` → `(?:…)` (the `i` flag).
 */
function asJavaScript(re2: string): { source: string; ignoreCase: boolean } {
  let source = re2.replaceAll('$$', '$').replaceAll(`[${JS_WHITESPACE}]`, String.raw`\s`).replaceAll(`[^${JS_WHITESPACE}`, String.raw`[^\s`).replaceAll('(?s:.*?)', String.raw`[\s\S]*?`);
  const ignoreCase = source.includes('(?i:');
  source = source.replaceAll('(?i:', '(?:');
  return { source, ignoreCase };
}

/**
 * The shapes #21 found leaking, each with what both sides must store (`=` when kept as it is), and near
 * misses both sides must keep: URL user-info, Authorization headers inside strings, provider key formats
 * (one of each alternative), `key=value` names of cloud connection strings.
 */
const SHAPES: Array<[string, string]> = ((): Array<[string, string]> => {
  const b = (n: number) => 'aB3dE5gH7jK9mN1pQ2'.repeat(8).slice(0, n);
  const hex = (n: number) => '0123456789abcdef'.repeat(8).slice(0, n);
  const pw = PG_PASSWORD;
  const kept = (x: string): [string, string] => [x, '='];
  const gone = (x: string): [string, string] => [x, R];
  return [
    // URL user-info: the password only; the user, the host, the rest kept.
    [`postgres://app:${pw}@db:5432/orders`, `postgres://app:${R}@db:5432/orders`],
    [`redis://:${pw}@cache:6379`, `redis://:${R}@cache:6379`],
    [`mongodb+srv://svc:p@ss${pw}@cluster0.example.net/?w=1`, `mongodb+srv://svc:${R}@cluster0.example.net/?w=1`],
    ['amqp://guest:guest@rabbit', `amqp://guest:${R}@rabbit`],
    [`see (postgres://a:b@h) and 'mysql://u:p@h/x'`, `see (postgres://a:${R}@h) and 'mysql://u:${R}@h/x'`],
    [`x://u:${pw}@h y://v:w@k`, `x://u:${R}@h y://v:${R}@k`],
    [`http://u:p@ss/w@rd@h`, `http://u:${R}@ss/w@rd@h`],
    kept('at f (file:///srv/app.js:1:2)'), kept('https://ada@example.com/r.git'), kept('https://example.com:8443/a?b=c'), kept('mail ada@example.com'), kept('://:@'),
    [`jdbc:postgresql://db/x?user=app&password=${pw}`, `jdbc:postgresql://db/x?user=app&${R}`],
    // Authorization headers: the scheme and its credentials.
    [`curl -H "Authorization: Basic ${BASIC}" https://x`, `curl -H "Authorization: ${R}" https://x`],
    [`{"authorization":"basic ${BASIC}"}`, `{"authorization":"${R}"}`],
    ['{\\"Authorization\\":\\"Bearer abc.def\\"}', `{\\"Authorization\\":\\"${R}\\"}`],
    [`'proxy-authorization': 'Basic ${BASIC}'`, `'proxy-authorization': '${R}'`],
    ['Authorization=Bearer%20abcdef', `Authorization=${R}`],
    [`AUTHORIZATION: BASIC ${BASIC}`, `AUTHORIZATION: ${R}`],
    [`HTTP_AUTHORIZATION=Basic ${BASIC}`, `HTTP_AUTHORIZATION=${R}`],
    ['authorization:basic x', `authorization:${R}`],
    kept('Basic settings saved'), kept('Authorization failed: none'), kept('Authorization: Digest username="a"'),
    ['AuthoriZation: Basic abcdefgh', `AuthoriZation: ${R}`],
    // Provider keys, one of each alternative; publishable keys and look-alikes kept.
    gone(`sk_${'live'}_${b(24)}`), gone(`rk_${'live'}_${b(24)}`), gone(`sk_${'test'}_${b(24)}`), kept(`pk_${'live'}_${b(24)}`), kept(`sk_${'live'}_${b(15)}`),
    gone(`whsec_${b(32)}`), gone(`gsk_${b(52)}`), gone(`xai-${b(80)}`), gone(`pplx-${b(48)}`), kept('pplx-70b-online'), gone(`hf_${b(34)}`), kept('hf_hub_download'),
    gone(`r8_${b(37)}`), gone(`ASIA${'QWERTYUIOPASDFGH'}`), gone(`ABIA${'QWERTYUIOPASDFGH'}`), gone(`ACCA${'QWERTYUIOPASDFGH'}`), gone(`GOCSPX-${b(28)}`),
    gone(`ya29.${b(60)}`), gone(`dop_v1_${hex(64)}`), gone(`dor_v1_${hex(64)}`), gone(`ghs_${b(36)}`), gone(`ghu_${b(36)}`), gone(`ghr_${b(36)}`),
    gone(`glpat-${b(20)}`), gone(`gldt-${b(20)}`), gone(`glrt-${b(20)}`), gone(`glptt-${hex(40)}`), kept('glpat-short'), gone(`npm_${b(36)}`), gone(`pypi-${b(60)}`),
    gone(`xoxp-1234567890-${b(24)}`), gone(`xoxe-1-${b(40)}`), gone(`xoxa-2-${b(20)}`),
    [`https://hooks.slack.com/services/T0${b(8)}/B0${b(8)}/${b(24)}`, `https://${R}`],
    [`https://discord.com/api/webhooks/123456789012345678/${b(68)}`, `https://${R}`],
    gone(`sq0atp-${b(22)}`), gone(`sq0csp-${b(43)}`), gone(`ATATT3${b(60)}`), kept(`my_hf_${b(34)}`), kept(`task_${'live'}_${b(24)}`),
    [`token ${`sk_${'live'}_${b(30)}`}, next`, `token ${R}, next`],
    // Cloud connection strings and signed URLs: the value of the key, to the next `&`, quote or space.
    [`DefaultEndpointsProtocol=https;AccountName=app;AccountKey=${b(40)}==;EndpointSuffix=core.windows.net`, `DefaultEndpointsProtocol=https;AccountName=app;${R}`],
    [`Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=${b(44)}=`, `Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=root;${R}`],
    [`https://acct.blob.core.windows.net/c/b?sv=2022-11-02&sig=${b(30)}%3D`, `https://acct.blob.core.windows.net/c/b?sv=2022-11-02&${R}`],
    [`API_KEY=${b(20)}`, R], gone('TOKEN=x'), kept('page=2&limit=50'), kept('--depth=1'), kept('signature=abc'), kept('design=flat'),
  ];
})();
const NEW_SHAPES = SHAPES.map(([input]) => input);

describe('tracebridge_redact against the logger', () => {
  it('names exactly the logger’s sensitive keys and key parts', () => {
    expect([...REDACT.names].sort()).toEqual([...DEFAULT_EXACT_KEYS].sort());
    expect([...REDACT.name_parts].sort()).toEqual([...DEFAULT_KEY_PARTS].sort());
  });

  it('has the logger’s patterns, in the same order, each with the logger’s triggers', () => {
    expect(REDACT.patterns.map((p) => asJavaScript(p.regex))).toEqual(DEFAULT_PATTERNS.map((p) => ({ source: p.source, ignoreCase: p.flags.includes('i') })));
    expect(REDACT.patterns.map((p) => p.triggers)).toEqual(DEFAULT_TRIGGERS);
    for (const p of REDACT.patterns) expect(p.triggers.length, p.regex).toBeGreaterThan(0);
  });

  it('has every default pattern find each of its own matches through one of its triggers', () => {
    // A trigger a match can lack would let that secret through unseen: every shape the corpus replaces
    // must hold a trigger of the pattern that replaced it, whatever its ASCII case.
    for (const s of NEW_SHAPES) {
      DEFAULT_PATTERNS.forEach((p, i) => {
        for (const m of s.matchAll(new RegExp(p.source, p.flags))) {
          expect(DEFAULT_TRIGGERS[i]!.some((t) => m[0].toLowerCase().includes(t.toLowerCase())), `${p.source} on ${m[0]}`).toBe(true);
        }
      });
    }
  });

  it('gives exactly what the logger gives, for every default name in several spellings and every pattern', async () => {
    const exact = normalisedWords(0);
    const parts = normalisedWords(1);
    const spellings = (words: string[]): string[] => [
      words.join('_'),
      words.join('-').toUpperCase(),
      words.map((w, i) => (i === 0 ? w : w[0]!.toUpperCase() + w.slice(1))).join(''),
      `_${words.join('')}_`,
      words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('-'),
    ];
    const keys: Obj = {};
    for (const words of exact) {
      for (const k of spellings(words)) {
        keys[`${k}`] = 'value';
        keys[`n_${k}`] = { [k]: 7 };
        keys[`o_${k}`] = { [k]: { inner: 'x', deeper: { n: 1 } } };
        keys[`a_${k}`] = { [k]: ['x', 'y'] };
        keys[`e_${k}`] = { [k]: {} };
      }
    }
    for (const words of parts) {
      for (const k of spellings(words)) {
        keys[`db_${k}_value`] = 'value';
        keys[`count_${k}`] = { [`${k}_count`]: 3 };
      }
    }
    // Near misses, kept by both: no default name, and no part of one.
    for (const k of ['keyboard', 'author', 'session_count', 'monkey', 'passage', 'x_api', 'id', 'sessions', 'cookies_enabled', 'authorization_url']) keys[`plain_${k}`] = { [k]: 'kept' };
    // Usage figures under a name holding a part: kept, the part rule is for strings only.
    keys.usage = { tokens: 12, prompt_tokens: 3, secret_count: 1 };

    const words = (...w: string[]) => w.join('');
    const strings = [
      'Bearer abcdefgh', 'Bearer abcdefg', 'bearer abcdefghij', 'xBearer abcdefghij', 'Bearer\tabc.def~ghi+/==', 'Bearer\u00a0abcdefghijkl',
      'Bearer \u2028abcdefghijkl', 'Authorization: Bearer abcdefghijkl, next', `${AWS_KEY_ID}`, `x${AWS_KEY_ID}`, `${AWS_KEY_ID}X`, `(ASIA${'1234567890ABCDEF'})`,
      `${JWT}`, `jwt=${JWT}`, 'eyJabc.def.ghi', words('pass', 'word=hunter2 x'), 'PASSWORD=abc', 'Api-Key=zzz&x=2', "token='abc'", 'access_token=abc"def',
      'mypassword=abc', 'password = abc', 'secret=\u00e9t\u00e9 ok', 'pwd=a\u3000b', 'api_key=x;y', 'token=Bearer abcdefghijkl',
      '-----BEGIN RSA PRIVATE KEY-----\nMIIBOg\n-----END RSA PRIVATE KEY----- after', '-----BEGIN PRIVATE KEY-----\nMIIB unterminated',
      `key ${OPENAI_KEY} end`, 'task-abcdefghijklmnopqrstuvwxyz',
      ...NEW_SHAPES, `sk-${'a'.repeat(19)}`, GITHUB_TOKEN, `gho_${'b'.repeat(36)}`, `github_pat_${'c'.repeat(22)}`,
      'xoxb-1234567890-abcdef', 'xoxb-0123456789', 'xoxb-012345678', 'Bearer abcdefgh=', `AIza${'d'.repeat(35)}`, `${ANTHROPIC_KEY}.`, 'plain text, nothing to hide', 'a=b', '\u{1F600} token=\u{1F600}x',
    ];
    const context = { keys, strings: Object.fromEntries(strings.map((s, i) => [`s${i}`, s])), list: strings.slice(0, 12), shapes: NEW_SHAPES };

    const exporter = new InMemoryLogRecordExporter();
    const log = createLogger({ agentId: 'A1-corpus-001', component: 'corpus', exporter, handleExit: false });
    loggers.push(log);
    log.info('corpus', { context });
    await log.flush();
    const fromLogger = exporter.getFinishedLogRecords()[0]!.attributes as Obj;

    const record = { timestamp: '2026-01-02T03:04:05.678Z', level: 'INFO', agent_id: 'A1-corpus-002', component: 'corpus', message: 'corpus', context };
    await sendRecords([record], { endpoint: `${collector.otlpHttp}/v1/logs`, serviceName: '', resourceAttributes: {} });
    const [stored] = await storedFor(collector, 'A1-corpus-002');
    const pick = (a: Obj): Obj => Object.fromEntries(Object.entries(a).filter(([k]) => k.startsWith('context.')).sort(([x], [y]) => (x < y ? -1 : 1)));
    expect(pick(stored!.attributes)).toEqual(pick(fromLogger));
    // The corpus exercises both outcomes.
    const values = Object.values(pick(fromLogger));
    expect(values.filter((v) => v === R).length).toBeGreaterThan(60);
    expect(values.filter((v) => v === 'kept').length).toBe(10);
    // And what it is: every shape #21 found leaking replaced, every near miss kept.
    expect(fromLogger['context.shapes']).toEqual(SHAPES.map(([input, stored]) => (stored === '=' ? input : stored)));
  });
});

/** The words of the collector's names (0) or name parts (1): `secretaccesskey` → ['secret', 'access', 'key']. */
function normalisedWords(which: 0 | 1): string[][] {
  // Longest first, so `passwd` is one word and `password` is `pass` + `word`.
  const words = ['authorization', 'credentials', 'credential', 'private', 'session', 'access', 'client', 'secret', 'cookie', 'passwd', 'proxy', 'token', 'pass', 'word', 'key', 'api', 'set', 'pwd', 'id', 'x'];
  return (which === 0 ? REDACT.names : REDACT.name_parts).map((name) => {
    const out: string[] = [];
    for (let rest = name; rest !== ''; ) {
      const word = words.find((w) => rest.startsWith(w)) ?? rest;
      out.push(word);
      rest = rest.slice(word.length);
    }
    return out;
  });
}

// ---------------------------------------------------------------------------------------------
// Every pipeline of every profile and fragment.

describe('every logs and traces pipeline', () => {
  const load = (file: string): Obj => (parseYaml(readFileSync(file, 'utf8'), { merge: true }) ?? {}) as Obj;
  const merge = (a: unknown, b: unknown): unknown => {
    if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
      const out: Obj = { ...(a as Obj) };
      for (const [k, v] of Object.entries(b as Obj)) out[k] = merge(out[k], v);
      return out;
    }
    return b === undefined ? a : b;
  };
  // Every stack of collector/stacks.yaml, and each with every fragment it can take (one at a time, and
  // sources with journald).
  const manifest = readStacks();
  const additions = [[], ...manifest.fragments.map((f) => [...f.requires, f.name])];
  const stacks = manifest.stacks.flatMap((s) =>
    additions.flatMap((add) => {
      try {
        return [{ name: `${s.name} + [${add.join(', ')}]`, files: stackFiles(s.name, { add }) }];
      } catch {
        return []; // a fragment this stack cannot take (loki-tenants over a profile without Loki)
      }
    }),
  );

  it('runs tracebridge_redact after memory_limiter (and after tracebridge_record) before anything leaves the collector', () => {
    let checked = 0;
    for (const stack of stacks) {
      const config = stack.files.map(load).reduce((a, b) => merge(a, b) as Obj);
      const connectors = new Set(Object.keys(config.connectors ?? {}));
      for (const [name, p] of Object.entries(config.service.pipelines as Record<string, Obj>)) {
        if (!/^(logs|traces)(\/|$)/.test(name)) continue;
        const exporters = (p.exporters ?? []) as string[];
        // Counting connectors keep no attributes, and the loopback hands records to the profile's
        // own `logs` pipeline, which redacts them there.
        if (exporters.every((e) => connectors.has(e) || e === 'otlp_http/loopback' || e === 'otlp_http/loopback_metrics')) continue;
        const processors = (p.processors ?? []) as string[];
        const where = `${stack.name}: ${name}`;
        expect(processors, where).toContain('tracebridge_redact');
        expect(processors[0], where).toBe('memory_limiter');
        if (processors.includes('tracebridge_record')) expect(processors.indexOf('tracebridge_redact'), where).toBeGreaterThan(processors.indexOf('tracebridge_record'));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });
});
