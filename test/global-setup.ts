// Builds the collector, the test stores and the tools the tests drive (Compose, actionlint) once, before
// any test file runs, with progress on the console: a cold build takes minutes (see
// collector/build-lib.mjs), far longer than a test's timeout. Every later ensure*() call is a cache hit.
import { STORES, TOOLS, ensureCollector, ensureStore, ensureTool } from '#collector/build-lib.mjs';
import type { StoreName, ToolName } from '#collector/build-lib.mjs';

export default async function setup(): Promise<void> {
  const log = (line: string): void => void process.stderr.write(`[build] ${line}\n`);
  await ensureCollector({ log });
  for (const name of Object.keys(STORES) as StoreName[]) await ensureStore(name, { log });
  // Tools only the benchmarks use (`bench: true`) are built when a benchmark asks for them.
  for (const name of Object.keys(TOOLS) as ToolName[]) if (!TOOLS[name].bench) await ensureTool(name, { log });
}
