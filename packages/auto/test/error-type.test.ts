import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { genAiErrorType } from '../src/internal/genai/error-type.js';

describe(genAiErrorType, () => {
  it('takes the API’s error type from an Anthropic error response', () => {
    const err = Anthropic.APIError.generate(529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, 'Overloaded', new Headers());
    expect(genAiErrorType(err)).toBe('overloaded_error');
  });

  it('takes the code, else the type, from an OpenAI error response', () => {
    expect(genAiErrorType(OpenAI.APIError.generate(429, { error: { type: 'requests', code: 'rate_limit_exceeded', message: 'slow down' } }, 'slow down', new Headers()))).toBe('rate_limit_exceeded');
    expect(genAiErrorType(OpenAI.APIError.generate(500, { error: { type: 'server_error', code: null, message: 'oops' } }, 'oops', new Headers()))).toBe('server_error');
  });

  it('falls back to the HTTP status when the body named nothing', () => {
    expect(genAiErrorType(Anthropic.APIError.generate(502, undefined, 'Bad gateway', new Headers()))).toBe('502');
  });

  it('names time-outs and connection errors, and treats an abort as no error', () => {
    expect(genAiErrorType(new Anthropic.APIConnectionTimeoutError())).toBe('timeout');
    expect(genAiErrorType(new OpenAI.APIConnectionError({ message: 'refused' }))).toBe('APIConnectionError');
    expect(genAiErrorType(new Anthropic.APIUserAbortError())).toBeUndefined();
    expect(genAiErrorType(new Error('plain'))).toBe('_OTHER');
  });
});
