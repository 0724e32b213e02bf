import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDeliveryLog } from '@tracebridge/logger/internal';
import { afterAll, describe, expect, it } from 'vitest';
import { OtlpSink, attr } from '../../../test/helpers/otlp-sink.js';
import { waitFor, waitForQuiet } from '../../../test/helpers/wait-for.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const REGISTER = '--import=@tracebridge/auto/register';

const sinks: OtlpSink[] = [];
afterAll(async () => {
  for (const s of sinks) await s.stop();
});

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  took: number;
  /** The sink this run's app exported to (each run has its own: the tests run side by side). */
  sink: OtlpSink;
  /** From the app's `{"logged":N}` report (with MARK_LOGGED=1) to its exit; Infinity without one. */
  sinceLogged: number;
  /** The app's own JSON report lines (console output is not JSON). */
  reports: Array<Record<string, unknown>>;
}

/**
 * Runs the fixture app under `node <flags> app.mjs` with a pinned environment: logs to the sink,
 * traces and metrics off (the sink decodes logs only). `signal`: sent once the app reports ready.
 */
async function run(mode: string, options: { flags?: string[]; env?: Record<string, string>; signal?: NodeJS.Signals; stall?: boolean } = {}): Promise<Run> {
  const sink = await new OtlpSink().start();
  sinks.push(sink);
  sink.stall = options.stall === true;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    MODE: mode,
    TRACEBRIDGE_AGENT_ID: 'A1-haiku-001',
    OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: sink.url,
    OTEL_TRACES_EXPORTER: 'none',
    OTEL_METRICS_EXPORTER: 'none',
    // A spool folder of its own. Left to the default (one folder per user, shared by every agent of the
    // machine), what an agent spools would be swept by any later agent, of any test or run, and sent to
    // the 127.0.0.1 port it names: a port that another test's sink may listen on by then.
    TRACEBRIDGE_SPOOL_DIR: mkdtempSync(path.join(tmpdir(), 'tb-register-spool-')),
    ...options.env,
  };
  const started = Date.now();
  const child = spawn(process.execPath, [...(options.flags ?? [REGISTER]), 'app.mjs'], { cwd: FIXTURES, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  let stdout = '';
  let stderr = '';
  let loggedAt: number | undefined;
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (loggedAt === undefined && stdout.includes('{"logged":')) loggedAt = Date.now();
    if (options.signal !== undefined && stdout.includes('"ready":true')) {
      child.kill(options.signal);
      options = { ...options, signal: undefined };
    }
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  clearTimeout(killer);
  const reports = stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const now = Date.now();
  return { code, signal, stdout, stderr, sink, took: now - started, sinceLogged: loggedAt === undefined ? Infinity : now - loggedAt, reports };
}

const bodies = (r: Run) => r.sink.records().map((x) => x.record.body?.stringValue);

// Every test runs its own app against its own sink: they run side by side.
describe.concurrent('@tracebridge/auto/register', () => {
  it('bridges each console method once, with its severity, and keeps the output', async () => {
    const r = await run('methods');
    expect(r.code).toBe(0);
    expect(r.reports[0]).toMatchObject({ state: 'started', consoleBridged: true, httpPatched: true });
    const got = r.sink.records().map((x) => [x.scope, x.record.severityText, x.record.severityNumber, x.record.body?.stringValue]);
    expect(got).toEqual([
      ['console', 'DEBUG', 5, 'debug line'],
      ['console', 'INFO', 9, 'log line 1'],
      ['console', 'INFO', 9, 'info line'],
      ['console', 'WARN', 13, 'warn line'],
      ['console', 'ERROR', 17, expect.stringMatching(/^error line TypeError: bad input\n {4}at /)],
      ['console', 'TRACE', 1, 'trace line'],
      ['console', 'WARN', 13, 'Assertion failed: assert line'],
    ]);
    const error = r.sink.records()[4]!.record;
    expect(attr(error, 'exception.type')).toBe('TypeError');
    expect(attr(error, 'exception.message')).toBe('bad input');
    expect(r.sink.records()[0]!.resource?.attributes).toEqual(expect.arrayContaining([{ key: 'service.instance.id', value: { stringValue: 'A1-haiku-001' } }]));
    // The original output, once each, with Node's own trace format (no frame of the bridge).
    expect(r.stdout).toContain('debug line\nlog line 1\ninfo line\n');
    expect(r.stderr.match(/warn line/g)).toHaveLength(1);
    expect(r.stderr).toMatch(/Trace: trace line\n {4}at file:.*app\.mjs/);
    expect(r.stderr).not.toContain('console-bridge');
    expect(r.stderr).toContain('Assertion failed: assert line');
  });

  it('traces an ESM app that imports node:http by name (the loader hook is registered)', async () => {
    const r = await run('esm-http');
    expect(r.code).toBe(0);
    const [record] = r.sink.records();
    expect(record?.record.body?.stringValue).toBe('in the request handler');
    // Inside the server span: it exists only if the named import was instrumented.
    expect(record?.record.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(attr(record!.record, 'correlation.id')).toBe(`req-${record?.record.traceId}`);
  });

  it('bridges only the sources TRACEBRIDGE_LOG_BRIDGES names', async () => {
    const r = await run('state', { env: { TRACEBRIDGE_LOG_BRIDGES: 'pino,winston' } });
    expect(r.code).toBe(0);
    expect(r.reports[0]).toMatchObject({ state: 'started', consoleBridged: false, httpPatched: true });
    expect(r.stdout).toContain('the app ran');
    expect(r.sink.count).toBe(0);
  });

  it('loads a contrib instrumentation when its module is first used, and it still bridges that module', async () => {
    const r = await run('lazy');
    expect(r.code).toBe(0);
    const { before, after } = r.reports[0] as { before: string[]; after: string[] };
    // Node's own modules and undici are instrumented from the start; the app's packages on first use.
    expect(before).toEqual(expect.arrayContaining(['instrumentation-http', 'instrumentation-undici']));
    expect(before).not.toEqual(expect.arrayContaining(['instrumentation-pino']));
    expect(before).not.toEqual(expect.arrayContaining(['instrumentation-winston']));
    expect(after).toEqual(expect.arrayContaining(['instrumentation-pino', 'instrumentation-winston']));
    // Nothing the app never used: no express, no database clients.
    expect(after.filter((n) => /express|mongo|pg|mysql|redis|kafka|graphql/.test(n))).toEqual([]);
    await waitFor('both records', () => r.sink.count, (n) => n >= 2);
    const got = r.sink.records().map((x) => [x.scope, x.record.body?.stringValue]).sort();
    expect(got).toEqual([
      ['@opentelemetry/instrumentation-pino', 'from pino'],
      ['@opentelemetry/winston-transport', 'from winston'],
    ]);
  });

  it('warns about a malformed agent id and runs on without one', async () => {
    const r = await run('methods', { env: { TRACEBRIDGE_AGENT_ID: 'not an id' } });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^tracebridge: warning: TRACEBRIDGE_AGENT_ID="not an id" is not <role>-<model>-<instance>/m);
    expect(r.sink.records()[0]?.resource?.attributes?.find((a) => a.key === 'service.instance.id')).toBeUndefined();
    expect(r.sink.count).toBe(7);
  });

  it('does nothing at all when OTEL_SDK_DISABLED=true: no patching, no SDK, no export', async () => {
    const r = await run('state', { env: { OTEL_SDK_DISABLED: 'true' } });
    expect(r.code).toBe(0);
    expect(r.reports[0]).toEqual({ state: 'disabled', consoleBridged: false, httpPatched: false });
    expect(r.stdout).toContain('the app ran');
    expect(r.stderr).toBe('');
    // Nothing can arrive, and nothing to wait for: a moment for a request already on the wire.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(r.sink.requests).toHaveLength(0);
  });

  it('prints one line and lets the app run when the SDK cannot start', async () => {
    const r = await run('state', { flags: ['--import=./break-sdk.mjs', REGISTER] });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('the app ran');
    expect(r.reports[0]).toEqual({ state: 'failed', consoleBridged: false, httpPatched: false });
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines).toEqual([expect.stringMatching(/^tracebridge: this process is NOT instrumented.*Cannot find package '@opentelemetry\/sdk-node'/)]);
    expect(r.sink.requests).toHaveLength(0);
  });

  it('bridges the console once when the register module is evaluated twice', async () => {
    const r = await run('double');
    expect(r.code).toBe(0);
    expect(r.reports[0]).toMatchObject({ state: 'started', consoleBridged: true });
    expect(bodies(r)).toEqual(['line 0', 'line 1', 'line 2']);
    expect(r.stdout.match(/^line \d$/gm)).toEqual(['line 0', 'line 1', 'line 2']);
  });

  it('never re-emits the SDK diagnostics it prints on the console', async () => {
    const r = await run('many', { env: { RECORDS: '20', OTEL_LOG_LEVEL: 'all' } });
    expect(r.code).toBe(0);
    // The SDK talked (verbose diagnostics on stdout/stderr) and none of it became a record.
    expect(r.stdout.length + r.stderr.length).toBeGreaterThan(2000);
    expect(bodies(r)).toEqual(Array.from({ length: 20 }, (_, i) => `record ${i}`));
  });

  it('delivers every record when the app simply ends (beforeExit)', async () => {
    const r = await run('many', { env: { RECORDS: '3000' } });
    expect(r.code).toBe(0);
    expect(r.sink.count).toBe(3000);
  });

  it('delivers every record on SIGTERM, then ends by the signal', async () => {
    const r = await run('many', { env: { RECORDS: '3000', WAIT: '1' }, signal: 'SIGTERM' });
    expect(r.signal).toBe('SIGTERM');
    expect(r.sink.count).toBe(3000);
  });

  it('leaves ending the process to the app when the app handles SIGTERM itself', async () => {
    const r = await run('many', { env: { RECORDS: '3000', WAIT: '1', OWN_HANDLER: '1' }, signal: 'SIGTERM' });
    expect([r.code, r.signal]).toEqual([0, null]);
    expect(r.sink.count).toBe(3000);
  });

  it('ends on SIGTERM, everything delivered, when the app also writes through @tracebridge/logger', async () => {
    const r = await run('with-logger', { env: { RECORDS: '1000' }, signal: 'SIGTERM' });
    expect(r.signal).toBe('SIGTERM');
    const scopes = r.sink.records().map((x) => x.scope);
    expect(scopes.filter((s) => s === 'console')).toHaveLength(1000);
    expect(scopes.filter((s) => s === 'exit_test')).toHaveLength(1000);
  });

  describe('TRACEPARENT and BAGGAGE in the environment', () => {
    const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
    const SPAN = '00f067aa0ba902b7';
    const handedOver = { TRACEPARENT: `00-${TRACE}-${SPAN}-01`, BAGGAGE: 'correlation.id=task-env,agent.parent.id=B2-sonnet-007' };
    const record = (r: Run, body: string) => r.sink.records().find((x) => x.record.body?.stringValue === body)?.record;

    it('continues the handed-over trace and correlation at start-up, and hands the active span on to children', async () => {
      const r = await run('env-context', { env: handedOver });
      expect(r.code).toBe(0);
      const start = record(r, 'at start-up');
      expect([start?.traceId, start?.spanId]).toEqual([TRACE, SPAN]);
      expect(attr(start!, 'correlation.id')).toBe('task-env');
      expect(attr(start!, 'agent.parent.id')).toBe('B2-sonnet-007');
      const current = `00-${TRACE}-${r.reports[0]?.spanId}-01`;
      expect(r.reports[0]).toMatchObject({ traceId: TRACE, seen: current, copied: current, chosen: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00' });
      // Explicit contexts keep their meaning: a request without traceparent is a trace of its own.
      const request = record(r, 'in a request without traceparent');
      expect(request?.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(request?.traceId).not.toBe(TRACE);
    });

    it('ignores them with TRACEBRIDGE_ENV_CONTEXT=inject, and still hands its own spans on', async () => {
      const r = await run('env-context', { env: { ...handedOver, TRACEBRIDGE_ENV_CONTEXT: 'inject' } });
      expect(r.code).toBe(0);
      expect(record(r, 'at start-up')?.traceId ?? '').toBe('');
      expect(r.reports[0]?.traceId).not.toBe(TRACE);
      expect(r.reports[0]?.seen).toBe(`00-${r.reports[0]?.traceId}-${r.reports[0]?.spanId}-01`);
    });

    it('writes nothing into children with TRACEBRIDGE_ENV_CONTEXT=extract: they inherit what this process was given', async () => {
      const r = await run('env-context', { env: { ...handedOver, TRACEBRIDGE_ENV_CONTEXT: 'extract' } });
      expect(r.code).toBe(0);
      expect(record(r, 'at start-up')?.traceId).toBe(TRACE);
      expect(r.reports[0]?.seen).toBe(handedOver.TRACEPARENT);
    });
  });

  describe('ending abruptly (#23)', () => {
    const spooled = () => mkdtempSync(path.join(tmpdir(), 'tb-register-spool-'));

    it('delivers what the SDK holds when the app awaits the logger\'s shutdown, then calls process.exit()', async () => {
      const r = await run('end-abruptly', { env: { RECORDS: '20', ENDING: 'shutdown-then-exit', TRACEBRIDGE_SPOOL_DIR: spooled() } });
      expect(r.code).toBe(0);
      // Nothing spooled: the logger's shutdown flushed the SDK's batch within its bound.
      expect(r.stderr).not.toContain('tracebridge:');
      const got = bodies(r);
      expect(got.filter((b) => b?.startsWith('record '))).toHaveLength(20);
      expect(got).toContain('logger record');
    });

    it.each(['exit', 'throw'])('spools what the SDK holds on %s and its sender delivers it, each record once', async (ending) => {
      const dir = spooled();
      const r = await run('end-abruptly', { env: { RECORDS: '20', ENDING: ending, TRACEBRIDGE_SPOOL_DIR: dir } });
      expect(r.code).toBe(ending === 'exit' ? 0 : 1);
      const lines = r.stderr.split('\n').filter((l) => l.startsWith('tracebridge:'));
      expect(lines).toEqual([expect.stringContaining(`20 log records spooled to ${dir}`)]);
      // The detached sender delivers after the app is gone.
      await waitFor('the spooled records at the collector', () => r.sink.count, (n) => n >= 20, { timeoutMs: 30_000 });
      await waitForQuiet('the sink', () => r.sink.count, { quietMs: 1000 });
      expect(bodies(r).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `record ${i}`).sort());
      expect(readdirSync(dir).filter((f) => f.endsWith('.otlp'))).toEqual([]);
    });

    it('leaves the spool to the next agent when the collector is down, which sends it at its start-up', async () => {
      const dir = spooled();
      // A port where nothing listens now, and the collector will later.
      const probe = await new OtlpSink().start();
      const port = Number(new URL(probe.url).port);
      await probe.stop();
      const down = `http://127.0.0.1:${port}/v1/logs`;
      // The first agent's own sender takes `sender.pid`, tries, gives up and lets it go. Until it has, the
      // collector must stay down: a sender that starts late would otherwise deliver, or run beside the
      // next agent's. Its lock lives for milliseconds, so its creation and removal are watched, not polled.
      let lockEvents = 0;
      const watcher = watch(dir, (_event, name) => {
        if (name === 'sender.pid') lockEvents++;
      });
      const first = await run('end-abruptly', { env: { RECORDS: '20', ENDING: 'exit', OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: down, TRACEBRIDGE_SPOOL_DIR: dir, TRACEBRIDGE_SPOOL_SEND_BUDGET_MS: '1' } });
      expect(first.code).toBe(0);
      try {
        await waitFor('the first sender to give up', () => ({ lockEvents, names: readdirSync(dir) }), ({ lockEvents: n, names }) => n >= 2 && !names.includes('sender.pid') && names.some((f) => f.endsWith('.otlp')), { timeoutMs: 20_000 });
      } finally {
        watcher.close();
      }
      // The collector is back; the next agent starts (and does nothing else of the kind).
      const collector = await new OtlpSink().start(port);
      sinks.push(collector);
      const next = await run('state', { env: { OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: down, TRACEBRIDGE_SPOOL_DIR: dir } });
      expect(next.code).toBe(0);
      await waitFor('the first agent\'s records', () => collector.records().filter((x) => x.record.body?.stringValue?.startsWith('record ')).length, (n) => n >= 20, { timeoutMs: 30_000 });
      await waitForQuiet('the collector', () => collector.count, { quietMs: 1000 });
      expect(collector.records().map((x) => x.record.body?.stringValue).filter((b) => b?.startsWith('record ')).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `record ${i}`).sort());
      expect(readdirSync(dir).filter((f) => f.endsWith('.otlp'))).toEqual([]);
      // Sent once, by one sender: the next agent's.
      expect(readDeliveryLog(dir)).toEqual([expect.objectContaining({ outcome: 'sent', records: 20, unsure: false, url: down })]);
    });

    it('exits within 1 s of the work ending when nothing listens, saying once what was spooled', async () => {
      const r = await run('many', {
        env: { RECORDS: '1', MARK_LOGGED: '1', OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://127.0.0.1:9/v1/logs', OTEL_METRICS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://127.0.0.1:9/v1/metrics', TRACEBRIDGE_SPOOL_DIR: spooled(), TRACEBRIDGE_SPOOL_SEND_BUDGET_MS: '1' },
      });
      expect(r.code).toBe(0);
      expect(r.sinceLogged).toBeLessThan(1000);
      const lines = r.stderr.split('\n').filter((l) => l.startsWith('tracebridge:'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/could not deliver to the collector at http:\/\/127\.0\.0\.1:9 before the process ended: .*1 log records spooled to/);
      // The last metric collection too: taken at once, since nothing listens.
      expect(lines[0]).toMatch(/\d+ metric points/);
    });
  });

  describe('a child started under --import, ended with its parent (#23 part 3)', () => {
    it.each(['SIGHUP', 'SIGTERM'] as const)('loses nothing of either when %s reaches the whole process group', async (signal) => {
      const sink = await new OtlpSink().start();
      sinks.push(sink);
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? '',
        ROLE: 'parent',
        RECORDS: '50',
        TRACEBRIDGE_AGENT_ID: 'P2-haiku-001',
        OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: sink.url,
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_METRICS_EXPORTER: 'none',
        TRACEBRIDGE_SPOOL_DIR: mkdtempSync(path.join(tmpdir(), 'tb-family-spool-')),
      };
      // A process group of its own, as a terminal's job or a supervised service has.
      const parent = spawn(process.execPath, [REGISTER, 'family.mjs'], { cwd: FIXTURES, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      const killer = setTimeout(() => process.kill(-(parent.pid as number), 'SIGKILL'), 30_000);
      let out = '';
      const ready = new Promise<number>((resolve) =>
        parent.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /"family":true,"child":(\d+)/.exec(out);
          if (m !== null) resolve(Number(m[1]));
        }),
      );
      const childPid = await ready;
      const childGone = new Promise<void>((resolve) => {
        const poll = setInterval(() => {
          try {
            process.kill(childPid, 0);
          } catch {
            clearInterval(poll);
            resolve();
          }
        }, 50);
      });
      process.kill(-(parent.pid as number), signal);
      const [, ended] = (await once(parent, 'close')) as [number | null, NodeJS.Signals | null];
      await childGone;
      clearTimeout(killer);
      expect(ended).toBe(signal);
      const expected = ['parent', 'child'].flatMap((role) => Array.from({ length: 50 }, (_, i) => [`${role} console ${i}`, `${role} logger ${i}`]).flat());
      await waitFor('every record of the parent and the child', () => sink.count, (c) => c >= expected.length, { timeoutMs: 30_000 });
      await waitForQuiet('the sink', () => sink.count, { quietMs: 1000 });
      const got = sink.records().map((x) => x.record.body?.stringValue);
      expect(got.sort()).toEqual(expected.sort());
    });
  });

  it('ends within the shutdown bound when the collector does not answer', async () => {
    const r = await run('many', { env: { RECORDS: '10', TRACEBRIDGE_SHUTDOWN_TIMEOUT: '1000', MARK_LOGGED: '1' }, stall: true });
    expect(r.code).toBe(0);
    // Timed from the app's last record, not from the spawn: loading the SDK takes seconds on a busy machine.
    expect(r.sinceLogged).toBeLessThan(6000);
  });
});
