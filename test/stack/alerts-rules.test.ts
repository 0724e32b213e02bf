// The Prometheus alert rules of the compose stack (compose/alerts/tracebridge.rules.yml): checked and
// unit-tested with Debian's promtool, shown able to fail, and held to the metric names the stack really
// produces: the collector's derived log counts and the logger's drop counter as Prometheus names OTLP
// metrics (compose/prometheus.yml's translation strategy), and the collector's own telemetry as a real
// collector serves it on its metrics port.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startCollector } from '#collector/run-lib.mjs';
import type { RunningCollector } from '#collector/run-lib.mjs';
import { DERIVED, requireProgram, run } from '../sources/harness.js';
import { waitFor } from '../helpers/wait-for.js';

type Obj = Record<string, any>;

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RULES = path.join(ROOT, 'compose', 'alerts', 'tracebridge.rules.yml');
const RULE_TESTS = path.join(ROOT, 'compose', 'alerts', 'tracebridge.rules.test.yml');
const rules = parseYaml(readFileSync(RULES, 'utf8')) as Obj;
const allRules = (rules.groups as Obj[]).flatMap((g) => g.rules as Obj[]);
const exprs = allRules.map((r) => r.expr as string).join('\n');

const dirs: string[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tempDir = (): string => {
  const d = mkdtempSync(path.join(tmpdir(), 'tb-alerts-'));
  dirs.push(d);
  return d;
};

describe('promtool', () => {
  const promtool = (): string => requireProgram('promtool', 'prometheus');

  it('checks the rules', async () => {
    const { code, stdout, stderr } = await run(promtool(), ['check', 'rules', RULES]);
    expect(code, stdout + stderr).toBe(0);
    expect(stdout).toMatch(new RegExp(`SUCCESS: ${allRules.length} rules found`));
  });

  it('passes the unit tests (error-rate spike, FATAL, drops, token burn, queue growth, send failures)', async () => {
    const { code, stdout, stderr } = await run(promtool(), ['test', 'rules', RULE_TESTS]);
    expect(code, stdout + stderr).toBe(0);
    expect(stdout).toMatch(/SUCCESS/);
    const tested = new Set([...readFileSync(RULE_TESTS, 'utf8').matchAll(/alertname: (\S+)/g)].map((m) => m[1]));
    expect([...tested].sort()).toEqual(allRules.filter((r) => r.alert).map((r) => r.alert as string).sort());
  });

  it('fails a rule that does not parse, and a unit test the rules no longer meet', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'broken.rules.yml'), 'groups:\n  - name: x\n    rules:\n      - alert: X\n        expr: sum by (job (up)\n');
    expect((await run(promtool(), ['check', 'rules', path.join(dir, 'broken.rules.yml')])).code).not.toBe(0);
    // The same unit tests against a spike rule that needs 1000 errors instead of 10.
    writeFileSync(path.join(dir, 'tracebridge.rules.yml'), readFileSync(RULES, 'utf8').replace('agent:tracebridge_log_errors:sum5m >= 10', 'agent:tracebridge_log_errors:sum5m >= 1000'));
    copyFileSync(RULE_TESTS, path.join(dir, 'tracebridge.rules.test.yml'));
    const { code, stdout, stderr } = await run(promtool(), ['test', 'rules', path.join(dir, 'tracebridge.rules.test.yml')]);
    expect(code).not.toBe(0);
    expect(stdout + stderr).toMatch(/alertname: TracebridgeAgentErrorRateSpike/);
  });
});

describe('the metric names the rules use', () => {
  const prometheusConfig = parseYaml(readFileSync(path.join(ROOT, 'compose', 'prometheus.yml'), 'utf8')) as Obj;

  /**
   * Prometheus's name for an OTLP metric under UnderscoreEscapingWithSuffixes: `.` → `_`, then `_total`
   * for a monotonic sum; a unit in braces adds nothing (the units used here are all annotations).
   */
  const promName = (name: string, kind: 'gauge' | 'counter', unit: string): string => {
    expect(unit).toMatch(/^\{.*\}$/);
    return `${name.replace(/[^A-Za-z0-9_:]/g, '_')}${kind === 'counter' ? '_total' : ''}`;
  };

  it('relies on the translation strategy compose/prometheus.yml sets', () => {
    expect(prometheusConfig.otlp?.translation_strategy).toBe('UnderscoreEscapingWithSuffixes');
  });

  it('queries the derived log counts by the name and labels derived-metrics.yaml gives them', () => {
    const derived = parseYaml(readFileSync(DERIVED, 'utf8')) as Obj;
    const [name, def] = Object.entries(derived.connectors['count/logs'].logs as Record<string, Obj>)[0]!;
    // A gauge once transform/derived_metrics converted it, with unit {record}.
    const statements = (derived.processors['transform/derived_metrics'].metric_statements as Obj[])[0]!;
    expect(statements.conditions).toEqual([`metric.name == "${name}"`]);
    expect(statements.statements).toEqual(['convert_sum_to_gauge()', 'set(metric.unit, "{record}")']);
    const prom = promName(name, 'gauge', '{record}');
    expect(prom).toBe('tracebridge_log_records');
    expect(exprs).toContain(`${prom}{level=~"ERROR|FATAL"}`);
    expect(exprs).toContain(`${prom}{level="FATAL"}`);
    const labels = (def.attributes as Obj[]).map((a) => a.key as string);
    expect(labels.sort()).toEqual(['component', 'level']);
    expect(exprs).toMatch(/by \(job, instance, component\)/);
  });

  it("queries the logger's drop counter by the name Prometheus gives tracebridge.logger.dropped", () => {
    const source = readFileSync(path.join(ROOT, 'packages', 'logger', 'src', 'internal', 'metrics.ts'), 'utf8');
    const m = /createObservableCounter\('tracebridge\.logger\.dropped', \{[^}]*unit: '(\{[^']*\})'/.exec(source);
    expect(m, 'the logger no longer declares tracebridge.logger.dropped as a counter with an annotation unit').not.toBeNull();
    expect(exprs).toContain(`${promName('tracebridge.logger.dropped', 'counter', m![1]!)}[10m]`);
    expect(source).toMatch(/result\.observe\(n, \{ reason \}\)/);
    expect(exprs).toMatch(/by \(job, instance, reason\)/);
  });

  it("uses the collector's own metric names and labels, as a real collector serves them", async () => {
    // An exporter whose backend refuses everything (HTTP 400, a permanent error): the collector counts
    // the failure and serves its queue gauges.
    const refusing = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(400, { 'content-type': 'text/plain' }).end('refused'));
    });
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => refusing.close(() => resolve())));
    const dir = tempDir();
    const profile = path.join(dir, 'refusing.yaml');
    writeFileSync(
      profile,
      `# A profile of this test only: logs to a backend that refuses them. Lists are replaced, so stated in full.
exporters:
  otlp_http/refusing:
    endpoint: http://127.0.0.1:${(refusing.address() as AddressInfo).port}
    retry_on_failure:
      enabled: false
service:
  extensions: [health_check]
  pipelines:
    logs:
      receivers: [otlp]
      processors: [memory_limiter]
      exporters: [otlp_http/refusing]
`,
    );
    const metricsPort = await freePort();
    const collector: RunningCollector = await startCollector({ profile, dataDir: path.join(dir, 'data'), env: { COLLECTOR_METRICS_PORT: String(metricsPort) } });
    cleanups.unshift(() => collector.stop());
    const posted = await fetch(`${collector.otlpHttp}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resourceLogs: [{ resource: {}, scopeLogs: [{ scope: {}, logRecords: [{ body: { stringValue: 'refused' } }] }] }] }),
    });
    expect(posted.status).toBe(200);
    const exposition = await waitFor(
      'the send-failed counter in the collector\'s metrics',
      async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text(),
      (t) => /^otelcol_exporter_send_failed_log_records(_total)?\{/m.test(t),
      { timeoutMs: 60_000 },
    );
    const series = (name: string): string[] => exposition.split('\n').filter((l) => l.startsWith(`${name}{`));

    // Every otelcol_* name in the rules (and each send_failed pattern) is served, with the labels used.
    const failed = /otelcol_exporter_send_failed_log_records\(_total\)\?/.exec(exprs);
    expect(failed).not.toBeNull();
    const failedSeries = exposition.split('\n').filter((l) => /^otelcol_exporter_send_failed_log_records(_total)?\{/.test(l));
    expect(failedSeries.some((l) => l.includes('exporter="otlp_http/refusing"'))).toBe(true);
    for (const name of ['otelcol_exporter_queue_size', 'otelcol_exporter_queue_capacity']) {
      expect(exprs).toContain(name);
      const s = series(name).find((l) => l.includes('exporter="otlp_http/refusing"'));
      expect(s, `${name} is not served`).toBeDefined();
      expect(s).toContain('data_type="logs"');
    }
    const plainNames = new Set([...exprs.matchAll(/\b(otelcol_[a-z_]+)\b/g)].map((m) => m[1]!));
    for (const name of plainNames) {
      if (name.startsWith('otelcol_exporter_send_failed_')) continue;
      expect(series(name).length, `${name} in the rules, not served by the collector`).toBeGreaterThan(0);
    }
  });
});
