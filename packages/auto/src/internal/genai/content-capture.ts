/**
 * Message content on GenAI spans: off unless `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true`,
 * as the conventions ask (content is sensitive and large). When on, the messages pass through the
 * logger's redaction before they are set (sensitive keys such as a tool argument named `password`, and
 * secret-looking substrings such as `sk-…` keys or bearer tokens, anywhere in the text), the same
 * defaults and the same `TRACEBRIDGE_REDACT=off` switch as log records; then they are serialised to JSON
 * strings, which the conventions allow where span attributes cannot hold structured values (the
 * pinned OpenTelemetry JS line cannot).
 */
import { DEFAULT_EXACT_KEYS, DEFAULT_KEY_PARTS, DEFAULT_PATTERNS, createRedactor } from '@tracebridge/logger/internal';
import { ENV_CAPTURE_MESSAGE_CONTENT } from './semconv.js';

/** What content capture does in this process. */
export interface ContentCapture {
  readonly enabled: boolean;
  /** The value as a (redacted) JSON string, or undefined when it cannot be serialised. */
  serialise(value: unknown): string | undefined;
}

const OFF = ['off', 'false', '0', 'none'];

/** Reads the switch once, at start-up (as the other instrumentations read theirs). */
export function contentCaptureFromEnv(env: NodeJS.ProcessEnv): ContentCapture {
  const enabled = (env[ENV_CAPTURE_MESSAGE_CONTENT] ?? '').trim().toLowerCase() === 'true';
  const redactionOff = OFF.includes((env.TRACEBRIDGE_REDACT ?? '').trim().toLowerCase());
  const redact = redactionOff
    ? undefined
    : createRedactor({
        replacement: '[REDACTED]',
        exactKeys: [...DEFAULT_EXACT_KEYS],
        keyParts: [...DEFAULT_KEY_PARTS],
        paths: [],
        patterns: [...DEFAULT_PATTERNS],
      });
  return {
    enabled,
    serialise(value: unknown): string | undefined {
      try {
        let v = value;
        if (redact !== undefined) {
          // The redactor works on a record's `metadata` (any depth, never mutating the caller's objects).
          const record: Record<string, unknown> = { metadata: value };
          redact(record);
          v = record.metadata;
        }
        return JSON.stringify(v);
      } catch {
        return undefined;
      }
    },
  };
}
