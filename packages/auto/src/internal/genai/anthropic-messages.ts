/**
 * Anthropic Messages content in the conventions' message form (input-messages and output-messages
 * JSON schemas): `{ role, parts: [{ type: 'text', content }, { type: 'tool_call', id, name, arguments },
 * { type: 'tool_call_response', id, response }, …] }`. Only used when content capture is on.
 */
import { field } from './chat-result.js';

type Part = Record<string, unknown>;

function partsOf(content: unknown): Part[] {
  if (typeof content === 'string') return [{ type: 'text', content }];
  if (!Array.isArray(content)) return [];
  const parts: Part[] = [];
  for (const block of content) {
    const type = field(block, 'type');
    if (type === 'text') parts.push({ type: 'text', content: field(block, 'text') });
    else if (type === 'tool_use') parts.push({ type: 'tool_call', id: field(block, 'id'), name: field(block, 'name'), arguments: field(block, 'input') });
    else if (type === 'tool_result') {
      const inner = field(block, 'content');
      const response = Array.isArray(inner) ? partsOf(inner) : inner;
      parts.push({ type: 'tool_call_response', id: field(block, 'tool_use_id'), response, ...(field(block, 'is_error') === true ? { is_error: true } : {}) });
    } else if (type === 'thinking') parts.push({ type: 'reasoning', content: field(block, 'thinking') });
    else if (type === 'image' || type === 'document') {
      // Media is not copied into telemetry: the part says what was there, not the bytes.
      const source = field(block, 'source');
      parts.push({ type: field(source, 'type') === 'url' ? 'uri' : 'blob', modality: type === 'image' ? 'image' : 'document', mime_type: field(source, 'media_type') ?? null, ...(field(source, 'type') === 'url' ? { uri: field(source, 'url') } : { content: '[omitted]' }) });
    } else if (typeof type === 'string') parts.push({ type });
  }
  return parts;
}

/** The request's `system` (a string or text blocks) as system-instruction parts, or undefined. */
export function anthropicSystemInstructions(system: unknown): Part[] | undefined {
  if (system === undefined || system === null) return undefined;
  const parts = partsOf(system);
  return parts.length === 0 ? undefined : parts;
}

/** The request's `messages` as input messages. */
export function anthropicInputMessages(messages: unknown): unknown[] {
  if (!Array.isArray(messages)) return [];
  return messages.map((m) => ({ role: field(m, 'role'), parts: partsOf(field(m, 'content')) }));
}

/** A response's content blocks as one output message. */
export function anthropicOutputMessage(content: unknown, stopReason: string | undefined): unknown {
  return { role: 'assistant', parts: partsOf(content), finish_reason: stopReason ?? null };
}
