import { spawn } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';

/** One process the demo started, with what it printed. */
export interface Child {
  name: string;
  process: ChildProcess;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  exited: Promise<number | string>;
  /** True until the process has ended. */
  alive(): boolean;
  /** Everything it wrote on stdout and stderr so far (the last 1 MiB). */
  output(): string;
}

const OUTPUT_KEEP = 1024 * 1024;

/**
 * The processes a command started, so that it leaves none running: on Ctrl-C (SIGINT), SIGTERM or any
 * exit of this process, every one still alive is stopped. A terminal's Ctrl-C also reaches the children
 * directly (same process group) and the agents flush on it; the handlers here cover a signal sent to this
 * process alone (a supervisor, a test) and an exit through an uncaught error.
 */
export class ChildProcesses {
  private readonly children: Child[] = [];
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    // Not synchronous: other SIGINT listeners (the collector build stops its builder on it) run in the
    // same emit, before this process exits.
    void this.stopAll({ graceMs: 3000 }).then(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    this.onInterrupt?.(signal);
  };
  private readonly onExit = (): void => this.killAll();

  /** Called once when a signal arrives, before the children are stopped (to say what is happening). */
  onInterrupt: ((signal: NodeJS.Signals) => void) | undefined;

  /** Starts watching SIGINT, SIGTERM and exit. */
  watch(): void {
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
    process.on('exit', this.onExit);
  }

  /** Stops watching (after {@link stopAll}: the command is done and returns normally). */
  unwatch(): void {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    process.off('exit', this.onExit);
  }

  /** Spawns and tracks a process; its stdout and stderr are kept, not shown. */
  spawn(name: string, command: string, args: readonly string[], options: SpawnOptions = {}): Child {
    const stdio = options.stdio ?? ['ignore', 'pipe', 'pipe'];
    return this.track(name, spawn(command, args, { ...options, stdio }));
  }

  /** Tracks a process started elsewhere (the collector, by its run helper), so that it is stopped too. */
  track(name: string, child: ChildProcess): Child {
    let out = '';
    const keep = (d: Buffer): void => {
      out += d.toString();
      if (out.length > OUTPUT_KEEP) out = out.slice(-OUTPUT_KEEP);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    let running = child.pid !== undefined && child.exitCode === null && child.signalCode === null;
    const exited = new Promise<number | string>((resolve) => {
      if (!running) resolve(child.exitCode ?? child.signalCode ?? 'spawn-failed');
      child.once('exit', (code, signal) => {
        running = false;
        resolve(code ?? signal ?? 'unknown');
      });
      child.once('error', (err) => {
        running = false;
        out += `\n${err.message}\n`;
        resolve('spawn-failed');
      });
    });
    const tracked: Child = { name, process: child, exited, alive: () => running, output: () => out };
    this.children.push(tracked);
    return tracked;
  }

  /**
   * Stops one process: `ask` first (a message, a signal) when given, else SIGTERM; SIGKILL if it is
   * still running after `graceMs`. Resolves once it has ended.
   */
  async stop(child: Child, options: { graceMs: number; ask?: () => void }): Promise<number | string> {
    if (!child.alive()) return child.exited;
    try {
      if (options.ask) options.ask();
      else child.process.kill('SIGTERM');
    } catch {
      child.process.kill('SIGTERM');
    }
    const timer = setTimeout(() => {
      if (child.alive()) child.process.kill('SIGKILL');
    }, options.graceMs);
    const code = await child.exited;
    clearTimeout(timer);
    return code;
  }

  /** Stops every tracked process still alive, newest first (agents before the collector they send to). */
  async stopAll(options: { graceMs: number }): Promise<void> {
    await Promise.all([...this.children].reverse().map((c) => this.stop(c, options)));
  }

  /** SIGKILL to every tracked process still alive: the last resort at exit, synchronous. */
  killAll(): void {
    for (const c of this.children) {
      if (!c.alive()) continue;
      try {
        c.process.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}
