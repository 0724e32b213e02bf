/**
 * The GenAI instrumentations the bootstrap adds (Anthropic and OpenAI chat calls), and the agent
 * identity their metrics name. `anthropic` / `openai` in `OTEL_NODE_DISABLED_INSTRUMENTATIONS` turn one
 * off; a non-empty `OTEL_NODE_ENABLED_INSTRUMENTATIONS` keeps only those it names, as it does for the
 * contrib set.
 */
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { AutoConfig } from '../config.js';
import { setProcessAgent } from './agent-context.js';
import { AnthropicInstrumentation } from './anthropic-instrumentation.js';
import { contentCaptureFromEnv } from './content-capture.js';
import { OpenAIInstrumentation } from './openai-instrumentation.js';

function names(value: string | undefined): Set<string> {
  return new Set((value ?? '').split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== ''));
}

export function genAiInstrumentations(env: NodeJS.ProcessEnv, config: Pick<AutoConfig, 'agentId' | 'resource'>): Instrumentation[] {
  const enabled = names(env.OTEL_NODE_ENABLED_INSTRUMENTATIONS);
  const disabled = names(env.OTEL_NODE_DISABLED_INSTRUMENTATIONS);
  const wanted = (name: string): boolean => !disabled.has(name) && (enabled.size === 0 || enabled.has(name));
  const agentName = config.resource['gen_ai.agent.name'];
  setProcessAgent({
    ...(config.agentId === undefined ? {} : { id: config.agentId }),
    ...(typeof agentName === 'string' ? { name: agentName } : {}),
  });
  const capture = contentCaptureFromEnv(env);
  const out: Instrumentation[] = [];
  if (wanted('anthropic')) out.push(new AnthropicInstrumentation(capture));
  if (wanted('openai')) out.push(new OpenAIInstrumentation(capture));
  return out;
}
