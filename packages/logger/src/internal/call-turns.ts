/**
 * The turns of a transport's log calls. Every call is captured into one reused call object and sent
 * (encoded, queued) before the next; a call made while another is in progress (a `toJSON` or getter of
 * its values that logs, a processor that logs) would find that object and the encoder in use, so it is
 * captured into a call of its own and sent right after the one in progress, in its order.
 */
import type { LogFields } from '../types.js';
import { captureCall, newCall } from './call.js';
import type { Call, Identity, PerformanceRecord } from './call.js';

export class CallTurns {
  private readonly call: Call = newCall();
  private busy = false;
  private nested: Call[] | undefined;

  constructor(private readonly send: (call: Call) => void) {}

  take(
    level: number,
    who: Identity,
    baseContext: Record<string, unknown> | undefined,
    message: unknown,
    fields: LogFields | undefined,
    performance: PerformanceRecord | undefined,
  ): void {
    if (this.busy) {
      (this.nested ??= []).push(captureCall(newCall(), level, who, baseContext, message, fields, performance));
      return;
    }
    this.busy = true;
    try {
      this.send(captureCall(this.call, level, who, baseContext, message, fields, performance));
      const nested = this.nested;
      if (nested !== undefined) while (nested.length > 0) this.send(nested.shift() as Call);
    } finally {
      this.busy = false;
    }
  }
}
