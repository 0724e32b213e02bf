import { closeSync, existsSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

/** Options of {@link JsonlSink}. */
export interface JsonlSinkOptions {
  /** A file path, or `'stdout'`. */
  path: string;
  /** Rotate when the file reaches this many bytes. */
  maxBytes: number;
  /** Rotated files kept (`file.1` newest … `file.N`). */
  maxFiles: number;
}

/** Lines buffered before a write: large writes, few syscalls. */
const BUFFER_BYTES = 64 * 1024;

/**
 * Writes records as JSON lines (the record format of MAPPING.md) for a collector that tails files:
 * buffered, synchronous writes (it runs in the export worker or at exit, never on a hot path), rotation
 * by size with `.1` … `.N` suffixes, which is the pattern the collector's filelog receiver follows.
 */
export class JsonlSink {
  private fd: number;
  private size = 0;
  private pending: string[] = [];
  private pendingBytes = 0;
  private pendingCount = 0;
  private failed = false;

  /**
   * Lines this sink wrote into the live file (index 0) and each rotated one (`file.i`): when rotation
   * deletes `file.N`, its lines may not all have been read by the collector, and are counted.
   */
  private readonly linesIn: number[];

  constructor(
    private readonly options: JsonlSinkOptions,
    private readonly onWritten: (count: number) => void,
    private readonly onFailed: (count: number, error: Error) => void,
    private readonly onRotatedOut: (lines: number, file: string) => void = () => undefined,
  ) {
    this.linesIn = new Array<number>(options.maxFiles + 1).fill(0);
    if (options.path === 'stdout') {
      this.fd = 1;
    } else {
      mkdirSync(path.dirname(options.path), { recursive: true });
      this.fd = openSync(options.path, 'a');
      this.size = fstatSync(this.fd).size;
    }
  }

  write(record: Record<string, unknown>): void {
    if (this.closed) {
      this.onFailed(1, new Error('the JSON-lines sink is closed'));
      return;
    }
    let line: string;
    try {
      line = `${JSON.stringify(record)}\n`;
    } catch (err) {
      this.onFailed(1, err as Error);
      return;
    }
    this.pending.push(line);
    this.pendingBytes += line.length;
    this.pendingCount++;
    if (this.pendingBytes >= BUFFER_BYTES) this.flush();
  }

  /** Writes what is buffered, rotating at line boundaries when the file would grow past its limit. */
  flush(): void {
    if (this.pendingCount === 0) return;
    const lines = this.pending;
    const count = this.pendingCount;
    this.pending = [];
    this.pendingBytes = 0;
    this.pendingCount = 0;
    if (this.failed) {
      this.onFailed(count, new Error('the JSON-lines sink failed earlier'));
      return;
    }
    let written = 0;
    try {
      let chunk: string[] = [];
      let chunkBytes = 0;
      const rotating = this.fd !== 1;
      for (const line of lines) {
        const bytes = Buffer.byteLength(line);
        if (rotating && this.size + chunkBytes + bytes > this.options.maxBytes && this.size + chunkBytes > 0) {
          written += this.writeChunk(chunk, chunkBytes);
          chunk = [];
          chunkBytes = 0;
          this.rotate();
        }
        chunk.push(line);
        chunkBytes += bytes;
      }
      written += this.writeChunk(chunk, chunkBytes);
      this.onWritten(written);
    } catch (err) {
      this.failed = true;
      if (written > 0) this.onWritten(written);
      this.onFailed(count - written, err as Error);
    }
  }

  private writeChunk(lines: string[], bytes: number): number {
    if (lines.length === 0) return 0;
    const buf = Buffer.from(lines.join(''));
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off);
    this.size += bytes;
    this.linesIn[0] = (this.linesIn[0] as number) + lines.length;
    return lines.length;
  }

  private rotate(): void {
    closeSync(this.fd);
    const file = this.options.path;
    const max = this.options.maxFiles;
    const last = `${file}.${max}`;
    if (existsSync(last)) {
      rmSync(last, { force: true });
      this.rotatedOut(max, last);
    }
    for (let i = max - 1; i >= 1; i--) {
      if (existsSync(`${file}.${i}`)) renameSync(`${file}.${i}`, `${file}.${i + 1}`);
    }
    if (max > 0) renameSync(file, `${file}.1`);
    else {
      rmSync(file, { force: true });
      this.rotatedOut(0, file);
    }
    // The counts follow the files: file.i is file.(i+1) now.
    this.linesIn.pop();
    this.linesIn.unshift(0);
    if (max === 0) this.linesIn[0] = 0;
    this.fd = openSync(file, 'a');
    this.size = 0;
  }

  private rotatedOut(index: number, file: string): void {
    const lines = this.linesIn[index] ?? 0;
    this.linesIn[index] = 0;
    if (lines > 0) this.onRotatedOut(lines, file);
  }

  /** Writes what is buffered and closes the file. Idempotent: a closed descriptor number may already belong to someone else. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    if (this.fd !== 1) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed: nothing to release
      }
    }
  }

  private closed = false;
}
