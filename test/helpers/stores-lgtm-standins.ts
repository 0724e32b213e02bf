// Stand-ins for the `lgtm` profile's backends, on 127.0.0.1, that decode what arrives (the approach of
// test/backends/lgtm.test.ts): Loki, Tempo and Prometheus are further collector instances whose otlp
// receiver serves only the backend's own path and writes each request it decoded to a file as OTLP/JSON,
// and S3 is the real versitygw gateway. Loki and Tempo themselves are AGPL and never run by the tests.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startCollector } from '#collector/run-lib.mjs';
import type { RunningCollector } from '#collector/run-lib.mjs';
import { createBucket } from './s3-client.js';
import { startS3Server } from './s3-server.js';
import type { S3Server } from './s3-server.js';

type Obj = Record<string, any>;
type Signal = 'logs' | 'traces' | 'metrics';

/** One backend stand-in: the requests it decoded, as parsed OTLP/JSON Export*ServiceRequests. */
export interface StandIn {
  collector: RunningCollector;
  received(): Obj[];
}

/** The lgtm profile's backends, and the environment that points the profile at them. */
export interface LgtmStandIns {
  loki: StandIn;
  tempo: StandIn;
  prometheus: StandIn;
  s3: S3Server;
  /** Environment for `startCollector({ profile: 'lgtm', env })`. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** Complete JSON lines of a file that may still be being written (a partial last line is left out). */
function readJsonLines(file: string): Obj[] {
  if (!existsSync(file)) return [];
  const out: Obj[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as Obj);
    } catch {
      // the tail of a line still being written
    }
  }
  return out;
}

async function startStandIn(signal: Signal, dirs: string[], urlPath?: string): Promise<StandIn> {
  const dir = mkdtempSync(path.join(tmpdir(), `tb-standin-${signal}-`));
  dirs.push(dir);
  const config = path.join(dir, 'stand-in.yaml');
  const urlPathKey = { logs: 'logs_url_path', traces: 'traces_url_path', metrics: 'metrics_url_path' }[signal];
  // Merged over collector/config.yaml by startCollector: the base's otlp receiver (on the ports chosen
  // there) with this signal's path, and one pipeline into a file.
  writeFileSync(
    config,
    [
      'receivers:',
      '  otlp:',
      '    protocols:',
      '      http:',
      ...(urlPath ? [`        ${urlPathKey}: ${urlPath}`] : []),
      'exporters:',
      '  file/received:',
      '    path: ${env:TRACEBRIDGE_DATA_DIR}/received.jsonl',
      '    format: json',
      '    flush_interval: 100ms',
      'service:',
      '  extensions: [health_check]',
      '  pipelines:',
      `    ${signal}:`,
      '      receivers: [otlp]',
      '      exporters: [file/received]',
      '',
    ].join('\n'),
  );
  const collector = await startCollector({ profile: config });
  dirs.push(collector.dataDir);
  return { collector, received: () => readJsonLines(path.join(collector.dataDir, 'received.jsonl')) };
}

/** Starts Loki, Tempo and Prometheus stand-ins and an S3 gateway with the archive bucket. */
export async function startLgtmStandIns(): Promise<LgtmStandIns> {
  const dirs: string[] = [];
  const started: StandIn[] = [];
  let s3: S3Server | undefined;
  const stop = async (): Promise<void> => {
    for (const s of started) await s.collector.stop().catch(() => undefined);
    await s3?.stop();
    for (const dir of [...dirs, s3?.dataDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    const loki = await startStandIn('logs', dirs, '/otlp/v1/logs');
    started.push(loki);
    const tempo = await startStandIn('traces', dirs);
    started.push(tempo);
    const prometheus = await startStandIn('metrics', dirs, '/api/v1/otlp/v1/metrics');
    started.push(prometheus);
    s3 = await startS3Server();
    const bucket = 'tracebridge-archive';
    await createBucket(s3, bucket);
    const env = {
      LOKI_ENDPOINT: `${loki.collector.otlpHttp}/otlp`,
      TEMPO_ENDPOINT: tempo.collector.otlpGrpc,
      PROMETHEUS_OTLP_ENDPOINT: `${prometheus.collector.otlpHttp}/api/v1/otlp/v1/metrics`,
      S3_ENDPOINT: s3.endpoint,
      S3_REGION: s3.region,
      S3_BUCKET: bucket,
      S3_PREFIX: 'otlp',
      AWS_ACCESS_KEY_ID: s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    };
    return { loki, tempo, prometheus, s3, env, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
