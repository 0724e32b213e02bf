import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const APP = fileURLToPath(new URL('./fixtures/two-registries.mjs', import.meta.url));

/** Runs the fixture; with `signal`, sends it SIGTERM (or the signal named) once it says it is ready. */
async function run(mode: string, signal: boolean | NodeJS.Signals = false) {
  const child = spawn(process.execPath, [APP], { env: { PATH: process.env.PATH, MODE: mode }, stdio: ['ignore', 'pipe', 'pipe'] });
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (signal !== false && stdout.includes('ready\n')) {
      child.kill(signal === true ? 'SIGTERM' : signal);
      signal = false;
    }
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code, ended] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  clearTimeout(killer);
  const [head, ...lines] = stdout.trim().split('\n');
  return { code, signal: ended, stderr, head: JSON.parse(head as string) as Record<string, unknown>, lines: lines.filter((l) => l !== 'ready') };
}

describe('exitRegistry', () => {
  it('is one registry, with one set of listeners, for two copies of the package', async () => {
    const r = await run('end');
    expect(r.head).toEqual({ copies: true, shared: true, added: [1, 1, 1, 1] });
  });

  it('flushes what is held when the loop runs dry, then runs the exit hooks in order', async () => {
    const r = await run('end');
    expect(r.code).toBe(0);
    expect(r.lines).toEqual(['a flush', 'b flush', 'a exitSync', 'b exitSync']);
  });

  it('shuts every task down on SIGTERM, runs the synchronous hooks (the spool), then ends the process by the signal', async () => {
    const r = await run('signal', true);
    expect(r.signal).toBe('SIGTERM');
    expect(r.lines.slice(0, 2).sort()).toEqual(['a shutdown', 'b shutdown']);
    expect(r.lines.slice(2)).toEqual(['a exitSync', 'b exitSync']);
  });

  it('handles SIGHUP (a closed terminal, a supervisor stopping the group) as SIGTERM', async () => {
    const r = await run('signal', 'SIGHUP');
    expect(r.signal).toBe('SIGHUP');
    expect(r.lines.slice(0, 2).sort()).toEqual(['a shutdown', 'b shutdown']);
    expect(r.lines.slice(2)).toEqual(['a exitSync', 'b exitSync']);
  });

  it('flushes every task but the one excluded, with one deadline for all (flushAll)', async () => {
    const r = await run('flush-all');
    expect(r.code).toBe(0);
    // a: excluded; b: flushed; c: slower than the shared bound, so flushAll says false, in about that bound.
    expect(r.lines.filter((l) => l.startsWith('{') === false && !l.includes('exitSync'))).toEqual(['b flush', 'flushAll false']);
    const timing = JSON.parse(r.lines.find((l) => l.startsWith('{')) ?? '{}') as { took: number };
    expect(timing.took).toBeGreaterThanOrEqual(250);
    expect(timing.took).toBeLessThan(2000);
  });

  it('only flushes on SIGTERM when the app listens too, and leaves ending the process to the app', async () => {
    const r = await run('app-signal', true);
    expect([r.code, r.signal]).toEqual([0, null]);
    expect(r.lines.slice(0, 3).sort()).toEqual(['a flush', 'app handler', 'b flush']);
    expect(r.lines.slice(3)).toEqual(['a exitSync', 'b exitSync']);
  });

  it('runs only the synchronous hooks on process.exit(), keeping the exit code', async () => {
    const r = await run('exit');
    expect(r.code).toBe(3);
    expect(r.lines).toEqual(['a exitSync', 'b exitSync']);
  });

  it('runs the synchronous hooks after an uncaught exception, which Node still reports', async () => {
    const r = await run('throw');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('crash in the app');
    expect(r.lines).toEqual(['a exitSync', 'b exitSync']);
  });
});
