// Builds the collector and the test stores once, before any test file runs, with progress on the
// console: a cold build takes minutes (see collector/build-lib.mjs), far longer than a test's timeout.
// Every later call to ensureCollector()/ensureStore() is a cache hit.
import { STORES, ensureCollector, ensureStore } from '#collector/build-lib.mjs';
import type { StoreName } from '#collector/build-lib.mjs';

export default async function setup(): Promise<void> {
  const log = (line: string): void => void process.stderr.write(`[build] ${line}\n`);
  await ensureCollector({ log });
  for (const name of Object.keys(STORES) as StoreName[]) await ensureStore(name, { log });
}
