// A real S3-compatible server for tests: versitygw (built from Go modules into the machine cache, see
// collector/stores/README.md) serving a temp directory on a free 127.0.0.1 port, with fresh keys. It checks
// SigV4 signatures, so a client with a wrong key, region or signature fails here as it would on AWS.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureStore } from '#collector/build-lib.mjs';
import { freePort } from '#collector/run-lib.mjs';
import { s3Request } from './s3-client.js';
import type { S3Credentials } from './s3-client.js';

/** A running (or stopped, restartable) versitygw. */
export interface S3Server extends S3Credentials {
  /** The served directory: `<dataDir>/<bucket>/<key>`. Tests read objects through the API, not here. */
  dataDir: string;
  /** What the server printed so far, across restarts. */
  output(): string;
  /** SIGTERM and wait (SIGKILL after 10 s). Safe to call when already stopped. */
  stop(): Promise<void>;
  /** Starts it again on the same port, keys and directory (after stop()), and waits until it answers. */
  start(): Promise<void>;
}

/**
 * Starts versitygw with generated keys on a free port and waits until it answers a signed request. The
 * caller must `stop()` it in afterAll.
 */
export async function startS3Server({ region = 'us-east-1' }: { region?: string } = {}): Promise<S3Server> {
  const bin = (await ensureStore('s3', { log: () => undefined })) as string;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tb-s3-'));
  const port = await freePort();
  // Shaped like AWS keys (20 upper-case alphanumerics, 40 characters); versitygw accepts any string.
  const accessKeyId = `TB${randomBytes(9).toString('hex').toUpperCase()}`;
  const secretAccessKey = randomBytes(30).toString('base64');
  const creds: S3Credentials = { endpoint: `http://127.0.0.1:${port}`, region, accessKeyId, secretAccessKey };

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let output = '';

  const start = async (): Promise<void> => {
    if (child) return;
    const proc = spawn(
      bin,
      ['--access', accessKeyId, '--secret', secretAccessKey, '--region', region, '--port', `127.0.0.1:${port}`, 'posix', dataDir],
      { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = proc;
    let alive = true;
    exited = new Promise((resolve) =>
      proc.once('exit', () => {
        alive = false;
        if (child === proc) child = undefined;
        resolve();
      }),
    );
    proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const fail = (message: string): never => {
      // Never leave a half-started server behind: the caller has nothing to stop yet.
      proc.kill('SIGKILL');
      throw new Error(`${message}\n${output}`);
    };
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (!alive) fail('versitygw exited during start-up:');
      let res: Response | undefined;
      try {
        // ListBuckets: any HTTP answer means it is serving; 200 means it also accepts our signature.
        res = await s3Request(creds, { method: 'GET', path: '/' });
      } catch {
        // not listening yet
      }
      if (res?.ok) break;
      if (res) fail(`versitygw refused a signed ListBuckets: HTTP ${res.status}: ${await res.text()}`);
      if (Date.now() > deadline) fail('versitygw did not answer in 30 s:');
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const stop = async (): Promise<void> => {
    const proc = child;
    if (!proc) return;
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  await start();
  return { ...creds, dataDir, output: () => output, stop, start };
}
