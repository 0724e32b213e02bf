/**
 * One chat call, from the request to the end of its response: the `chat {model}` CLIENT span, its
 * attributes and status, and the metric points. Provider-neutral; the provider instrumentations build
 * the start and read the result. Ends exactly once, whichever of success, failure or cancellation
 * comes first.
 */
import { performance } from 'node:perf_hooks';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import type { Attributes, Context, Span, Tracer } from '@opentelemetry/api';
import { contextAgent, currentAgent } from './agent-context.js';
import type { ChatResult } from './chat-result.js';
import type { ContentCapture } from './content-capture.js';
import { genAiErrorType } from './error-type.js';
import type { GenAiMetrics } from './metrics.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_AGENT_ID,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_TRACEBRIDGE_TOOL_CALL_IDS,
  ATTR_TRACEBRIDGE_TOOL_CALL_NAMES,
} from './semconv.js';

/** What a provider instrumentation knows when the call starts. */
export interface ChatCallStart {
  provider: string;
  requestModel: string | undefined;
  /** The client's base URL, for `server.address` and `server.port`. */
  baseURL: string | undefined;
  stream: boolean;
  /** Request parameters (`gen_ai.request.*`), already in the conventions' names. */
  requestAttributes: Attributes;
  /** Built only when content is captured. */
  content?: { input: unknown[]; system?: unknown[] | undefined };
}

/** Everything the instrumentations share: one per instrumentation, built when it is enabled. */
export interface ChatDeps {
  tracer: Tracer;
  metrics: GenAiMetrics | undefined;
  capture: ContentCapture;
}

function serverOf(baseURL: string | undefined): Attributes {
  if (baseURL === undefined) return {};
  try {
    const url = new URL(baseURL);
    const port = url.port !== '' ? Number(url.port) : url.protocol === 'http:' ? 80 : 443;
    return { [ATTR_SERVER_ADDRESS]: url.hostname.replace(/^\[(.*)\]$/, '$1'), [ATTR_SERVER_PORT]: port };
  } catch {
    return {};
  }
}

export class ChatCall {
  readonly span: Span;
  /** The context to run the SDK call in: the HTTP spans of its attempts become the span's children. */
  readonly context: Context;
  private readonly startedAt = performance.now();
  private readonly metricAttributes: Attributes;
  private firstChunkSeen = false;
  private ended = false;

  constructor(
    private readonly deps: ChatDeps,
    start: ChatCallStart,
  ) {
    const parent = context.active();
    const server = serverOf(start.baseURL);
    // Inside an agent's turn (withAgentSpan), the call is that agent's: said on the span as on the
    // metric points, so views that total tokens per agent agree with the metrics. Outside one, the
    // resource already names the process's agent.
    const turn = contextAgent(parent);
    // Sampling-relevant attributes (operation, provider, model, server) are given at creation, as the
    // conventions ask.
    const attributes: Attributes = {
      [ATTR_GEN_AI_OPERATION_NAME]: 'chat',
      [ATTR_GEN_AI_PROVIDER_NAME]: start.provider,
      ...(start.requestModel === undefined ? {} : { [ATTR_GEN_AI_REQUEST_MODEL]: start.requestModel }),
      ...server,
      ...start.requestAttributes,
      ...(start.stream ? { [ATTR_GEN_AI_REQUEST_STREAM]: true } : {}),
      ...(turn?.id === undefined ? {} : { [ATTR_GEN_AI_AGENT_ID]: turn.id }),
      ...(turn?.name === undefined ? {} : { [ATTR_GEN_AI_AGENT_NAME]: turn.name }),
    };
    this.span = deps.tracer.startSpan(start.requestModel === undefined ? 'chat' : `chat ${start.requestModel}`, { kind: SpanKind.CLIENT, attributes }, parent);
    this.context = trace.setSpan(parent, this.span);
    const agent = currentAgent(parent);
    this.metricAttributes = {
      [ATTR_GEN_AI_OPERATION_NAME]: 'chat',
      [ATTR_GEN_AI_PROVIDER_NAME]: start.provider,
      ...(start.requestModel === undefined ? {} : { [ATTR_GEN_AI_REQUEST_MODEL]: start.requestModel }),
      ...server,
      ...(agent.id === undefined ? {} : { [ATTR_GEN_AI_AGENT_ID]: agent.id }),
      ...(agent.name === undefined ? {} : { [ATTR_GEN_AI_AGENT_NAME]: agent.name }),
    };
    if (start.content !== undefined && deps.capture.enabled) {
      const input = deps.capture.serialise(start.content.input);
      if (input !== undefined) this.span.setAttribute(ATTR_GEN_AI_INPUT_MESSAGES, input);
      if (start.content.system !== undefined) {
        const system = deps.capture.serialise(start.content.system);
        if (system !== undefined) this.span.setAttribute(ATTR_GEN_AI_SYSTEM_INSTRUCTIONS, system);
      }
    }
  }

  /** A streamed response's first chunk arrived. */
  firstChunk(): void {
    if (this.firstChunkSeen || this.ended) return;
    this.firstChunkSeen = true;
    this.span.setAttribute(ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, (performance.now() - this.startedAt) / 1000);
  }

  /** The response was read to its end. */
  succeed(result: ChatResult): void {
    if (this.ended) return;
    this.apply(result);
    this.finish(result, undefined);
  }

  /**
   * The call failed: an error response after the SDK's retries, a broken connection, a stream that
   * failed half-way. What was read before the failure (`partial`) is kept. An abort by the application
   * is a cancellation, not a failure.
   */
  fail(err: unknown, partial?: ChatResult): void {
    if (this.ended) return;
    const type = genAiErrorType(err);
    if (partial !== undefined) this.apply(partial);
    if (type === undefined) {
      this.finish(partial, undefined);
      return;
    }
    this.span.setAttribute(ATTR_ERROR_TYPE, type);
    if (err instanceof Error) this.span.recordException(err);
    this.span.setStatus({ code: SpanStatusCode.ERROR, ...(err instanceof Error ? { message: err.message } : {}) });
    this.finish(partial, type);
  }

  /** The application stopped reading the stream early: the span ends with what was read, status unset. */
  cancel(partial: ChatResult): void {
    if (this.ended) return;
    this.apply(partial);
    this.finish(partial, undefined);
  }

  private apply(result: ChatResult): void {
    const s = this.span;
    if (result.responseId !== undefined) s.setAttribute(ATTR_GEN_AI_RESPONSE_ID, result.responseId);
    if (result.responseModel !== undefined) s.setAttribute(ATTR_GEN_AI_RESPONSE_MODEL, result.responseModel);
    if (result.finishReasons.length > 0) s.setAttribute(ATTR_GEN_AI_RESPONSE_FINISH_REASONS, result.finishReasons);
    const u = result.usage;
    if (u.input !== undefined) s.setAttribute(ATTR_GEN_AI_USAGE_INPUT_TOKENS, u.input);
    if (u.output !== undefined) s.setAttribute(ATTR_GEN_AI_USAGE_OUTPUT_TOKENS, u.output);
    if (u.cacheRead !== undefined) s.setAttribute(ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, u.cacheRead);
    if (u.cacheCreation !== undefined) s.setAttribute(ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS, u.cacheCreation);
    if (u.reasoning !== undefined) s.setAttribute(ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS, u.reasoning);
    if (result.toolCalls.length > 0) {
      s.setAttribute(ATTR_TRACEBRIDGE_TOOL_CALL_NAMES, result.toolCalls.map((c) => c.name));
      s.setAttribute(ATTR_TRACEBRIDGE_TOOL_CALL_IDS, result.toolCalls.map((c) => c.id ?? ''));
    }
    if (result.outputMessages !== undefined && this.deps.capture.enabled) {
      const output = this.deps.capture.serialise(result.outputMessages);
      if (output !== undefined) s.setAttribute(ATTR_GEN_AI_OUTPUT_MESSAGES, output);
    }
  }

  private finish(result: ChatResult | undefined, errorType: string | undefined): void {
    this.ended = true;
    this.span.end();
    try {
      const attributes =
        result?.responseModel === undefined ? this.metricAttributes : { ...this.metricAttributes, [ATTR_GEN_AI_RESPONSE_MODEL]: result.responseModel };
      this.deps.metrics?.record((performance.now() - this.startedAt) / 1000, result?.usage, attributes, errorType);
    } catch {
      // A metric SDK problem must not reach the agent.
    }
  }
}
