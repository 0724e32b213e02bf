/**
 * A single-producer single-consumer byte ring in shared memory: the calling thread writes encoded
 * records, the export worker reads them. Bounded by construction (its size is the in-memory queue
 * limit), lock-free, and readable while the producer is blocked (the `exit` path waits on it).
 *
 * Layout of the control words (Int32): write position, read position, worker-sleeping flag, wake
 * counter, then a few words for flush/shutdown handshakes. A record is `u32 length` + payload, never
 * split: when the tail is too short the writer leaves a wrap marker and starts again at 0. Besides
 * records the ring carries spill barriers (see {@link RingWriter.writeBarrier}), which are not records
 * and are not counted as such.
 */

export const CTRL_WRITE = 0;
export const CTRL_READ = 1;
/** What the worker is doing: {@link WORKER_AWAKE}, {@link WORKER_IDLE} or {@link WORKER_GATHERING}. */
export const CTRL_SLEEPING = 2;
export const CTRL_WAKE = 3;
/** The worker is running: writes need not wake it. */
export const WORKER_AWAKE = 0;
/** The worker sleeps with nothing queued: the next write wakes it. */
export const WORKER_IDLE = 1;
/**
 * The worker lets records gather in the ring for a while before it reads them (one wake-up per batch
 * rather than one per record at low rates): a write wakes it only once the ring is filling up.
 */
export const WORKER_GATHERING = 2;
/** Highest flush token the producer asked for. */
export const CTRL_FLUSH_ASKED = 4;
/** Highest flush token the worker has completed (everything before it exported or dropped). */
export const CTRL_FLUSH_DONE = 5;
/** Spill segments written by the producer / consumed by the worker. */
export const CTRL_SPILL_WRITTEN = 6;
export const CTRL_SPILL_CONSUMED = 7;
/** Shutdown handshake: 0 running, then one of the SHUTDOWN_* states. */
export const CTRL_SHUTDOWN = 8;
/** The producer asked the worker to drain and stop. */
export const SHUTDOWN_ASKED = 1;
/** The worker drained (or gave up and counted its losses) and stopped. */
export const SHUTDOWN_DONE = 2;
/** The producer's deadline passed first: it counted the losses; the worker must not count them again. */
export const SHUTDOWN_TAKEN_OVER = 3;
/** Records the worker holds (decoded, not yet exported): part of the queue the producer reports. */
export const CTRL_WORKER_HELD = 9;
/** Records written to the ring so far (wrapping u32), and records the worker consumed. */
export const CTRL_RING_WRITTEN = 10;
export const CTRL_RING_CONSUMED = 11;
/** Records the worker has taken out of spill segments so far (wrapping u32), counted one by one. */
export const CTRL_SPILL_RECORDS_READ = 12;
const CTRL_WORDS = 16;

const WRAP = 0xffffffff;
/** Header of a spill barrier: the next u32 is the index of the last spill segment to read first. */
const BARRIER = 0xfffffffe;

/** Shared memory of one ring: pass `sab` to the worker. */
export interface RingMemory {
  control: SharedArrayBuffer;
  data: SharedArrayBuffer;
}

/**
 * Bytes touched up front so the first records do not pay page faults (see RingWriter.reserve), and the
 * part of the ring records stay in while the worker keeps up. Resident for the logger's life: 256 KiB
 * (about 1,700 records) rather than the 1 MiB it was, which an idle logger paid in RSS (#22).
 */
const PREFAULT_BYTES = 256 * 1024;

export function createRingMemory(bytes: number): RingMemory {
  // At least room for one maximal header + a small record; a multiple of 4 keeps headers aligned.
  const data = new SharedArrayBuffer(Math.max(1024, bytes - (bytes % 4)));
  const head = new Uint8Array(data, 0, Math.min(PREFAULT_BYTES, data.byteLength));
  for (let i = 0; i < head.length; i += 4096) head[i] = 0;
  return { control: new SharedArrayBuffer(CTRL_WORDS * 4), data };
}

/** Where an empty ring of `size` bytes is rewound from (RingWriter.reserve). */
function rewindAtOf(size: number): number {
  return Math.min(PREFAULT_BYTES, size / 2);
}

/**
 * Bytes waiting from which a gathering worker is woken: half the room a rewound ring has until the
 * worker follows its marker, so that room does not run out while the worker wakes up.
 */
function gatherBytesOf(size: number): number {
  return rewindAtOf(size) / 2;
}

/** The producer side. */
export class RingWriter {
  readonly ctrl: Int32Array;
  private readonly u8: Uint8Array;
  private readonly dv: DataView;
  private readonly size: number;
  /**
   * An empty ring is rewound to 0 only from here on: then the room left until the reader follows is
   * at least this much (the pre-faulted first pages, or half a smaller ring).
   */
  private readonly rewindAt: number;
  /** A gathering worker is woken once this much is waiting (gatherBytesOf). */
  private readonly gatherBytes: number;

  constructor(memory: RingMemory) {
    this.ctrl = new Int32Array(memory.control);
    this.u8 = new Uint8Array(memory.data);
    this.dv = new DataView(memory.data);
    this.size = memory.data.byteLength;
    this.rewindAt = rewindAtOf(this.size);
    this.gatherBytes = gatherBytesOf(this.size);
  }

  /** Bytes currently waiting to be read. */
  usedBytes(): number {
    const w = Atomics.load(this.ctrl, CTRL_WRITE);
    const r = Atomics.load(this.ctrl, CTRL_READ);
    return w >= r ? w - r : this.size - r + w;
  }

  /** Bytes free for records right now (some of it may be unusable: a record is never split). */
  freeBytes(): number {
    return this.size - 1 - this.usedBytes();
  }

  /**
   * Copies one record in, or returns false when it does not fit now. Never blocks.
   * Records are padded to 4 bytes so every header stays aligned.
   */
  write(src: Uint8Array, length: number): boolean {
    const need = 4 + ((length + 3) & ~3);
    if (need > this.size / 2) return false;
    const w = this.reserve(need);
    if (w < 0) return false;
    this.dv.setUint32(w, length, true);
    this.u8.set(src.subarray(0, length), w + 4);
    this.commit(w + need);
    Atomics.add(this.ctrl, CTRL_RING_WRITTEN, 1);
    return true;
  }

  /**
   * A spill barrier: the reader must have consumed spill segments up to `segment` before it reads
   * what follows in the ring. Written when the producer goes back from the spill to the ring, so that
   * records spilled earlier are read before the newer ones in the ring. Not a record: not counted.
   */
  writeBarrier(segment: number): boolean {
    const w = this.reserve(8);
    if (w < 0) return false;
    this.dv.setUint32(w, BARRIER, true);
    this.dv.setUint32(w + 4, segment, true);
    this.commit(w + 8);
    return true;
  }

  /** Where `need` bytes can be written now (a wrap marker left behind when needed), or -1. */
  private reserve(need: number): number {
    const w = Atomics.load(this.ctrl, CTRL_WRITE);
    const r = Atomics.load(this.ctrl, CTRL_READ);
    if (w >= r) {
      if (w === r && w >= this.rewindAt && r > need && this.size - w >= 4) {
        // Empty, and past the first pages: start again at 0, through a wrap marker the reader follows.
        // While the reader keeps up, records then live in the first pages: fresh pages of shared memory
        // cost a page fault on first touch, measured here at ~0.5 µs per record when writing through
        // untouched memory. Only past `rewindAt`: until the reader has followed the marker, the free
        // room is [0, r), and rewinding from a position a few records in (as it did on every empty
        // ring) left room for a record or two, so the next write was refused and went to the disk
        // spill at 500 records/s (#22). `r > need`: the new record must end before the marker, or it
        // would overwrite it (found by a stress test: the reader then took record bytes for a length).
        this.dv.setUint32(w, WRAP, true);
        return 0;
      }
      // Free space is [w, size) plus [0, r - 1): one byte stays empty so full ≠ empty, which means the
      // tail cannot be filled to the end while the reader sits at 0.
      const tailRoom = r === 0 ? this.size - w - 4 : this.size - w;
      if (tailRoom >= need) return w;
      if (r <= need) return -1; // not enough room at the start either
      if (this.size - w >= 4) this.dv.setUint32(w, WRAP, true);
      return 0;
    }
    return r - w - 1 < need ? -1 : w;
  }

  private commit(next: number): void {
    Atomics.store(this.ctrl, CTRL_WRITE, next === this.size ? 0 : next);
  }

  /**
   * Wakes the worker after a write if it is idle, or gathering and the ring is filling up. Cheap when
   * it need not (an atomic load or three).
   */
  wake(): void {
    const state = Atomics.load(this.ctrl, CTRL_SLEEPING);
    if (state === WORKER_AWAKE || (state === WORKER_GATHERING && this.usedBytes() < this.gatherBytes)) return;
    Atomics.store(this.ctrl, CTRL_SLEEPING, WORKER_AWAKE);
    Atomics.add(this.ctrl, CTRL_WAKE, 1);
    Atomics.notify(this.ctrl, CTRL_WAKE);
  }

  /** Wakes the worker unconditionally (flush, shutdown). */
  kick(): void {
    Atomics.store(this.ctrl, CTRL_SLEEPING, WORKER_AWAKE);
    Atomics.add(this.ctrl, CTRL_WAKE, 1);
    Atomics.notify(this.ctrl, CTRL_WAKE);
  }
}

/** What {@link RingReader.peek} found: valid until the next peek. */
export interface RingEntry {
  start: number;
  end: number;
  next: number;
  barrier: number | undefined;
}

/** The consumer side (in the worker). */
export class RingReader {
  readonly ctrl: Int32Array;
  readonly buf: Buffer;
  private readonly dv: DataView;
  private readonly size: number;
  private readonly gatherBytes: number;

  constructor(memory: RingMemory) {
    this.ctrl = new Int32Array(memory.control);
    this.buf = Buffer.from(memory.data);
    this.dv = new DataView(memory.data);
    this.size = memory.data.byteLength;
    this.gatherBytes = gatherBytesOf(this.size);
  }

  /**
   * The next entry, or undefined when the ring is empty: a record as `[start, end)` offsets into `buf`
   * (valid until {@link release}; the object itself until the next peek), or a spill barrier (`barrier` set: the last spill segment to read
   * before going on in the ring; release it with `record: false`).
   */
  peek(): RingEntry | undefined {
    let r = Atomics.load(this.ctrl, CTRL_READ);
    const w = Atomics.load(this.ctrl, CTRL_WRITE);
    if (r === w) return undefined;
    if (this.size - r < 4 || this.dv.getUint32(r, true) === WRAP) {
      r = 0;
      if (r === w) {
        Atomics.store(this.ctrl, CTRL_READ, 0);
        return undefined;
      }
    }
    // One entry object, rewritten at each peek: one allocation per record less in the worker.
    const e = this.entry;
    const length = this.dv.getUint32(r, true);
    if (length === BARRIER) {
      const next = r + 8;
      e.start = r;
      e.end = r;
      e.next = next === this.size ? 0 : next;
      e.barrier = this.dv.getUint32(r + 4, true);
      return e;
    }
    let next = r + 4 + ((length + 3) & ~3);
    if (next === this.size) next = 0;
    e.start = r + 4;
    e.end = r + 4 + length;
    e.next = next;
    e.barrier = undefined;
    return e;
  }

  private readonly entry: RingEntry = { start: 0, end: 0, next: 0, barrier: undefined };

  /** Frees the entry {@link peek} returned; `record: false` for a barrier (not counted as a record). */
  release(next: number, record = true): void {
    Atomics.store(this.ctrl, CTRL_READ, next);
    if (record) Atomics.add(this.ctrl, CTRL_RING_CONSUMED, 1);
  }

  /** Whether the ring holds so much that the worker must not wait before reading it (RingWriter.wake). */
  filling(): boolean {
    const w = Atomics.load(this.ctrl, CTRL_WRITE);
    const r = Atomics.load(this.ctrl, CTRL_READ);
    return (w >= r ? w - r : this.size - r + w) >= this.gatherBytes;
  }

  isEmpty(): boolean {
    return Atomics.load(this.ctrl, CTRL_READ) === Atomics.load(this.ctrl, CTRL_WRITE);
  }
}
