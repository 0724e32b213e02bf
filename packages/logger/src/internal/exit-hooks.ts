/**
 * Flushing at exit, for every live transport, installed once per process.
 *
 * - `beforeExit` (the loop ran dry): flush what is queued; the process then exits on its own.
 * - `SIGTERM` / `SIGINT`: shut down within the timeout, then, if nobody else listens for the signal,
 *   re-raise it so the process ends as it would have without us (adding a listener disables Node's
 *   default exit on these signals).
 * - `exit` (`process.exit()`, an uncaught exception): only synchronous work is possible; the worker
 *   transport blocks this thread while its worker drains, bounded by the shutdown timeout.
 */
export interface ExitAware {
  pending(): number;
  flush(timeoutMillis: number): Promise<boolean>;
  shutdown(timeoutMillis: number): Promise<void>;
  shutdownSync?(): void;
  readonly closed: boolean;
}

/**
 * Marks a process listener as a tracebridge exit hook (a global symbol, shared with
 * `@tracebridge/auto`): such listeners never count as "the app listens for this signal too", so the
 * two packages' hooks work together whichever was installed first.
 */
export const EXIT_HOOK = Symbol.for('tracebridge.exit-hook');

type Marked = ((...args: never[]) => void) & { [EXIT_HOOK]?: true };

const live = new Map<ExitAware, number>();
let installed = false;

export function watchExit(transport: ExitAware, timeoutMillis: number): void {
  live.set(transport, timeoutMillis);
  if (installed) return;
  installed = true;
  process.on('beforeExit', onBeforeExit);
  process.on('exit', onExit);
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

export function unwatchExit(transport: ExitAware): void {
  live.delete(transport);
  if (live.size > 0 || !installed) return;
  installed = false;
  process.off('beforeExit', onBeforeExit);
  process.off('exit', onExit);
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
}

function onBeforeExit(): void {
  for (const [t, timeout] of live) {
    // Only when something is queued: a flush keeps the loop alive, and an empty one would make
    // beforeExit fire again forever.
    // When the flush cannot finish (the collector is unreachable) give up with a shutdown, which counts
    // what is left: otherwise every flush would keep the process alive and beforeExit would fire again,
    // forever.
    if (!t.closed && t.pending() > 0) {
      void t.flush(timeout).then((done) => {
        if (!done && !t.closed) void t.shutdown(timeout);
      });
    }
  }
}

function onExit(): void {
  for (const t of live.keys()) t.shutdownSync?.();
}

let signalled = false;
function onSignal(signal: NodeJS.Signals): void {
  if (signalled) return;
  signalled = true;
  const others = process.listeners(signal).some((l) => (l as Marked)[EXIT_HOOK] !== true);
  const all = Array.from(live, ([t, timeout]) => (others ? t.flush(timeout).then(() => undefined) : t.shutdown(timeout)));
  void Promise.allSettled(all).then(() => {
    signalled = false;
    if (others) return;
    for (const t of Array.from(live.keys())) unwatchExit(t);
    process.kill(process.pid, signal);
  });
}

for (const hook of [onBeforeExit, onExit, onSignal] as Marked[]) hook[EXIT_HOOK] = true;
