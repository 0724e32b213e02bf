import { Writable } from 'node:stream';
import type { Readable } from 'node:stream';
import { main } from '@tracebridge/cli';

/** A writable that keeps what is written, for asserting on a command's output. */
export class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.text += chunk.toString();
    done();
  }
}

/**
 * A pipe whose reader goes away after `keep` writes (`… | head -1`): the writes after that fail with
 * EPIPE, as a real pipe's do.
 */
export class ClosingPipe extends Capture {
  writes = 0;

  constructor(private readonly keep: number) {
    super();
  }

  override _write(chunk: Buffer | string, encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    if (++this.writes > this.keep) {
      done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE', errno: -32, syscall: 'write' }));
      return;
    }
    super._write(chunk, encoding, done);
  }
}

/** Runs `tracebridge <argv>` in this process with captured output. */
export async function runMain(
  argv: string[],
  options: { env?: NodeJS.ProcessEnv; stdin?: Readable; stdout?: Writable; stderr?: Writable } = {},
): Promise<{ code: number; out: string; err: string }> {
  const stdout = options.stdout ?? new Capture();
  const stderr = options.stderr ?? new Capture();
  const code = await main(argv, { stdout, stderr, env: options.env ?? {}, ...(options.stdin === undefined ? {} : { stdin: options.stdin }) });
  return { code, out: (stdout as Capture).text ?? '', err: (stderr as Capture).text ?? '' };
}
