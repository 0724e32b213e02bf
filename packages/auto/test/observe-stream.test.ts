import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChatCall } from '../src/internal/genai/chat-call.js';
import { contentCaptureFromEnv } from '../src/internal/genai/content-capture.js';
import { AnthropicStreamReader } from '../src/internal/genai/anthropic-response.js';
import { observeStream } from '../src/internal/genai/observe-stream.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
});
afterEach(() => exporter.reset());
afterAll(() => {
  trace.disable();
  context.disable();
});

const EVENTS = [
  { type: 'message_start', message: { id: 'msg_s', model: 'm', usage: { input_tokens: 4, output_tokens: 1 } } },
  { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
  { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 9 } },
  { type: 'message_stop' },
];

/** A stand-in for the SDKs' Stream: reads through its `iterator` property; `closed` tells whether return() reached it. */
function fakeStream(fail?: Error) {
  const state = { closed: false };
  const stream = {
    iterator: async function* () {
      try {
        for (const e of EVENTS) {
          if (fail !== undefined && e.type === 'message_delta') throw fail;
          yield e;
        }
      } finally {
        state.closed = true;
      }
    },
    [Symbol.asyncIterator]() {
      return this.iterator();
    },
  };
  return { stream, state };
}

function start(): ChatCall {
  return new ChatCall(
    { tracer: trace.getTracer('t'), metrics: undefined, capture: contentCaptureFromEnv({}) },
    { provider: 'anthropic', requestModel: 'm', baseURL: 'http://127.0.0.1:9/', stream: true, requestAttributes: {} },
  );
}

describe(observeStream, () => {
  it('ends the span when the stream is read to its end, with the last usage and the finish reason', async () => {
    const { stream } = fakeStream();
    observeStream(stream, start(), new AnthropicStreamReader(false));
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    for await (const _e of stream) expect(exporter.getFinishedSpans()).toHaveLength(0);
    const [span] = exporter.getFinishedSpans();
    expect(span?.attributes).toMatchObject({ 'gen_ai.response.finish_reasons': ['end_turn'], 'gen_ai.usage.output_tokens': 9, 'gen_ai.request.stream': true });
    expect(span?.attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThanOrEqual(0);
  });

  it('ends the span and closes the SDK’s iterator when the reader stops early', async () => {
    const { stream, state } = fakeStream();
    observeStream(stream, start(), new AnthropicStreamReader(false));
    for await (const _e of stream) break;
    expect(state.closed).toBe(true);
    const [span] = exporter.getFinishedSpans();
    expect(span?.status.code).toBe(0);
    expect(span?.attributes['gen_ai.usage.output_tokens']).toBe(1);
    expect(span?.attributes['gen_ai.response.finish_reasons']).toBeUndefined();
  });

  it('fails the span when the stream breaks, and passes the error on', async () => {
    const { stream } = fakeStream(new TypeError('socket hang up'));
    observeStream(stream, start(), new AnthropicStreamReader(false));
    await expect(async () => {
      for await (const _e of stream) void _e;
    }).rejects.toThrow('socket hang up');
    const [span] = exporter.getFinishedSpans();
    expect(span?.status.code).toBe(2);
    expect(span?.attributes['error.type']).toBe('TypeError');
  });
});
