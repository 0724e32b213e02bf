import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, TracebridgeError } from '@tracebridge/schema';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The source files that may throw: every package's src/, the example, the collector's scripts. */
function sources(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|mjs|js)$/.test(e.name) && !e.name.endsWith('.d.ts') && !e.name.endsWith('.d.mts')) out.push(p);
    }
  };
  for (const dir of readdirSync(path.join(ROOT, 'packages'))) walk(path.join(ROOT, 'packages', dir, 'src'));
  walk(path.join(ROOT, 'examples', 'swarm', 'src'));
  for (const f of readdirSync(path.join(ROOT, 'collector'))) if (f.endsWith('.mjs')) out.push(path.join(ROOT, 'collector', f));
  return out;
}

describe('ERROR_CODES', () => {
  it('lists exactly the codes docs/errors.md documents', () => {
    const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    const documented = [...doc.matchAll(/^\| `(TRACEBRIDGE_ERR_[A-Z_]+)` \|/gm)].map((m) => m[1]).sort();
    expect(documented).toEqual(Object.values(ERROR_CODES).sort());
  });

  it('holds every code the sources spell out, the build script\'s included', () => {
    const registered = new Set<string>(Object.values(ERROR_CODES));
    const spelled: string[] = [];
    for (const file of sources()) {
      for (const m of readFileSync(file, 'utf8').matchAll(/TRACEBRIDGE_ERR_[A-Z_]+/g)) spelled.push(`${m[0]} (${path.relative(ROOT, file)})`);
    }
    expect(spelled).toContain(`TRACEBRIDGE_ERR_COLLECTOR_BUILD (${path.join('collector', 'build-lib.mjs')})`);
    expect(spelled.filter((s) => !registered.has(s.split(' ')[0]!))).toEqual([]);
  });
});

describe(TracebridgeError, () => {
  it('carries its code and cause', () => {
    const cause = new Error('root');
    const err = new TracebridgeError(ERROR_CODES.INPUT, 'cannot read x', { cause });
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ name: 'TracebridgeError', code: 'TRACEBRIDGE_ERR_INPUT', cause });
  });
});
