/**
 * The export pipeline's part in the exit spool (spool.ts): what the OTLP side holds when a shutdown runs
 * out of time or the collector refuses connections is written as OTLP requests for later delivery,
 * instead of being dropped. Runs in the export worker (or on the calling thread with `thread: false`).
 */
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { PipelineConfig, RecordPipeline } from './record-pipeline.js';
import { writeSpool } from './spool.js';

/** Records of one request in the spool (the export batch size the SDK would use). */
const REQUEST_RECORDS = 2048;

/**
 * Hands what the pipeline holds to the spool: queued records as requests that never left, batches in
 * flight as `unsure` ones unless `refused` (no connection was ever made). Returns what was spooled and
 * what could not be (spool off, full or failing), for the caller to count.
 */
export function spoolHeld(pipeline: RecordPipeline, config: PipelineConfig, refused: boolean): { spooled: number; lost: number } {
  const { queued, inFlight } = pipeline.handOver();
  const out = { spooled: 0, lost: 0 };
  const write = (records: ReadableLogRecord[], unsure: boolean): void => {
    if (records.length === 0) return;
    let ok = false;
    if (config.spool !== undefined) {
      try {
        const body = ProtobufLogsSerializer.serializeRequest(records);
        ok = body !== undefined && writeSpool(config.spool, { url: config.endpoint, signal: 'logs', records: records.length, unsure, contentType: 'application/x-protobuf' }, body);
      } catch {
        ok = false;
      }
    }
    if (ok) out.spooled += records.length;
    else out.lost += records.length;
  };
  for (const batch of inFlight) write(batch, !refused);
  for (let i = 0; i < queued.length; i += REQUEST_RECORDS) write(queued.slice(i, i + REQUEST_RECORDS), false);
  return out;
}
