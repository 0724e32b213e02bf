import { readLocalData } from '@tracebridge/cli';

/** What {@link waitForDelivery} saw last. */
export interface DeliveryCounts {
  logs: number;
  spans: number;
  /** True when the counts stopped moving; false when the time ran out first. */
  settled: boolean;
}

/**
 * Polls the `local` profile's files until the numbers of logs and spans have not moved for `quietMs`
 * (the collector batches for 200 ms and the agents flush as they exit), and `ready` accepts them;
 * gives up after `timeoutMs`, returning the last counts.
 */
export async function waitForDelivery(
  dataDir: string,
  options: { quietMs?: number; timeoutMs?: number; intervalMs?: number; ready?: (counts: { logs: number; spans: number }) => boolean },
): Promise<DeliveryCounts> {
  const quietMs = options.quietMs ?? 1000;
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  let last = { logs: -1, spans: -1 };
  let since = Date.now();
  for (;;) {
    const data = await readLocalData(dataDir);
    const now = { logs: data.logs.length, spans: data.spans.length };
    if (now.logs !== last.logs || now.spans !== last.spans) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs && (options.ready?.(now) ?? true)) {
      return { ...now, settled: true };
    }
    if (Date.now() > deadline) return { ...now, settled: false };
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 250));
  }
}
