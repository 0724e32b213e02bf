/**
 * Names of the OpenTelemetry GenAI semantic conventions this package emits, and the version they come
 * from. The conventions are "development" status and live in their own repository
 * (open-telemetry/semantic-conventions-genai), which has cut no release: its model declares the schema
 * below, and its main branch keeps changing under that one URL (the token-usage histogram was later
 * split into per-direction histograms, `cache_creation` renamed `cache_write`). So the version followed
 * is pinned to a commit, and every name is copied here rather than imported: the semantic-conventions
 * package exports `gen_ai.*` only from its `incubating` entry point, which says to copy them.
 *
 * Where this package differs from the pinned text, packages/auto/README.md ("GenAI conventions") says so.
 */

/** Schema URL of the GenAI conventions followed, as their model declares it. */
export const GENAI_SCHEMA_URL = 'https://opentelemetry.io/schemas/gen-ai-dev/1.42.0-dev';
/** The commit of open-telemetry/semantic-conventions-genai whose spans, agent spans, metrics and registry were followed. */
export const GENAI_SEMCONV_COMMIT = '004902b8cb70aa5ae6ca4ae07132b7daabcd3e10';
/** Short form for diagnostics and the README. */
export const GENAI_SEMCONV_VERSION = `gen-ai-dev 1.42.0-dev @ ${GENAI_SEMCONV_COMMIT.slice(0, 12)}`;

/** The operation: `chat`, `invoke_agent`, `execute_tool`. Required on every GenAI span and metric. */
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
/** The provider as the client knows it: `anthropic`, `openai`. */
export const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
/** The model asked for. */
export const ATTR_GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
/** `max_tokens` (or `max_completion_tokens`) of the request. */
export const ATTR_GEN_AI_REQUEST_MAX_TOKENS = 'gen_ai.request.max_tokens';
/** Sampling temperature of the request. */
export const ATTR_GEN_AI_REQUEST_TEMPERATURE = 'gen_ai.request.temperature';
/** Nucleus sampling of the request. */
export const ATTR_GEN_AI_REQUEST_TOP_P = 'gen_ai.request.top_p';
/** Top-k sampling of the request. */
export const ATTR_GEN_AI_REQUEST_TOP_K = 'gen_ai.request.top_k';
/** Stop sequences of the request. */
export const ATTR_GEN_AI_REQUEST_STOP_SEQUENCES = 'gen_ai.request.stop_sequences';
/** Frequency penalty of the request. */
export const ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY = 'gen_ai.request.frequency_penalty';
/** Presence penalty of the request. */
export const ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY = 'gen_ai.request.presence_penalty';
/** Seed of the request. */
export const ATTR_GEN_AI_REQUEST_SEED = 'gen_ai.request.seed';
/** Number of choices asked for, when not 1. */
export const ATTR_GEN_AI_REQUEST_CHOICE_COUNT = 'gen_ai.request.choice.count';
/** True when the response was streamed (only set then). */
export const ATTR_GEN_AI_REQUEST_STREAM = 'gen_ai.request.stream';
/** The model that answered. */
export const ATTR_GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
/** The provider's id of the completion. */
export const ATTR_GEN_AI_RESPONSE_ID = 'gen_ai.response.id';
/** Why each choice stopped, as the provider says it (`end_turn`, `tool_use`, `stop`, `length`). */
export const ATTR_GEN_AI_RESPONSE_FINISH_REASONS = 'gen_ai.response.finish_reasons';
/** Seconds from the request to the first chunk of a streamed response. */
export const ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK = 'gen_ai.response.time_to_first_chunk';
/** Input tokens, cached ones included. */
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
/** Output tokens. */
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
/** Input tokens served from the provider's cache (part of the input tokens). */
export const ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = 'gen_ai.usage.cache_read.input_tokens';
/** Input tokens written to the provider's cache this turn (part of the input tokens). */
export const ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS = 'gen_ai.usage.cache_creation.input_tokens';
/** Output tokens spent on reasoning (part of the output tokens). */
export const ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS = 'gen_ai.usage.reasoning.output_tokens';
/** Opt-in: the chat history sent, as JSON (the input-messages schema). */
export const ATTR_GEN_AI_INPUT_MESSAGES = 'gen_ai.input.messages';
/** Opt-in: the choices returned, as JSON (the output-messages schema). */
export const ATTR_GEN_AI_OUTPUT_MESSAGES = 'gen_ai.output.messages';
/** Opt-in: instructions given apart from the history (Anthropic's `system`), as JSON. */
export const ATTR_GEN_AI_SYSTEM_INSTRUCTIONS = 'gen_ai.system_instructions';
/** The conversation (session, thread) the operation belongs to: here, the request's correlation id. */
export const ATTR_GEN_AI_CONVERSATION_ID = 'gen_ai.conversation.id';
/** The agent's unique id. */
export const ATTR_GEN_AI_AGENT_ID = 'gen_ai.agent.id';
/** The agent's human-readable name. */
export const ATTR_GEN_AI_AGENT_NAME = 'gen_ai.agent.name';
/** Free-form description of the agent. */
export const ATTR_GEN_AI_AGENT_DESCRIPTION = 'gen_ai.agent.description';
/** The agent's version. */
export const ATTR_GEN_AI_AGENT_VERSION = 'gen_ai.agent.version';
/** The tool's name. */
export const ATTR_GEN_AI_TOOL_NAME = 'gen_ai.tool.name';
/** The id of the tool call the model asked for. */
export const ATTR_GEN_AI_TOOL_CALL_ID = 'gen_ai.tool.call.id';
/** `function`, `extension` or `datastore`. */
export const ATTR_GEN_AI_TOOL_TYPE = 'gen_ai.tool.type';
/** The tool's description. */
export const ATTR_GEN_AI_TOOL_DESCRIPTION = 'gen_ai.tool.description';
/** `input` or `output`, on the token-usage metric. */
export const ATTR_GEN_AI_TOKEN_TYPE = 'gen_ai.token.type';
/** Host of the API. */
export const ATTR_SERVER_ADDRESS = 'server.address';
/** Port of the API. */
export const ATTR_SERVER_PORT = 'server.port';
/** Low-cardinality class of the error an operation ended with (stable). */
export const ATTR_ERROR_TYPE = 'error.type';

/**
 * Not in the conventions: the tool calls a chat response asked for, as parallel arrays (name and id per
 * call), so the timeline can show them without content capture. See the README for why.
 */
export const ATTR_TRACEBRIDGE_TOOL_CALL_NAMES = 'tracebridge.gen_ai.tool_call.names';
/** Not in the conventions: the ids of the tool calls, in the order of {@link ATTR_TRACEBRIDGE_TOOL_CALL_NAMES}. */
export const ATTR_TRACEBRIDGE_TOOL_CALL_IDS = 'tracebridge.gen_ai.tool_call.ids';

/** Client operation duration histogram, seconds. */
export const METRIC_GEN_AI_CLIENT_OPERATION_DURATION = 'gen_ai.client.operation.duration';
/** Client token usage histogram, `{token}`, by `gen_ai.token.type`. */
export const METRIC_GEN_AI_CLIENT_TOKEN_USAGE = 'gen_ai.client.token.usage';

/** Bucket boundaries the conventions give for the duration histogram (seconds). */
export const DURATION_BUCKETS: readonly number[] = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
/** Bucket boundaries the conventions give for the token histogram. */
export const TOKEN_BUCKETS: readonly number[] = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];

/** The standard switch for recording message content (off by default). */
export const ENV_CAPTURE_MESSAGE_CONTENT = 'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT';
