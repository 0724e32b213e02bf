import { mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

// The exit spool of every logger and agent the tests run (unless a test gives its own): one folder per
// run, so that what a test leaves there (a collector it stopped on purpose) is neither sent by a later
// run nor mixed with the user's own agents' spool.
const spoolDir = process.env.TRACEBRIDGE_SPOOL_DIR ?? mkdtempSync(path.join(tmpdir(), 'tracebridge-spool-tests-'));

// Two projects: `unit` (each package's own tests: no set-up, no Go, seconds) and `integration` (test/<area>/:
// the real collector, stores and programs). `npm run test:unit` runs the first alone; `npm test` runs both,
// unit first, so a broken package fails before minutes of integration tests start.
export default defineConfig({
  test: {
    // Child processes, not worker threads: several tests spawn processes, change env or signal handlers,
    // and the logger itself runs worker threads.
    pool: 'forks',
    env: { TRACEBRIDGE_SPOOL_DIR: spoolDir },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['packages/*/test/**/*.test.ts'],
          // Some unit tests spawn `node` on a fixture (the --import bootstrap, exit handling): a few seconds
          // each on a busy 2-core machine, never minutes.
          testTimeout: 30_000,
          hookTimeout: 30_000,
          // Those spawns mostly wait (on a child's start-up, an exit bound): two files at a time even on a
          // 2-core machine, where vitest's default (cores − 1) would run them one after another.
          maxWorkers: Math.max(2, availableParallelism() - 1),
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          // Tests that spawn real processes (CLI, collector, stores) need more than the 5 s default.
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // The real collector and stores are built (or found in the machine cache) before any test runs.
          globalSetup: ['test/global-setup.ts'],
          // Most files start a collector and one or more stores (a stack of 3–6 processes): one file at a
          // time on a 2-core machine (CI's), never more than two on a bigger one, where vitest's default
          // (cores − 1) would start a stack per core.
          maxWorkers: Math.min(2, Math.max(1, availableParallelism() - 1)),
          // And within a file, at most two concurrent tests (test/backends/faults.test.ts runs four
          // scenarios, each with its own collector, store and agents at thousands of records per second).
          maxConcurrency: 2,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
