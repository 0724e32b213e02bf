/**
 * Wall-clock time in epoch milliseconds with microsecond resolution, cheaply.
 *
 * `Date.now()` has millisecond resolution, which loses the order of records written within one
 * millisecond; `performance.timeOrigin + performance.now()` has microseconds but drifts from the wall
 * clock over days (it is monotonic, NTP corrections never reach it). We take `performance.now()` and
 * re-anchor it to `Date.now()` once a second, never letting time run backwards.
 */
let offset = Date.now() - performance.now();
let anchoredAt = performance.now();
let last = 0;

export function nowMillis(): number {
  const mono = performance.now();
  if (mono - anchoredAt > 1000) {
    offset = Date.now() - mono;
    anchoredAt = mono;
  }
  const t = offset + mono;
  last = t > last ? t : last;
  return last;
}

/** ISO 8601 UTC with microseconds (`2025-11-30T12:34:56.789123Z`) of an epoch-milliseconds time. */
export function isoMicros(ms: number): string {
  const whole = Math.floor(ms);
  const micros = Math.min(999, Math.floor((ms - whole) * 1000));
  const iso = new Date(whole).toISOString();
  return `${iso.slice(0, 23)}${String(micros).padStart(3, '0')}Z`;
}
