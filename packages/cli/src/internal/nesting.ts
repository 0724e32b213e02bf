/**
 * Deepest nesting of arrays and objects a record may have. Mapping a record walks its values
 * recursively (canonical JSON of a deep `context`), and on Node's default stack that overflowed between
 * 4,000 and 6,000 levels (measured with `toOtlp` on Node 20): one such line used to end `convert` with a
 * stack trace and lose every record. A thousand levels is far beyond any record a program writes.
 */
export const MAX_NESTING = 1000;

/**
 * Whether a parsed JSON value nests deeper than `limit` arrays and objects. Walks with its own stack,
 * so the check itself cannot overflow. `textLength` (the line's length) skips the walk when the line is
 * too short to nest that deep: every level takes two characters.
 */
export function nestsDeeperThan(value: unknown, limit: number, textLength = Infinity): boolean {
  if (textLength <= 2 * limit) return false;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop() as [unknown, number];
    if (typeof item !== 'object' || item === null) continue;
    if (depth > limit) return true;
    const children = Array.isArray(item) ? item : Object.values(item);
    for (const child of children) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  return false;
}
