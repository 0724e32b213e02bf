/**
 * How a bench record is identified at the sink. Every competitor logs the same 5-field context; its
 * `task_id` is `<tag>:<seq>`: `tag` names one phase of one agent process (its warm-up, its measured run),
 * `seq` counts the records of that phase from 0. The sink counts a phase's distinct records, duplicates
 * and what never came from that alone, and ignores every other tag (a warm-up's late records, the tail
 * of a previous process).
 *
 * The id travels as an attribute, where each competitor puts its context: `task_id` (pino's transport,
 * winston's transport, the raw SDK) or `context.task_id` (ours: the record mapping's prefix).
 */
import { randomBytes } from 'node:crypto';

/** The attribute keys that hold the id, by competitor. */
export const ID_KEYS = ['task_id', 'context.task_id'] as const;

/** The context every competitor logs, with the record's id as `task_id`. */
export function fields(id: string): { task_id: string; attempt: number; queue: string; ok: boolean; ratio: number } {
  return { task_id: id, attempt: 2, queue: 'high', ok: true, ratio: 0.5 };
}

/** A tag no other process of this run uses (8 hex digits), with a letter naming the phase. */
export function newTag(phase: 'w' | 'm' | 'c'): string {
  return `${phase}${randomBytes(4).toString('hex')}`;
}

/** `<tag>:<seq>`. */
export function recordId(tag: string, seq: number): string {
  return `${tag}:${seq}`;
}

/** The tag and sequence number of an id, or undefined when it is not one. */
export function parseId(id: string): { tag: string; seq: number } | undefined {
  const colon = id.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const seq = Number(id.slice(colon + 1));
  return Number.isSafeInteger(seq) && seq >= 0 ? { tag: id.slice(0, colon), seq } : undefined;
}
