// Builds the collector, the test stores and the tools the tests drive (Compose, actionlint) once, before
// any test file runs, with progress on the console: a cold build takes minutes (see
// collector/build-lib.mjs), far longer than a test's timeout. Every later ensure*() call is a cache hit.
// @ts-expect-error: a plain ESM script shared with `npm run collector:build`, without type declarations.
import { STORES, TOOLS, ensureCollector, ensureStore, ensureTool } from '../collector/build-lib.mjs';

export default async function setup(): Promise<void> {
  const log = (line: string): void => void process.stderr.write(`[build] ${line}\n`);
  await ensureCollector({ log });
  for (const name of Object.keys(STORES)) await ensureStore(name, { log });
  for (const name of Object.keys(TOOLS)) await ensureTool(name, { log });
}
