import { closeSync, mkdirSync, openSync, readFileSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { CTRL_RING_CONSUMED, CTRL_RING_WRITTEN, CTRL_SPILL_CONSUMED, CTRL_SPILL_RECORDS_READ, CTRL_SPILL_WRITTEN } from './ring.js';

/** A segment is closed (and handed to the worker) once it holds this much. */
const SEGMENT_BYTES = 16 * 1024 * 1024;
/** Records are gathered in memory and written in blocks this large. */
const BLOCK_BYTES = 1024 * 1024;

function segmentFile(dir: string, index: number): string {
  return path.join(dir, `seg-${index}.bin`);
}

/** Bytes before a segment's records: the count of ring records written before its first record. */
const SEGMENT_HEADER_BYTES = 4;

/**
 * The producer side of the disk spill: when the in-memory ring is full (a burst the exporter cannot
 * absorb, a collector outage), records go to numbered segment files instead of being dropped.
 *
 * Order across ring and spill: a segment starts with the number of ring records written before its
 * first record, and the worker reads it only once it has consumed those; when the producer goes back
 * to the ring it closes the segment and leaves a barrier in the ring naming it, and the worker reads
 * the spill up to that segment before what follows the barrier.
 */
export class SpillWriter {
  private fd: number | undefined;
  private readonly block = Buffer.allocUnsafe(BLOCK_BYTES);
  private blockPos = 0;
  private blockRecords = 0;
  private segBytes = 0;
  private segRecords = 0;
  /** Index of the segment being written (segments 1..written are complete). */
  private index: number;
  /** Bytes and records of complete segments not yet known to be consumed, by index. */
  private readonly complete = new Map<number, { bytes: number; records: number }>();
  private created = false;
  private broken = false;
  /** Records appended so far (wrapping u32, compared with the worker's count of records read). */
  private appended = 0;
  /** Ring records written before the current segment's first record (its header). */
  private ringBefore = 0;

  constructor(
    private readonly dir: string,
    private readonly maxBytes: number,
    private readonly ctrl: Int32Array,
  ) {
    this.index = Atomics.load(ctrl, CTRL_SPILL_WRITTEN) + 1;
  }

  /** Records and bytes in the spill, written or buffered, not yet consumed by the worker. */
  pending(): { records: number; bytes: number } {
    const consumed = Atomics.load(this.ctrl, CTRL_SPILL_CONSUMED);
    let records = this.segRecords + this.blockRecords;
    let bytes = this.segBytes + this.blockPos;
    for (const [i, seg] of this.complete) {
      if (i <= consumed) this.complete.delete(i);
      else {
        records += seg.records;
        bytes += seg.bytes;
      }
    }
    return { records, bytes };
  }

  /**
   * Records spilled and not yet taken by the worker, exactly: counted per record on both sides, so a
   * segment the worker is halfway through is not counted both here and as held by the worker.
   */
  unread(): number {
    return (this.appended - Atomics.load(this.ctrl, CTRL_SPILL_RECORDS_READ)) | 0;
  }

  /** Index of the last segment handed to the worker (0: none yet). */
  lastClosed(): number {
    return this.index - 1;
  }

  /** Appends one record; false when the spill is full or the disk failed (the caller drops and counts). */
  append(src: Uint8Array, length: number): boolean {
    if (this.broken) return false;
    const need = 4 + length;
    if (this.pending().bytes + need > this.maxBytes) return false;
    try {
      // The segment's first record: everything in the ring now precedes it.
      if (this.segRecords === 0 && this.blockRecords === 0) this.ringBefore = Atomics.load(this.ctrl, CTRL_RING_WRITTEN);
      if (this.blockPos + need > BLOCK_BYTES) this.writeBlock();
      if (need > BLOCK_BYTES) {
        const header = Buffer.allocUnsafe(4);
        header.writeUInt32LE(length, 0);
        this.writeRaw(header, 4);
        this.writeRaw(src, length);
      } else {
        this.block.writeUInt32LE(length, this.blockPos);
        this.block.set(length === src.length ? src : src.subarray(0, length), this.blockPos + 4);
        this.blockPos += need;
      }
      this.blockRecords++;
      this.appended = (this.appended + 1) | 0;
      if (this.segBytes + this.blockPos >= SEGMENT_BYTES) this.closeSegment();
      return true;
    } catch {
      this.broken = true;
      return false;
    }
  }

  private writeRaw(buf: Uint8Array, length: number): void {
    this.open();
    let off = 0;
    while (off < length) off += writeSync(this.fd as number, buf, off, length - off);
    this.segBytes += length;
  }

  private writeBlock(): void {
    if (this.blockPos === 0) return;
    this.writeRaw(this.block, this.blockPos);
    this.segRecords += this.blockRecords;
    this.blockPos = 0;
    this.blockRecords = 0;
  }

  private open(): void {
    if (this.fd !== undefined) return;
    if (!this.created) {
      mkdirSync(this.dir, { recursive: true });
      this.created = true;
    }
    this.fd = openSync(segmentFile(this.dir, this.index), 'w');
    const header = Buffer.allocUnsafe(SEGMENT_HEADER_BYTES);
    header.writeUInt32LE(this.ringBefore >>> 0, 0);
    this.writeRaw(header, SEGMENT_HEADER_BYTES);
  }

  /** Writes what is buffered and hands the current segment to the worker. */
  closeSegment(): void {
    if (this.broken) return;
    try {
      this.writeBlock();
      if (this.fd === undefined) return;
      closeSync(this.fd);
      this.fd = undefined;
      this.complete.set(this.index, { bytes: this.segBytes, records: this.segRecords });
      this.segBytes = 0;
      this.segRecords = 0;
      Atomics.store(this.ctrl, CTRL_SPILL_WRITTEN, this.index);
      this.index++;
    } catch {
      this.broken = true;
    }
  }

  /** Removes the spill folder (at shutdown, once the worker is done with it). */
  remove(): void {
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // nothing left to release
      }
      this.fd = undefined;
    }
    if (this.created) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A complete segment, read whole. */
export interface SpillSegment {
  index: number;
  data: Buffer;
  /** Where its records start in `data`. */
  start: number;
  /** Ring records written before its first record. */
  ringBefore: number;
}

/** The worker side: complete segments, in order, each once the ring records before it were consumed. */
export class SpillReader {
  /** The next segment, read but not yet taken (the ring records before it are still being read). */
  private waiting: SpillSegment | undefined;

  constructor(
    private readonly dir: string,
    private readonly ctrl: Int32Array,
  ) {}

  /**
   * The next complete segment, or undefined when the worker has caught up with the spill or must first
   * read ring records written before that segment's first record.
   */
  next(): SpillSegment | undefined {
    let segment = this.waiting;
    if (segment === undefined) {
      const consumed = Atomics.load(this.ctrl, CTRL_SPILL_CONSUMED);
      if (consumed >= Atomics.load(this.ctrl, CTRL_SPILL_WRITTEN)) return undefined;
      const index = consumed + 1;
      let data: Buffer;
      try {
        data = readFileSync(segmentFile(this.dir, index));
      } catch {
        data = Buffer.alloc(0);
      }
      const whole = data.length >= SEGMENT_HEADER_BYTES;
      segment = { index, data, start: whole ? SEGMENT_HEADER_BYTES : data.length, ringBefore: whole ? data.readUInt32LE(0) : 0 };
      this.waiting = segment;
    }
    const ringConsumed = Atomics.load(this.ctrl, CTRL_RING_CONSUMED);
    return ((ringConsumed - segment.ringBefore) | 0) >= 0 ? segment : undefined;
  }

  /** Marks a segment consumed and deletes its file. */
  done(index: number): void {
    this.waiting = undefined;
    try {
      unlinkSync(segmentFile(this.dir, index));
    } catch {
      // already gone: nothing to do
    }
    Atomics.store(this.ctrl, CTRL_SPILL_CONSUMED, index);
  }
}
