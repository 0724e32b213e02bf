/**
 * Throughput per collector core of each stack that matters beyond one node, against the same binary's
 * minimal pipeline, driven by the collector project's own load generator (`telemetrygen`, built from the
 * contrib Go modules at the manifest's release, tools/telemetrygen/):
 *
 *   baseline    OTLP → batch → file (bench/lib/collector-baseline.ts)  logs, spans
 *   local       stack `local`: redaction, OTLP/JSON files              logs
 *   lgtm        stack `lgtm`: redaction, Loki level, persistent queues to stand-ins for Loki, Tempo,
 *               Prometheus and S3                                        logs
 *   agent-tier  stack `agent-tier`: redaction, routing key, persistent queue, load balancing over three
 *               gateway stand-ins                                        logs, spans
 *   gateway     stack `gateway` (lgtm + derived-metrics + gateway): redaction, derived counts and span
 *               metrics, persistent queues, to the stand-ins             logs, spans
 *   jv          stack `jaeger-victorialogs` (one store per signal, no archive): what a gateway over it
 *               starts from                                              logs
 *   gateway-jv  the gateway over jaeger-victorialogs                     logs, spans
 *   gateway-jv-noqueue  the same with its exporters' sending queues off (a variant, not a shipped stack):
 *               what the persistent queue costs                          logs
 *
 * The collector measured runs alone on core 1 (`taskset -c 1`, GOMAXPROCS=1), so "per core" is literal;
 * telemetrygen, the stand-ins (one more collector receiving everything, `debug` exporter, and an S3
 * stand-in in this process) and this process run on core 0. Each run: telemetrygen at full rate (`--rate 0`,
 * several workers, batches of 1,000) for a warm-up and then BENCH_TIERS_SECONDS, then the collector drains
 * what it accepted. Counted from the end of the warm-up until drained, from the collector's own metrics and
 * /proc: µs of its CPU per record and the records/s one core sustains at that cost (1 s / CPU per
 * record: "per core", literally), the records/s measured out of its primary exporter with its core's busy
 * share (1.0 = saturated; on 2 cores the generator's core is the first to saturate), peak RSS, and drops
 * (refused by its receiver, failed or not queued by its exporters), each beside the baseline of the same
 * signal. Rounds rotate the order; medians, with the spread of the measured records/s.
 *
 *   BENCH=collector-tiers npm run bench
 *   BENCH_TIERS_SECONDS=10 BENCH_TIERS_ROUNDS=3 BENCH_TIERS_CASES=baseline-logs,gateway-logs,...
 *
 * Records are typical agent lines (a body, seven attributes, an agent resource). telemetrygen gives every
 * log record of a run the same trace id (or none): the agent tier's routing then makes one batch per
 * request, its cheapest case; the spans (random trace ids, one batch per trace) are its dearest.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
// The root package's subpath imports (package.json "imports") resolve from bench/ and bench/dist/ alike.
import { ensureTool } from '#collector/build-lib.mjs';
import { collectorBinary, freePort, startCollector } from '#collector/run-lib.mjs';
import type { RunningCollector, StartCollectorOptions } from '#collector/run-lib.mjs';
import { BASELINE_CONFIG, cpuSeconds, peakRss, pin } from './lib/collector-baseline.js';
import { median, table } from './lib/stats.js';

const SECONDS = Number(process.env.BENCH_TIERS_SECONDS ?? 10);
const WARMUP_SECONDS = 3;
const ROUNDS = Number(process.env.BENCH_TIERS_ROUNDS ?? 3);
const MEASURED_CORE = '1';
/** Concurrent log senders: enough that a collector waiting on its queue's fsync still has work. */
const WORKERS = Number(process.env.BENCH_TIERS_WORKERS ?? 8);
/** Span generators run at once, and spans per second each (telemetrygen paces per span). */
const SPAN_GENERATORS = 6;
const SPAN_RATE = 4_000;
const LOAD_CORE = '0';

type Signal = 'logs' | 'spans';

/** One configuration under load: how it starts, what it is sent, which exporter's output counts. */
interface Case {
  name: string;
  signal: Signal;
  /** The stack of collector/stacks.yaml (with ` +fragment`s), or the baseline. */
  stack: string | 'baseline';
  /** Its primary exporter: the records it sent are the throughput. */
  exporter: string;
  /** A configuration of this benchmark's own, loaded last (a variant to measure what a part costs). */
  extra?: string;
}

/** The jaeger-victorialogs exporters without their sending queues (send on the receiver's call). */
const NO_QUEUE = `exporters:
  otlp_http/victorialogs:
    sending_queue:
      enabled: false
  otlp_grpc/jaeger:
    sending_queue:
      enabled: false
`;

const CASES: Case[] = [
  { name: 'baseline-logs', signal: 'logs', stack: 'baseline', exporter: 'file/logs' },
  { name: 'local', signal: 'logs', stack: 'local', exporter: 'file/logs' },
  { name: 'lgtm', signal: 'logs', stack: 'lgtm', exporter: 'otlp_http/loki' },
  { name: 'agent-tier-logs', signal: 'logs', stack: 'agent-tier', exporter: 'load_balancing/gateways' },
  { name: 'gateway-logs', signal: 'logs', stack: 'gateway', exporter: 'otlp_http/loki' },
  { name: 'jv-logs', signal: 'logs', stack: 'jaeger-victorialogs', exporter: 'otlp_http/victorialogs' },
  { name: 'gateway-jv-logs', signal: 'logs', stack: 'jaeger-victorialogs +derived-metrics +gateway', exporter: 'otlp_http/victorialogs' },
  // What the persistent queue costs: the same gateway with its exporters' queues off (not a shipped stack).
  { name: 'gateway-jv-noqueue-logs', signal: 'logs', stack: 'jaeger-victorialogs +derived-metrics +gateway', exporter: 'otlp_http/victorialogs', extra: NO_QUEUE },
  { name: 'baseline-spans', signal: 'spans', stack: 'baseline', exporter: 'file/traces' },
  { name: 'agent-tier-spans', signal: 'spans', stack: 'agent-tier', exporter: 'load_balancing/gateways' },
  { name: 'gateway-spans', signal: 'spans', stack: 'gateway', exporter: 'otlp_grpc/tempo' },
  { name: 'gateway-jv-spans', signal: 'spans', stack: 'jaeger-victorialogs +derived-metrics +gateway', exporter: 'otlp_grpc/jaeger' },
];

/** Everything downstream of the measured collector: one collector receiving all of it, three gateway ports. */
const SINK_CONFIG = `receivers:
  otlp:
    protocols:
      grpc:
        endpoint: \${env:OTLP_GRPC_ENDPOINT}
        max_recv_msg_size_mib: 64
      http:
        endpoint: \${env:OTLP_HTTP_ENDPOINT}
  otlp/gw1:
    protocols:
      grpc:
        endpoint: \${env:SINK_GW1}
        max_recv_msg_size_mib: 64
  otlp/gw2:
    protocols:
      grpc:
        endpoint: \${env:SINK_GW2}
        max_recv_msg_size_mib: 64
  otlp/gw3:
    protocols:
      grpc:
        endpoint: \${env:SINK_GW3}
        max_recv_msg_size_mib: 64
exporters:
  debug:
    verbosity: basic
extensions:
  health_check:
    endpoint: \${env:HEALTH_ENDPOINT}
service:
  extensions: [health_check]
  telemetry:
    logs:
      level: warn
    metrics:
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: \${env:COLLECTOR_METRICS_PORT}
  pipelines:
    logs:
      receivers: [otlp, otlp/gw1, otlp/gw2, otlp/gw3]
      exporters: [debug]
    traces:
      receivers: [otlp, otlp/gw1, otlp/gw2, otlp/gw3]
      exporters: [debug]
    metrics:
      receivers: [otlp, otlp/gw1, otlp/gw2, otlp/gw3]
      exporters: [debug]
`;

/** An S3 stand-in that takes every object (the s3_archive exporter's PutObject) and keeps nothing. */
async function startS3StandIn(): Promise<{ url: string; bytes(): number; close(): Promise<void> }> {
  let bytes = 0;
  const server = http.createServer((req, res) => {
    req.on('data', (d: Buffer) => (bytes += d.length));
    req.on('end', () => res.writeHead(200, { ETag: '"0"' }).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, bytes: () => bytes, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** telemetrygen's arguments: typical agent records, full rate, batches of 1,000, for `seconds`. */
function loadArgs(signal: Signal, endpoint: string, seconds: number): string[] {
  const attrs = {
    'correlation.id': '"task-bench-1"',
    'context.item_id': '1234',
    'context.queue': '"tasks"',
    'context.attempt': '1',
    'context.user': '"ada"',
    'context.region': '"eu-west-1"',
    'performance.duration_ms': '12',
  };
  return [
    signal === 'logs' ? 'logs' : 'traces',
    '--otlp-endpoint', endpoint,
    '--otlp-insecure',
    '--duration', `${seconds}s`,
    // Logs: unpaced, WORKERS senders each waiting for its request's answer. Spans go through the SDK's
    // batch span processor, which exports one batch at a time and drops what its queue cannot hold, so
    // each generator is paced below what it can export and several run at once.
    ...(signal === 'logs' ? ['--rate', '0', '--workers', String(WORKERS)] : ['--rate', String(SPAN_RATE), '--workers', '1']),
    '--batch', '--batch-size', '1000',
    '--allow-export-failures',
    '--interval', '1h',
    '--service', 'W1',
    '--otlp-attributes', 'service.instance.id="W1-haiku-001"',
    '--otlp-attributes', 'gen_ai.agent.id="W1-haiku-001"',
    ...Object.entries(attrs).flatMap(([k, v]) => ['--telemetry-attributes', `${k}=${v}`]),
    ...(signal === 'logs'
      ? ['--body', 'processed item 1234 from the tasks queue', '--severity-text', 'INFO', '--severity-number', '9', '--trace-id', '0af7651916cd43dd8448eb211c80319c', '--span-id', 'b7ad6b7169203331']
      : ['--child-spans', '3']),
  ];
}

interface Result {
  perSecond: number;
  cpuMicros: number;
  busy: number;
  rssMb: number;
  drops: number;
}

const counted = (signal: Signal): string => (signal === 'logs' ? 'log_records' : 'spans');

async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** What run-lib's startCollector is given for a case: a stack and its fragments, or the baseline's file. */
type Run = Pick<StartCollectorOptions, 'profile' | 'fragments' | 'configs' | 'extraConfigs'>;

async function measure(bin: string, telemetrygen: string, c: Case, run: Run, env: Record<string, string>): Promise<Result> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tb-bench-tiers-'));
  let collector: RunningCollector | undefined;
  try {
    // One core for the collector: pinned, and the Go runtime told so (GOMAXPROCS follows the mask anyway).
    collector = await startCollector({ ...run, bin, dataDir, env: { ...env, GOMAXPROCS: '1' }, wrapper: ['taskset', '-c', MEASURED_CORE] });
    const col = collector;
    const pid = col.process.pid as number;
    const unit = counted(c.signal);
    const sent = (): Promise<number> => col.metric(`otelcol_exporter_sent_${unit}`, { exporter: c.exporter });
    const accepted = (): Promise<number> => col.metric(`otelcol_receiver_accepted_${unit}`);
    const drops = async (): Promise<number> =>
      (await col.metric(`otelcol_receiver_refused_${unit}`)) +
      (await col.metric(`otelcol_exporter_send_failed_${unit}`)) +
      (await col.metric(`otelcol_exporter_enqueue_failed_${unit}`));
    // Spans: several generators, each paced (see loadArgs); logs: one, unpaced.
    let loadOutput = '';
    const loads = Array.from({ length: c.signal === 'spans' ? SPAN_GENERATORS : 1 }, () => {
      const load = spawn('taskset', ['-c', LOAD_CORE, telemetrygen, ...loadArgs(c.signal, col.otlpGrpc, WARMUP_SECONDS + SECONDS)], { stdio: ['ignore', 'ignore', 'pipe'] });
      load.stderr.on('data', (d: Buffer) => (loadOutput = (loadOutput + d.toString()).slice(-4000)));
      return once(load, 'exit') as Promise<[number | null]>;
    });
    await sleep(WARMUP_SECONDS * 1000);
    const t0 = performance.now();
    const [cpu0, sent0, drops0] = [cpuSeconds(pid), await sent(), await drops()];
    for (const [code] of await Promise.all(loads)) if (code !== 0) throw new Error(`telemetrygen exited with ${code}:\n${loadOutput}`);
    // Drained: everything accepted has left through the primary exporter.
    const total = await accepted();
    await waitUntil(`${c.name} to drain`, async () => (await sent()) >= total, 300_000);
    const t1 = performance.now();
    const cpu = cpuSeconds(pid) - cpu0;
    const records = (await sent()) - sent0;
    const seconds = (t1 - t0) / 1000;
    return { perSecond: records / seconds, cpuMicros: (cpu / records) * 1e6, busy: cpu / seconds, rssMb: peakRss(pid) / 2 ** 20, drops: (await drops()) - drops0 };
  } catch (err) {
    throw new Error(`${c.name}: ${(err as Error).message}\n${collector?.output().slice(-4000) ?? ''}`);
  } finally {
    // The figures are read: a graceful exit would only add time.
    await collector?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const bin = await collectorBinary({ log });
  const telemetrygen = await ensureTool('telemetrygen', { log });
  const chosen = (process.env.BENCH_TIERS_CASES ?? CASES.map((c) => c.name).join(',')).split(',').map((s) => s.trim());
  const cases = chosen.map((name) => {
    const c = CASES.find((x) => x.name === name);
    if (c === undefined) throw new Error(`unknown case ${name}; known: ${CASES.map((x) => x.name).join(', ')}`);
    return c;
  });
  // This process (the S3 stand-in, the polling) stays off the measured core.
  pin(process.pid, LOAD_CORE);

  const work = mkdtempSync(path.join(tmpdir(), 'tb-bench-tiers-work-'));
  const baselineFile = path.join(work, 'baseline.yaml');
  const sinkFile = path.join(work, 'sink.yaml');
  writeFileSync(baselineFile, BASELINE_CONFIG);
  writeFileSync(sinkFile, SINK_CONFIG);
  const gw = [await freePort(), await freePort(), await freePort()];
  const sink = await startCollector({
    configs: [sinkFile],
    bin,
    dataDir: path.join(work, 'sink'),
    env: { SINK_GW1: `127.0.0.1:${gw[0]}`, SINK_GW2: `127.0.0.1:${gw[1]}`, SINK_GW3: `127.0.0.1:${gw[2]}` },
    wrapper: ['taskset', '-c', LOAD_CORE],
  });
  const s3 = await startS3StandIn();
  const env: Record<string, string> = {
    // lgtm and gateway: every backend is the sink (S3: the stand-in in this process).
    LOKI_ENDPOINT: sink.otlpHttp,
    TEMPO_ENDPOINT: sink.otlpGrpc,
    TEMPO_INSECURE: 'true',
    PROMETHEUS_OTLP_ENDPOINT: `${sink.otlpHttp}/v1/metrics`,
    S3_ENDPOINT: s3.url,
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench-secret',
    // agent-tier: three gateways (ports of the sink).
    TRACEBRIDGE_GATEWAYS: `[${gw.map((p) => `127.0.0.1:${p}`).join(', ')}]`,
    TRACEBRIDGE_COLLECTOR_ID: 'gateway-bench',
    // jaeger-victorialogs gateway: the sink too.
    VICTORIALOGS_OTLP_ENDPOINT: `${sink.otlpHttp}/v1/logs`,
    JAEGER_OTLP_ENDPOINT: sink.otlpGrpc,
  };
  const runOf = (c: Case): Run => {
    if (c.stack === 'baseline') return { configs: [baselineFile] };
    const [profile, ...fragments] = c.stack.split(' +') as [string, ...string[]];
    if (c.extra === undefined) return { profile, fragments };
    const extra = path.join(work, `${c.name}.yaml`);
    writeFileSync(extra, c.extra);
    return { profile, fragments, extraConfigs: [extra] };
  };

  const results = new Map<string, Result[]>(cases.map((c) => [c.name, []]));
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? cases : [...cases].reverse();
      for (const c of order) {
        const r = await measure(bin, telemetrygen, c, runOf(c), env);
        log(`[collector-tiers] round ${round + 1} ${c.name}: ${Math.round(r.perSecond)} ${c.signal}/s, ${r.cpuMicros.toFixed(2)} µs CPU each, core ${(r.busy * 100).toFixed(0)} % busy, ${r.rssMb.toFixed(0)} MB, ${r.drops} dropped`);
        results.get(c.name)!.push(r);
      }
    }
  } finally {
    await sink.kill();
    await s3.close();
    rmSync(work, { recursive: true, force: true });
  }

  const med = (name: string, key: keyof Result): number => median((results.get(name) ?? []).map((r) => r[key]));
  // Per core: what one fully busy core sustains, 1 s of CPU over the CPU per record. On a 2-core machine
  // the generator's core saturates first (the measured collector's core is seldom fully busy, see
  // `core busy`), so the measured records/s is shown too but the per-core figure is the one to compare.
  const rows = cases.map((c) => {
    const base = `baseline-${c.signal}`;
    const has = results.has(base);
    const rs = results.get(c.name)!.map((r) => r.perSecond);
    const perCore = (name: string): number => 1e6 / med(name, 'cpuMicros');
    return [
      c.name,
      med(c.name, 'cpuMicros'),
      has ? med(c.name, 'cpuMicros') / med(base, 'cpuMicros') : '-',
      perCore(c.name),
      has ? perCore(c.name) / perCore(base) : '-',
      med(c.name, 'perSecond'),
      `${Math.round(Math.min(...rs)).toLocaleString('en-US')}–${Math.round(Math.max(...rs)).toLocaleString('en-US')}`,
      med(c.name, 'busy'),
      med(c.name, 'rssMb'),
      has ? med(c.name, 'rssMb') / med(base, 'rssMb') : '-',
      med(c.name, 'drops'),
    ];
  });
  console.log(`\ncollector throughput per core: telemetrygen on core ${LOAD_CORE}, the collector alone on core ${MEASURED_CORE} (GOMAXPROCS=1), ${SECONDS} s after ${WARMUP_SECONDS} s of warm-up, median of ${ROUNDS} rounds`);
  console.log(
    table(
      ['case', 'µs CPU/record', '× baseline', 'records/s per core', '× baseline', 'measured records/s', 'range', 'core busy', 'peak RSS MB', '× baseline', 'drops'],
      rows,
    ),
  );
  console.log(`(S3 stand-in received ${(s3.bytes() / 2 ** 20).toFixed(1)} MiB of archive objects)`);
}
