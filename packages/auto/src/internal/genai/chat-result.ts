/**
 * What a chat call gave back, whichever provider and whether streamed or not: the part of the
 * response the span and the metrics are made of. Built by the provider readers (anthropic-response.ts,
 * openai-response.ts), used by chat-call.ts.
 */

/** Token counts as the provider reported them, already in the conventions' terms. */
export interface ChatUsage {
  /** Input tokens, cached ones included (the conventions' `gen_ai.usage.input_tokens`). */
  input?: number;
  output?: number;
  cacheRead?: number;
  cacheCreation?: number;
  reasoning?: number;
}

/** A tool call the model asked for. */
export interface ToolCallRef {
  name: string;
  id: string | undefined;
}

/** The response of one chat call. */
export interface ChatResult {
  responseId?: string;
  responseModel?: string;
  /** One per choice, as the provider says it (`end_turn`, `tool_use`, `stop`, `length`, …). */
  finishReasons: string[];
  usage: ChatUsage;
  toolCalls: ToolCallRef[];
  /** The choices in the output-messages form; only built when content is captured. */
  outputMessages?: unknown[];
}

/** A non-negative integer, or undefined for anything else (a provider may send null). */
export function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.trunc(value) : undefined;
}

/** A non-empty string, or undefined. */
export function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A property of an object or a function (a class), or undefined for anything else. */
export function field(value: unknown, key: string): unknown {
  return (typeof value === 'object' && value !== null) || typeof value === 'function' ? (value as Record<string, unknown>)[key] : undefined;
}
