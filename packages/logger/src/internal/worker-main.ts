/**
 * The export worker: reads encoded log calls from the shared ring (and, after a burst, from the disk
 * spill), turns them into records through the schema's one mapping, and exports them with the
 * OpenTelemetry logs SDK. It pulls only as fast as the exporter drains, so back-pressure reaches the
 * ring and the spill instead of this thread's memory.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { newCall } from './call.js';
import { decodeCall } from './call-codec.js';
import type { DecodeState } from './call-codec.js';
import { Decoder } from './codec.js';
import { RecordPipeline } from './record-pipeline.js';
import {
  CTRL_FLUSH_ASKED,
  CTRL_FLUSH_DONE,
  CTRL_RING_CONSUMED,
  CTRL_RING_WRITTEN,
  CTRL_SHUTDOWN,
  CTRL_SPILL_CONSUMED,
  CTRL_SPILL_RECORDS_READ,
  CTRL_SPILL_WRITTEN,
  RingReader,
  SHUTDOWN_ASKED,
  SHUTDOWN_DONE,
} from './ring.js';
import { SpillReader } from './spill.js';
import type { SpillSegment } from './spill.js';
import { endpointRefuses } from './endpoint-probe.js';
import { S_DROP_SHUTDOWN_WORKER, S_EXPORTED, S_HELD, S_INVALID, S_REDACTED, S_ROTATED_OUT, S_SHUTDOWN_BUDGET, S_SPOOLED, S_WRITTEN, workerDropSlot } from './stats.js';
import { spoolHeld } from './worker-spool.js';
import type { WorkerData } from './worker-transport.js';
import { gather, sleepIdle } from './worker-wait.js';

const data = workerData as WorkerData;
const stats = data.stats;
const ring = new RingReader(data.ring);
const ctrl = ring.ctrl;
const spill = data.spillDir === false ? undefined : new SpillReader(data.spillDir, ctrl);
const decodeState: DecodeState = { identities: new Map() };
/** Every record is decoded into this one object; the pipeline is done with it before the next. */
const call = newCall();
/** Records handled between yields to the event loop, so exports (network I/O) make progress. */
const YIELD_EVERY = 512;

const pipeline = new RecordPipeline(data.pipeline, {
  onExported: (n) => {
    stats[S_EXPORTED] = (stats[S_EXPORTED] as number) + n;
  },
  onWritten: (n) => {
    stats[S_WRITTEN] = (stats[S_WRITTEN] as number) + n;
  },
  onDropped: (reason, n) => {
    const slot = workerDropSlot(reason);
    stats[slot] = (stats[slot] as number) + n;
    if (reason === 'export_failed') warn('export_failed', 'tracebridge: log records could not be exported and were dropped; see stats()');
    if (reason === 'sink_failed') warn('sink_failed', 'tracebridge: the JSON-lines sink failed; records are being dropped and counted');
  },
  onInvalid: (n) => {
    stats[S_INVALID] = (stats[S_INVALID] as number) + n;
  },
  onRedacted: (n) => {
    stats[S_REDACTED] = (stats[S_REDACTED] as number) + n;
  },
  onRotatedOut: (n, file) => {
    stats[S_ROTATED_OUT] = (stats[S_ROTATED_OUT] as number) + n;
    warn(
      'rotated_out',
      `tracebridge: rotation deleted ${file} (beyond jsonlMaxFiles) with ${n} lines; lines the collector had not read yet are lost (counted in stats().rotatedOut; raise jsonlMaxFiles or jsonlMaxBytes)`,
    );
  },
});

const warned = new Set<string>();
function warn(code: string, text: string): void {
  if (warned.has(code)) return;
  warned.add(code);
  parentPort?.postMessage({ code, warn: text });
}

/** A flush the producer asked for: done once the records written before it are consumed and exported. */
interface PendingFlush {
  token: number;
  ringTarget: number;
  spillTarget: number;
}
let pendingFlush: PendingFlush | undefined;
let flushRunning = false;

const ringDecoder = new Decoder(ring.buf, 0, 0);
/** The decoder of the spill segment being read, and that segment's buffer. */
let segmentDecoder: Decoder | undefined;

function handle(buf: Buffer, start: number, end: number): void {
  // One decoder for the ring, one per spill segment (another buffer).
  let d = ringDecoder;
  if (buf !== ring.buf) {
    if (segmentDecoder === undefined || segmentDecoder.buf !== buf) segmentDecoder = new Decoder(buf, start, end);
    d = segmentDecoder;
  }
  d.pos = start;
  d.end = end;
  pipeline.accept(decodeCall(d, decodeState, call));
}

function publishHeld(): void {
  stats[S_HELD] = pipeline.held();
}

/** Records handled since the last yield to the event loop. */
let sinceYield = 0;

/** At the end of a shutdown: drain only while the pipeline has room, never wait for it (see spoolRest). */
let spooling = false;

/**
 * Consumes from the ring and the spill, in the order the records were written, while the pipeline has
 * room: the ring first; a spill barrier in the ring, the spill up to the segment it names; an empty
 * ring, the next spill segment (whose records follow everything the ring held before it). Returns true
 * when it did work.
 */
async function drain(deadline: number): Promise<boolean> {
  let worked = false;
  pipeline.startReading();
  for (;;) {
    if (!pipeline.hasRoom()) {
      publishHeld();
      if (spooling) return worked;
      await pipeline.waitForRoom();
      pipeline.startReading();
      if (Date.now() > deadline) return worked;
    }
    const next = ring.peek();
    if (next !== undefined) {
      if (next.barrier !== undefined) {
        // Spilled records that precede what follows in the ring (the entry is read first: it is reused).
        const { barrier, next: after } = next;
        while (spill !== undefined && Atomics.load(ctrl, CTRL_SPILL_CONSUMED) < barrier) {
          const segment = spill.next();
          if (segment === undefined) break;
          await readSegment(segment);
        }
        ring.release(after, false);
        worked = true;
        continue;
      }
      try {
        handle(ring.buf, next.start, next.end);
      } catch (err) {
        warn('corrupt', `tracebridge: a log record could not be decoded (${(err as Error).message})`);
      }
      ring.release(next.next);
      worked = true;
      if (++sinceYield >= YIELD_EVERY) {
        sinceYield = 0;
        publishHeld();
        checkFlush();
        await yieldToLoop();
        pipeline.startReading();
      }
      continue;
    }
    const segment = spill?.next();
    if (segment === undefined) break;
    await readSegment(segment);
    worked = true;
  }
  publishHeld();
  return worked;
}

/** Hands every record of a spill segment to the pipeline, then lets the segment go. */
async function readSegment(segment: SpillSegment): Promise<void> {
  const buf = segment.data;
  let pos = segment.start;
  while (pos + 4 <= buf.length) {
    // A spill segment is read whole (the spill counts it consumed only when done): while spooling the
    // batch may outgrow its bound by one segment's records rather than wait for room.
    if (!pipeline.hasRoom() && !spooling) {
      publishHeld();
      await pipeline.waitForRoom();
      pipeline.startReading();
    }
    const length = buf.readUInt32LE(pos);
    try {
      handle(buf, pos + 4, pos + 4 + length);
    } catch (err) {
      warn('corrupt', `tracebridge: a spilled log record could not be decoded (${(err as Error).message})`);
    }
    Atomics.add(ctrl, CTRL_SPILL_RECORDS_READ, 1);
    pos += 4 + length;
    if (++sinceYield >= YIELD_EVERY) {
      sinceYield = 0;
      publishHeld();
      await yieldToLoop();
      pipeline.startReading();
    }
  }
  (spill as SpillReader).done(segment.index);
  segmentDecoder = undefined;
}

function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Starts the pipeline flush of a pending flush request once everything before it was consumed. */
function checkFlush(): void {
  const asked = Atomics.load(ctrl, CTRL_FLUSH_ASKED);
  if (pendingFlush === undefined && asked !== Atomics.load(ctrl, CTRL_FLUSH_DONE)) {
    pendingFlush = {
      token: asked,
      ringTarget: Atomics.load(ctrl, CTRL_RING_WRITTEN),
      spillTarget: Atomics.load(ctrl, CTRL_SPILL_WRITTEN),
    };
  }
  const p = pendingFlush;
  if (p === undefined || flushRunning) return;
  const consumed = Atomics.load(ctrl, CTRL_RING_CONSUMED);
  if (((consumed - p.ringTarget) | 0) < 0 || Atomics.load(ctrl, CTRL_SPILL_CONSUMED) < p.spillTarget) return;
  flushRunning = true;
  pipeline.flush().then(
    () => {
      publishHeld();
      Atomics.store(ctrl, CTRL_FLUSH_DONE, p.token);
      Atomics.notify(ctrl, CTRL_FLUSH_DONE);
      pendingFlush = undefined;
      flushRunning = false;
      checkFlush();
    },
    () => {
      flushRunning = false;
    },
  );
}

/**
 * Drains and exports within the producer's budget; what is left when the budget runs out, or at once
 * when the collector refuses connections, goes to the exit spool (worker-spool.ts) instead of being
 * dropped. The spooling part keeps a reserve of the budget for itself.
 */
async function shutdown(): Promise<void> {
  const budget = (stats[S_SHUTDOWN_BUDGET] as number) > 0 ? (stats[S_SHUTDOWN_BUDGET] as number) : data.shutdownTimeoutMillis;
  const start = Date.now();
  const end = start + Math.max(100, budget - 100);
  const spoolReserve = data.pipeline.spool === undefined ? 0 : Math.min(1000, budget / 5);
  const deadline = Math.max(start + 50, end - spoolReserve);
  // The OTLP exporter retries a refused connection for its whole timeout: learn it in a millisecond.
  let refused = false;
  const refusal = data.pipeline.output === 'jsonl' ? new Promise<never>(() => undefined) : endpointRefuses(data.pipeline.endpoint).then((r) => (refused = r));
  await Promise.race([drain(deadline), refusal.then((r) => (r ? undefined : new Promise<never>(() => undefined)))]);
  pipeline.flushSink();
  if (!refused) {
    const flushed = pipeline.flush();
    const left = deadline - Date.now();
    if (left > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([flushed, refusal.then((r) => (r ? undefined : flushed)), new Promise((resolve) => (timer = setTimeout(resolve, left)))]);
      clearTimeout(timer);
    }
  }
  // Whoever moves the state away from ASKED counts what this thread still holds: exactly once, even
  // when the producer's deadline passes at the same moment. The spooling happens before: the producer
  // waits for it (it is bounded by the reserve), and counts what it finds left in the ring and the spill.
  if (Atomics.load(ctrl, CTRL_SHUTDOWN) === SHUTDOWN_ASKED && pipeline.held() > 0 && data.pipeline.spool !== undefined) await spoolRest(refused, end);
  if (Atomics.compareExchange(ctrl, CTRL_SHUTDOWN, SHUTDOWN_ASKED, SHUTDOWN_DONE) === SHUTDOWN_ASKED) {
    const lost = pipeline.abandon();
    stats[S_DROP_SHUTDOWN_WORKER] = (stats[S_DROP_SHUTDOWN_WORKER] as number) + lost;
    stats[S_HELD] = 0;
  }
  Atomics.notify(ctrl, CTRL_SHUTDOWN);
  await pipeline.close();
}

/**
 * Hands what the pipeline holds to the spool, then drains the ring and the disk spill into it and hands
 * that over too, until both are empty, the spool is full, or the budget is spent (the producer then
 * counts what is left there as dropped).
 */
async function spoolRest(refused: boolean, end: number): Promise<void> {
  spooling = true;
  for (;;) {
    const r = spoolHeld(pipeline, data.pipeline, refused);
    stats[S_SPOOLED] = (stats[S_SPOOLED] as number) + r.spooled;
    stats[S_DROP_SHUTDOWN_WORKER] = (stats[S_DROP_SHUTDOWN_WORKER] as number) + r.lost;
    publishHeld();
    if (r.lost > 0 || Date.now() > end) return;
    const more = await drain(end);
    pipeline.flushSink();
    if (!more && pipeline.held() === 0) return;
  }
}

async function main(): Promise<void> {
  for (;;) {
    if (Atomics.load(ctrl, CTRL_SHUTDOWN) !== 0) {
      await shutdown();
      return;
    }
    const worked = await drain(Number.POSITIVE_INFINITY);
    checkFlush();
    if (worked) {
      await yieldToLoop();
      continue;
    }
    if (gathered) {
      // What was gathered goes out now: it has waited its batch delay in the ring (worker-wait.ts).
      gathered = false;
      pipeline.sendNow();
    }
    pipeline.flushSink();
    // Nothing to read: sleep until the producer writes, asks for a flush or a shutdown (worker-wait.ts).
    if (!(await sleepIdle(ctrl, hasWork))) continue;
    if (!urgent()) {
      await gather(ctrl, data.pipeline.scheduleDelayMillis, urgent);
      gathered = true;
    }
  }
}

/** Whether the worker went to sleep after gathering records, which it then sends without further delay. */
let gathered = false;

/** Records in the ring or the spill, or a shutdown asked. */
function hasWork(): boolean {
  return !ring.isEmpty() || Atomics.load(ctrl, CTRL_SHUTDOWN) !== 0 || (spill !== undefined && Atomics.load(ctrl, CTRL_SPILL_CONSUMED) < Atomics.load(ctrl, CTRL_SPILL_WRITTEN));
}

/** A shutdown or a flush was asked, or the ring is filling up: the worker must not let records wait. */
function urgent(): boolean {
  return Atomics.load(ctrl, CTRL_SHUTDOWN) !== 0 || Atomics.load(ctrl, CTRL_FLUSH_ASKED) !== Atomics.load(ctrl, CTRL_FLUSH_DONE) || ring.filling();
}

// Atomics.waitAsync is not an event-loop handle: without a referenced one this thread would end as
// soon as it went idle. The producer unrefs the Worker object, so this never holds the process.
const keepAlive = setInterval(() => undefined, 1 << 30);

main()
  .then(() => clearInterval(keepAlive))
  .catch((err: Error) => {
    warn('worker-crash', `tracebridge: the log export worker stopped: ${err.stack ?? err.message}`);
    throw err;
  });
