// The CLI's place in the architecture (cli → schema; the demo swarm is examples/swarm) and its public
// surface: what its index exports at run time. Internals are imported by tests from src/, never exported.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as cli from '@tracebridge/cli';

const PKG = fileURLToPath(new URL('../', import.meta.url));

describe('@tracebridge/cli', () => {
  it('depends on @tracebridge/schema alone', () => {
    const pkg = JSON.parse(readFileSync(path.join(PKG, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    expect(Object.keys(pkg.dependencies ?? {})).toEqual(['@tracebridge/schema']);
  });

  it('imports nothing but node:, @tracebridge/schema and its own files', () => {
    const foreign: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith('.ts')) {
          for (const m of readFileSync(p, 'utf8').matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm)) {
            const spec = m[1]!;
            if (!spec.startsWith('node:') && !spec.startsWith('.') && spec !== '@tracebridge/schema') foreign.push(`${path.relative(PKG, p)}: ${spec}`);
          }
        }
      }
    };
    walk(path.join(PKG, 'src'));
    expect(foreign).toEqual([]);
  });

  it('exports the command line, the local reader and the timeline format version, nothing else', () => {
    expect(Object.keys(cli).sort()).toEqual(['TIMELINE_FORMAT_VERSION', 'main', 'readLocalData']);
  });
});
