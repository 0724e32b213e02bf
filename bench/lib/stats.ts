import os from 'node:os';

/** Median of numbers (NaN for none). */
export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Median and range of the rounds of one figure. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spread(values: number[]): Spread {
  const finite = values.filter((v) => !Number.isNaN(v));
  return { median: median(finite), min: Math.min(...finite), max: Math.max(...finite) };
}

/** `median (min–max)`, or the one value when every round gave it. */
export function showSpread(s: Spread): string {
  if (Number.isNaN(s.median)) return '—';
  return s.min === s.max ? format(s.median) : `${format(s.median)} (${format(s.min)}–${format(s.max)})`;
}

/** The list rotated by `round` places: each competitor goes first in turn. */
export function rotate<T>(list: readonly T[], round: number): T[] {
  const k = list.length === 0 ? 0 : round % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

/** Groups values by key, in first-seen order. */
export function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    (out.get(k) ?? out.set(k, []).get(k))?.push(item);
  }
  return out;
}

/** The machine's load at this moment (others share it: every table is printed with it). */
export function loadLine(): string {
  const [one, five, fifteen] = os.loadavg().map((l) => l.toFixed(2));
  return `load average ${one}, ${five}, ${fifteen} on ${os.cpus().length} cores at ${new Date().toISOString()}`;
}

/** A plain text table with right-aligned numbers. */
export function table(header: string[], rows: Array<Array<string | number>>): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? format(c) : c)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  return cells
    .map((r, n) => {
      const line = r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i] as number) : String(c).padStart(widths[i] as number))).join('  ');
      return n === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
    })
    .join('\n');
}

export function format(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n) || Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(2);
}
