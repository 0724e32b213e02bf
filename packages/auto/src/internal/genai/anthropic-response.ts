/**
 * Reads an Anthropic Messages API response, whole or as its server-sent events, into a ChatResult.
 *
 * Usage: the API's `input_tokens` leaves out the cached tokens, which the conventions count in
 * `gen_ai.usage.input_tokens`, so input = `input_tokens` + `cache_read_input_tokens` +
 * `cache_creation_input_tokens`. A streamed message gives its usage in `message_start` and the final
 * (cumulative) counts in `message_delta`.
 */
import { count, field, text } from './chat-result.js';
import type { ChatResult, ChatUsage, ToolCallRef } from './chat-result.js';
import { anthropicOutputMessage } from './anthropic-messages.js';

/** The usage block of a message (or of a `message_delta`), in the conventions' terms; fields the API did not send stay unset. */
export function anthropicUsage(usage: unknown, into: ChatUsage = {}): ChatUsage {
  const input = count(field(usage, 'input_tokens'));
  const cacheRead = count(field(usage, 'cache_read_input_tokens'));
  const cacheCreation = count(field(usage, 'cache_creation_input_tokens'));
  const output = count(field(usage, 'output_tokens'));
  if (cacheRead !== undefined) into.cacheRead = cacheRead;
  if (cacheCreation !== undefined) into.cacheCreation = cacheCreation;
  if (input !== undefined) into.input = input + (into.cacheRead ?? 0) + (into.cacheCreation ?? 0);
  if (output !== undefined) into.output = output;
  const thinking = count(field(field(usage, 'output_tokens_details'), 'thinking_tokens'));
  if (thinking !== undefined) into.reasoning = thinking;
  return into;
}

function toolCallsOf(content: unknown): ToolCallRef[] {
  const out: ToolCallRef[] = [];
  if (!Array.isArray(content)) return out;
  for (const block of content) {
    if (field(block, 'type') !== 'tool_use') continue;
    const name = text(field(block, 'name'));
    if (name !== undefined) out.push({ name, id: text(field(block, 'id')) });
  }
  return out;
}

/** A whole `Message` (non-streaming response). */
export function anthropicResult(message: unknown, captureContent: boolean): ChatResult {
  const stop = text(field(message, 'stop_reason'));
  const result: ChatResult = {
    finishReasons: stop === undefined ? [] : [stop],
    usage: anthropicUsage(field(message, 'usage')),
    toolCalls: toolCallsOf(field(message, 'content')),
  };
  const id = text(field(message, 'id'));
  if (id !== undefined) result.responseId = id;
  const model = text(field(message, 'model'));
  if (model !== undefined) result.responseModel = model;
  if (captureContent) result.outputMessages = [anthropicOutputMessage(field(message, 'content'), stop)];
  return result;
}

/**
 * Folds the events of a streamed message. Keeps only what the span needs; with content capture, the
 * content blocks are rebuilt from their deltas (text, and tool input JSON).
 */
export class AnthropicStreamReader {
  private readonly result: ChatResult = { finishReasons: [], usage: {}, toolCalls: [] };
  private readonly blocks: Array<Record<string, unknown>> = [];
  private readonly toolInput = new Map<number, string>();
  private stop: string | undefined;

  constructor(private readonly captureContent: boolean) {}

  /** One parsed event of the stream (`message_start`, `content_block_start`, `…_delta`, `message_delta`, …). */
  add(event: unknown): void {
    switch (field(event, 'type')) {
      case 'message_start': {
        const message = field(event, 'message');
        const id = text(field(message, 'id'));
        if (id !== undefined) this.result.responseId = id;
        const model = text(field(message, 'model'));
        if (model !== undefined) this.result.responseModel = model;
        anthropicUsage(field(message, 'usage'), this.result.usage);
        break;
      }
      case 'content_block_start': {
        const block = field(event, 'content_block');
        if (field(block, 'type') === 'tool_use') {
          const name = text(field(block, 'name'));
          if (name !== undefined) this.result.toolCalls.push({ name, id: text(field(block, 'id')) });
        }
        if (this.captureContent && typeof block === 'object' && block !== null) {
          const index = count(field(event, 'index')) ?? this.blocks.length;
          this.blocks[index] = { ...(block as Record<string, unknown>) };
        }
        break;
      }
      case 'content_block_delta': {
        if (!this.captureContent) break;
        const index = count(field(event, 'index'));
        const delta = field(event, 'delta');
        const block = index === undefined ? undefined : this.blocks[index];
        if (index === undefined || block === undefined) break;
        const kind = field(delta, 'type');
        if (kind === 'text_delta') block.text = `${typeof block.text === 'string' ? block.text : ''}${String(field(delta, 'text') ?? '')}`;
        else if (kind === 'thinking_delta') block.thinking = `${typeof block.thinking === 'string' ? block.thinking : ''}${String(field(delta, 'thinking') ?? '')}`;
        else if (kind === 'input_json_delta') this.toolInput.set(index, `${this.toolInput.get(index) ?? ''}${String(field(delta, 'partial_json') ?? '')}`);
        break;
      }
      case 'message_delta': {
        const stop = text(field(field(event, 'delta'), 'stop_reason'));
        if (stop !== undefined) this.stop = stop;
        anthropicUsage(field(event, 'usage'), this.result.usage);
        break;
      }
      default:
        break;
    }
  }

  /** What the stream gave so far (all of it once `message_stop` was read). */
  finish(): ChatResult {
    this.result.finishReasons = this.stop === undefined ? [] : [this.stop];
    if (this.captureContent) {
      for (const [index, json] of this.toolInput) {
        const block = this.blocks[index];
        if (block === undefined) continue;
        try {
          block.input = JSON.parse(json === '' ? '{}' : json);
        } catch {
          block.input = json;
        }
      }
      this.result.outputMessages = [anthropicOutputMessage(this.blocks.filter((b) => b !== undefined), this.stop)];
    }
    return this.result;
  }
}
