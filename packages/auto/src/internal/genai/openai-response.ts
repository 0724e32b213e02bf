/**
 * Reads an OpenAI Chat Completions response, whole or as its streamed chunks, into a ChatResult.
 *
 * Usage: `prompt_tokens` already counts the cached tokens (`prompt_tokens_details.cached_tokens`), as
 * the conventions' input tokens do. A stream carries usage only when the request asked for it
 * (`stream_options: { include_usage: true }`), in a last chunk with no choices; without it the span has
 * no token counts and no token metric is recorded (the conventions forbid guessing them).
 */
import { count, field, text } from './chat-result.js';
import type { ChatResult, ChatUsage, ToolCallRef } from './chat-result.js';
import { openaiOutputMessage } from './openai-messages.js';

/** A `usage` object in the conventions' terms. */
export function openaiUsage(usage: unknown): ChatUsage {
  const out: ChatUsage = {};
  const input = count(field(usage, 'prompt_tokens'));
  const output = count(field(usage, 'completion_tokens'));
  const cached = count(field(field(usage, 'prompt_tokens_details'), 'cached_tokens'));
  const reasoning = count(field(field(usage, 'completion_tokens_details'), 'reasoning_tokens'));
  if (input !== undefined) out.input = input;
  if (output !== undefined) out.output = output;
  if (cached !== undefined) out.cacheRead = cached;
  if (reasoning !== undefined) out.reasoning = reasoning;
  return out;
}

function toolCallsOf(toolCalls: unknown, into: ToolCallRef[]): void {
  if (!Array.isArray(toolCalls)) return;
  for (const call of toolCalls) {
    const name = text(field(field(call, 'function'), 'name'));
    if (name !== undefined) into.push({ name, id: text(field(call, 'id')) });
  }
}

/** A whole `ChatCompletion`. */
export function openaiResult(completion: unknown, captureContent: boolean): ChatResult {
  const choices = Array.isArray(field(completion, 'choices')) ? (field(completion, 'choices') as unknown[]) : [];
  const result: ChatResult = { finishReasons: [], usage: openaiUsage(field(completion, 'usage')), toolCalls: [] };
  const id = text(field(completion, 'id'));
  if (id !== undefined) result.responseId = id;
  const model = text(field(completion, 'model'));
  if (model !== undefined) result.responseModel = model;
  for (const choice of choices) {
    const reason = text(field(choice, 'finish_reason'));
    if (reason !== undefined) result.finishReasons.push(reason);
    toolCallsOf(field(field(choice, 'message'), 'tool_calls'), result.toolCalls);
  }
  if (captureContent) result.outputMessages = choices.map((c) => openaiOutputMessage(field(c, 'message'), field(c, 'finish_reason')));
  return result;
}

interface ChoiceState {
  content: string;
  finishReason: string | undefined;
  /** Tool calls by their index in the choice: the first delta has id and name, later ones argument text. */
  toolCalls: Map<number, { id: string | undefined; name: string; arguments: string }>;
}

/** Folds the chunks of a streamed completion. */
export class OpenAIStreamReader {
  private readonly result: ChatResult = { finishReasons: [], usage: {}, toolCalls: [] };
  private readonly choices = new Map<number, ChoiceState>();

  constructor(private readonly captureContent: boolean) {}

  add(chunk: unknown): void {
    const id = text(field(chunk, 'id'));
    if (id !== undefined) this.result.responseId = id;
    const model = text(field(chunk, 'model'));
    if (model !== undefined) this.result.responseModel = model;
    const usage = field(chunk, 'usage');
    if (usage !== undefined && usage !== null) this.result.usage = openaiUsage(usage);
    const choices = field(chunk, 'choices');
    if (!Array.isArray(choices)) return;
    for (const choice of choices) {
      const index = count(field(choice, 'index')) ?? 0;
      let state = this.choices.get(index);
      if (state === undefined) this.choices.set(index, (state = { content: '', finishReason: undefined, toolCalls: new Map() }));
      const delta = field(choice, 'delta');
      const content = field(delta, 'content');
      if (this.captureContent && typeof content === 'string') state.content += content;
      const calls = field(delta, 'tool_calls');
      if (Array.isArray(calls)) {
        for (const call of calls) {
          const at = count(field(call, 'index')) ?? state.toolCalls.size;
          let known = state.toolCalls.get(at);
          if (known === undefined) state.toolCalls.set(at, (known = { id: undefined, name: '', arguments: '' }));
          known.id ??= text(field(call, 'id'));
          const name = text(field(field(call, 'function'), 'name'));
          if (name !== undefined) known.name = name;
          const args = field(field(call, 'function'), 'arguments');
          if (this.captureContent && typeof args === 'string') known.arguments += args;
        }
      }
      const reason = text(field(choice, 'finish_reason'));
      if (reason !== undefined) state.finishReason = reason;
    }
  }

  finish(): ChatResult {
    const ordered = [...this.choices.entries()].sort((a, b) => a[0] - b[0]).map(([, s]) => s);
    this.result.finishReasons = ordered.flatMap((s) => (s.finishReason === undefined ? [] : [s.finishReason]));
    this.result.toolCalls = ordered.flatMap((s) => [...s.toolCalls.values()].filter((c) => c.name !== '').map((c) => ({ name: c.name, id: c.id })));
    if (this.captureContent) {
      this.result.outputMessages = ordered.map((s) =>
        openaiOutputMessage(
          {
            role: 'assistant',
            content: s.content === '' ? null : s.content,
            tool_calls: [...s.toolCalls.values()].map((c) => ({ id: c.id, function: { name: c.name, arguments: c.arguments } })),
          },
          s.finishReason,
        ),
      );
    }
    return this.result;
  }
}
