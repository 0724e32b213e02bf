/**
 * `@tracebridge/logger/internal`: what the other tracebridge packages share with the logger beyond its
 * public API. Not a public API: it may change in any release.
 */
export type { ExitRegistry, ExitTask } from './exit-registry.js';
export { exitRegistry } from './exit-registry.js';
export { DEFAULT_EXACT_KEYS, DEFAULT_KEY_PARTS, DEFAULT_PATTERNS, createRedactor } from './redact.js';
