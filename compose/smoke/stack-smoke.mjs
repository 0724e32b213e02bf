#!/usr/bin/env node
// compose/smoke/stack-smoke.mjs: `npm run stack:smoke`, the compose stack end to end on a host with a
// Docker engine (the stack-smoke workflow runs it on a hosted runner).
//
// Run from the repository root after `npm ci && npm run build` (the trace step runs this checkout's CLI
// in the demo agent's container). Steps, each stopping the run with a message when it fails:
//   1. secrets: compose/secrets.env, written by init-secrets.sh when missing;
//   2. up: `docker compose -f compose/compose.yaml up -d --wait` (every service healthy or done);
//   3. agent: compose/smoke/agent.mjs, instrumented with --import @tracebridge/auto/register, sends its
//      traces and logs to the collector's published OTLP/HTTP port with the bearer token;
//   4. trace: `tracebridge trace <correlation id> --loki http://loki:3100 --tempo http://tempo:3200
//      --json`, inside the network (`docker compose run demo-agent`), until Loki has the agent's logs and
//      Tempo its trace;
//   5. grafana: each provisioned data source's health through Grafana's API (admin login);
//   6. archive: the S3 bucket holds the collector's gzipped OTLP/JSON logs and traces objects;
//   7. down: `docker compose down -v`, whatever happened (after `logs` when a step failed), unless
//      STACK_SMOKE_KEEP=1.
// Variables: DOCKER (the docker command, default `docker`), STACK_SMOKE_COMPOSE_DIR (default: compose/),
// STACK_SMOKE_DEADLINE_MS (how long steps 4-6 wait for data, default 240000), STACK_SMOKE_RETRY_MS (how
// often they look, default 5000). The stack's own variables
// (ports, bind address, bucket) are read like Compose reads them: the shell, then .env.
// Every step is exercised here without an engine against stand-ins: test/stack/compose-smoke.test.ts.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const COMPOSE_DIR = path.resolve(process.env.STACK_SMOKE_COMPOSE_DIR || path.join(REPO, 'compose'));
const COMPOSE_FILE = path.join(COMPOSE_DIR, 'compose.yaml');
const DOCKER = process.env.DOCKER || 'docker';
const DEADLINE_MS = Number(process.env.STACK_SMOKE_DEADLINE_MS || 240_000);
const RETRY_MS = Number(process.env.STACK_SMOKE_RETRY_MS || 5_000);

class SmokeError extends Error {}

/** KEY=VALUE lines of an env file. */
function envFile(file) {
  const out = {};
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) out[m[1]] = m[2].trim();
  }
  return out;
}

/** Runs a command; resolves with its exit status and output (never rejects on a non-zero exit). */
function run(cmd, args, { cwd = REPO, env = process.env, timeoutMs = 600_000, echo = true } = {}) {
  return new Promise((resolve, reject) => {
    if (echo) log(`$ ${[cmd, ...args].join(' ')}`);
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new SmokeError(`cannot run ${cmd}: ${err.message}`));
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status: status ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}

function log(line) {
  process.stderr.write(`[stack-smoke] ${line}\n`);
}

const compose = (args, options) => run(DOCKER, ['compose', '-f', COMPOSE_FILE, ...args], options);

/** Calls `attempt` every RETRY_MS until it returns a value (not undefined) or the deadline passes. */
async function until(what, attempt) {
  const deadline = Date.now() + DEADLINE_MS;
  let last = 'no answer yet';
  for (;;) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (err) {
      if (!(err instanceof RetryLater)) throw err;
      last = err.message;
    }
    if (Date.now() >= deadline) throw new SmokeError(`${what}: gave up after ${Math.round(DEADLINE_MS / 1000)} s; last: ${last}`);
    await new Promise((r) => setTimeout(r, RETRY_MS));
  }
}
class RetryLater extends Error {}

/** The stack's variables as Compose sees them: the shell wins over .env and secrets.env. */
function stackEnv() {
  return { ...envFile(path.join(COMPOSE_DIR, '.env')), ...envFile(path.join(COMPOSE_DIR, 'secrets.env')), ...pick(process.env) };
}
function pick(env) {
  const out = {};
  for (const k of ['BIND_ADDRESS', 'GRAFANA_PORT', 'OTLP_HTTP_PORT', 'GRAFANA_ADMIN_USER', 'GRAFANA_ADMIN_PASSWORD', 'OTLP_BEARER_TOKEN', 'S3_BUCKET']) {
    if (env[k] !== undefined) out[k] = env[k];
  }
  return out;
}
/** A host to connect to for a published port: the bind address, or loopback when it binds all. */
const hostOf = (bind) => (!bind || bind === '0.0.0.0' ? '127.0.0.1' : bind);

export const steps = {
  async secrets() {
    if (existsSync(path.join(COMPOSE_DIR, 'secrets.env'))) return 'compose/secrets.env present';
    const res = await run('sh', [path.join(COMPOSE_DIR, 'init-secrets.sh')], { cwd: COMPOSE_DIR });
    if (res.status !== 0) throw new SmokeError(`init-secrets.sh failed: ${res.stderr.trim()}`);
    return 'compose/secrets.env written';
  },

  async up() {
    const res = await compose(['up', '-d', '--wait']);
    if (res.status !== 0) throw new SmokeError(`docker compose up --wait failed (${res.status}): ${(res.stderr || res.stdout).trim().slice(-2000)}`);
    return 'every service healthy';
  },

  async agent() {
    const env = stackEnv();
    const res = await run(process.execPath, ['--import', '@tracebridge/auto/register', path.join(REPO, 'compose/smoke/agent.mjs')], {
      env: {
        ...process.env,
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://${hostOf(env.BIND_ADDRESS)}:${env.OTLP_HTTP_PORT ?? '4318'}`,
        OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer%20${env.OTLP_BEARER_TOKEN ?? ''}`,
        OTEL_METRICS_EXPORTER: 'none',
        TRACEBRIDGE_AGENT_ID: 'S0-smoke-001',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=smoke',
      },
      timeoutMs: 120_000,
    });
    const last = res.stdout.trim().split('\n').at(-1) ?? '';
    let sent;
    try {
      sent = JSON.parse(last);
    } catch {
      sent = undefined;
    }
    if (res.status !== 0 || !sent?.traceId) throw new SmokeError(`the agent failed (${res.status}): ${res.stderr.trim().slice(-2000)}`);
    this.sent = sent;
    return `trace ${sent.traceId}, correlation id ${sent.correlationId}`;
  },

  async trace() {
    const { traceId, correlationId } = this.sent;
    return until('logs in Loki and the trace in Tempo', async () => {
      const res = await compose(
        ['run', '--rm', '-T', 'demo-agent', 'trace', correlationId, '--loki', 'http://loki:3100', '--tempo', 'http://tempo:3200', '--json'],
        { timeoutMs: 120_000 },
      );
      if (res.status !== 0) throw new RetryLater(`tracebridge trace exited ${res.status}: ${res.stderr.trim().split('\n').slice(-3).join(' / ')}`);
      let doc;
      try {
        doc = JSON.parse(res.stdout);
      } catch {
        throw new RetryLater(`tracebridge trace printed no JSON: ${res.stdout.slice(0, 200)}`);
      }
      // The CLI's warnings say why a part is missing (Tempo: trace not found, a partial trace, a limit).
      const warnings = res.stderr.split('\n').filter((l) => l.includes('warning:')).map((l) => l.replace(/^.*warning:\s*/, ''));
      const why = warnings.length > 0 ? `; ${warnings.join(' / ')}` : '';
      const found = (doc.traces ?? []).find((t) => t.traceId === traceId);
      if (!found) throw new RetryLater(`no trace ${traceId} in the timeline yet${why}`);
      if (found.counts.spans < 2 || found.counts.logs < 2) throw new RetryLater(`trace ${traceId}: ${found.counts.spans} spans, ${found.counts.logs} logs so far${why}`);
      return `${found.counts.spans} spans in Tempo, ${found.counts.logs} logs in Loki`;
    });
  },

  async grafana() {
    const env = stackEnv();
    const base = `http://${hostOf(env.BIND_ADDRESS)}:${env.GRAFANA_PORT ?? '3000'}`;
    const auth = `Basic ${Buffer.from(`${env.GRAFANA_ADMIN_USER ?? 'admin'}:${env.GRAFANA_ADMIN_PASSWORD ?? ''}`).toString('base64')}`;
    const provisioning = readFileSync(path.join(COMPOSE_DIR, 'grafana/provisioning/datasources/datasources.yaml'), 'utf8');
    const uids = [...provisioning.matchAll(/^\s+uid:\s*["']?([\w-]+)["']?\s*$/gm)].map((m) => m[1]);
    if (uids.length === 0) throw new SmokeError('no data source uid in the provisioning file');
    for (const uid of uids) {
      await until(`Grafana data source ${uid}`, async () => {
        let res;
        try {
          res = await fetch(`${base}/api/datasources/uid/${uid}/health`, { headers: { Authorization: auth }, signal: AbortSignal.timeout(30_000) });
        } catch (err) {
          throw new RetryLater(`Grafana at ${base} cannot be reached: ${err.message}`);
        }
        const body = await res.text();
        if (res.status === 401 || res.status === 403) throw new SmokeError(`Grafana refused the admin login (${res.status}): ${body.slice(0, 200)}`);
        let health;
        try {
          health = JSON.parse(body);
        } catch {
          health = {};
        }
        if (res.status !== 200 || health.status !== 'OK') throw new RetryLater(`${uid}: HTTP ${res.status} ${health.status ?? ''} ${health.message ?? body.slice(0, 200)}`);
        return health.message ?? 'OK';
      });
    }
    return `healthy: ${uids.join(', ')}`;
  },

  async archive() {
    const bucket = stackEnv().S3_BUCKET ?? 'tracebridge-archive';
    return until(`the archive in bucket ${bucket}`, async () => {
      const res = await compose([
        'run', '--rm', '-T', '--entrypoint', 'sh', 's3-bucket', '-ec',
        `aws configure set default.s3.addressing_style path && aws s3api list-objects-v2 --bucket "${bucket}" --prefix otlp/ --output json`,
      ]);
      if (res.status !== 0) throw new RetryLater(`listing failed (${res.status}): ${res.stderr.trim().slice(-300)}`);
      let listing;
      try {
        listing = res.stdout.trim() === '' ? {} : JSON.parse(res.stdout);
      } catch {
        throw new RetryLater(`the listing is not JSON: ${res.stdout.slice(0, 200)}`);
      }
      const keys = (listing.Contents ?? []).map((o) => o.Key);
      const logs = keys.filter((k) => /\/logs_[^/]+\.json\.gz$/.test(k));
      const traces = keys.filter((k) => /\/traces_[^/]+\.json\.gz$/.test(k));
      if (logs.length === 0 || traces.length === 0) throw new RetryLater(`${logs.length} logs and ${traces.length} traces objects so far`);
      return `${logs.length} logs and ${traces.length} traces objects, e.g. ${logs[0]}`;
    });
  },
};

export async function main() {
  const context = {};
  const order = ['secrets', 'up', 'agent', 'trace', 'grafana', 'archive'];
  let failed;
  try {
    for (const name of order) {
      const started = Date.now();
      const what = await steps[name].call(context);
      log(`ok ${name} (${((Date.now() - started) / 1000).toFixed(1)} s): ${what}`);
    }
  } catch (err) {
    failed = err;
    log(`FAILED: ${err.message}`);
    const logs = await compose(['logs', '--no-color', '--tail', '200']).catch(() => undefined);
    if (logs) process.stderr.write(logs.stdout + logs.stderr);
  } finally {
    if (process.env.STACK_SMOKE_KEEP === '1') log('STACK_SMOKE_KEEP=1: the stack is left running');
    else {
      const down = await compose(['down', '-v']).catch((err) => ({ status: 1, stderr: err.message }));
      if (down.status !== 0) log(`docker compose down -v failed: ${down.stderr.trim()}`);
    }
  }
  if (failed) return 1;
  log('the stack works end to end');
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => (process.exitCode = code),
    (err) => {
      log(`error: ${err.stack ?? err}`);
      process.exitCode = 1;
    },
  );
}
