/**
 * OpenAI Chat Completions content in the conventions' message form. Only used when content capture is
 * on. System and developer messages are part of the chat history here, so they stay in the input
 * messages (the conventions keep `gen_ai.system_instructions` for instructions given apart from it).
 */
import { field } from './chat-result.js';

type Part = Record<string, unknown>;

function contentParts(content: unknown): Part[] {
  if (typeof content === 'string') return [{ type: 'text', content }];
  if (!Array.isArray(content)) return [];
  const parts: Part[] = [];
  for (const item of content) {
    const type = field(item, 'type');
    if (type === 'text') parts.push({ type: 'text', content: field(item, 'text') });
    else if (type === 'refusal') parts.push({ type: 'refusal', content: field(item, 'refusal') });
    else if (type === 'image_url') parts.push({ type: 'uri', modality: 'image', uri: '[omitted]' });
    else if (typeof type === 'string') parts.push({ type });
  }
  return parts;
}

function parseArguments(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function toolCallParts(toolCalls: unknown): Part[] {
  if (!Array.isArray(toolCalls)) return [];
  return toolCalls.map((call) => ({
    type: 'tool_call',
    id: field(call, 'id'),
    name: field(field(call, 'function'), 'name'),
    arguments: parseArguments(field(field(call, 'function'), 'arguments')),
  }));
}

/** The request's `messages` as input messages. */
export function openaiInputMessages(messages: unknown): unknown[] {
  if (!Array.isArray(messages)) return [];
  return messages.map((m) => {
    const role = field(m, 'role');
    if (role === 'tool') return { role, parts: [{ type: 'tool_call_response', id: field(m, 'tool_call_id'), response: field(m, 'content') }] };
    return { role, parts: [...contentParts(field(m, 'content')), ...toolCallParts(field(m, 'tool_calls'))] };
  });
}

/** One choice's message as an output message. */
export function openaiOutputMessage(message: unknown, finishReason: unknown): unknown {
  return {
    role: field(message, 'role') ?? 'assistant',
    parts: [...contentParts(field(message, 'content')), ...toolCallParts(field(message, 'tool_calls'))],
    finish_reason: typeof finishReason === 'string' ? finishReason : null,
  };
}
