import type { Writable } from 'node:stream';

/** Writes text and waits for the stream to drain when it asks to, so output never piles up in memory. */
export async function write(stream: Writable, text: string): Promise<void> {
  if (stream.write(text)) return;
  await new Promise<void>((resolve, reject) => {
    const onDrain = (): void => {
      stream.off('error', onError);
      resolve();
    };
    const onError = (err: Error): void => {
      stream.off('drain', onDrain);
      reject(err);
    };
    stream.once('drain', onDrain);
    stream.once('error', onError);
  });
}

/** {@link write} with a newline. */
export function writeLine(stream: Writable, text: string): Promise<void> {
  return write(stream, `${text}\n`);
}
