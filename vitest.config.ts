import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    // Tests that spawn real processes (CLI, collector, stores) need more than the 5 s default.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // The real collector and stores are built (or found in the machine cache) before any test runs.
    globalSetup: ['test/global-setup.ts'],
  },
});
