import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { SpanContext } from '@opentelemetry/api';
import type { LogFields, LoggerStats } from '../types.js';
import type { Call, Identity, PerformanceRecord } from './call.js';
import { NO_STATE, encodeCall, forgetCalls, rememberCall } from './call-codec.js';
import type { EncodeState } from './call-codec.js';
import { CallTurns } from './call-turns.js';
import { Encoder } from './codec.js';
import type { PipelineConfig } from './record-pipeline.js';
import {
  CTRL_FLUSH_ASKED,
  CTRL_FLUSH_DONE,
  CTRL_RING_CONSUMED,
  CTRL_RING_WRITTEN,
  CTRL_SHUTDOWN,
  RingWriter,
  SHUTDOWN_ASKED,
  SHUTDOWN_TAKEN_OVER,
  createRingMemory,
} from './ring.js';
import type { RingMemory } from './ring.js';
import { SpillWriter } from './spill.js';
import { HOLD, RELEASE, TraceBuffer, samplingStep } from './trace-buffer.js';
import {
  S_DROP_AFTER_SHUTDOWN,
  S_DROP_QUEUE_FULL,
  S_DROP_SHUTDOWN_MAIN,
  S_DROP_TOO_LARGE,
  S_EMITTED,
  S_HELD,
  S_RESTORED,
  S_DROP_SHUTDOWN_WORKER,
  S_REPORTED_LOST,
  S_REPORTED_SPOOLED,
  S_SAMPLED_OUT,
  S_SHUTDOWN_BUDGET,
  S_SPILLED,
  S_SPOOLED,
  createStatsMemory,
  readStats,
} from './stats.js';
import type { Transport } from './transport.js';
import { endpointRefuses } from './endpoint-probe.js';
import { exitRegistry } from './exit-registry.js';
import { warnOnce } from './warn-once.js';

/** Options of the worker transport beyond the export pipeline's. */
export interface WorkerTransportOptions {
  pipeline: PipelineConfig;
  maxQueueBytes: number;
  maxRecordBytes: number;
  spillDir: string | false;
  maxSpillBytes: number;
  shutdownTimeoutMillis: number;
  /** Trace-aware DEBUG sampling, or undefined when off. */
  traceSampling?: { perTrace: number; maxTraces: number };
}

/** Data the worker starts with. */
export interface WorkerData {
  ring: RingMemory;
  stats: Float64Array;
  pipeline: PipelineConfig;
  spillDir: string | false;
  shutdownTimeoutMillis: number;
}

/** How often, while spilling, the transport checks whether it can go back to the ring. */
const SPILL_TICK_MS = 100;
/** A flush still waiting after this long asks whether the collector refuses connections. */
const PROBE_AFTER_MS = 100;
/** A crashed export worker is restarted this many times before the transport gives up. */
const MAX_RESTARTS = 3;

/**
 * The default transport: a log call encodes itself into a shared-memory ring (well under a
 * microsecond), and a worker thread decodes, maps, batches and exports. When the ring is full the
 * records go to a disk spill; only when that is full too are they dropped, and counted.
 */
export class WorkerTransport implements Transport {
  private readonly ring: RingWriter;
  private readonly memory: RingMemory;
  private readonly s: Float64Array;
  /** Each log call in its turn: captured, then encoded and queued by {@link send}. */
  private readonly turns = new CallTurns((call) => this.send(call));
  private readonly enc: Encoder;
  private readonly spill: SpillWriter | undefined;
  private readonly state: EncodeState = {};
  private readonly held: TraceBuffer<Uint8Array> | undefined;
  private readonly identities = new Map<string, Identity>();
  private worker: Worker | undefined;
  private restarts = 0;
  private spilling = false;
  /** Free ring bytes from which spilling ends. */
  private readonly resumeBytes: number;
  private tick: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  closed = false;

  constructor(private readonly options: WorkerTransportOptions) {
    this.memory = createRingMemory(options.maxQueueBytes);
    this.ring = new RingWriter(this.memory);
    this.resumeBytes = this.memory.data.byteLength / 2;
    this.s = createStatsMemory(true);
    this.enc = new Encoder(64 * 1024, options.maxRecordBytes * 3 + 1024);
    if (options.traceSampling !== undefined) this.held = new TraceBuffer(options.traceSampling.perTrace, options.traceSampling.maxTraces);
    if (options.spillDir !== false) {
      const dir = path.join(options.spillDir, `tracebridge-spill-${process.pid}-${randomBytes(4).toString('hex')}`);
      this.spill = new SpillWriter(dir, options.maxSpillBytes, this.ring.ctrl);
      this.spillDir = dir;
    }
    this.startWorker();
  }

  private spillDir: string | undefined;

  private startWorker(): void {
    const data: WorkerData = {
      ring: this.memory,
      stats: this.s,
      pipeline: this.options.pipeline,
      spillDir: this.spillDir ?? false,
      shutdownTimeoutMillis: this.options.shutdownTimeoutMillis,
    };
    // execArgv: [] so the export worker does not inherit `--import @tracebridge/auto/register` (or any
    // other preload): it would start a second SDK in here and trace the log exports themselves.
    const worker = new Worker(new URL('./worker-main.js', import.meta.url), { workerData: data, execArgv: [] });
    worker.on('message', (msg: { warn?: string; code?: string }) => {
      if (msg.warn !== undefined) warnOnce(msg.code ?? msg.warn, msg.warn);
    });
    worker.on('error', (err) => {
      if (this.closed || this.restarts >= MAX_RESTARTS) {
        warnOnce('worker-failed', `tracebridge: the log export worker failed (${err.message}); records are kept in the queue until shutdown`);
        return;
      }
      this.restarts++;
      warnOnce(`worker-restart-${this.restarts}`, `tracebridge: the log export worker failed (${err.message}); restarting it`);
      // The new worker knows no identity nor previous trace: make the next records carry them again.
      for (const id of this.identities.values()) id.registered = false;
      forgetCalls(this.state);
      this.startWorker();
    });
    // The export worker must never keep an agent alive: exit hooks flush it instead. After the
    // listeners: attaching a 'message' listener refs the worker's port again.
    worker.unref();
    this.worker = worker;
  }

  identity(agentId: string, component: string): Identity {
    const key = `${agentId}\u0000${component}`;
    let id = this.identities.get(key);
    if (id === undefined) {
      id = { id: this.identities.size & 0xffff, agentId, component, registered: false };
      this.identities.set(key, id);
    }
    return id;
  }

  write(
    level: number,
    who: Identity,
    baseContext: Record<string, unknown> | undefined,
    message: unknown,
    fields: LogFields | undefined,
    performance: PerformanceRecord | undefined,
  ): void {
    const s = this.s;
    s[S_EMITTED]++;
    if (this.closed) {
      s[S_DROP_AFTER_SHUTDOWN]++;
      return;
    }
    this.turns.take(level, who, baseContext, message, fields, performance);
  }

  /** Encodes a captured call, then holds it (trace-aware sampling), queues it, or drops and counts it. */
  private send(call: Call): void {
    const s = this.s;
    const step = this.held === undefined ? 0 : samplingStep(call);
    // An ERROR of an unsampled trace: its held DEBUG lines go first (which resets the encoder's memory).
    if (step === RELEASE) this.releaseHeld((call.spanContext as SpanContext).traceId);
    // Trace-aware sampling: a DEBUG line of an unsampled trace is encoded now (its values as they are at
    // the call) but held, so it must not refer to earlier records.
    const state = step === HOLD ? NO_STATE : this.state;
    const max = this.options.maxRecordBytes;
    let flags: number;
    try {
      flags = encodeCall(this.enc, call, state, max, false);
    } catch {
      // Too large (or a value that defeats even the careful encoder): keep the call, not its data.
      try {
        flags = encodeCall(this.enc, call, state, max, true);
      } catch {
        s[S_DROP_TOO_LARGE]++;
        warnOnce('too_large', `tracebridge: a log record larger than ${max} bytes was dropped`);
        return;
      }
    }
    const e = this.enc;
    if (step === HOLD) {
      // A copy: Buffer#slice would be a view of the scratch buffer the next call overwrites.
      const held = this.held as TraceBuffer<Uint8Array>;
      held.hold((call.spanContext as SpanContext).traceId, new Uint8Array(e.u8.subarray(0, e.pos)));
      s[S_SAMPLED_OUT] = held.sampledOut;
      return;
    }
    if (this.enqueue(e.u8, e.pos)) rememberCall(this.state, call, flags);
    else this.dropFull();
  }

  /**
   * The one way into the queue: the ring while it has room; else the disk spill, which takes the
   * records until the ring has room again (see {@link leaveSpill}); false when that is full too (or
   * spilling is off), and the caller drops and counts.
   */
  private enqueue(bytes: Uint8Array, length: number): boolean {
    if (!this.spilling || this.leaveSpill()) {
      if (this.ring.write(bytes, length)) {
        this.ring.wake();
        return true;
      }
      if (this.spill === undefined) return false;
      this.spilling = true;
      this.startTick();
      // The worker may be asleep or letting records gather (worker-wait.ts): only its reading the ring
      // ends the spilling.
      this.ring.kick();
    }
    if (!(this.spill as SpillWriter).append(bytes, length)) return false;
    this.s[S_SPILLED]++;
    // A worker that started gathering since is woken too (the ring is full: the check says so).
    this.ring.wake();
    return true;
  }

  /**
   * Goes back from the spill to the ring once the ring is half free: the spill's open segment is
   * handed to the worker and a barrier in the ring makes the worker read it before what follows. Half,
   * not "any room": each switch closes a segment file, and a ring that has just a little room would
   * take a few records and refuse again. Spilling used to last until the spill was read to the end,
   * which a steady stream never allows, so every record then paid a disk write and read (#22).
   */
  private leaveSpill(): boolean {
    if (this.ring.freeBytes() < this.resumeBytes) return false;
    const spill = this.spill as SpillWriter;
    spill.closeSegment();
    if (!this.ring.writeBarrier(spill.lastClosed())) return false;
    this.spilling = false;
    if (this.tick !== undefined) clearInterval(this.tick);
    this.tick = undefined;
    this.ring.wake();
    return true;
  }

  /**
   * Queues the held DEBUG lines of a trace. They were encoded without references to earlier records,
   * but decoding them moves the worker's memory of the last trace and correlation: ours is forgotten so
   * the next record states them in full.
   */
  private releaseHeld(traceId: string): void {
    const lines = (this.held as TraceBuffer<Uint8Array>).release(traceId);
    if (lines.length === 0) return;
    for (const bytes of lines) if (!this.enqueue(bytes, bytes.length)) this.dropFull();
    this.s[S_RESTORED] = (this.s[S_RESTORED] as number) + lines.length;
    forgetCalls(this.state);
  }

  private dropFull(): void {
    this.s[S_DROP_QUEUE_FULL]++;
    // The worker never saw this record: the next one must not refer to it.
    forgetCalls(this.state);
    warnOnce(
      'queue_full',
      'tracebridge: the log queue and its disk spill are full (the collector is down or too slow); records are being dropped and counted in stats()',
    );
  }

  private startTick(): void {
    if (this.tick !== undefined) return;
    this.tick = setInterval(() => this.spillTick(), SPILL_TICK_MS);
    this.tick.unref();
  }

  /** While spilling: goes back to the ring when a producer that stopped logging would not. */
  private spillTick(): void {
    this.leaveSpill();
  }

  /** Records written but not yet exported (ring, spill, worker). */
  private queued(): number {
    const ctrl = this.ring.ctrl;
    const inRing = (Atomics.load(ctrl, CTRL_RING_WRITTEN) - Atomics.load(ctrl, CTRL_RING_CONSUMED)) | 0;
    return inRing + (this.spill?.unread() ?? 0) + (this.s[S_HELD] as number);
  }

  stats(): LoggerStats {
    return readStats(this.s, this.options.pipeline.output, this.ring.usedBytes());
  }

  async flush(timeoutMillis: number): Promise<boolean> {
    if (this.closed) return this.queued() === 0;
    // A collector that refuses connections will not take anything within the timeout: say so now. Asked
    // only of a flush that did not finish at once (one TCP connect, not one per flush of a busy app).
    const pipeline = this.options.pipeline;
    let refused = false;
    const probe =
      pipeline.output === 'jsonl'
        ? undefined
        : setTimeout(() => void endpointRefuses(pipeline.endpoint).then((r) => (refused = r)), PROBE_AFTER_MS);
    probe?.unref();
    if (this.spilling) this.spill?.closeSegment();
    const ctrl = this.ring.ctrl;
    const token = Atomics.add(ctrl, CTRL_FLUSH_ASKED, 1) + 1;
    this.ring.kick();
    const deadline = Date.now() + timeoutMillis;
    // A pending Atomics.waitAsync does not keep the event loop alive; this timer does, so an awaited
    // flush() at the end of a script completes instead of the process exiting under it.
    const hold = setInterval(() => undefined, 1000);
    try {
      for (;;) {
        const done = Atomics.load(ctrl, CTRL_FLUSH_DONE);
        if (done - token >= 0) return true;
        const left = deadline - Date.now();
        if (left <= 0 || refused) return false;
        const wait = Atomics.waitAsync(ctrl, CTRL_FLUSH_DONE, done, Math.min(left, 50));
        if (wait.async) await wait.value;
      }
    } finally {
      clearInterval(hold);
      clearTimeout(probe);
    }
  }

  shutdown(timeoutMillis: number): Promise<void> {
    if (this.closing === undefined) this.closing = this.doShutdown(timeoutMillis);
    return this.closing;
  }

  private async doShutdown(timeoutMillis: number): Promise<void> {
    this.closed = true;
    this.s[S_SHUTDOWN_BUDGET] = timeoutMillis;
    this.startShutdown();
    const ctrl = this.ring.ctrl;
    const deadline = Date.now() + timeoutMillis;
    const hold = setInterval(() => undefined, 1000);
    while (Atomics.load(ctrl, CTRL_SHUTDOWN) === SHUTDOWN_ASKED) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      const wait = Atomics.waitAsync(ctrl, CTRL_SHUTDOWN, SHUTDOWN_ASKED, Math.min(left, 50));
      if (wait.async) await wait.value;
    }
    clearInterval(hold);
    this.finishShutdown();
    await this.worker?.terminate().catch(() => undefined);
    this.spill?.remove();
  }

  private startShutdown(): void {
    if (this.held !== undefined) {
      this.held.clear();
      this.s[S_SAMPLED_OUT] = this.held.sampledOut;
    }
    if (this.tick !== undefined) clearInterval(this.tick);
    this.tick = undefined;
    if (this.spilling) this.spill?.closeSegment();
    Atomics.compareExchange(this.ring.ctrl, CTRL_SHUTDOWN, 0, SHUTDOWN_ASKED);
    this.ring.kick();
  }

  /**
   * Counts what shutdown could not deliver, exactly once: records still in the ring or the spill, plus
   * what the worker held if it did not finish in time (otherwise it counted those itself).
   */
  private finishShutdown(): void {
    const ctrl = this.ring.ctrl;
    const tookOver = Atomics.compareExchange(ctrl, CTRL_SHUTDOWN, SHUTDOWN_ASKED, SHUTDOWN_TAKEN_OVER) === SHUTDOWN_ASKED;
    const inRing = (Atomics.load(ctrl, CTRL_RING_WRITTEN) - Atomics.load(ctrl, CTRL_RING_CONSUMED)) | 0;
    const lost = inRing + (this.spill?.unread() ?? 0) + (tookOver ? (this.s[S_HELD] as number) : 0);
    if (tookOver) this.s[S_HELD] = 0;
    if (lost > 0) this.s[S_DROP_SHUTDOWN_MAIN] = (this.s[S_DROP_SHUTDOWN_MAIN] as number) + lost;
    this.reportUndelivered();
  }

  /**
   * Tells the exit registry what this shutdown could not deliver (spooled, or lost), to be said in one
   * line at the process's end with a sender started for the spool. Only what was not reported before.
   */
  private reportUndelivered(): void {
    const s = this.s;
    const spooled = (s[S_SPOOLED] as number) - (s[S_REPORTED_SPOOLED] as number);
    const lost = (s[S_DROP_SHUTDOWN_MAIN] as number) + (s[S_DROP_SHUTDOWN_WORKER] as number) - (s[S_REPORTED_LOST] as number);
    if (spooled <= 0 && lost <= 0) return;
    s[S_REPORTED_SPOOLED] = s[S_SPOOLED] as number;
    s[S_REPORTED_LOST] = (s[S_DROP_SHUTDOWN_MAIN] as number) + (s[S_DROP_SHUTDOWN_WORKER] as number);
    const pipeline = this.options.pipeline;
    exitRegistry().undelivered?.({
      what: 'log records',
      spooled,
      lost,
      url: pipeline.endpoint,
      ...(pipeline.spool === undefined ? {} : { dir: pipeline.spool.dir }),
      ...(Object.keys(pipeline.headers).length === 0 ? {} : { headers: pipeline.headers }),
    });
  }

  /**
   * The synchronous path for `process.exit()`: blocks this thread (it is exiting anyway) while the
   * worker drains, at most the shutdown timeout.
   */
  shutdownSync(): void {
    if (this.closed) return;
    this.closed = true;
    this.s[S_SHUTDOWN_BUDGET] = this.options.shutdownTimeoutMillis;
    this.startShutdown();
    const ctrl = this.ring.ctrl;
    const deadline = Date.now() + this.options.shutdownTimeoutMillis;
    while (Atomics.load(ctrl, CTRL_SHUTDOWN) === SHUTDOWN_ASKED) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      Atomics.wait(ctrl, CTRL_SHUTDOWN, SHUTDOWN_ASKED, Math.min(left, 50));
    }
    this.finishShutdown();
    this.spill?.remove();
  }

  /** Records queued right now (for exit hooks deciding whether a flush is worth it). */
  pending(): number {
    return this.queued();
  }
}

