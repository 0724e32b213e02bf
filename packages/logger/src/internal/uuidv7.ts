import { randomFillSync } from 'node:crypto';

/**
 * UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. Time-ordered, so a store can sort
 * and de-duplicate by it; random enough that two agents never collide. Random bytes come from a
 * refilled pool: one `randomFillSync` per 512 ids instead of one per id.
 */
const POOL_IDS = 512;
const pool = new Uint8Array(POOL_IDS * 10);
let next = POOL_IDS;
const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function uuidv7(now: number = Date.now()): string {
  if (next === POOL_IDS) {
    randomFillSync(pool);
    next = 0;
  }
  const r = next++ * 10;
  const ms = Math.floor(now);
  const hi = Math.floor(ms / 0x1000000); // top 24 of 48 bits
  const lo = ms % 0x1000000;
  const t =
    HEX[(hi >> 16) & 0xff]! + HEX[(hi >> 8) & 0xff]! + HEX[hi & 0xff]! + HEX[(lo >> 16) & 0xff]! + HEX[(lo >> 8) & 0xff]! + HEX[lo & 0xff]!;
  const b = pool;
  return (
    `${t.slice(0, 8)}-${t.slice(8, 12)}-7${HEX[b[r]!]!.slice(1)}${HEX[b[r + 1]!]!}-` +
    `${HEX[(b[r + 2]! & 0x3f) | 0x80]!}${HEX[b[r + 3]!]!}-` +
    `${HEX[b[r + 4]!]!}${HEX[b[r + 5]!]!}${HEX[b[r + 6]!]!}${HEX[b[r + 7]!]!}${HEX[b[r + 8]!]!}${HEX[b[r + 9]!]!}`
  );
}
