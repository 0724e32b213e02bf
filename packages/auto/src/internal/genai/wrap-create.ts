/**
 * The one patch both SDKs get: their `create` method of chat messages / completions, wrapped so each
 * call runs inside a ChatCall. The SDK's own promise (an `APIPromise`, with `withResponse()` and the
 * rest) is returned unchanged; the call ends when it settles, or for a stream when the stream's read
 * ends (observe-stream.ts). Whatever the telemetry does wrong, the application's call goes through.
 */
import { context } from '@opentelemetry/api';
import { ChatCall } from './chat-call.js';
import type { ChatCallStart, ChatDeps } from './chat-call.js';
import type { ChatResult } from './chat-result.js';
import { isObservableStream, observeStream } from './observe-stream.js';
import type { StreamReader } from './observe-stream.js';

/** What a provider gives the shared wrapper. */
export interface CreateHooks {
  /** The shared parts, or undefined when the instrumentation is disabled (the call goes through untouched). */
  deps(): ChatDeps | undefined;
  /** The call's start, from the method's receiver (the resource, `this`) and its first argument. */
  start(self: unknown, params: unknown, captureContent: boolean): ChatCallStart;
  /** A whole response. */
  result(body: unknown, captureContent: boolean): ChatResult;
  /** A reader for a streamed response. */
  reader(captureContent: boolean): StreamReader;
  /** Arguments to call the original with (Anthropic drops the SDK's own span from them). */
  prepare?(self: unknown, args: unknown[]): unknown[];
}

type Method = (this: unknown, ...args: unknown[]) => unknown;

export function wrapCreate(original: Method, hooks: CreateHooks): Method {
  return function tracedCreate(this: unknown, ...args: unknown[]): unknown {
    const deps = hooks.deps();
    if (deps === undefined) return original.apply(this, args);
    const capture = deps.capture.enabled;
    let call: ChatCall;
    let callArgs = args;
    try {
      call = new ChatCall(deps, hooks.start(this, args[0], capture));
      if (hooks.prepare !== undefined) callArgs = hooks.prepare(this, args);
    } catch {
      return original.apply(this, args);
    }
    let promise: unknown;
    try {
      promise = context.with(call.context, () => original.apply(this, callArgs));
    } catch (err) {
      // The SDK refused the arguments before sending anything.
      call.fail(err);
      throw err;
    }
    if (promise === null || typeof promise !== 'object' || typeof (promise as PromiseLike<unknown>).then !== 'function') {
      call.succeed({ finishReasons: [], usage: {}, toolCalls: [] });
      return promise;
    }
    // Both handlers are total: the promise `then` returns must never reject (it has no other handler).
    (promise as PromiseLike<unknown>).then(
      (value) => {
        try {
          if (isObservableStream(value)) observeStream(value, call, hooks.reader(capture));
          else call.succeed(hooks.result(value, capture));
        } catch {
          call.succeed({ finishReasons: [], usage: {}, toolCalls: [] });
        }
      },
      (err: unknown) => {
        try {
          call.fail(err);
        } catch {
          // nothing more to do
        }
      },
    );
    return promise;
  };
}
