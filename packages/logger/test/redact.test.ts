import { InMemoryLogRecordExporter } from '@opentelemetry/sdk-logs';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '@tracebridge/logger';
import type { Logger, LoggerOptions } from '@tracebridge/logger';
import { OtlpSink, attr } from '../../../test/helpers/otlp-sink.js';

const loggers: Logger[] = [];
afterEach(async () => {
  await Promise.all(loggers.splice(0).map((l) => l.shutdown()));
});

function inMemory(options: Partial<LoggerOptions> = {}) {
  const exporter = new InMemoryLogRecordExporter();
  const log = createLogger({ agentId: 'A1-haiku-001', component: 'auth', exporter, handleExit: false, ...options });
  loggers.push(log);
  return { log, exporter };
}

const secrets = {
  password: 'hunter2',
  db: { Password: 'pg-secret', host: 'db.local' },
  headers: { Authorization: 'Basic dXNlcjpwYXNz', 'Set-Cookie': 'sid=abc', 'x-request-id': 'r-1' },
  user: { profile: { api_key: 'k-123', name: 'ada' } },
  githubToken: 'ghp_abcdef',
  usage: { tokens: 1536, prompt_tokens: 12 },
  note: 'called upstream with Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl and key AKIAIOSFODNN7EXAMPLE',
};

describe('redaction', () => {
  it('replaces secrets at every depth and inside strings, keeps keys and figures, counts them', async () => {
    const { log, exporter } = inMemory();
    log.info('login', { context: secrets, metadata: { session: 's-1', url: 'https://x/?token=abc123&page=2' } });
    await log.flush();
    const a = exporter.getFinishedLogRecords()[0]?.attributes ?? {};
    expect(a).toMatchObject({
      'context.password': '[REDACTED]',
      'context.db.Password': '[REDACTED]',
      'context.db.host': 'db.local',
      'context.headers.Authorization': '[REDACTED]',
      'context.headers.Set-Cookie': '[REDACTED]',
      'context.headers.x-request-id': 'r-1',
      'context.user.profile.api_key': '[REDACTED]',
      'context.user.profile.name': 'ada',
      'context.githubToken': '[REDACTED]',
      'context.usage.tokens': 1536,
      'context.usage.prompt_tokens': 12,
      'context.note': 'called upstream with [REDACTED] and key [REDACTED]',
      'metadata.session': '[REDACTED]',
      'metadata.url': 'https://x/?[REDACTED]&page=2',
    });
    expect(log.stats().redacted).toBe(10);
    expect(secrets.password).toBe('hunter2');
    expect(secrets.headers.Authorization).toBe('Basic dXNlcjpwYXNz');
  });

  it('cleans exception messages and stacks', async () => {
    const { log, exporter } = inMemory();
    log.error('upstream failed', { error: new Error('401 for Authorization: Bearer sk_live_abcdefgh12345') });
    await log.flush();
    const a = exporter.getFinishedLogRecords()[0]?.attributes ?? {};
    expect(a['exception.message']).toBe('401 for Authorization: [REDACTED]');
    expect(String(a['exception.stacktrace'])).not.toContain('sk_live');
  });

  it('replaces the shortest matches of the patterns without `=` (15 characters), and numbers under password', async () => {
    const { log, exporter } = inMemory();
    log.info('short', { context: { a: 'Bearer abcdefgh', b: 'xoxb-0123456789', c: 'Bearer abcdefg', d: { password: 4321 } } });
    await log.flush();
    expect(exporter.getFinishedLogRecords()[0]?.attributes).toMatchObject({
      'context.a': '[REDACTED]',
      'context.b': '[REDACTED]',
      'context.c': 'Bearer abcdefg',
      'context.d.password': '[REDACTED]',
    });
    expect(log.stats().redacted).toBe(3);
  });

  // Credential-shaped values are built at run time, so no file of the repository holds one.
  const PG_PASSWORD = ['Pg', 'pass', '-9x!'].join('');

  it('replaces the password of a URL’s user-info in the message, the error message and its stack', async () => {
    const { log, exporter } = inMemory();
    const error = new Error(`connect ECONNREFUSED postgres://app:${PG_PASSWORD}@db:5432/orders`);
    log.error(`pool for postgres://app:${PG_PASSWORD}@db/orders failed`, {
      error,
      context: {
        cache: `redis://:${PG_PASSWORD}@cache:6379/0`,
        atlas: `mongodb+srv://svc:p@ss${PG_PASSWORD}@cluster0.example.net/app?retryWrites=true`,
        // No password, a port, a file URL, an e-mail: nothing to hide.
        kept: ['https://ada@example.com/repo.git', 'https://example.com:8443/a?b=c', 'at run (file:///srv/app.js:1:2)', 'mail ada@example.com'],
      },
    });
    await log.flush();
    const a = exporter.getFinishedLogRecords()[0]!;
    expect(a.body).toBe('pool for postgres://app:[REDACTED]@db/orders failed');
    expect(a.attributes['exception.message']).toBe('connect ECONNREFUSED postgres://app:[REDACTED]@db:5432/orders');
    expect(String(a.attributes['exception.stacktrace'])).toContain('postgres://app:[REDACTED]@db:5432/orders');
    expect(a.attributes).toMatchObject({
      'context.cache': 'redis://:[REDACTED]@cache:6379/0',
      'context.atlas': 'mongodb+srv://svc:[REDACTED]@cluster0.example.net/app?retryWrites=true',
      'context.kept': ['https://ada@example.com/repo.git', 'https://example.com:8443/a?b=c', 'at run (file:///srv/app.js:1:2)', 'mail ada@example.com'],
    });
    expect(JSON.stringify(a.attributes)).not.toContain(PG_PASSWORD);
    expect(a.body).not.toContain(PG_PASSWORD);
  });

  it('replaces Basic and Bearer credentials of an Authorization header inside any string', async () => {
    const { log, exporter } = inMemory();
    const basic = Buffer.from(`app:${PG_PASSWORD}`).toString('base64');
    log.info('calls', {
      context: {
        curl: `curl -s -H "Authorization: Basic ${basic}" https://api.example.com/v1`,
        dump: `{\"headers\":{\"authorization\":\"basic ${basic}\"}}`,
        inspected: `{ host: 'api', authorization: 'Bearer ${'t0k'.repeat(6)}' }`,
        env: `OTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer%20${'a1'.repeat(16)}`,
        // No header around it: ordinary words, kept.
        kept: ['Basic settings saved', 'Authorization failed: no credentials', 'Basic auth is off'],
      },
    });
    await log.flush();
    const a = exporter.getFinishedLogRecords()[0]!.attributes;
    expect(a).toMatchObject({
      'context.curl': 'curl -s -H "Authorization: [REDACTED]" https://api.example.com/v1',
      'context.dump': '{"headers":{"authorization":"[REDACTED]"}}',
      'context.inspected': "{ host: 'api', authorization: '[REDACTED]' }",
      'context.env': 'OTEL_EXPORTER_OTLP_HEADERS=Authorization=[REDACTED]',
      'context.kept': ['Basic settings saved', 'Authorization failed: no credentials', 'Basic auth is off'],
    });
    expect(JSON.stringify(a)).not.toContain(basic);
  });

  it('replaces provider keys by their format whatever key name holds them, and keeps publishable keys', async () => {
    const { log, exporter } = inMemory();
    const body = (n: number) => 'aB3dE5gH7jK9mN1pQ2'.repeat(8).slice(0, n);
    const hex = (n: number) => '0123456789abcdef'.repeat(8).slice(0, n);
    const keys: Record<string, string> = {
      stripeLive: `sk_${'live'}_${body(24)}`,
      stripeRestricted: `rk_${'live'}_${body(24)}`,
      stripeTest: `sk_${'test'}_${body(24)}`,
      stripeWebhook: `whsec_${body(32)}`,
      anthropic: `sk-ant-api03-${body(40)}`,
      openai: `sk-proj-${body(40)}`,
      groq: `gsk_${body(52)}`,
      xai: `xai-${body(80)}`,
      perplexity: `pplx-${body(48)}`,
      huggingface: `hf_${body(34)}`,
      replicate: `r8_${body(37)}`,
      awsKeyId: `AKIA${'QWERTYUIOPASDFGH'}`,
      awsSession: `ASIA${'QWERTYUIOPASDFGH'}`,
      googleApi: `AIza${body(35)}`,
      googleOauthSecret: `GOCSPX-${body(28)}`,
      googleAccessToken: `ya29.${body(60)}`,
      digitalocean: `dop_v1_${hex(64)}`,
      githubPat: `ghp_${body(36)}`,
      githubOauth: `gho_${body(36)}`,
      githubApp: `ghs_${body(36)}`,
      githubFineGrained: `github_pat_${body(22)}_${body(59)}`,
      gitlab: `glpat-${body(20)}`,
      npm: `npm_${body(36)}`,
      slackBot: `xoxb-${'1234567890'}-${body(24)}`,
      slackUser: `xoxp-${'1234567890'}-${body(24)}`,
      slackWebhook: `https://hooks.slack.com/services/T0${body(8)}/B0${body(8)}/${body(24)}`,
      square: `sq0atp-${body(22)}`,
      atlassian: `ATATT3${body(60)}`,
      azure: `DefaultEndpointsProtocol=https;AccountName=app;AccountKey=${body(40)}==;EndpointSuffix=core.windows.net`,
    };
    const publishable = `pk_${'live'}_${body(24)}`;
    log.info('keys', { context: { vault: keys, notes: Object.values(keys).map((k) => `got ${k} back`), publishable } });
    await log.flush();
    const a = exporter.getFinishedLogRecords()[0]!.attributes;
    for (const [name, key] of Object.entries(keys)) {
      expect(a[`context.vault.${name}`], name).not.toContain(key.slice(-12));
      expect(String(a[`context.vault.${name}`]), name).toContain('[REDACTED]');
    }
    for (const note of a['context.notes'] as string[]) expect(note).toMatch(/^got .*\[REDACTED\].* back$/);
    // A publishable key is public by design (it ships in web pages): kept, so it still tells which account.
    expect(a['context.publishable']).toBe(publishable);
  });

  it('takes extra paths, keys and patterns, and can be turned off', async () => {
    const { log, exporter } = inMemory({ redact: { paths: ['context.user.email'], keys: ['ssn'], patterns: [/\b\d{4}-\d{4}-\d{4}-\d{4}\b/g], replacement: '***' } });
    log.info('pay', { context: { user: { email: 'a@b.c', ssn: '123' }, card: 'paid with 4111-1111-1111-1111' } });
    const off = inMemory({ redact: false, component: 'off' });
    off.log.info('raw', { context: { password: 'visible' } });
    await log.flush();
    await off.log.flush();
    expect(exporter.getFinishedLogRecords()[0]?.attributes).toMatchObject({
      'context.user.email': '***',
      'context.user.ssn': '***',
      'context.card': 'paid with ***',
    });
    expect(off.exporter.getFinishedLogRecords()[0]?.attributes['context.password']).toBe('visible');
  });

  it('redacts in the export worker before anything leaves the process', async () => {
    const sink = await new OtlpSink().start();
    const log = createLogger({ agentId: 'A1-haiku-001', component: 'auth', endpoint: sink.url, handleExit: false });
    loggers.push(log);
    log.warn('token refresh', { context: { refresh_token: 'r-abc', deep: { a: { b: { cookie: 'c=1' } } } } });
    expect(await log.flush(5000)).toBe(true);
    const [r] = sink.records();
    expect(attr(r?.record ?? {}, 'context.refresh_token')).toBe('[REDACTED]');
    expect(attr(r?.record ?? {}, 'context.deep.a.b.cookie')).toBe('[REDACTED]');
    expect(log.stats().redacted).toBe(2);
    await sink.stop();
  });
});
