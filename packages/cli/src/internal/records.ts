/** True for a JSON object (not null, not an array): the only thing a line may hold to be a record. */
export function isPlainObjectRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
