// `otelcol validate` on the configurations users run: collector/config.yaml with each profile in
// collector/profiles/ (found on disk, so a new backend profile is covered the day it is added), with the
// feature gates collector/stacks.yaml names for them, in an environment that sets nothing (every
// ${env:...} must have a default).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COLLECTOR_DIR, collectorBinary, collectorFeatureGates } from '#collector/run-lib.mjs';

const BASE = path.join(COLLECTOR_DIR, 'config.yaml');
const PROFILES = readdirSync(path.join(COLLECTOR_DIR, 'profiles'))
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => f.slice(0, -'.yaml'.length));

/** Runs `otelcol validate` on the base and `configs`; resolves with its exit code and output. */
async function validate(configs: string[], gates: string[]): Promise<{ code: number | null; output: string }> {
  const args = ['validate', '--config', BASE];
  for (const c of configs) args.push('--config', c);
  if (gates.length > 0) args.push(`--feature-gates=${gates.join(',')}`);
  const child = spawn(await collectorBinary(), args, { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  return { code, output };
}

function profilePath(name: string): string {
  return path.join(COLLECTOR_DIR, 'profiles', `${name}.yaml`);
}

describe('otelcol validate', () => {
  it('finds the profiles', () => {
    expect(PROFILES).toEqual(expect.arrayContaining(['debug', 'local']));
  });

  it.each(PROFILES)('accepts config.yaml + profiles/%s.yaml', async (name) => {
    const { code, output } = await validate([profilePath(name)], collectorFeatureGates(BASE, profilePath(name)));
    expect(output).toBe('');
    expect(code).toBe(0);
  });

  it('refuses a profile that sends to an exporter nobody declared', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tb-profile-'));
    const broken = path.join(dir, 'broken.yaml');
    writeFileSync(
      broken,
      [
        'exporters:',
        '  debug: {}',
        'service:',
        '  extensions: [health_check]',
        '  pipelines:',
        '    logs:',
        '      receivers: [otlp]',
        '      processors: [memory_limiter, batch]',
        '      exporters: [debug, otlp_http/nowhere]',
        '',
      ].join('\n'),
    );
    const { code, output } = await validate([broken], collectorFeatureGates(BASE));
    expect(code).not.toBe(0);
    expect(output).toMatch(/otlp_http\/nowhere/);
  });

  // The file route and the redaction were OTTL lambdas and flatten_data, which need Alpha feature gates; a
  // collector upgrade could change those under a config that still loads. None may come back unnoticed.
  it('accepts config.yaml with no feature gate', async () => {
    expect(collectorFeatureGates(BASE)).toEqual([]);
    const { code, output } = await validate([profilePath('local')], []);
    expect(output).toBe(output);
    expect(code, output).toBe(0);
  });
});

describe('the header of each profile', () => {
  // How a profile is run is written once, in collector/stacks.yaml: the header points there.
  it.each(PROFILES)('of profiles/%s.yaml names its stack in collector/stacks.yaml', (name) => {
    expect(readFileSync(profilePath(name), 'utf8')).toMatch(new RegExp(`^# (?:.* )?[Ss]tack\\s+\`${name}\`\\s+of collector/stacks\\.yaml`, 'm'));
  });
});
