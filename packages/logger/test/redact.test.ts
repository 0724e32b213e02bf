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
