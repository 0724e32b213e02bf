import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { ExportLogsServiceRequest } from '@tracebridge/schema';

/** Folder of the shared vectors: `<name>.jsonl` input records, `<name>.otlp.json` the OTLP they must give. */
export const VECTORS_DIR = fileURLToPath(new URL('../vectors/', import.meta.url));

export interface Vector {
  name: string;
  inputPath: string;
  records: Array<Record<string, unknown>>;
  expected: ExportLogsServiceRequest;
}

/** Every vector, read from disk. */
export function loadVectors(): Vector[] {
  return readdirSync(VECTORS_DIR)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .map((file) => {
      const name = file.slice(0, -'.jsonl'.length);
      const inputPath = path.join(VECTORS_DIR, file);
      const records = readFileSync(inputPath, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const expected = JSON.parse(readFileSync(path.join(VECTORS_DIR, `${name}.otlp.json`), 'utf8')) as ExportLogsServiceRequest;
      return { name, inputPath, records, expected };
    });
}

/**
 * A request with what legitimately differs between routes removed: `observedTimeUnixNano` (when the
 * bridge saw the record). Nothing else is normalised: attribute order and value types must match.
 */
export function withoutObservedTime(request: ExportLogsServiceRequest): ExportLogsServiceRequest {
  const copy = structuredClone(request);
  for (const rl of copy.resourceLogs) {
    for (const sl of rl.scopeLogs) for (const lr of sl.logRecords) delete lr.observedTimeUnixNano;
  }
  return copy;
}
