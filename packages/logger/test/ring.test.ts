import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const STRESS = fileURLToPath(new URL('./fixtures/ring-stress.mjs', import.meta.url));

describe('the shared ring between a log call and the export worker', () => {
  it('delivers every record intact, in order, under random sizes, pauses, wraps and rewinds', () => {
    // Until 20,000 records and 100 times the ring was full (a minute at most): an amount of work, not a
    // time, which a busy machine would fill with less.
    const out = JSON.parse(execFileSync(process.execPath, [STRESS, '20000', '100', '60000'], { encoding: 'utf8', timeout: 90_000 })) as {
      written: number;
      read: number;
      bad: number;
      full: number;
    };
    expect(out.bad).toBe(0);
    expect(out.read).toBe(out.written);
    expect(out.written).toBeGreaterThan(10_000);
    // The run must have exercised the full ring, or it proves nothing about wrapping.
    expect(out.full).toBeGreaterThan(0);
  }, 120_000);
});
