import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const read = (file: string): string => readFileSync(`${ROOT}${file}`, 'utf8');

describe('the Node.js version the repository asks for', () => {
  it('is no older than what any installed package of the Node 20 line needs, and the README says the same', () => {
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    const floor = /^>=(\d+)\.(\d+)$/.exec(engines);
    expect(floor, `engines.node is '${engines}'`).not.toBeNull();
    const [major, minor] = [Number(floor?.[1]), Number(floor?.[2])];
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { engines?: { node?: string } }> };
    // A package that names a minimum on this Node line (`^20.19.0 || >=22.12.0`, `>=20.3`) must be met by ours.
    const unmet: string[] = [];
    for (const [name, pkg] of Object.entries(lock.packages)) {
      for (const alternative of (pkg.engines?.node ?? '').split('||')) {
        const m = /^\s*(?:\^|>=\s*)(\d+)\.(\d+)/.exec(alternative);
        if (m !== null && Number(m[1]) === major && Number(m[2]) > minor) unmet.push(`${name}: ${pkg.engines?.node}`);
      }
    }
    expect(unmet).toEqual([]);
    expect(read('README.md')).toContain(`Node.js ≥ ${major}.${minor}`);
  });
});

describe('the cold collector build', () => {
  // Measured on the 2-core test machine: the collector and every test store from an empty cache.
  const FIGURE = '8 min 9 s';
  const COMMAND = 'node collector/build.mjs --all';

  it('is given as the one measured figure, with its command, wherever it is mentioned', () => {
    for (const file of ['README.md', '.ci/run', 'collector/build-lib.mjs']) {
      const text = read(file);
      expect(text, file).toContain(FIGURE);
      expect(text, file).toContain(COMMAND);
      // No other duration in minutes: an estimate left beside the measured figure would contradict it.
      const minutes = [...text.matchAll(/~?\b\d+(?:[.–-]\d+)?\s*(?:min|minutes?)\b/g)].map((m) => m[0]);
      expect(minutes.filter((m) => !FIGURE.startsWith(m)), file).toEqual([]);
    }
  });
});
