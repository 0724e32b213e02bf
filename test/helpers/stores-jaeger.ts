// A real Jaeger for tests (the v2 backend, built from Go modules into the machine cache; in-memory storage,
// OTLP in, HTTP query API out), run with collector/stores/jaeger/jaeger.yaml on free 127.0.0.1 ports.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ensureStore } from '#collector/build-lib.mjs';
import { COLLECTOR_DIR, freePort } from '#collector/run-lib.mjs';

/** A span as Jaeger's query API returns it, with its process (resource) resolved. */
export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  /** The parent first (if any), then the links, each `CHILD_OF` or `FOLLOWS_FROM`. */
  references: Array<{ refType: string; traceID: string; spanID: string }>;
  /** The span's tags, as key → value. */
  tags: Record<string, unknown>;
  /** The process's (resource's) service name and tags, as key → value. */
  process: { serviceName: string; tags: Record<string, unknown> };
}

/** A running Jaeger. */
export interface Jaeger {
  /** `host:port` of its OTLP gRPC receiver (what `otlp_grpc/jaeger` sends to). */
  otlpGrpc: string;
  /** `http://127.0.0.1:<port>` of its query API. */
  queryUrl: string;
  /** The spans of a trace from `GET /api/traces/<id>`; empty when Jaeger does not know the trace. */
  trace(traceId: string): Promise<JaegerSpan[]>;
  output(): string;
  /** SIGTERM and wait (SIGKILL after 10 s). Its storage is in memory: everything is gone. */
  stop(): Promise<void>;
}

interface JaegerTrace {
  spans: Array<Omit<JaegerSpan, 'tags' | 'process'> & { processID: string; tags?: Array<{ key: string; value: unknown }> }>;
  processes: Record<string, { serviceName: string; tags?: Array<{ key: string; value: unknown }> }>;
}

const tagMap = (tags: Array<{ key: string; value: unknown }> | undefined): Record<string, unknown> =>
  Object.fromEntries((tags ?? []).map((t) => [t.key, t.value]));

/** Starts Jaeger and waits until its health check answers. The caller must `stop()` it. */
export async function startJaeger(): Promise<Jaeger> {
  const bin = (await ensureStore('jaeger', { log: () => undefined })) as string;
  const [grpc, http, query, queryGrpc, health] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const proc: ChildProcess = spawn(bin, ['--config', path.join(COLLECTOR_DIR, 'stores', 'jaeger', 'jaeger.yaml')], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      JAEGER_OTLP_GRPC_PORT: String(grpc),
      JAEGER_OTLP_HTTP_PORT: String(http),
      JAEGER_QUERY_HTTP_PORT: String(query),
      JAEGER_QUERY_GRPC_PORT: String(queryGrpc),
      JAEGER_HEALTH_PORT: String(health),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  let alive = true;
  const exited = new Promise<void>((resolve) =>
    proc.once('exit', () => {
      alive = false;
      resolve();
    }),
  );
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (!alive) throw new Error(`Jaeger exited during start-up:\n${output}`);
    try {
      if ((await fetch(`http://127.0.0.1:${health}/status`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`Jaeger did not become healthy in 60 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const queryUrl = `http://127.0.0.1:${query}`;
  return {
    otlpGrpc: `127.0.0.1:${grpc}`,
    queryUrl,
    async trace(traceId) {
      const res = await fetch(`${queryUrl}/api/traces/${traceId}`);
      if (res.status === 404) return [];
      if (!res.ok) throw new Error(`GET /api/traces/${traceId} answered ${res.status}: ${await res.text()}`);
      const body = (await res.json()) as { data: JaegerTrace[] | null };
      return (body.data ?? []).flatMap((t) =>
        t.spans.map((s) => {
          const p = t.processes[s.processID];
          return {
            traceID: s.traceID,
            spanID: s.spanID,
            operationName: s.operationName,
            references: s.references ?? [],
            tags: tagMap(s.tags),
            process: { serviceName: p?.serviceName ?? '', tags: tagMap(p?.tags) },
          };
        }),
      );
    },
    output: () => output,
    async stop() {
      if (!alive) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
