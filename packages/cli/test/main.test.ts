import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, existsSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '@tracebridge/cli';
import { Capture, runMain } from './helpers.js';

const COMMANDS = ['validate', 'convert', 'demo', 'trace'] as const;
const BIN = fileURLToPath(new URL('../bin/tracebridge.js', import.meta.url));

describe(main, () => {
  it('turns an unexpected failure into one line with TRACEBRIDGE_ERR_INTERNAL and exit status 3, never a rejection', async () => {
    // An environment that cannot be read stands for any fault of the program itself.
    const env = new Proxy({}, { get: () => { throw new TypeError('environment unreadable'); } }) as NodeJS.ProcessEnv;
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await main(['convert', '-'], { stdout, stderr, env });
    expect(code).toBe(3);
    expect(stdout.text).toBe('');
    expect(stderr.text).toMatch(/^tracebridge: internal error: TypeError: environment unreadable; .* \[TRACEBRIDGE_ERR_INTERNAL\]\n$/);
  });

  it('prints an error on one line ending in its code, whatever its message holds', async () => {
    const dir = path.join(tmpdir(), 'tb-no-such\nfolder\u001b[2J');
    const r = await runMain(['trace', '--data', dir]);
    expect(r.code).toBe(2);
    expect(r.err.split('\n')).toEqual([expect.stringMatching(/^tracebridge: no data folder at .*tb-no-such\\nfolder\\x1b\[2J: .*\[TRACEBRIDGE_ERR_INPUT\]$/), '']);
  });

  for (const command of COMMANDS) {
    it(`prints the help of ${command} alone with '${command} --help', '${command} -h' and 'help ${command}'`, async () => {
      const others = COMMANDS.filter((c) => c !== command);
      for (const argv of [[command, '--help'], [command, '-h'], ['help', command], [command, '--no-such-flag', '--help']]) {
        const r = await runMain(argv);
        expect(r.code, argv.join(' ')).toBe(0);
        expect(r.out).toContain(`tracebridge ${command}`);
        expect(r.out).toContain('Exit status:');
        for (const other of others) expect(r.out).not.toContain(`tracebridge ${other}`);
      }
    });
  }

  it('documents every exit status in --help, the internal error included', async () => {
    const r = await runMain(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Exit status: 0 success, 1 .*, 2 .*, 3 an\s+internal error/s);
    for (const command of COMMANDS) expect(r.out).toContain(`tracebridge ${command}`);
  });

  it.runIf(existsSync('/dev/full'))('says in one line with its code that a full disk cannot take the output', async () => {
    const fd = openSync('/dev/full', 'w');
    try {
      const child = spawn(process.execPath, [BIN, 'validate', '-'], { stdio: ['pipe', fd, 'pipe'] });
      let err = '';
      // Both are pipes (the stdio array above); only stdout is the file.
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      child.stdin!.end('{}\n');
      const [code] = (await once(child, 'close')) as [number | null];
      expect({ code, err }).toEqual({ code: 2, err: expect.stringMatching(/^tracebridge: cannot write the output: ENOSPC[^\n]*\[TRACEBRIDGE_ERR_OUTPUT\]\n$/) });
    } finally {
      closeSync(fd);
    }
  });

  it('refuses help for a command that does not exist', async () => {
    const r = await runMain(['help', 'nope']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('[TRACEBRIDGE_ERR_USAGE]');
  });
});
