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

/** The part of the SDKs' `APIPromise` this module relies on. */
interface ApiPromiseLike {
  responsePromise?: PromiseLike<unknown>;
  parse?: (...args: unknown[]) => PromiseLike<unknown>;
  asResponse?: (...args: unknown[]) => PromiseLike<unknown>;
}

/**
 * Follows an `APIPromise` without reading its body itself: an application that takes the raw
 * `Response` (`.asResponse()`) must still find its body unread. The body is read when the application
 * asks (`await`, `.then`, `.withResponse()` all go through `parse()`), and the call ends with what
 * that gives; a call whose raw response alone is taken ends when the response arrives (status known,
 * no usage); a failure ends it as soon as the request fails. Returns false for a promise of another
 * shape (the caller then follows it as a plain promise).
 */
function observeApiPromise(api: ApiPromiseLike, onValue: (v: unknown) => void, onError: (e: unknown) => void, onRawResponse: () => void): boolean {
  const { responsePromise, parse, asResponse } = api;
  if (responsePromise === undefined || typeof responsePromise.then !== 'function' || typeof parse !== 'function' || typeof asResponse !== 'function') return false;
  let parsing = false;
  api.parse = function observedParse(this: unknown, ...args: unknown[]): PromiseLike<unknown> {
    const parsed = parse.apply(this, args);
    if (!parsing) {
      parsing = true;
      parsed.then(onValue, onError);
    }
    return parsed;
  };
  api.asResponse = function observedAsResponse(this: unknown, ...args: unknown[]): PromiseLike<unknown> {
    const raw = asResponse.apply(this, args);
    raw.then(
      () => {
        if (!parsing) onRawResponse();
      },
      () => undefined,
    );
    return raw;
  };
  responsePromise.then(undefined, onError);
  return true;
}

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
    // Both handlers are total: the promises they hang on must never reject unhandled.
    const onValue = (value: unknown): void => {
      try {
        if (isObservableStream(value)) observeStream(value, call, hooks.reader(capture));
        else call.succeed(hooks.result(value, capture));
      } catch {
        call.succeed({ finishReasons: [], usage: {}, toolCalls: [] });
      }
    };
    const onError = (err: unknown): void => {
      try {
        call.fail(err);
      } catch {
        // nothing more to do
      }
    };
    if (!observeApiPromise(promise as ApiPromiseLike, onValue, onError, () => call.succeed({ finishReasons: [], usage: {}, toolCalls: [] }))) {
      (promise as PromiseLike<unknown>).then(onValue, onError);
    }
    return promise;
  };
}
