import { closeSync, mkdirSync, openSync, readFileSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { CTRL_SPILL_CONSUMED, CTRL_SPILL_RECORDS_READ, CTRL_SPILL_WRITTEN } from './ring.js';

/** A segment is closed (and handed to the worker) once it holds this much. */
const SEGMENT_BYTES = 16 * 1024 * 1024;
/** Records are gathered in memory and written in blocks this large. */
const BLOCK_BYTES = 1024 * 1024;

function segmentFile(dir: string, index: number): string {
  return path.join(dir, `seg-${index}.bin`);
}

/**
 * The producer side of the disk spill: when the in-memory ring is full (a burst the exporter cannot
 * absorb, a collector outage), records go to numbered segment files instead of being dropped. The
 * worker reads a segment only after the ring is empty, so records keep their order.
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

  /** True when everything spilled has been consumed and nothing is buffered. */
  drained(): boolean {
    return this.blockRecords === 0 && this.segRecords === 0 && Atomics.load(this.ctrl, CTRL_SPILL_CONSUMED) === this.index - 1;
  }

  /** Appends one record; false when the spill is full or the disk failed (the caller drops and counts). */
  append(src: Uint8Array, length: number): boolean {
    if (this.broken) return false;
    const need = 4 + length;
    if (this.pending().bytes + need > this.maxBytes) return false;
    try {
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

/** The worker side: complete segments, in order. */
export class SpillReader {
  constructor(
    private readonly dir: string,
    private readonly ctrl: Int32Array,
  ) {}

  /** The next complete segment's bytes and index, or undefined when the worker has caught up. */
  next(): { index: number; data: Buffer } | undefined {
    const consumed = Atomics.load(this.ctrl, CTRL_SPILL_CONSUMED);
    if (consumed >= Atomics.load(this.ctrl, CTRL_SPILL_WRITTEN)) return undefined;
    const index = consumed + 1;
    let data: Buffer;
    try {
      data = readFileSync(segmentFile(this.dir, index));
    } catch {
      data = Buffer.alloc(0);
    }
    return { index, data };
  }

  /** Marks a segment consumed and deletes its file. */
  done(index: number): void {
    try {
      unlinkSync(segmentFile(this.dir, index));
    } catch {
      // already gone: nothing to do
    }
    Atomics.store(this.ctrl, CTRL_SPILL_CONSUMED, index);
  }
}
