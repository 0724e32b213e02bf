/**
 * `error.type` of a failed GenAI call. The conventions ask for the provider's or the client library's
 * error code where there is one, else a low-cardinality name. The values this package reports:
 *
 * - the API's error type when the body named one: Anthropic `rate_limit_error`, `overloaded_error`,
 *   `api_error`, `invalid_request_error`, …; OpenAI the error's `code` or `type` (`rate_limit_exceeded`,
 *   `insufficient_quota`, `server_error`);
 * - else the HTTP status as a string (`429`, `500`, `529`);
 * - `timeout` for the SDKs' connection time-out, the error class name for other client errors
 *   (`APIConnectionError`), and `_OTHER` when nothing better is known.
 *
 * An abort by the application is not an error (`undefined`): the span's status stays unset.
 */
import { field, text } from './chat-result.js';

/** The error class names the two SDKs give an aborted request. */
const ABORTS = new Set(['APIUserAbortError', 'AbortError']);

/** The error's own `name`, else its class name (the SDKs' error classes keep `name` as `Error`). */
function nameOf(err: unknown): string | undefined {
  const own = text(field(err, 'name'));
  if (own !== undefined && own !== 'Error') return own;
  const cls = typeof err === 'object' && err !== null ? (err as { constructor?: { name?: unknown } }).constructor?.name : undefined;
  return typeof cls === 'string' && cls !== '' && cls !== 'Object' ? cls : own;
}

export function genAiErrorType(err: unknown): string | undefined {
  const name = nameOf(err);
  if (name !== undefined && ABORTS.has(name)) return undefined;
  if (name === 'APIConnectionTimeoutError') return 'timeout';
  const status = field(err, 'status');
  if (typeof status === 'number') {
    // Anthropic: `{ type: 'error', error: { type: 'overloaded_error', … } }` on `err.error`, and on
    // `err.type` in newer SDKs; OpenAI: `code` / `type` of the error object.
    const body = field(err, 'error');
    const provider =
      text(field(err, 'code')) ??
      text(field(field(body, 'error'), 'type')) ??
      text(field(err, 'type')) ??
      text(field(body, 'type') === 'error' ? undefined : field(body, 'type'));
    return provider ?? String(status);
  }
  if (name !== undefined && name !== 'Error') return name;
  return '_OTHER';
}
