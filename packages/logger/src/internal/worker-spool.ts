/**
 * The export pipeline's part in the exit spool (spool.ts): what the OTLP side holds when a shutdown runs
 * out of time or the collector refuses connections is written as OTLP requests for later delivery,
 * instead of being dropped. Runs in the export worker (or on the calling thread with `thread: false`).
 * The route gives its requests already encoded (OtlpRoute.handOver).
 */
import type { HeldRequest } from './otlp-route.js';
import type { PipelineConfig, RecordPipeline } from './record-pipeline.js';
import { writeSpool } from './spool.js';

/**
 * Hands what the pipeline holds to the spool: queued records as requests that never left, batches in
 * flight as `unsure` ones unless `refused` (no connection was ever made). Returns what was spooled and
 * what could not be (spool off, full or failing), for the caller to count.
 */
export function spoolHeld(pipeline: RecordPipeline, config: PipelineConfig, refused: boolean): { spooled: number; lost: number } {
  const { queued, inFlight } = pipeline.handOver();
  const out = { spooled: 0, lost: 0 };
  const write = (request: HeldRequest, unsure: boolean): void => {
    if (request.records === 0) return;
    let ok = false;
    if (config.spool !== undefined) {
      try {
        ok = writeSpool(config.spool, { url: config.endpoint, signal: 'logs', records: request.records, unsure, contentType: 'application/x-protobuf' }, request.body);
      } catch {
        ok = false;
      }
    }
    if (ok) out.spooled += request.records;
    else out.lost += request.records;
  };
  for (const request of inFlight) write(request, !refused);
  for (const request of queued) write(request, false);
  return out;
}
