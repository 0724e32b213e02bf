/**
 * The exit spool: OTLP requests that could not be delivered before the process ended (spans, log records
 * and the last metric collection an exporter still held at `process.exit()`, an uncaught exception, a
 * signal, or a shutdown that ran out of time), written synchronously to a local folder and delivered
 * later by a detached sender process (spool-send.ts), started at the end of this process and again by the
 * next tracebridge process that starts.
 *
 * A file is one OTLP/HTTP request body, protobuf, behind a one-line header naming where it goes:
 *
 *   TBSPOOL1\n{"url":…,"signal":"traces","records":512,"unsure":false,"contentType":…}\n<body>
 *
 * Exactly once: a file appears whole (written under a temporary name, then renamed), a sender claims it
 * by renaming it to `<name>.claimed-<pid>` (a rename succeeds for one process only) and deletes it after
 * the collector's 2xx. Two things can still give a duplicate, and both are counted apart, never hidden:
 * a request that was in flight when the process ended (the collector may have taken it: its file is
 * marked `unsure`), and a sender that died between the 2xx and the delete (its claim names a dead
 * process: the next sender resends it, marked unsure). Log records carry `log.record.uid` and spans their
 * span id, by which a store tells the copies apart.
 *
 * The folder is bounded in bytes (`TRACEBRIDGE_SPOOL_MAX_BYTES`, default 64 MiB) and in age
 * (`TRACEBRIDGE_SPOOL_MAX_AGE_HOURS`, default 72): what does not fit is dropped and counted by its
 * writer, a file older than that is deleted by the next sender and counted there. The headers of the
 * request (a bearer token) are never written to disk: the sender uses the OTLP headers of the process
 * that starts it.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';

/** Which OTLP signal a request carries. */
export type SpoolSignal = 'traces' | 'logs' | 'metrics';

/** The header of a spool file. */
export interface SpoolHeader {
  /** The OTLP/HTTP endpoint the request is for (`…/v1/traces`). */
  url: string;
  signal: SpoolSignal;
  /** Spans, log records or metric data points in the request. */
  records: number;
  /** The request may have reached the collector already (it was in flight, or resent after a sender died). */
  unsure: boolean;
  contentType: string;
}

/** Where and how much may be spooled. */
export interface SpoolConfig {
  dir: string;
  maxBytes: number;
}

const MAGIC = 'TBSPOOL1\n';
/** Ready files end so; claims, temporary and rejected files do not. */
export const READY_SUFFIX = '.otlp';
const CLAIM_MARK = '.claimed-';
/** A file the collector refused for good (4xx): kept for inspection, never resent. */
export const REJECTED_SUFFIX = '.rejected';

export const DEFAULT_SPOOL_MAX_BYTES = 64 * 1024 * 1024;
export const DEFAULT_SPOOL_MAX_AGE_HOURS = 72;

/**
 * The spool of this process, from the environment: `TRACEBRIDGE_SPOOL_DIR` (`off` disables it), else a
 * folder per user under the OS temp dir, shared by every agent of that user so the next one to start
 * delivers what an earlier one left.
 */
export function spoolConfigFromEnv(env: NodeJS.ProcessEnv = process.env): SpoolConfig | undefined {
  const raw = env.TRACEBRIDGE_SPOOL_DIR?.trim();
  if (raw !== undefined && ['off', 'false', 'none', '0'].includes(raw.toLowerCase())) return undefined;
  let user = 'user';
  try {
    user = String(userInfo().uid >= 0 ? userInfo().uid : userInfo().username);
  } catch {
    // no user database: one folder for all
  }
  const dir = raw !== undefined && raw !== '' ? path.resolve(raw) : path.join(tmpdir(), `tracebridge-spool-${user}`);
  const bytes = Number(env.TRACEBRIDGE_SPOOL_MAX_BYTES);
  return { dir, maxBytes: Number.isFinite(bytes) && bytes > 0 ? bytes : DEFAULT_SPOOL_MAX_BYTES };
}

let sequence = 0;
/** Bytes this process believes the folder holds (read once, then kept up to date by its own writes). */
const usedBytes = new Map<string, number>();

/** Bytes of the files in the spool folder now (0 when it does not exist). */
export function spoolBytes(dir: string): number {
  let total = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    try {
      total += statSync(path.join(dir, name)).size;
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/**
 * Writes one request to the spool, synchronously and atomically (a temporary name, then a rename: a
 * sender never sees half a file). False when it would exceed the folder's bound or the disk failed: the
 * caller counts those records as lost.
 */
export function writeSpool(config: SpoolConfig, header: SpoolHeader, body: Uint8Array): boolean {
  const head = Buffer.from(`${MAGIC}${JSON.stringify(header)}\n`);
  const size = head.length + body.byteLength;
  try {
    let used = usedBytes.get(config.dir);
    if (used === undefined) {
      mkdirSync(config.dir, { recursive: true, mode: 0o700 });
      used = spoolBytes(config.dir);
    }
    if (used + size > config.maxBytes) {
      usedBytes.set(config.dir, used);
      return false;
    }
    // Time first: a sender delivers oldest first, so a process's requests arrive in their order.
    const base = `${Date.now().toString().padStart(14, '0')}-${process.pid}-${(sequence++).toString().padStart(6, '0')}.${header.signal}${header.unsure ? '.u' : ''}`;
    const tmp = path.join(config.dir, `.${base}.tmp`);
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeAll(fd, head);
      writeAll(fd, body);
      // On disk before it is visible: a crash of the machine right after must not leave a torn file.
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path.join(config.dir, `${base}${READY_SUFFIX}`));
    usedBytes.set(config.dir, used + size);
    return true;
  } catch {
    return false;
  }
}

function writeAll(fd: number, data: Uint8Array): void {
  let off = 0;
  while (off < data.byteLength) off += writeSync(fd, data, off, data.byteLength - off);
}

/** Ready files, oldest first. */
export function readyFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => n.endsWith(READY_SUFFIX) && !n.startsWith('.')).sort();
}

/** True when the folder holds anything a sender could deliver (ready files, or claims of dead senders). */
export function hasSpooled(dir: string): boolean {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return false;
  }
  return names.some((n) => (n.endsWith(READY_SUFFIX) && !n.startsWith('.')) || n.includes(CLAIM_MARK));
}

/** Claims a ready file for this process; undefined when another sender was first (or it is gone). */
export function claim(dir: string, name: string): string | undefined {
  const claimed = path.join(dir, `${name}${CLAIM_MARK}${process.pid}`);
  try {
    renameSync(path.join(dir, name), claimed);
    return claimed;
  } catch {
    return undefined;
  }
}

/** Gives a claimed file back (not delivered now: the collector is down); it keeps its name. */
export function release(claimed: string): void {
  const i = claimed.lastIndexOf(CLAIM_MARK);
  try {
    renameSync(claimed, claimed.slice(0, i));
  } catch {
    // gone: nothing to give back
  }
}

/**
 * Claims left by senders that died (their process is gone) are made ready again, marked unsure: the
 * sender may have had its 2xx and not yet deleted the file. Returns how many.
 */
export function recoverStaleClaims(dir: string): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  let n = 0;
  for (const name of names) {
    const i = name.indexOf(CLAIM_MARK);
    if (i < 0) continue;
    const pid = Number(name.slice(i + CLAIM_MARK.length));
    if (Number.isInteger(pid) && pid > 0 && alive(pid)) continue;
    const ready = name.slice(0, i);
    const unsure = ready.endsWith(`.u${READY_SUFFIX}`) ? ready : `${ready.slice(0, -READY_SUFFIX.length)}.u${READY_SUFFIX}`;
    try {
      renameSync(path.join(dir, name), path.join(dir, unsure));
      n++;
    } catch {
      // another sender recovered it first
    }
  }
  return n;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads a (claimed) spool file; undefined when it is not one. */
export function readSpool(file: string): { header: SpoolHeader; body: Buffer } | undefined {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch {
    return undefined;
  }
  if (data.subarray(0, MAGIC.length).toString('latin1') !== MAGIC) return undefined;
  const end = data.indexOf(0x0a, MAGIC.length);
  if (end < 0) return undefined;
  try {
    const header = JSON.parse(data.subarray(MAGIC.length, end).toString('utf8')) as SpoolHeader;
    // A claim or a recovered file may carry the unsure mark in its name only.
    if (path.basename(file).includes(`.u${READY_SUFFIX}`)) header.unsure = true;
    return { header, body: data.subarray(end + 1) };
  } catch {
    return undefined;
  }
}

/** The time a spool file was written (from its name), or undefined. */
export function spooledAt(name: string): number | undefined {
  const ms = Number(name.slice(0, name.indexOf('-')));
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

/** Deletes a file, quietly. */
export function remove(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

/** Marks a claimed file as refused by the collector for good. */
export function reject(claimed: string): void {
  const i = claimed.lastIndexOf(CLAIM_MARK);
  try {
    renameSync(claimed, `${claimed.slice(0, i)}${REJECTED_SUFFIX}`);
  } catch {
    // gone
  }
}
