import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/**
 * An OTLP/HTTP logs receiver in its own process (so its CPU is not the agent's), counting records.
 * Protobuf bodies are counted without being decoded into objects; JSON bodies are parsed.
 */
export class SinkProcess {
  url = '';
  private child: ChildProcess | undefined;
  private waiters = new Map<number, (n: number) => void>();
  private seq = 0;

  async start(): Promise<this> {
    const child = fork(fileURLToPath(new URL('./sink-main.js', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child = child;
    const [msg] = (await once(child, 'message')) as [{ url: string }];
    this.url = msg.url;
    child.on('message', (m: { seq?: number; count?: number }) => {
      if (m.seq !== undefined) {
        this.waiters.get(m.seq)?.(m.count ?? 0);
        this.waiters.delete(m.seq);
      }
    });
    return this;
  }

  /** Records received so far. */
  count(): Promise<number> {
    const seq = ++this.seq;
    return new Promise((resolve) => {
      this.waiters.set(seq, resolve);
      this.child?.send({ seq, op: 'count' });
    });
  }

  reset(): Promise<number> {
    const seq = ++this.seq;
    return new Promise((resolve) => {
      this.waiters.set(seq, resolve);
      this.child?.send({ seq, op: 'reset' });
    });
  }

  /** Waits until `target` records arrived or the count stopped moving for `quietMillis`. */
  async waitFor(target: number, quietMillis = 3000, maxMillis = 180_000): Promise<{ count: number; at: number }> {
    const started = Date.now();
    let last = -1;
    let lastChange = Date.now();
    for (;;) {
      const n = await this.count();
      if (n !== last) {
        last = n;
        lastChange = Date.now();
      }
      if (n >= target) return { count: n, at: Date.now() };
      if (Date.now() - lastChange > quietMillis || Date.now() - started > maxMillis) return { count: n, at: lastChange };
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  stop(): void {
    this.child?.kill();
  }
}
