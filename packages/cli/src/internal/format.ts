/** Text formatting shared by the terminal and HTML views. */
import { escapeControls } from './safe-text.js';

/** A duration the way people read them: `420 µs`, `12.3 ms`, `612 ms`, `1.52 s`, `2m 05s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 1) return `${Math.round(ms * 1000)} µs`;
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
}

/** An offset from the trace's start: `+0.42 ms`, `+1.20 s`. */
export function formatOffset(ms: number): string {
  return `+${formatDuration(ms)}`;
}

/** `2025-11-25 18:40:01.123` (UTC) from an ISO time; empty stays empty. */
export function formatClock(iso: string): string {
  return iso === '' ? '' : `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

/**
 * One line of untrusted text (a log body, a span name) made safe for a terminal: control characters,
 * escape sequences included, would let a record move the cursor or recolour the screen, so line breaks
 * become `⏎` and other controls visible escapes (`\x1b`, see `safe-text.ts`).
 */
export function oneLine(text: string): string {
  return escapeControls(text.replace(/\r?\n/g, ' ⏎ '));
}

/** Display width: code points (no wide-character tables; names and ids are overwhelmingly narrow). */
export function width(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** Cut to `max` columns, marking the cut with `…`. */
export function truncate(text: string, max: number): string {
  if (max <= 0) return '';
  if (width(text) <= max) return text;
  return `${[...text].slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** Pad (or cut) to exactly `n` columns. */
export function fit(text: string, n: number): string {
  const cut = truncate(text, n);
  return cut + ' '.repeat(Math.max(0, n - width(cut)));
}

/** Right-align in `n` columns. */
export function fitRight(text: string, n: number): string {
  const cut = truncate(text, n);
  return ' '.repeat(Math.max(0, n - width(cut))) + cut;
}

/** The first `n` frames (`at …` lines) of a stack trace. */
export function stackFrames(stacktrace: string | null, n: number): string[] {
  if (stacktrace === null) return [];
  const frames = stacktrace
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.startsWith('at '));
  return frames.slice(0, n);
}
