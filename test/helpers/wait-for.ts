// The one way a test waits: on a condition, with a generous deadline, never a fixed sleep. A busy 2-core
// machine makes every step slower; a deadline long enough for that costs nothing when things go fast.
import { setTimeout as sleep } from 'node:timers/promises';

/** Options of {@link waitFor} and {@link waitForQuiet}. */
export interface WaitOptions {
  /** Give up (throw) after this long. @default 60000 */
  timeoutMs?: number;
  /** Pause between two probes. @default 250 */
  intervalMs?: number;
}

/** The value as text for an error message, cut short: a probe may return thousands of records. */
function shown(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 2000 ? `${text.slice(0, 2000)}… (${text.length} characters)` : text;
}

/**
 * Probes until `done` accepts the value, and returns that value; throws after `timeoutMs`, naming `what`
 * and the last value seen.
 */
export async function waitFor<T>(what: string, probe: () => T | Promise<T>, done: (value: T) => boolean, options: WaitOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}; last: ${shown(value)}`);
    await sleep(options.intervalMs ?? 250);
  }
}

/**
 * Probes until the value (compared as JSON) has not changed for `quietMs` and `done` accepts it: how a
 * test reads a count once the processes that move it are quiet, including duplicates that would come
 * late. Throws after `timeoutMs`.
 */
export async function waitForQuiet<T>(
  what: string,
  probe: () => T | Promise<T>,
  options: WaitOptions & { quietMs: number; done?: (value: T) => boolean },
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  let last = '';
  let since = Date.now();
  for (;;) {
    const value = await probe();
    const text = JSON.stringify(value);
    if (text !== last) {
      last = text;
      since = Date.now();
    } else if (Date.now() - since >= options.quietMs && (options.done?.(value) ?? true)) {
      return value;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what} to settle; last: ${shown(value)}`);
    await sleep(options.intervalMs ?? 250);
  }
}
