import { describe, expect, it } from 'vitest';
import { contentCaptureFromEnv } from '../src/internal/genai/content-capture.js';

const messages = [
  { role: 'user', parts: [{ type: 'text', content: 'call it with Bearer abcdefghijklmnop please' }] },
  { role: 'assistant', parts: [{ type: 'tool_call', id: 'c1', name: 'login', arguments: { user: 'ann', password: 'hunter2' } }] },
];

describe(contentCaptureFromEnv, () => {
  it('is off unless OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT is true', () => {
    expect(contentCaptureFromEnv({}).enabled).toBe(false);
    expect(contentCaptureFromEnv({ OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: '1' }).enabled).toBe(false);
    expect(contentCaptureFromEnv({ OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'TRUE' }).enabled).toBe(true);
  });

  it('redacts secrets in text and under sensitive keys with the logger’s defaults, leaving the caller’s objects alone', () => {
    const json = contentCaptureFromEnv({ OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true' }).serialise(messages);
    expect(JSON.parse(json as string)).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'call it with [REDACTED] please' }] },
      { role: 'assistant', parts: [{ type: 'tool_call', id: 'c1', name: 'login', arguments: { user: 'ann', password: '[REDACTED]' } }] },
    ]);
    expect(messages[1]?.parts[0]).toMatchObject({ arguments: { password: 'hunter2' } });
  });

  it('follows TRACEBRIDGE_REDACT=off as the logger does', () => {
    const json = contentCaptureFromEnv({ OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true', TRACEBRIDGE_REDACT: 'off' }).serialise(messages);
    expect(json).toContain('hunter2');
  });
});
