/**
 * `@tracebridge/logger/internal`: what the other tracebridge packages share with the logger beyond its
 * public API. Not a public API: it may change in any release.
 */
export type { ExitRegistry, ExitTask, Undelivered } from './exit-registry.js';
export { ABANDONED, exitRegistry, startSpoolSender, undeliveredLine } from './exit-registry.js';
export { endpointRefuses } from './endpoint-probe.js';
export { DEFAULT_EXACT_KEYS, DEFAULT_KEY_PARTS, DEFAULT_PATTERNS, createRedactor } from './redact.js';
export type { SpoolConfig, SpoolHeader, SpoolSignal } from './spool.js';
export { hasSpooled, readyFiles, spoolConfigFromEnv, writeSpool } from './spool.js';
export type { DeliveryLine, SendResult } from './spool-send.js';
export { readDeliveryLog, sendSpool } from './spool-send.js';
