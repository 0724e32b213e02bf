import { ROOT_CONTEXT, context, createContextKey } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';

const PROBE = createContextKey('tracebridge.probe');
let checked = false;

/**
 * Makes sure an async context manager is registered. Without one (no OpenTelemetry SDK started) the
 * API's `context.with` silently does nothing, and a correlation scope would not reach a single record.
 * An SDK started later finds ours registered and keeps it (it is the same kind NodeSDK installs).
 */
export function ensureContextManager(): void {
  if (checked) return;
  checked = true;
  const works = context.with(ROOT_CONTEXT.setValue(PROBE, true), () => context.active().getValue(PROBE) === true);
  if (!works) context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}
