/**
 * `openai` (4.x to 7.x, CommonJS and ESM): `chat.completions.create` — and the helpers that call it
 * (`chat.completions.stream()`, `parse()`, `runTools()`) — gives a `chat {model}` span per call.
 * It replaces the contrib `@opentelemetry/instrumentation-openai` of auto-instrumentations-node, whose
 * release for the pinned OpenTelemetry line (0.21) emits the conventions of v1.36 (`gen_ai.system`,
 * log events per message) and patches `openai` below 7 only; its next release needs API 1.10 / Node 22.
 */
import { InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import { field, text } from './chat-result.js';
import type { ContentCapture } from './content-capture.js';
import { GenAiInstrumentation } from './genai-instrumentation.js';
import { openaiInputMessages } from './openai-messages.js';
import { OpenAIStreamReader, openaiResult } from './openai-response.js';
import { requestAttributes } from './request-attributes.js';
import { wrapCreate } from './wrap-create.js';

/** Name of the instrumentation (and of its scope). */
export const OPENAI_INSTRUMENTATION_NAME = '@tracebridge/instrumentation-openai';

export class OpenAIInstrumentation extends GenAiInstrumentation {
  constructor(capture: ContentCapture) {
    super(OPENAI_INSTRUMENTATION_NAME, capture);
  }

  protected override init(): InstrumentationNodeModuleDefinition[] {
    return [
      new InstrumentationNodeModuleDefinition(
        'openai',
        ['>=4.0.0 <8'],
        (moduleExports: unknown) => {
          const proto = this.prototype(moduleExports);
          if (proto !== undefined) this._wrap(proto, 'create', ((original: (this: unknown, ...args: unknown[]) => unknown) => wrapCreate(original, this.hooks())) as never);
          return moduleExports;
        },
        (moduleExports: unknown) => {
          const proto = this.prototype(moduleExports);
          if (proto !== undefined) this._unwrap(proto, 'create');
        },
      ),
    ];
  }

  /** `OpenAI.Chat.Completions.prototype`, from the CommonJS exports or the ESM namespace. */
  private prototype(moduleExports: unknown): Record<string, unknown> | undefined {
    const root = field(moduleExports, 'OpenAI') ?? field(field(moduleExports, 'default'), 'OpenAI') ?? field(moduleExports, 'default');
    const proto = field(field(field(root, 'Chat'), 'Completions'), 'prototype');
    return typeof proto === 'object' && proto !== null && typeof (proto as Record<string, unknown>).create === 'function' ? (proto as Record<string, unknown>) : undefined;
  }

  private hooks(): Parameters<typeof wrapCreate>[1] {
    return {
      deps: () => this.deps(),
      start: (self, params, capture) => ({
        provider: 'openai',
        requestModel: text(field(params, 'model')),
        baseURL: text(field(field(self, '_client'), 'baseURL')),
        stream: field(params, 'stream') === true,
        requestAttributes: requestAttributes(params),
        ...(capture ? { content: { input: openaiInputMessages(field(params, 'messages')) } } : {}),
      }),
      result: (body, capture) => openaiResult(body, capture),
      reader: (capture) => new OpenAIStreamReader(capture),
    };
  }
}
