/**
 * `@anthropic-ai/sdk` (0.x and 1.x, CommonJS and ESM): `messages.create` — and so `messages.stream()`,
 * `parse()` and the tool runners, which call it — gives a `chat {model}` span per call.
 *
 * SDK 1.x traces its own calls when a tracer provider is registered (`anthropic.messages.create`
 * spans). Those spans carry a newer GenAI convention revision than the one pinned here, no finish
 * reasons, no temperature, no tool calls and no metrics, and would duplicate ours; so for
 * `messages.create` alone the SDK is handed a span that records nothing and carries the context of
 * ours (its HTTP attempts still hang under our span, and propagation is unchanged). Its other spans
 * (files, batches, sessions, tool runners) stay as the SDK makes them.
 */
import { INVALID_SPAN_CONTEXT, context, trace } from '@opentelemetry/api';
import type { Context, Span, SpanOptions, Tracer } from '@opentelemetry/api';
import { InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import { AnthropicStreamReader, anthropicResult } from './anthropic-response.js';
import { anthropicInputMessages, anthropicSystemInstructions } from './anthropic-messages.js';
import { field, text } from './chat-result.js';
import type { ContentCapture } from './content-capture.js';
import { GenAiInstrumentation } from './genai-instrumentation.js';
import { requestAttributes } from './request-attributes.js';
import { wrapCreate } from './wrap-create.js';
import type { CreateHooks } from './wrap-create.js';

/** Name of the instrumentation (and of its scope). */
export const ANTHROPIC_INSTRUMENTATION_NAME = '@tracebridge/instrumentation-anthropic';
/** The SDK's own span name for the call this instrumentation covers. */
const NATIVE_SPAN = 'anthropic.messages.create';
/** Clients whose tracer was already replaced. */
const QUIETED = Symbol.for('tracebridge.genai.anthropic.quieted');
/** Spans handed to the SDK in place of its own. */
const quietSpans = new WeakSet<Span>();

type Prototype = Record<string, unknown>;

/**
 * Replaces the SDK client's tracer (`client._tracer`, set at construction when tracing is on) by one
 * that answers `anthropic.messages.create` with a non-recording span in the current context.
 */
function quietNativeSpans(client: unknown): void {
  if (typeof client !== 'object' || client === null) return;
  const c = client as Record<string | symbol, unknown>;
  if (c[QUIETED] === true) return;
  c[QUIETED] = true;
  const tracer = c._tracer as Tracer | undefined;
  if (tracer === undefined || tracer === null || typeof tracer.startSpan !== 'function') return;
  c._tracer = new Proxy(tracer, {
    get(target, property, receiver) {
      if (property === 'startSpan') {
        return (name: string, options?: SpanOptions, ctx?: Context): Span => {
          if (name !== NATIVE_SPAN) return target.startSpan(name, options, ctx);
          const span = trace.wrapSpanContext(trace.getSpanContext(ctx ?? context.active()) ?? INVALID_SPAN_CONTEXT);
          quietSpans.add(span);
          return span;
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function clientOf(resource: unknown): unknown {
  return field(resource, '_client');
}

export class AnthropicInstrumentation extends GenAiInstrumentation {
  constructor(capture: ContentCapture) {
    super(ANTHROPIC_INSTRUMENTATION_NAME, capture);
  }

  protected override init(): InstrumentationNodeModuleDefinition[] {
    return [
      new InstrumentationNodeModuleDefinition(
        '@anthropic-ai/sdk',
        ['>=0.20.0 <2'],
        (moduleExports: unknown) => {
          for (const proto of this.prototypes(moduleExports)) {
            this.wrapMethod(proto, 'create', (original) => wrapCreate(original, this.hooks()));
            // `stream()` starts the SDK's span before it calls `create`: quiet the client first.
            this.wrapMethod(proto, 'stream', (original) =>
              function quietStream(this: unknown, ...args: unknown[]): unknown {
                quietNativeSpans(clientOf(this));
                return original.apply(this, args);
              },
            );
          }
          return moduleExports;
        },
        (moduleExports: unknown) => {
          for (const proto of this.prototypes(moduleExports)) {
            this._unwrap(proto, 'create');
            this._unwrap(proto, 'stream');
          }
        },
      ),
    ];
  }

  /** `Messages.prototype` and `Beta.Messages.prototype`, from the CommonJS exports or the ESM namespace. */
  private prototypes(moduleExports: unknown): Prototype[] {
    const root = field(moduleExports, 'Anthropic') ?? field(field(moduleExports, 'default'), 'Anthropic') ?? field(moduleExports, 'default');
    const out: Prototype[] = [];
    for (const cls of [field(root, 'Messages'), field(field(root, 'Beta'), 'Messages')]) {
      const proto = field(cls, 'prototype');
      if (typeof proto === 'object' && proto !== null && typeof (proto as Prototype).create === 'function') out.push(proto as Prototype);
    }
    return out;
  }

  private wrapMethod(proto: Prototype, name: string, wrapper: (original: (this: unknown, ...args: unknown[]) => unknown) => (this: unknown, ...args: unknown[]) => unknown): void {
    if (typeof proto[name] !== 'function') return;
    this._wrap(proto, name, wrapper as never);
  }

  private hooks(): CreateHooks {
    return {
      deps: () => this.deps(),
      start: (self, params, capture) => ({
        provider: 'anthropic',
        requestModel: text(field(params, 'model')),
        baseURL: text(field(clientOf(self), 'baseURL')),
        stream: field(params, 'stream') === true,
        requestAttributes: requestAttributes(params),
        ...(capture
          ? { content: { input: anthropicInputMessages(field(params, 'messages')), system: anthropicSystemInstructions(field(params, 'system')) } }
          : {}),
      }),
      result: (body, capture) => anthropicResult(body, capture),
      reader: (capture) => new AnthropicStreamReader(capture),
      prepare: (self, args) => {
        quietNativeSpans(clientOf(self));
        // `messages.stream()` hands `create` the (quiet) span it started: drop it, so the span the SDK
        // starts in `create` is quiet and carries our span's context.
        const options = args[1] as Record<string, unknown> | undefined;
        const handed = field(field(options, '__span'), 'span');
        if (handed !== undefined && quietSpans.has(handed as Span)) {
          const { __span: _dropped, ...rest } = options as Record<string, unknown>;
          return [args[0], rest, ...args.slice(2)];
        }
        return args;
      },
    };
  }
}
