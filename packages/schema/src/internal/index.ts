/**
 * `@tracebridge/schema/internal`: what the other tracebridge packages share with the schema beyond its
 * public API, so that they apply the schema's rules instead of copies of them. Not a public API: it may
 * change in any release.
 */
export { CIRCULAR, UNSERIALISABLE, canonicalJson, normaliseObject, placeholderFor } from './json-value.js';
export { LEVEL_NUMBER } from '../severity.js';
