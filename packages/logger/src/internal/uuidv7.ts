import { randomFillSync } from 'node:crypto';

/**
 * UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. Time-ordered, so a store can sort
 * and de-duplicate by it; random enough that two agents never collide. Random bytes come from a
 * refilled pool: one `randomFillSync` per 512 ids instead of one per id.
 */
const POOL_IDS = 512;
const pool = new Uint8Array(POOL_IDS * 10);
let next = POOL_IDS;
/** ASCII codes of the hex digits. */
const DIGITS = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
const DASH = 0x2d;

/** The id as its 36 ASCII characters, written at `pos`: the protobuf route writes it without a string. */
export function writeUuidv7(out: Uint8Array, pos: number, now: number): void {
  if (next === POOL_IDS) {
    randomFillSync(pool);
    next = 0;
  }
  const r = next++ * 10;
  const ms = Math.floor(now);
  const hi = Math.floor(ms / 0x1000000); // top 24 of 48 bits
  const lo = ms % 0x1000000;
  let p = pos;
  const byte = (b: number): void => {
    out[p++] = DIGITS[b >> 4] as number;
    out[p++] = DIGITS[b & 15] as number;
  };
  byte((hi >> 16) & 0xff);
  byte((hi >> 8) & 0xff);
  byte(hi & 0xff);
  byte((lo >> 16) & 0xff);
  out[p++] = DASH;
  byte((lo >> 8) & 0xff);
  byte(lo & 0xff);
  out[p++] = DASH;
  const b = pool;
  // Version 7, then 12 random bits.
  out[p++] = 0x37;
  out[p++] = DIGITS[(b[r] as number) & 15] as number;
  byte(b[r + 1] as number);
  out[p++] = DASH;
  // Variant 10, then 14 random bits.
  byte(((b[r + 2] as number) & 0x3f) | 0x80);
  byte(b[r + 3] as number);
  out[p++] = DASH;
  for (let i = 4; i < 10; i++) byte(b[r + i] as number);
}

const scratch = Buffer.alloc(36);

export function uuidv7(now: number = Date.now()): string {
  writeUuidv7(scratch, 0, now);
  return scratch.toString('latin1', 0, 36);
}
