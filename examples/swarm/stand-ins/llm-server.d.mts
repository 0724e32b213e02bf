// Types of llm-server.mjs (plain ESM so that the tests and the demo run it without a compile step).

/** One request the stand-in received, as parsed. */
export interface LlmRequest {
  path: string;
  model: string;
  stream: boolean;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

export interface LlmServerOptions {
  /** Models whose first request is answered 429 (`retry-after: 0`), as `*-429-once` names are. @default [] */
  rateLimitOnce?: readonly string[];
}

export interface LlmServer {
  /** `http://127.0.0.1:<port>`: the Anthropic SDK's `baseURL`; OpenAI's is this plus `/v1`. */
  url: string;
  /** Every request received, in order. */
  requests: LlmRequest[];
  close(): Promise<void>;
}

/** Starts the stand-in for the Anthropic Messages and OpenAI Chat Completions APIs on a free port of 127.0.0.1. */
export declare function startLlmServer(options?: LlmServerOptions): Promise<LlmServer>;
