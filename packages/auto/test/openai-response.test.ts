import { describe, expect, it } from 'vitest';
import { OpenAIStreamReader, openaiResult, openaiUsage } from '../src/internal/genai/openai-response.js';

describe(openaiUsage, () => {
  it('takes prompt tokens as input (cached ones are already in them) and reads the details', () => {
    expect(openaiUsage({ prompt_tokens: 50, completion_tokens: 9, prompt_tokens_details: { cached_tokens: 40 }, completion_tokens_details: { reasoning_tokens: 4 } })).toEqual({
      input: 50,
      output: 9,
      cacheRead: 40,
      reasoning: 4,
    });
  });
});

describe(openaiResult, () => {
  it('reads every choice’s finish reason and tool calls', () => {
    const r = openaiResult(
      {
        id: 'chatcmpl-1',
        model: 'gpt-x',
        choices: [
          { index: 0, message: { role: 'assistant', content: 'a' }, finish_reason: 'stop' },
          { index: 1, message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', function: { name: 'f', arguments: '{"x":1}' } }] }, finish_reason: 'tool_calls' },
        ],
        usage: { prompt_tokens: 3, completion_tokens: 4 },
      },
      true,
    );
    expect(r.finishReasons).toEqual(['stop', 'tool_calls']);
    expect(r.toolCalls).toEqual([{ name: 'f', id: 'call_1' }]);
    expect(r.outputMessages?.[1]).toEqual({ role: 'assistant', parts: [{ type: 'tool_call', id: 'call_1', name: 'f', arguments: { x: 1 } }], finish_reason: 'tool_calls' });
  });
});

describe(OpenAIStreamReader, () => {
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({ id: 'chatcmpl-2', model: 'gpt-y', choices, ...extra });

  it('joins tool-call deltas by index and takes usage from the last chunk', () => {
    const reader = new OpenAIStreamReader(true);
    reader.add(chunk([{ index: 0, delta: { role: 'assistant', content: '' } }]));
    reader.add(chunk([{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_9', function: { name: 'lookup', arguments: '{"q"' } }] } }]));
    reader.add(chunk([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: ':"z"}' } }] } }]));
    reader.add(chunk([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]));
    reader.add(chunk([], { usage: { prompt_tokens: 11, completion_tokens: 6 } }));
    const r = reader.finish();
    expect(r).toMatchObject({ responseId: 'chatcmpl-2', responseModel: 'gpt-y', finishReasons: ['tool_calls'], usage: { input: 11, output: 6 }, toolCalls: [{ name: 'lookup', id: 'call_9' }] });
    expect(r.outputMessages).toEqual([{ role: 'assistant', parts: [{ type: 'tool_call', id: 'call_9', name: 'lookup', arguments: { q: 'z' } }], finish_reason: 'tool_calls' }]);
  });

  it('reports no tokens for a stream that did not ask for usage', () => {
    const reader = new OpenAIStreamReader(false);
    reader.add(chunk([{ index: 0, delta: { content: 'hi' }, finish_reason: 'stop' }]));
    expect(reader.finish().usage).toEqual({});
  });
});
