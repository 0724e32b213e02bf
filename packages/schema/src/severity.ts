import type { Level } from './types.js';

/**
 * Severity numbers of the OpenTelemetry logs data model: the first number of each range
 * (https://opentelemetry.io/docs/specs/otel/logs/data-model/#field-severitynumber).
 */
export const SEVERITY_NUMBER: Readonly<Record<Level, number>> = Object.freeze({
  DEBUG: 5,
  INFO: 9,
  WARN: 13,
  ERROR: 17,
  FATAL: 21,
});

/** The levels, least severe first. */
export const LEVELS: readonly Level[] = Object.freeze(['DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL']);

/** True when `value` is one of the five levels, written exactly (upper case). */
export function isLevel(value: unknown): value is Level {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(SEVERITY_NUMBER, value);
}
