import { describe, expect, it } from 'vitest';
import { AnthropicStreamReader, anthropicResult, anthropicUsage } from '../src/internal/genai/anthropic-response.js';

describe(anthropicUsage, () => {
  it('counts cached tokens as input, as the conventions do', () => {
    expect(anthropicUsage({ input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 100, cache_creation_input_tokens: 7 })).toEqual({
      input: 117,
      output: 5,
      cacheRead: 100,
      cacheCreation: 7,
    });
  });

  it('leaves out what the API did not send (null counts included)', () => {
    expect(anthropicUsage({ input_tokens: 3, output_tokens: 1, cache_read_input_tokens: null })).toEqual({ input: 3, output: 1 });
    expect(anthropicUsage(undefined)).toEqual({});
  });
});

describe(anthropicResult, () => {
  it('reads id, model, stop reason and tool calls of a whole message, and no content unless asked', () => {
    const message = {
      id: 'msg_1',
      model: 'claude-x-1',
      stop_reason: 'tool_use',
      content: [
        { type: 'text', text: 'hi' },
        { type: 'tool_use', id: 'toolu_1', name: 'search', input: { q: 'x' } },
      ],
      usage: { input_tokens: 1, output_tokens: 2 },
    };
    const r = anthropicResult(message, false);
    expect(r).toEqual({ responseId: 'msg_1', responseModel: 'claude-x-1', finishReasons: ['tool_use'], usage: { input: 1, output: 2 }, toolCalls: [{ name: 'search', id: 'toolu_1' }] });
    expect(anthropicResult(message, true).outputMessages).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'hi' }, { type: 'tool_call', id: 'toolu_1', name: 'search', arguments: { q: 'x' } }], finish_reason: 'tool_use' },
    ]);
  });
});

describe(AnthropicStreamReader, () => {
  const events = [
    { type: 'message_start', message: { id: 'msg_2', model: 'claude-y', usage: { input_tokens: 20, cache_read_input_tokens: 5, output_tokens: 1 } } },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hel' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'lo' } },
    { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_2', name: 'get', input: {} } },
    { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"a":' } },
    { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '1}' } },
    { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 30 } },
    { type: 'message_stop' },
  ];

  it('folds the events into the final usage, stop reason and tool calls', () => {
    const reader = new AnthropicStreamReader(false);
    for (const e of events) reader.add(e);
    const r = reader.finish();
    expect(r).toEqual({ responseId: 'msg_2', responseModel: 'claude-y', finishReasons: ['tool_use'], usage: { input: 25, cacheRead: 5, output: 30 }, toolCalls: [{ name: 'get', id: 'toolu_2' }] });
    expect(r.outputMessages).toBeUndefined();
  });

  it('rebuilds text and tool input from their deltas when content is captured', () => {
    const reader = new AnthropicStreamReader(true);
    for (const e of events) reader.add(e);
    expect(reader.finish().outputMessages).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'Hello' }, { type: 'tool_call', id: 'toolu_2', name: 'get', arguments: { a: 1 } }], finish_reason: 'tool_use' },
    ]);
  });

  it('gives what was read when the stream stops early: the first usage, no finish reason', () => {
    const reader = new AnthropicStreamReader(false);
    for (const e of events.slice(0, 3)) reader.add(e);
    expect(reader.finish()).toMatchObject({ finishReasons: [], usage: { input: 25, output: 1 } });
  });
});
