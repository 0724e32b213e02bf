/**
 * Flushing the SDK at exit, bounded in time, the way the logger's exit hooks do it:
 *
 * - `beforeExit` (the event loop ran dry): shut the SDK down once. If that has not finished within the
 *   bound (a collector that does not answer keeps an export, and so the process, alive for up to the
 *   export timeout), end the process with the exit code it had: the app was done anyway.
 * - `SIGTERM` / `SIGINT`: shut down within the bound, then, when no other code listens for the signal,
 *   re-raise it so the process ends as it would have without us (a listener disables Node's default
 *   exit on these signals). When the app listens too, ending the process is the app's business.
 * - `process.exit()` and uncaught exceptions run only synchronous code: the SDK cannot export there,
 *   and what was emitted since the last batch is lost. Prefer ending by signal or by letting the loop empty.
 *
 * Living with the logger's exit hooks (same process, both installed): ours is registered first (by
 * `--import`) and takes itself off the signal as soon as it fires, so the logger's hook, which runs
 * next and counts listeners, sees the app's only and ends the process after its own flush; a marked
 * placeholder listener keeps that re-raised signal from cutting our flush short, and whichever hook
 * finishes last ends the process. Listeners marked with {@link EXIT_HOOK} are tracebridge's own and
 * never count as "the app listens too" (for the logger to adopt, so neither depends on the order).
 */

/** Marks a process listener as a tracebridge exit hook (a global symbol: shared by every copy). */
export const EXIT_HOOK = Symbol.for('tracebridge.exit-hook');

// Process listeners take different arguments per event.
type Marked = { (...args: any[]): void; [EXIT_HOOK]?: true };

const SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/** Shutdown that gives up after `timeoutMillis`; resolves `true` when it finished in time. */
export function bounded(work: () => Promise<unknown>, timeoutMillis: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMillis);
    let p: Promise<unknown>;
    try {
      p = work();
    } catch {
      p = Promise.resolve();
    }
    p.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      () => {
        clearTimeout(timer);
        resolve(true);
      },
    );
  });
}

function othersListening(signal: NodeJS.Signals): boolean {
  return process.listeners(signal).some((l) => (l as Marked)[EXIT_HOOK] !== true);
}

/** Installs the exit hooks for one `shutdown`; returns their removal. */
export function installExitHooks(shutdown: () => Promise<unknown>, timeoutMillis: number): () => void {
  let done: Promise<boolean> | undefined;
  const once = (): Promise<boolean> => (done ??= bounded(shutdown, timeoutMillis));

  const onBeforeExit: Marked = () => {
    if (done !== undefined) return;
    void once().then((inTime) => {
      if (!inTime) process.exit();
    });
  };
  const onSignal: Marked = (signal: NodeJS.Signals) => {
    // Off at once, before the next listener of this same emit runs: another exit hook that counts
    // listeners to decide whether it ends the process (the logger's does) must not count this one.
    for (const s of SIGNALS) process.off(s, onSignal);
    // Until the flush is done a listener must stay, or a signal re-raised by that other hook would end
    // the process mid-flush (Node's default for a signal nobody listens to). It is added once this
    // emit is over, so the other hook has already looked.
    let flushed = false;
    const holder: Marked = () => undefined;
    holder[EXIT_HOOK] = true;
    queueMicrotask(() => {
      if (!flushed) process.on(signal, holder);
    });
    void once().then(() => {
      flushed = true;
      process.off(signal, holder);
      if (othersListening(signal)) return;
      remove();
      process.kill(process.pid, signal);
    });
  };
  onBeforeExit[EXIT_HOOK] = true;
  onSignal[EXIT_HOOK] = true;

  process.on('beforeExit', onBeforeExit);
  for (const s of SIGNALS) process.on(s, onSignal);
  const remove = (): void => {
    process.off('beforeExit', onBeforeExit);
    for (const s of SIGNALS) process.off(s, onSignal);
  };
  return remove;
}
