/**
 * The five levels: the one definition of their names, numbers and severity numbers, used by the schema,
 * the logger and everything that reads records.
 */

/** The five levels a record may carry, as written in `level`. */
export type Level = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'FATAL';

/** The levels, least severe first. */
export const LEVELS: readonly Level[] = Object.freeze(['DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL']);

/**
 * A level's number: its index in {@link LEVELS}, so a higher number is more severe. The logger compares
 * levels and carries them between threads as these numbers.
 */
export const LEVEL_NUMBER: Readonly<Record<Level, number>> = Object.freeze(
  Object.fromEntries(LEVELS.map((level, i) => [level, i])) as Record<Level, number>,
);

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

/** True when `value` is one of the five levels, written exactly (upper case). */
export function isLevel(value: unknown): value is Level {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(SEVERITY_NUMBER, value);
}
