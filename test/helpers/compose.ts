/**
 * The real Docker Compose loader for the compose tests: the Compose CLI built from Go modules
 * (tools/compose, `ensureTool('compose')`), run on a copy of compose/ whose secrets.env was written by
 * compose/init-secrets.sh itself. `docker compose config` needs no engine: it loads, interpolates, merges
 * (include, overrides), applies profiles and validates against the Compose schema exactly as `up` does,
 * so the tests read what Compose would run instead of a model of it.
 *
 * The copy keeps the repository's layout (`compose/` next to a `collector/` link), so relative paths
 * resolve the same way; `repoPath` maps a path Compose printed back into the checkout.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTool } from '#collector/build-lib.mjs';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export type Obj = Record<string, any>;

/** The project entry points users run `docker compose -f` on. */
export const COMPOSE_ENTRIES = ['compose.yaml', 'compose.tenants.yaml', 'compose.tiers.yaml'] as const;
export type ComposeEntry = (typeof COMPOSE_ENTRIES)[number];

export interface ComposeResult {
  status: number;
  stdout: string;
  stderr: string;
}

export interface ComposeSandbox {
  /** The copy's root: `<root>/compose` is the copy of compose/, `<root>/collector` links to collector/. */
  root: string;
  /** `<root>/compose`. */
  dir: string;
  /** The Compose binary. */
  bin: string;
  /** Runs Compose in `dir` with only PATH and HOME from this process plus `env` (the shell's variables would win over .env). */
  run(args: string[], env?: Record<string, string>): ComposeResult;
  /** `config --format json` of an entry with the given profiles; throws with Compose's message when it fails. */
  config(entry: ComposeEntry, options?: { profiles?: string[]; interpolate?: boolean; env?: Record<string, string> }): Obj;
  /** The checkout path of a path Compose printed (inside the copy), relative to the repository root. */
  repoPath(abs: string): string;
  remove(): void;
}

let binary: Promise<string> | undefined;
/** The Compose CLI from the machine cache (built by the global setup). */
export function composeBinary(): Promise<string> {
  binary ??= ensureTool('compose', { log: () => {} }) as Promise<string>;
  return binary;
}

/**
 * A copy of compose/ with secrets written by init-secrets.sh (unless `secrets: false`); `edit` may change
 * the copy's files before use.
 */
export async function composeSandbox(options: { secrets?: boolean; edit?: (dir: string) => void } = {}): Promise<ComposeSandbox> {
  const bin = await composeBinary();
  const root = mkdtempSync(path.join(os.tmpdir(), 'tracebridge-compose-'));
  const dir = path.join(root, 'compose');
  cpSync(path.join(ROOT, 'compose'), dir, { recursive: true, filter: (src) => path.basename(src) !== 'secrets.env' });
  symlinkSync(path.join(ROOT, 'collector'), path.join(root, 'collector'));
  if (options.secrets !== false) {
    const made = spawnSync('sh', ['init-secrets.sh'], { cwd: dir, encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`init-secrets.sh failed: ${made.stderr}`);
  }
  options.edit?.(dir);
  const run = (args: string[], env: Record<string, string> = {}): ComposeResult => {
    const res = spawnSync(bin, args, {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? root, ...env },
    });
    return { status: res.status ?? -1, stdout: res.stdout, stderr: res.stderr };
  };
  return {
    root,
    dir,
    bin,
    run,
    config(entry, { profiles = [], interpolate = true, env } = {}) {
      const args = ['-f', entry, ...profiles.flatMap((p) => ['--profile', p]), 'config', '--format', 'json'];
      if (!interpolate) args.push('--no-interpolate');
      const res = run(args, env);
      if (res.status !== 0) throw new Error(`compose ${args.join(' ')} failed (${res.status}): ${res.stderr}`);
      return JSON.parse(res.stdout) as Obj;
    },
    repoPath(abs) {
      return path.relative(root, abs).split(path.sep).join('/');
    },
    remove() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** `KEY=VALUE` lines of an env file; comments and blank lines skipped. */
export function parseEnvFile(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) out.set(m[1]!, m[2]!.trim());
  }
  return out;
}
