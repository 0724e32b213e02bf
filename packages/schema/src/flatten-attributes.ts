import { CIRCULAR, UNSERIALISABLE, canonicalJsonWithin, normaliseObject, placeholderFor, readKey } from './internal/json-value.js';
import type { AttributeValue, Attributes } from './types.js';

/**
 * How many key levels of `context` and `metadata` become separate attributes. A value below that depth
 * is kept as one canonical JSON string: backends index flat keys, and unbounded nesting would let one
 * record create unbounded attribute names.
 */
export const MAX_FLATTEN_DEPTH = 6;

/**
 * Flattens `value` into `out` under `prefix` (`context` → `context.user.id`), following MAPPING.md:
 * nested keys joined with `.`; arrays of strings, numbers and booleans stay arrays; arrays holding
 * anything else, objects deeper than {@link MAX_FLATTEN_DEPTH} levels and values JSON has no word for
 * become strings; an empty object becomes `"{}"` so the key is not lost; `null` and `undefined` are
 * left out. Never throws.
 */
export function flattenAttributes(out: Attributes, prefix: string, value: object): void {
  // The ancestor set is reused between calls (it is empty again after each): one Set per record was a
  // measurable share of the export worker's garbage. A pool, not a single Set, because a getter or
  // toJSON met while flattening could itself log and flatten.
  const seen = pool.pop() ?? new Set<object>();
  seen.add(value);
  try {
    flattenObject(out, prefix, value, 1, seen);
  } finally {
    seen.clear();
    if (pool.length < 8) pool.push(seen);
  }
}

const pool: Array<Set<object>> = [];

/**
 * Attribute names by prefix and key. Records of one call site carry the same keys, and building
 * `prefix.key` anew for each record cost a concatenation and, when it was set on the attributes, a
 * string-table lookup: about a tenth of the logger's export worker. Bounded, as keys may be data.
 */
const names = new Map<string, Map<string, string>>();
let namesCount = 0;
const MAX_NAMES = 4096;

function attributeName(prefix: string, key: string): string {
  let byKey = names.get(prefix);
  if (byKey === undefined) {
    byKey = new Map();
    names.set(prefix, byKey);
  }
  let name = byKey.get(key);
  if (name === undefined) {
    name = `${prefix}.${key}`;
    if (namesCount >= MAX_NAMES) {
      names.clear();
      namesCount = 0;
    } else {
      byKey.set(key, name);
      namesCount++;
    }
  }
  return name;
}

function flattenObject(out: Attributes, prefix: string, obj: object, depth: number, seen: Set<object>): void {
  let keys: string[];
  try {
    keys = Object.keys(obj);
  } catch {
    out[prefix] = UNSERIALISABLE;
    return;
  }
  for (const key of keys) {
    const name = attributeName(prefix, key);
    const leaf = toAttributeValue(readKey(obj as Record<string, unknown>, key), depth, seen, out, name);
    if (leaf !== undefined) out[name] = leaf;
  }
}

/**
 * The attribute value of one member, or `undefined` when it was flattened into `out` already or is to be
 * left out.
 */
function toAttributeValue(
  value: unknown,
  depth: number,
  seen: Set<object>,
  out: Attributes,
  name: string,
): AttributeValue | undefined {
  if (value === null || value === undefined) return undefined;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'object':
      break;
    default:
      return placeholderFor(value);
  }
  if (seen.has(value as object)) return CIRCULAR;
  let normal: unknown;
  try {
    normal = normaliseObject(value as object);
  } catch {
    return UNSERIALISABLE;
  }
  if (normal !== value) {
    if (typeof normal !== 'object' || normal === null) return toAttributeValue(normal, depth, seen, out, name);
    seen.add(value as object);
    const result = toAttributeValue(normal, depth, seen, out, name);
    seen.delete(value as object);
    return result;
  }
  if (Array.isArray(value)) return primitiveArray(value) ?? canonicalJsonWithin(value, seen);
  if (depth >= MAX_FLATTEN_DEPTH) return canonicalJsonWithin(value, seen);
  let keyCount: number;
  try {
    keyCount = Object.keys(value as object).length;
  } catch {
    return UNSERIALISABLE;
  }
  if (keyCount === 0) return '{}';
  seen.add(value as object);
  flattenObject(out, name, value as object, depth + 1, seen);
  seen.delete(value as object);
  return undefined;
}

/** A copy of `arr` when every item is a string, finite number or boolean; otherwise `undefined`. */
function primitiveArray(arr: unknown[]): Array<string | number | boolean> | undefined {
  const copy: Array<string | number | boolean> = new Array(arr.length);
  for (let i = 0; i < arr.length; i++) {
    let item: unknown;
    try {
      item = arr[i];
    } catch {
      return undefined;
    }
    if (typeof item === 'string' || typeof item === 'boolean') copy[i] = item;
    else if (typeof item === 'number' && Number.isFinite(item)) copy[i] = item;
    else return undefined;
  }
  return copy;
}
