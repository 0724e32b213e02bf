/**
 * The process's one registry of work to finish before it ends: the logger's transports, the
 * bootstrap's SDK (`@tracebridge/auto`), whatever else registers. It alone listens to the process's
 * endings and decides, for every task alike:
 *
 * - `beforeExit` (the event loop ran dry): a task that can say it holds something ({@link ExitTask.pending})
 *   is flushed, and only then (a flush keeps the loop alive, and an empty one would make `beforeExit`
 *   fire again, forever); if the flush does not finish in time, it is shut down, which counts what is
 *   left. A task that cannot say so is shut down once, and if that does not finish in time the process
 *   ends with the exit code it had: the app was done.
 * - `SIGTERM` / `SIGINT`: when the app listens for the signal too, tasks are flushed and ending the
 *   process is the app's business; otherwise every task is shut down, then the signal is raised again
 *   so the process ends as it would have without us (a listener disables Node's default exit on these
 *   signals). A second signal while the first is handled is ignored.
 * - `SIGHUP` (the terminal closed, a supervisor stopping a process group) is handled as `SIGTERM`.
 * - `exit` (`process.exit()`, and the end Node gives an uncaught exception or unhandled rejection, which
 *   it reports first): only synchronous work is possible; each task's {@link ExitTask.exitSync} runs,
 *   in the order the tasks registered. A task writes there what it still holds to the exit spool
 *   (spool.ts); the same runs at the end of a signal, before the signal is raised again (a process
 *   ended by a signal gets no `exit` event).
 * - At the very end, once: what the tasks could not deliver is said in ONE line on stderr (spooled for
 *   later delivery, or lost, by signal), and a detached sender is started for the spool
 *   ({@link startSpoolSender}).
 *
 * {@link ExitRegistry.flushAll} is the app's own "I am ending" (an awaited `logger.flush()` or
 * `shutdown()`): every task's flush, with one shared deadline.
 *
 * Every asynchronous step is bounded by its task's `timeoutMillis`. Two copies of the logger package in
 * one process (a duplicate install, a copy nested under another package) share one registry: it lives
 * on `globalThis` under a registry symbol, created by whichever copy comes first, so there is one set of
 * listeners and one decision about ending the process.
 */

import { spawn } from 'node:child_process';
import { readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** One piece of work to finish before the process ends. */
export interface ExitTask {
  /** What the task is, for diagnostics. */
  readonly name: string;
  /** Longest time each asynchronous step of this task may take. */
  readonly timeoutMillis: number;
  /** Whether the task holds something a flush would deliver right now. */
  pending?(): boolean;
  /**
   * Delivers what the task holds and keeps it working; resolving `false` means it could not finish.
   * A task without it is shut down where a flush is called for.
   */
  flush?(timeoutMillis: number): Promise<unknown>;
  /**
   * Delivers what the task holds and releases it. Called at most once by the registry. Resolving
   * {@link ABANDONED} says that everything was handed to the exit spool but work the task started may
   * still hold the event loop (an exporter retrying a refused connection): the registry then ends a
   * process whose loop had run dry instead of waiting for it.
   */
  shutdown(timeoutMillis: number): Promise<unknown>;
  /** At `exit`, when nothing asynchronous can run any more: synchronous work only. */
  exitSync?(): void;
}

/** What a task could not deliver, reported to the registry to be said once at the end. */
export interface Undelivered {
  /** `spans`, `log records`, `metric points`: what the numbers count. */
  what: string;
  /** Written to the spool folder for later delivery. */
  spooled: number;
  /** Lost: the spool was off, full or failed, or the export worker did not answer. */
  lost: number;
  /** The spool folder, when something was spooled. */
  dir?: string;
  /** The endpoint, for the line. */
  url?: string;
  /** Headers of the endpoint that the environment does not carry (a logger's `headers` option). */
  headers?: Record<string, string>;
}

/** What a task's shutdown resolves when it handed everything over and nothing is worth waiting for. */
export const ABANDONED = 'tracebridge.abandoned';

/** The process's registry of {@link ExitTask}s. */
export interface ExitRegistry {
  /**
   * Adds a task; returns its removal. The first task installs the process listeners; they are removed
   * with the last task.
   */
  register(task: ExitTask): () => void;
  /**
   * Flushes every registered task but `except`, with one deadline for all; resolves true when all
   * finished in time. Tasks that have no flush are left alone (a flush must not stop anything).
   */
  flushAll?(timeoutMillis: number, except?: ExitTask): Promise<boolean>;
  /** Notes what a task could not deliver: said in one line at the process's end, with a sender started for the spool. */
  undelivered?(note: Undelivered): void;
}

/**
 * The global slot. The shape stored there is a contract between copies of the package: a copy that
 * needs a different one must use another symbol.
 */
const REGISTRY = Symbol.for('tracebridge.exit-registry.v1');

const SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

interface Entry {
  readonly task: ExitTask;
  /** The registry's shutdown of the task, once started; resolves true when it finished in time. */
  shut?: Promise<boolean>;
  /** Its shutdown resolved {@link ABANDONED}. */
  abandoned?: boolean;
}

/** Runs `work`, resolving whether it finished within `timeoutMillis` (and did not report `false`). */
function bounded(work: () => Promise<unknown>, timeoutMillis: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMillis);
    const settle = (done: boolean): void => {
      clearTimeout(timer);
      resolve(done);
    };
    let p: Promise<unknown>;
    try {
      p = work();
    } catch {
      p = Promise.resolve();
    }
    p.then(
      (result) => settle(result !== false),
      () => settle(true),
    );
  });
}

class Registry implements ExitRegistry {
  private readonly entries = new Set<Entry>();
  private installed = false;
  /** A signal is being handled. */
  private signalling = false;
  private readonly notes: Undelivered[] = [];
  private finished = false;

  flushAll(timeoutMillis: number, except?: ExitTask): Promise<boolean> {
    const deadline = Date.now() + timeoutMillis;
    const work: Array<Promise<boolean>> = [];
    for (const entry of this.entries) {
      const { task } = entry;
      if (task === except || task.flush === undefined || entry.shut !== undefined) continue;
      const left = Math.max(1, deadline - Date.now());
      work.push(bounded(() => (task.flush as (ms: number) => Promise<unknown>)(left), left));
    }
    return Promise.all(work).then((done) => done.every(Boolean));
  }

  undelivered(note: Undelivered): void {
    if (note.spooled === 0 && note.lost === 0) return;
    this.notes.push(note);
    this.install();
  }

  /**
   * The end, once: the one line about what could not be delivered, and a sender for each spool folder
   * written to. Synchronous (it runs at `exit`).
   */
  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    const notes = this.notes.splice(0);
    if (notes.length === 0) return;
    const line = undeliveredLine(notes);
    try {
      writeSync(2, line);
    } catch {
      // stderr closed: nothing else can be done
    }
    const dirs = new Map<string, Record<string, Record<string, string>>>();
    for (const n of notes) {
      if (n.dir === undefined || n.spooled === 0) continue;
      const headers = dirs.get(n.dir) ?? {};
      if (n.url !== undefined && n.headers !== undefined) headers[n.url] = n.headers;
      dirs.set(n.dir, headers);
    }
    for (const [dir, headers] of dirs) startSpoolSender(dir, headers);
  }

  register(task: ExitTask): () => void {
    const entry: Entry = { task };
    this.entries.add(entry);
    this.install();
    return () => {
      this.entries.delete(entry);
      // Something still to be said at the end (a logger that shut down with records spooled) keeps the
      // listeners: the line and the sender come at `exit`.
      if (this.entries.size === 0 && !this.signalling && this.notes.length === 0) this.uninstall();
    };
  }

  private install(): void {
    if (this.installed) return;
    this.installed = true;
    process.on('beforeExit', this.onBeforeExit);
    process.on('exit', this.onExit);
    for (const s of SIGNALS) process.on(s, this.onSignal);
  }

  private uninstall(): void {
    if (!this.installed) return;
    this.installed = false;
    process.off('beforeExit', this.onBeforeExit);
    process.off('exit', this.onExit);
    for (const s of SIGNALS) process.off(s, this.onSignal);
  }

  /** The registry's one shutdown of a task, within `timeoutMillis` (the task's bound, or what is left of it). */
  private shutdown(entry: Entry, timeoutMillis = entry.task.timeoutMillis): Promise<boolean> {
    const { task } = entry;
    entry.shut ??= bounded(
      () =>
        task.shutdown(timeoutMillis).then((result) => {
          if (result === ABANDONED) entry.abandoned = true;
          return result;
        }),
      timeoutMillis,
    );
    return entry.shut;
  }

  /** A flush where the task has one, else its shutdown. */
  private flush(entry: Entry, timeoutMillis = entry.task.timeoutMillis): Promise<boolean> {
    const { task } = entry;
    if (task.flush === undefined) return this.shutdown(entry, timeoutMillis);
    if (entry.shut !== undefined) return entry.shut;
    return bounded(() => (task.flush as (ms: number) => Promise<unknown>)(timeoutMillis), timeoutMillis);
  }

  private readonly onBeforeExit = (): void => {
    for (const entry of Array.from(this.entries)) {
      if (entry.shut !== undefined) continue;
      const { task } = entry;
      if (task.pending !== undefined && task.flush !== undefined) {
        if (!task.pending()) continue;
        // One bound for both steps: the flush gets most of it; a shutdown after a failed flush only
        // spools what is left, and gets the reserve.
        const reserve = Math.min(1000, task.timeoutMillis / 5);
        void this.flush(entry, task.timeoutMillis - reserve).then((done) => {
          if (!done) void this.shutdown(entry, reserve);
        });
      } else {
        void this.shutdown(entry).then((inTime) => {
          if (!inTime || entry.abandoned === true) process.exit();
        });
      }
    }
  };

  private readonly onExit = (): void => {
    this.exitSyncAll();
    this.finish();
  };

  private exitSyncAll(): void {
    for (const entry of Array.from(this.entries)) {
      try {
        entry.task.exitSync?.();
      } catch {
        // one task's failure must not cost the others their last chance
      }
    }
  }

  private readonly onSignal = (signal: NodeJS.Signals): void => {
    if (this.signalling) return;
    this.signalling = true;
    const appListened = this.appListens(signal);
    const work = Array.from(this.entries, (entry) => (appListened ? this.flush(entry) : this.shutdown(entry)));
    void Promise.allSettled(work).then(() => {
      this.signalling = false;
      if (appListened || this.appListens(signal)) {
        if (this.entries.size === 0 && this.notes.length === 0) this.uninstall();
        return;
      }
      // Death by a signal fires no `exit`: what the shutdowns left is spooled here, and said.
      this.exitSyncAll();
      this.finish();
      this.uninstall();
      process.kill(process.pid, signal);
    });
  };

  /** Whether code other than this registry listens for the signal. */
  private appListens(signal: NodeJS.Signals): boolean {
    return process.listeners(signal).some((l) => l !== this.onSignal);
  }
}

/** The process's one exit registry, shared by every copy of the logger package. */
export function exitRegistry(): ExitRegistry {
  const slot = globalThis as typeof globalThis & { [REGISTRY]?: ExitRegistry };
  slot[REGISTRY] ??= new Registry();
  return slot[REGISTRY];
}

/** The one line saying what could not be delivered, by kind: spooled (and where to), or lost. */
export function undeliveredLine(notes: readonly Undelivered[]): string {
  const sum = (pick: (n: Undelivered) => number): Map<string, number> => {
    const out = new Map<string, number>();
    for (const n of notes) if (pick(n) > 0) out.set(n.what, (out.get(n.what) ?? 0) + pick(n));
    return out;
  };
  const list = (m: Map<string, number>): string => Array.from(m, ([what, count]) => `${count} ${what}`).join(', ');
  const spooled = sum((n) => n.spooled);
  const lost = sum((n) => n.lost);
  const origins = Array.from(new Set(notes.map((n) => originOf(n.url)).filter((u): u is string => u !== undefined)));
  const to = origins.length === 0 ? 'the collector' : `the collector at ${origins.join(', ')}`;
  const parts: string[] = [];
  if (spooled.size > 0) {
    const dirs = Array.from(new Set(notes.filter((n) => n.spooled > 0 && n.dir !== undefined).map((n) => n.dir as string)));
    parts.push(`${list(spooled)} spooled to ${dirs.join(', ')} for later delivery (sent as soon as it answers)`);
  }
  if (lost.size > 0) parts.push(`${list(lost)} lost`);
  return `tracebridge: could not deliver to ${to} before the process ended: ${parts.join('; ')}\n`;
}

function originOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/** The sender's entry point, beside this file in the package. */
const SENDER = fileURLToPath(new URL('./spool-sender-main.js', import.meta.url));

/**
 * Starts a detached sender for a spool folder, unless one runs for it already. `spawn` creates the
 * process synchronously, so this works at `exit`; the sender has its own session (`detached`), so it
 * outlives this process and a signal to its process group. It runs no preload (`NODE_OPTIONS` is left
 * out: an `--import` of the bootstrap would start an SDK in it and sweep again) and no SDK.
 */
export function startSpoolSender(dir: string, headersByUrl: Record<string, Record<string, string>> = {}): void {
  try {
    const pid = Number(readFileSync(path.join(dir, 'sender.pid'), 'utf8'));
    if (Number.isInteger(pid) && pid > 0) {
      process.kill(pid, 0);
      return;
    }
  } catch {
    // no sender alive: start one
  }
  try {
    const { NODE_OPTIONS: _preload, ...env } = process.env;
    const child = spawn(process.execPath, [SENDER, dir], {
      detached: true,
      stdio: 'ignore',
      env: { ...env, OTEL_SDK_DISABLED: 'true', TRACEBRIDGE_SPOOL_HEADERS: JSON.stringify(headersByUrl) },
    });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // cannot start a process now: the next agent to start sends the spool
  }
}
