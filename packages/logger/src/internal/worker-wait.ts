/**
 * How the export worker waits, without polling: an idle logger runs no timer at all (#22: it used to
 * wake every second), and a low rate costs one wake-up per batch rather than one per record.
 *
 * - Idle ({@link WORKER_IDLE}): nothing queued; it sleeps until the next write, a flush or a shutdown.
 * - Gathering ({@link WORKER_GATHERING}): woken by a write, it lets records gather in the ring for up to
 *   the batch delay before it reads them; a flush, a shutdown or a ring filling up (RingWriter.wake)
 *   ends it early. A record waits no longer than it would have in the batch anyway: the worker sends
 *   what it gathered as soon as it has read it.
 */
import { CTRL_SLEEPING, CTRL_WAKE, WORKER_AWAKE, WORKER_GATHERING, WORKER_IDLE } from './ring.js';

/**
 * Sleeps until woken, unless `hasWork` (checked once the producer can see that it sleeps) says there
 * is work already. Resolves true when it slept.
 */
export async function sleepIdle(ctrl: Int32Array, hasWork: () => boolean): Promise<boolean> {
  const wake = Atomics.load(ctrl, CTRL_WAKE);
  Atomics.store(ctrl, CTRL_SLEEPING, WORKER_IDLE);
  if (hasWork()) {
    Atomics.store(ctrl, CTRL_SLEEPING, WORKER_AWAKE);
    return false;
  }
  const wait = Atomics.waitAsync(ctrl, CTRL_WAKE, wake);
  if (wait.async) await wait.value;
  Atomics.store(ctrl, CTRL_SLEEPING, WORKER_AWAKE);
  return true;
}

/** Lets records gather for up to `millis`, unless `urgent` (a flush or shutdown asked) says not to. */
export async function gather(ctrl: Int32Array, millis: number, urgent: () => boolean): Promise<void> {
  const wake = Atomics.load(ctrl, CTRL_WAKE);
  Atomics.store(ctrl, CTRL_SLEEPING, WORKER_GATHERING);
  if (!urgent()) {
    const wait = Atomics.waitAsync(ctrl, CTRL_WAKE, wake, millis);
    if (wait.async) await wait.value;
  }
  Atomics.store(ctrl, CTRL_SLEEPING, WORKER_AWAKE);
}
