import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Tree {
  version?: string;
  dependencies?: Record<string, Tree>;
}

describe('installed OpenTelemetry packages', () => {
  it('exist in exactly one version each, on the line that runs on Node 20', () => {
    const tree = JSON.parse(execFileSync('npm', ['ls', '--all', '--json'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })) as Tree;
    const versions = new Map<string, Set<string>>();
    const walk = (node: Tree): void => {
      for (const [name, child] of Object.entries(node.dependencies ?? {})) {
        if (name.startsWith('@opentelemetry/') && child.version !== undefined) {
          if (!versions.has(name)) versions.set(name, new Set());
          versions.get(name)?.add(child.version);
        }
        walk(child);
      }
    };
    walk(tree);
    const duplicated = [...versions].filter(([, v]) => v.size > 1).map(([n, v]) => `${n}: ${[...v].join(', ')}`);
    expect(duplicated).toEqual([]);
    expect([...(versions.get('@opentelemetry/api') ?? [])]).toEqual(['1.9.1']);
    expect([...(versions.get('@opentelemetry/sdk-logs') ?? [])]).toEqual(['0.223.0']);
    expect([...(versions.get('@opentelemetry/core') ?? [])]).toEqual(['2.12.0']);
  });
});
