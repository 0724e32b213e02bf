// The thinning option of collector/fragments/sources.yaml (filter/sources_thin): off by default, it keeps a share of
// the records below ERROR from the sources it is pointed at, and never touches ERROR and above. Run on the
// real collector with an nginx access log of 300 requests (30 of them 5xx) and a Redis log of 50 lines,
// once per setting; the records written by the local profile are counted.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startCollector } from '#collector/run-lib.mjs';
import type { RunningCollector } from '#collector/run-lib.mjs';
import { SOURCES, ofSource, readLogs, sourcesEnv } from './harness.js';
import { waitFor, waitForQuiet } from '../helpers/wait-for.js';

const OK = 270;
const FAILED = 30;
const REDIS = 50;

const dirs: string[] = [];
const collectors: RunningCollector[] = [];

afterAll(async () => {
  for (const c of collectors) await c.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Writes the sample logs, runs a collector with `settings`, and returns what it stored once it is quiet. */
async function runWith(settings: Record<string, string>): Promise<{ ok: number; failed: number; redis: number; filtered: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tb-sources-thin-'));
  dirs.push(dir);
  mkdirSync(path.join(dir, 'nginx'));
  mkdirSync(path.join(dir, 'redis'));
  const access: string[] = [];
  for (let i = 0; i < OK + FAILED; i++) {
    const status = i % 10 === 9 ? (i % 20 === 19 ? 503 : 500) : 200;
    access.push(`10.0.0.${i % 250} - - [01/May/2026:10:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')} +0000] "GET /items/${i} HTTP/1.1" ${status} 12 "-" "probe/1.0"`);
  }
  writeFileSync(path.join(dir, 'nginx', 'access.log'), `${access.join('\n')}\n`);
  const redis = Array.from({ length: REDIS }, (_, i) => `77:M 01 May 2026 10:00:${String(i % 60).padStart(2, '0')}.000 - Accepted 127.0.0.1:${40000 + i}`);
  writeFileSync(path.join(dir, 'redis', 'redis.log'), `${redis.join('\n')}\n`);

  const metricsPort = await freePort();
  const collector = await startCollector({
    profile: 'local',
    extraConfigs: [SOURCES],
    dataDir: path.join(dir, 'data'),
    env: await sourcesEnv(dir, {
      TRACEBRIDGE_NGINX_ACCESS_LOGS: path.join(dir, 'nginx', 'access.log'),
      TRACEBRIDGE_REDIS_LOGS: path.join(dir, 'redis', 'redis.log'),
      COLLECTOR_METRICS_PORT: String(metricsPort),
      ...settings,
    }),
  });
  collectors.push(collector);

  // Done when every line went through the filter (its own count of what it received), then read.
  // The counters move one after the other while a batch goes through: read them once every record that
  // came in has also gone out or been filtered.
  const seen = async (): Promise<{ incoming: number; outgoing: number; filtered: number }> => {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const value = (re: RegExp): number => Number(re.exec(text)?.[1] ?? 0);
    return {
      incoming: value(/^otelcol_processor_incoming_items\{[^}]*processor="filter\/sources_thin"[^}]*\} (\S+)$/m),
      outgoing: value(/^otelcol_processor_outgoing_items\{[^}]*processor="filter\/sources_thin"[^}]*\} (\S+)$/m),
      filtered: value(/^otelcol_processor_filter_logs_filtered\{filter="filter\/sources_thin"\} (\S+)$/m),
    };
  };
  const counts = await waitFor('every line through the filter', seen, (c) => c.incoming >= OK + FAILED + REDIS && c.outgoing + c.filtered >= c.incoming, { timeoutMs: 60_000 });
  expect(counts.incoming).toBe(OK + FAILED + REDIS);
  const logs = await waitFor(
    'the kept records in the files',
    () => readLogs(collector.dataDir),
    (l) => ofSource(l, 'nginx.access').length + ofSource(l, 'redis').length >= OK + FAILED + REDIS - counts.filtered,
    { timeoutMs: 60_000 },
  );
  // Nothing more arrives later: the stored count stays still for a while.
  await waitForQuiet('the stored records', async () => (await readLogs(collector.dataDir)).length, { quietMs: 2_000 });
  const final = await readLogs(collector.dataDir);
  expect(final.length).toBe(logs.length);
  const nginx = ofSource(final, 'nginx.access');
  return {
    ok: nginx.filter((l) => l.attributes['http.response.status_code'] === 200).length,
    failed: nginx.filter((l) => (l.attributes['http.response.status_code'] as number) >= 500).length,
    redis: ofSource(final, 'redis').length,
    filtered: counts.filtered,
  };
}

describe('filter/sources_thin (TRACEBRIDGE_SOURCES_KEEP_PERCENT, TRACEBRIDGE_SOURCES_THIN)', () => {
  it('is off by default: every record of every source is kept', async () => {
    expect(await runWith({})).toEqual({ ok: OK, failed: FAILED, redis: REDIS, filtered: 0 });
  });

  it('at 0% drops every record below ERROR of the matched source, and keeps every ERROR and every other source', async () => {
    const got = await runWith({ TRACEBRIDGE_SOURCES_KEEP_PERCENT: '0', TRACEBRIDGE_SOURCES_THIN: 'nginx.access' });
    expect(got).toEqual({ ok: 0, failed: FAILED, redis: REDIS, filtered: OK });
  });

  it('applies to every source when no list is given (*)', async () => {
    expect(await runWith({ TRACEBRIDGE_SOURCES_KEEP_PERCENT: '0' })).toEqual({ ok: 0, failed: FAILED, redis: 0, filtered: OK + REDIS });
  });

  it('at 50% keeps about half of what is below ERROR, and still every ERROR', async () => {
    const got = await runWith({ TRACEBRIDGE_SOURCES_KEEP_PERCENT: '50', TRACEBRIDGE_SOURCES_THIN: 'nginx.access' });
    expect(got.failed).toBe(FAILED);
    expect(got.redis).toBe(REDIS);
    expect(got.ok + got.filtered).toBe(OK);
    // A fair coin over 270 records stays within 25%..75% except with odds far below 1e-15.
    expect(got.ok).toBeGreaterThan(OK * 0.25);
    expect(got.ok).toBeLessThan(OK * 0.75);
  });
});
