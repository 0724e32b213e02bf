import { afterEach, describe, expect, it } from 'vitest';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { currentAgent, setProcessAgent } from '../src/internal/genai/agent-context.js';
import { genAiInstrumentations } from '../src/internal/genai/genai-instrumentations.js';

const config = { agentId: 'A1-haiku-001', resource: { 'gen_ai.agent.name': 'A1' } };
let made: Instrumentation[] = [];
const build = (env: NodeJS.ProcessEnv): string[] => {
  made = genAiInstrumentations(env, config);
  return made.map((i) => i.instrumentationName);
};

afterEach(() => {
  // Constructing an instrumentation enables it (hooks on require and import): undo that.
  for (const i of made) i.disable();
  setProcessAgent({});
});

describe(genAiInstrumentations, () => {
  it('instruments both SDKs by default and names the process’s agent for the metrics', () => {
    expect(build({})).toEqual(['@tracebridge/instrumentation-anthropic', '@tracebridge/instrumentation-openai']);
    expect(currentAgent()).toEqual({ id: 'A1-haiku-001', name: 'A1' });
  });

  it('follows OTEL_NODE_DISABLED_INSTRUMENTATIONS and OTEL_NODE_ENABLED_INSTRUMENTATIONS', () => {
    expect(build({ OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'http, openai' })).toEqual(['@tracebridge/instrumentation-anthropic']);
    expect(build({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,undici' })).toEqual([]);
    expect(build({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,OpenAI' })).toEqual(['@tracebridge/instrumentation-openai']);
  });
});
