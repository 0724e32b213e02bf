import type { MappedRecord } from '@tracebridge/schema';

/**
 * The OTLP side of the record pipeline: takes mapped records and delivers them, bounded. Two exist:
 * the protobuf route (protobuf-otlp-route.ts: records written as OTLP as they come, the default) and
 * the SDK route (sdk-otlp-route.ts: the OpenTelemetry logs SDK, for custom processors or an exporter,
 * and for `http/json`).
 */
export interface OtlpRoute {
  /**
   * One mapped record, made at `seconds` + `nanos` since the epoch (an OpenTelemetry HrTime); with
   * `uidMillis`, the record gets a `log.record.uid` of that time after its other attributes.
   */
  emit(mapped: MappedRecord, seconds: number, nanos: number, uidMillis?: number): void;
  /**
   * The caller starts a run of records read without pause (the worker after each wait): records of the
   * run may share a clock read for their observed time.
   */
  startReading(): void;
  /** True when it can take more records now. */
  hasRoom(): boolean;
  /** Resolves when it has room again. */
  waitForRoom(): Promise<void>;
  /** Starts sending the records waiting for the batch delay, as far as the in-flight limit allows. */
  sendNow(): void;
  /** Records held (queued or in flight). */
  held(): number;
  /** Exports everything held. Does not resolve while the collector is down. */
  flush(): Promise<void>;
  /**
   * Takes everything held out of the route as OTLP logs requests (protobuf), for the exit spool: the
   * queued ones, and those in flight apart (their late answers are ignored). The route goes on taking
   * records.
   */
  handOver(): HeldRequests;
  /** Gives up whatever is held and returns how many records that was. */
  abandon(): number;
  /** Releases the exporter. May wait on a hanging connection. */
  close(): Promise<void>;
}

/** One OTLP logs request body (protobuf) and the records in it. */
export interface HeldRequest {
  body: Uint8Array;
  records: number;
}

/** What a route held, as requests: those that never left, and those in flight. */
export interface HeldRequests {
  queued: HeldRequest[];
  inFlight: HeldRequest[];
}

/** Counters a route reports into. */
export interface OtlpRouteHooks {
  onExported(count: number): void;
  onDropped(reason: 'queue_full' | 'export_failed', count: number): void;
}
