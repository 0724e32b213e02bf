/**
 * Delivers the exit spool (spool.ts): claims each ready file, POSTs its body to the OTLP/HTTP endpoint it
 * names, deletes it on a 2xx. Runs in a detached process of its own (spool-sender-main.ts), started when
 * an agent ends with something spooled and when the next one starts, so neither waits for it: it has no
 * OpenTelemetry SDK and nothing of the agent's, only `node:http`.
 *
 * Outcomes, each appended as one JSON line to `<spool>/delivered.log` (at most 1 MiB, then started
 * again), which is how the records a crash may duplicate are counted apart:
 * - `sent`: the collector answered 2xx; `unsure: true` when the request may have arrived before (it was
 *   in flight at the end, or its first sender died after sending it): those records may be duplicates;
 * - `rejected`: a 4xx other than 408/429 (the data or the credentials are wrong): kept as `*.rejected`,
 *   never resent;
 * - `expired`: older than the spool's age bound, deleted unsent;
 * - a refused connection, a timeout or a 5xx gives the file back and ends this round for that endpoint;
 *   the next sender (the next agent to start) tries again.
 */
import { appendFileSync, readFileSync, renameSync, statSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_SPOOL_MAX_AGE_HOURS, claim, readSpool, readyFiles, recoverStaleClaims, reject, release, remove, spooledAt } from './spool.js';
import type { SpoolSignal } from './spool.js';

/** One delivery outcome, as written to `delivered.log`. */
export interface DeliveryLine {
  at: string;
  file: string;
  signal: SpoolSignal;
  records: number;
  unsure: boolean;
  url: string;
  outcome: 'sent' | 'rejected' | 'expired';
  status?: number;
}

/** Options of {@link sendSpool}. */
export interface SendOptions {
  /** Give up (leave the rest for the next sender) after this long. @default 30000 */
  budgetMillis?: number;
  /** Bound on one request. @default 10000 */
  requestTimeoutMillis?: number;
  /** Files older than this are deleted unsent. @default 72 h */
  maxAgeMillis?: number;
  /** Extra headers by endpoint URL (a logger's `headers` option), over those of the environment. */
  headersByUrl?: Record<string, Record<string, string>>;
  env?: NodeJS.ProcessEnv;
}

/** What a round of delivery did. */
export interface SendResult {
  sent: number;
  sentRecords: number;
  unsureRecords: number;
  rejected: number;
  expired: number;
  left: number;
}

const LOG_NAME = 'delivered.log';
const LOG_MAX_BYTES = 1024 * 1024;
/** Waits between rounds while an endpoint refuses: a collector that is restarting comes back soon. */
const BACKOFF_MS = [250, 500, 1000, 2000, 4000, 8000];

/** Delivers what the spool folder holds, within the budget. Never throws. */
export async function sendSpool(dir: string, options: SendOptions = {}): Promise<SendResult> {
  const env = options.env ?? process.env;
  const budget = options.budgetMillis ?? 30_000;
  const deadline = Date.now() + budget;
  const maxAge = options.maxAgeMillis ?? ageFromEnv(env);
  const result: SendResult = { sent: 0, sentRecords: 0, unsureRecords: 0, rejected: 0, expired: 0, left: 0 };
  recoverStaleClaims(dir);
  for (let round = 0; ; round++) {
    const down = new Set<string>();
    for (const name of readyFiles(dir)) {
      if (Date.now() > deadline) break;
      const claimed = claim(dir, name);
      if (claimed === undefined) continue;
      const spooled = readSpool(claimed);
      if (spooled === undefined) {
        reject(claimed);
        result.rejected++;
        continue;
      }
      const { header, body } = spooled;
      const line = (outcome: DeliveryLine['outcome'], status?: number): void =>
        report(dir, { at: new Date().toISOString(), file: name, signal: header.signal, records: header.records, unsure: header.unsure, url: header.url, outcome, ...(status === undefined ? {} : { status }) });
      const at = spooledAt(name);
      if (at !== undefined && Date.now() - at > maxAge) {
        remove(claimed);
        result.expired++;
        line('expired');
        continue;
      }
      if (down.has(header.url)) {
        release(claimed);
        continue;
      }
      const headers = { ...headersFromEnv(env, header.signal), ...(options.headersByUrl?.[header.url] ?? {}) };
      const answer = await post(header.url, body, header.contentType, headers, options.requestTimeoutMillis ?? 10_000, env, header.signal);
      if (answer.status !== undefined && answer.status >= 200 && answer.status < 300) {
        remove(claimed);
        result.sent++;
        result.sentRecords += header.records;
        if (header.unsure) result.unsureRecords += header.records;
        line('sent', answer.status);
      } else if (answer.status !== undefined && answer.status >= 400 && answer.status < 500 && answer.status !== 408 && answer.status !== 429) {
        reject(claimed);
        result.rejected++;
        line('rejected', answer.status);
      } else {
        release(claimed);
        down.add(header.url);
      }
    }
    const left = readyFiles(dir).length;
    result.left = left;
    if (left === 0 || down.size === 0 || Date.now() > deadline) return result;
    await sleep(Math.min(BACKOFF_MS[Math.min(round, BACKOFF_MS.length - 1)] as number, Math.max(0, deadline - Date.now())));
    if (Date.now() > deadline) return result;
  }
}

function ageFromEnv(env: NodeJS.ProcessEnv): number {
  const hours = Number(env.TRACEBRIDGE_SPOOL_MAX_AGE_HOURS);
  return (Number.isFinite(hours) && hours > 0 ? hours : DEFAULT_SPOOL_MAX_AGE_HOURS) * 3_600_000;
}

/** `OTEL_EXPORTER_OTLP_HEADERS`, then the signal's own, as the exporters read them (`k=v,k2=v2`, percent-decoded). */
export function headersFromEnv(env: NodeJS.ProcessEnv, signal: SpoolSignal): Record<string, string> {
  const out: Record<string, string> = {};
  for (const text of [env.OTEL_EXPORTER_OTLP_HEADERS, env[`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_HEADERS`]]) {
    for (const pair of (text ?? '').split(',')) {
      const i = pair.indexOf('=');
      if (i <= 0) continue;
      try {
        out[decodeURIComponent(pair.slice(0, i).trim())] = decodeURIComponent(pair.slice(i + 1).trim());
      } catch {
        // a malformed pair is skipped, as the exporters do
      }
    }
  }
  return out;
}

/** TLS files of the OTLP exporters' variables, for an https endpoint. */
function tlsFromEnv(env: NodeJS.ProcessEnv, signal: SpoolSignal): https.RequestOptions {
  const read = (name: string): Buffer | undefined => {
    const file = env[`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_${name}`] ?? env[`OTEL_EXPORTER_OTLP_${name}`];
    if (file === undefined || file.trim() === '') return undefined;
    try {
      return readFileSync(file.trim());
    } catch {
      return undefined;
    }
  };
  const out: https.RequestOptions = {};
  const ca = read('CERTIFICATE');
  const key = read('CLIENT_KEY');
  const cert = read('CLIENT_CERTIFICATE');
  if (ca !== undefined) out.ca = ca;
  if (key !== undefined) out.key = key;
  if (cert !== undefined) out.cert = cert;
  return out;
}

/** One POST; `status` undefined when no answer came (refused, reset, timed out). */
function post(
  url: string,
  body: Buffer,
  contentType: string,
  headers: Record<string, string>,
  timeoutMillis: number,
  env: NodeJS.ProcessEnv,
  signal: SpoolSignal,
): Promise<{ status?: number }> {
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      resolve({ status: 400 });
      return;
    }
    const secure = target.protocol === 'https:';
    const options: https.RequestOptions = {
      method: 'POST',
      headers: { ...headers, 'content-type': contentType, 'content-length': String(body.length) },
      timeout: timeoutMillis,
      ...(secure ? tlsFromEnv(env, signal) : {}),
    };
    const req = (secure ? https : http).request(target, options, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({}));
    req.end(body);
  });
}

function report(dir: string, line: DeliveryLine): void {
  const file = path.join(dir, LOG_NAME);
  try {
    if (statSync(file).size > LOG_MAX_BYTES) renameSync(file, `${file}.1`);
  } catch {
    // no log yet
  }
  try {
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  } catch {
    // the report is for people and tests; delivery does not depend on it
  }
}

/** The delivery log of a spool folder, oldest first (for tests and people). */
export function readDeliveryLog(dir: string): DeliveryLine[] {
  const out: DeliveryLine[] = [];
  for (const name of [`${LOG_NAME}.1`, LOG_NAME]) {
    let text: string;
    try {
      text = readFileSync(path.join(dir, name), 'utf8');
    } catch {
      continue;
    }
    for (const l of text.split('\n')) {
      if (l.trim() === '') continue;
      try {
        out.push(JSON.parse(l) as DeliveryLine);
      } catch {
        // a line cut by a crash
      }
    }
  }
  return out;
}
