// Our own collector components are Go modules (collector/components/<name>/) with Go unit tests of their
// own; `npm test` runs them here, so a change to a component's Go code is tested by the same command as
// everything else. Go is already required: the global set-up builds the collector from these modules.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMPONENTS_DIR } from '#collector/build-lib.mjs';

const MODULES = readdirSync(COMPONENTS_DIR).filter((name) => existsSync(path.join(COMPONENTS_DIR, name, 'go.mod')));

/** `go test ./...` in a module; never rejects, the test reads the exit code and the output. */
function goTest(dir: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      'go',
      ['test', './...'],
      {
        cwd: dir,
        // Results are cached by go for unchanged inputs, as go test always does.
        // -mod=readonly: the committed go.sum must be complete; a test never rewrites go.mod or go.sum.
        // A cold module cache downloads the modules first (a few minutes on a fresh machine).
        env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: [process.env.GOFLAGS, '-mod=readonly'].filter(Boolean).join(' ') },
        timeout: 600_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

describe('the collector components’ Go tests', () => {
  it('finds the components', () => {
    expect(MODULES).toContain('s3archiveexporter');
  });

  it.each(MODULES)('%s: go test ./... passes', async (name) => {
    const { code, output } = await goTest(path.join(COMPONENTS_DIR, name));
    expect(code, output).toBe(0);
    // Every package reports ok (a package without tests says "no test files"); none failed.
    expect(output).toMatch(/^ok\s+\S+/m);
    expect(output).not.toMatch(/^(FAIL|--- FAIL)/m);
  }, 660_000);
});
