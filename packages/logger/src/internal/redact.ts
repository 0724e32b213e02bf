/**
 * Redaction of secrets before a record leaves the process: values under sensitive keys (at any depth of
 * context and metadata), and secret-looking substrings (bearer tokens, AWS access key ids, JWTs,
 * `password=…` pairs, private keys) inside any string of the record, the message and exception included.
 *
 * It runs where the record is mapped (the export worker by default), so the log call itself pays
 * nothing. It never mutates the caller's objects: a changed branch is copied.
 */
import type { RecordError } from '@tracebridge/schema';

/** Options of redaction (plain data: it crosses into the export worker). */
export interface RedactionConfig {
  /** Replacement of a redacted value or substring. */
  replacement: string;
  /** Key names whose value is always replaced, normalised (lower case, letters and digits only). */
  exactKeys: string[];
  /** Substrings of normalised key names whose string values are replaced (`db_password`, `githubToken`). */
  keyParts: string[];
  /** Full dotted paths (`context.user.email`, `metadata.request.body`) whose value is replaced. */
  paths: string[];
  /** Patterns replaced inside every string value. Global flag required. */
  patterns: RegExp[];
}

/**
 * The default sensitive key names (normalised): their value is replaced whatever its type, so a numeric
 * PIN under `password` or an object under `credentials` goes too. The collector's tracebridge_redact
 * (collector/config.yaml) holds the same list; test/security-redaction.test.ts fails if they drift.
 */
export const DEFAULT_EXACT_KEYS: readonly string[] = [
  'password',
  'passwd',
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'apikey',
  'xapikey',
  'privatekey',
  'clientsecret',
  'accesskey',
  'secretaccesskey',
  'sessionid',
  'session',
  'credentials',
  'pwd',
];

/**
 * Parts of key names that mark a secret when the value is a string. Only strings: `tokens: 1536` and
 * `prompt_tokens` are usage figures agents log constantly, not credentials.
 */
export const DEFAULT_KEY_PARTS: readonly string[] = ['password', 'passwd', 'secret', 'token', 'apikey', 'credential', 'privatekey'];

/**
 * Secret-looking substrings, replaced wherever they appear, in this order. The collector's
 * tracebridge_redact applies the same expressions (rewritten for RE2) in the same order.
 */
export const DEFAULT_PATTERNS: readonly RegExp[] = [
  /\bBearer\s+[A-Za-z0-9\-._~+/]{8,}=*/g,
  /\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b/g,
  /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g,
  /\b(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?token)=[^\s&"']+/gi,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g,
  // Provider API keys by their published prefixes: what an agent holds most often (an LLM key in an
  // error message, a GitHub token in a tool's output). OpenAI and Anthropic (`sk-…`, `sk-proj-…`,
  // `sk-ant-…`), GitHub (`ghp_…` and kin, `github_pat_…`), Slack (`xoxb-…`), Google (`AIza…`).
  /\b(?:sk-[A-Za-z0-9_-]{20,}|gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,}|xox[abposr]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35})/g,
];

/**
 * The shortest string a default pattern without `=` can match (`Bearer abcdefgh`, `xoxb-0123456789`).
 * Shorter strings without `=` skip the patterns; test/security-redaction.test.ts holds the boundary.
 */
const MIN_MATCH_WITHOUT_EQUALS = 15;

/** The cheap pre-check before running the patterns on a string: the letters every pattern needs. */
const TRIGGER = /bearer|akia|asia|agpa|aida|aroa|eyj|=|private key|sk-|gh[pousr]_|github_pat_|xox|aiza/i;

/** A shallow copy that survives throwing getters (`{ ...obj }` would rethrow). */
function copyOf(obj: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    try {
      out[key] = obj[key];
    } catch {
      out[key] = '[Unserialisable]';
    }
  }
  return out;
}

export function normaliseKey(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * Applies a config to one record (MAPPING.md format, freshly built: its own fields may be replaced, the
 * objects they point to are the caller's and are copied before any change); returns how many values or
 * substrings were replaced.
 */
export function createRedactor(config: RedactionConfig): (record: Record<string, unknown>) => number {
  const exact = new Set(config.exactKeys.map(normaliseKey));
  const parts = config.keyParts.map(normaliseKey);
  const paths = new Set(config.paths);
  const checkPaths = paths.size > 0;
  const patterns = config.patterns.map((p) => (p.flags.includes('g') ? p : new RegExp(p.source, `${p.flags}g`)));
  const replacement = config.replacement;
  const customPatterns = config.patterns.length > 0 && config.patterns.some((p) => !DEFAULT_PATTERNS.some((d) => d.source === p.source));
  let count = 0;

  const redactString = (s: string): string => {
    // The quick test skips the regular expressions for the vast majority of strings; custom patterns
    // have no known trigger, so they always run.
    // Every default pattern needs a `=` or at least 15 characters (the shortest matches: `Bearer` + a
    // space + 8 token characters, and a Slack `xoxb-` + 10), so most values (ids, names, short words)
    // are decided without a regular expression.
    if (!customPatterns && ((s.length < MIN_MATCH_WITHOUT_EQUALS && s.indexOf('=') < 0) || !TRIGGER.test(s))) return s;
    let out = s;
    for (const p of patterns) {
      p.lastIndex = 0;
      if (!p.test(out)) continue;
      p.lastIndex = 0;
      out = out.replace(p, () => {
        count++;
        return replacement;
      });
    }
    return out;
  };

  // Agents use the same few dozen keys over and over: what each key is worth is remembered (bounded),
  // which took redaction from the most expensive step of the export worker to a cheap one.
  const verdicts = new Map<string, number>();
  const EXACT = 1;
  const PART = 2;
  const verdict = (key: string): number => {
    let v = verdicts.get(key);
    if (v === undefined) {
      const k = normaliseKey(key);
      v = exact.has(k) ? EXACT : parts.some((part) => k.includes(part)) ? PART : 0;
      if (verdicts.size > 10_000) verdicts.clear();
      verdicts.set(key, v);
    }
    return v;
  };
  const sensitive = (key: string, value: unknown): boolean => {
    const v = verdict(key);
    return v === EXACT || (v === PART && typeof value === 'string');
  };

  const walk = (value: unknown, path: string, depth: number): unknown => {
    if (typeof value === 'string') return redactString(value);
    if (typeof value !== 'object' || value === null || depth > 32) return value;
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const next = walk(value[i], path, depth + 1);
        if (next !== value[i]) {
          copy ??= value.slice();
          copy[i] = next;
        }
      }
      return copy ?? value;
    }
    let copy: Record<string, unknown> | undefined;
    const obj = value as Record<string, unknown>;
    let keys: string[];
    try {
      keys = Object.keys(obj);
    } catch {
      return value; // a hostile proxy: the mapping shows it as a placeholder anyway
    }
    for (const key of keys) {
      let member: unknown;
      try {
        member = obj[key];
      } catch {
        continue; // a throwing getter: the mapping shows it as a placeholder
      }
      // Paths are only built when some are configured: a string per key per record otherwise.
      const memberPath = checkPaths ? `${path}.${key}` : path;
      let next: unknown;
      if (member !== undefined && member !== null && (sensitive(key, member) || (checkPaths && paths.has(memberPath)))) {
        count++;
        next = replacement;
      } else {
        next = walk(member, memberPath, depth + 1);
      }
      if (next !== member) {
        copy ??= copyOf(obj, keys);
        copy[key] = next;
      }
    }
    return copy ?? value;
  };

  return (record) => {
    count = 0;
    if (record.context !== undefined) record.context = walk(record.context, 'context', 0);
    if (record.metadata !== undefined) record.metadata = walk(record.metadata, 'metadata', 0);
    if (typeof record.message === 'string') record.message = redactString(record.message);
    const e = record.error as RecordError | undefined;
    if (e !== undefined && e !== null && typeof e === 'object') {
      const message = typeof e.message === 'string' ? redactString(e.message) : e.message;
      const stack = typeof e.stack === 'string' ? redactString(e.stack) : e.stack;
      if (message !== e.message || stack !== e.stack) {
        const copy: RecordError = { ...e };
        if (message !== undefined) copy.message = message;
        if (stack !== undefined) copy.stack = stack;
        record.error = copy;
      }
    }
    return count;
  };
}
