// collector/Dockerfile cannot be built where the tests run (no Docker), so these checks pin what would make
// it build something other than what `npm run collector:build` builds: another builder release, a Go too old
// for a go.mod, a local component the image never sees, a binary path that moved.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COMPONENTS_DIR, MANIFEST_PATH, parseManifest } from '#collector/build-lib.mjs';

const COLLECTOR_DIR = fileURLToPath(new URL('../../collector/', import.meta.url));
const dockerfile = readFileSync(path.join(COLLECTOR_DIR, 'Dockerfile'), 'utf8');
const manifest = readFileSync(MANIFEST_PATH as string, 'utf8');
const { distName, coreVersion } = parseManifest(manifest) as { distName: string; coreVersion: string };

/** The default of `ARG name=value` (the first one, wherever it is). */
function argDefault(name: string): string | undefined {
  return new RegExp(`^ARG\\s+${name}=(\\S+)\\s*$`, 'm').exec(dockerfile)?.[1];
}

/** `1.26.8` → [1, 26, 8]; `go1.26` and `1.26` → [1, 26, 0]. */
function goVersion(v: string): [number, number, number] {
  const m = /^(?:go)?(\d+)\.(\d+)(?:\.(\d+))?/.exec(v);
  if (!m) throw new Error(`not a Go version: ${v}`);
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}
const atLeast = (a: [number, number, number], b: [number, number, number]): boolean =>
  a[0] !== b[0] ? a[0] > b[0] : a[1] !== b[1] ? a[1] > b[1] : a[2] >= b[2];

/** Every go.mod of our own components, with its `go` and `toolchain` requirements. */
function componentGoMods(): { file: string; go: string; toolchain?: string }[] {
  const out: { file: string; go: string; toolchain?: string }[] = [];
  for (const name of readdirSync(COMPONENTS_DIR as string, { recursive: true }) as string[]) {
    if (path.basename(name) !== 'go.mod') continue;
    const text = readFileSync(path.join(COMPONENTS_DIR as string, name), 'utf8');
    const go = /^go\s+(\S+)\s*$/m.exec(text)?.[1];
    if (!go) throw new Error(`${name} has no go line`);
    const toolchain = /^toolchain\s+(\S+)\s*$/m.exec(text)?.[1];
    out.push({ file: name, go, ...(toolchain ? { toolchain } : {}) });
  }
  return out;
}

describe('collector/Dockerfile', () => {
  it('installs the builder at the collector release the manifest pins', () => {
    expect(argDefault('BUILDER_VERSION')).toBe(coreVersion);
    expect(dockerfile).toMatch(/go install go\.opentelemetry\.io\/collector\/cmd\/builder@\$\{BUILDER_VERSION\}/);
  });

  it('builds with a Go at least as new as every component go.mod asks for', () => {
    const goArg = argDefault('GO_VERSION');
    expect(goArg, 'ARG GO_VERSION=<x.y.z>').toMatch(/^\d+\.\d+\.\d+$/);
    expect(dockerfile).toMatch(/^FROM golang:\$\{GO_VERSION\}\S*\s+AS build\s*$/m);
    const mods = componentGoMods();
    expect(mods.length).toBeGreaterThan(0);
    for (const { file, go, toolchain } of mods) {
      expect(atLeast(goVersion(goArg!), goVersion(go)), `${file}: go ${go} > Dockerfile GO_VERSION ${goArg}`).toBe(true);
      if (toolchain) expect(atLeast(goVersion(goArg!), goVersion(toolchain)), `${file}: toolchain ${toolchain}`).toBe(true);
    }
  });

  it('copies the manifest and collector/components to where the manifest `path:` entries point', () => {
    expect(dockerfile).toMatch(/^WORKDIR \/src\/collector\s*$/m);
    expect(dockerfile).toMatch(/^COPY collector\/manifest\.yaml \.\/manifest\.yaml\s*$/m);
    expect(dockerfile).toMatch(/^COPY collector\/components\/ \.\/components\/\s*$/m);
    expect(dockerfile).toMatch(/builder --config manifest\.yaml/);
    const paths = [...manifest.matchAll(/^\s*(?:-\s+)?path:\s*["']?([^"'#\s]+)/gm)].map((m) => m[1]!);
    expect(paths.length, 'the manifest has local components').toBeGreaterThan(0);
    for (const p of paths) {
      // Relative to collector/ (the builder's working directory in the image and by hand).
      expect(path.posix.normalize(p)).toMatch(/^components\//);
      expect(existsSync(path.join(COLLECTOR_DIR, p, 'go.mod')), `${p}/go.mod`).toBe(true);
    }
  });

  it('ships the binary the manifest names, on a runtime image with CA certificates', () => {
    const outputPath = /^\s+output_path:\s*(\S+)/m.exec(manifest)?.[1];
    const built = path.posix.join('/src/collector', outputPath ?? '', distName);
    expect(dockerfile).toContain(`COPY --from=build ${built} /${distName}`);
    expect(dockerfile).toContain(`ENTRYPOINT ["/${distName}"]`);
    // distroless/static carries /etc/ssl/certs; scratch would need them copied in for https endpoints.
    expect(dockerfile).toMatch(/^FROM gcr\.io\/distroless\/static\S*\s*$/m);
  });
});
