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
 * - `exit` (`process.exit()`, and the end Node gives an uncaught exception or unhandled rejection, which
 *   it reports first): only synchronous work is possible; each task's {@link ExitTask.exitSync} runs,
 *   in the order the tasks registered.
 *
 * Every asynchronous step is bounded by its task's `timeoutMillis`. Two copies of the logger package in
 * one process (a duplicate install, a copy nested under another package) share one registry: it lives
 * on `globalThis` under a registry symbol, created by whichever copy comes first, so there is one set of
 * listeners and one decision about ending the process.
 */

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
  /** Delivers what the task holds and releases it. Called at most once by the registry. */
  shutdown(timeoutMillis: number): Promise<unknown>;
  /** At `exit`, when nothing asynchronous can run any more: synchronous work only. */
  exitSync?(): void;
}

/** The process's registry of {@link ExitTask}s. */
export interface ExitRegistry {
  /**
   * Adds a task; returns its removal. The first task installs the process listeners; they are removed
   * with the last task.
   */
  register(task: ExitTask): () => void;
}

/**
 * The global slot. The shape stored there is a contract between copies of the package: a copy that
 * needs a different one must use another symbol.
 */
const REGISTRY = Symbol.for('tracebridge.exit-registry.v1');

const SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

interface Entry {
  readonly task: ExitTask;
  /** The registry's shutdown of the task, once started; resolves true when it finished in time. */
  shut?: Promise<boolean>;
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

  register(task: ExitTask): () => void {
    const entry: Entry = { task };
    this.entries.add(entry);
    this.install();
    return () => {
      this.entries.delete(entry);
      if (this.entries.size === 0 && !this.signalling) this.uninstall();
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

  /** The registry's one shutdown of a task. */
  private shutdown(entry: Entry): Promise<boolean> {
    const { task } = entry;
    entry.shut ??= bounded(() => task.shutdown(task.timeoutMillis), task.timeoutMillis);
    return entry.shut;
  }

  /** A flush where the task has one, else its shutdown. */
  private flush(entry: Entry): Promise<boolean> {
    const { task } = entry;
    if (task.flush === undefined) return this.shutdown(entry);
    if (entry.shut !== undefined) return entry.shut;
    return bounded(() => (task.flush as (ms: number) => Promise<unknown>)(task.timeoutMillis), task.timeoutMillis);
  }

  private readonly onBeforeExit = (): void => {
    for (const entry of Array.from(this.entries)) {
      if (entry.shut !== undefined) continue;
      const { task } = entry;
      if (task.pending !== undefined && task.flush !== undefined) {
        if (!task.pending()) continue;
        void this.flush(entry).then((done) => {
          if (!done) void this.shutdown(entry);
        });
      } else {
        void this.shutdown(entry).then((inTime) => {
          if (!inTime) process.exit();
        });
      }
    }
  };

  private readonly onExit = (): void => {
    for (const entry of Array.from(this.entries)) {
      try {
        entry.task.exitSync?.();
      } catch {
        // one task's failure must not cost the others their last chance
      }
    }
  };

  private readonly onSignal = (signal: NodeJS.Signals): void => {
    if (this.signalling) return;
    this.signalling = true;
    const appListened = this.appListens(signal);
    const work = Array.from(this.entries, (entry) => (appListened ? this.flush(entry) : this.shutdown(entry)));
    void Promise.allSettled(work).then(() => {
      this.signalling = false;
      if (appListened || this.appListens(signal)) {
        if (this.entries.size === 0) this.uninstall();
        return;
      }
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
