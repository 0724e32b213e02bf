/**
 * Redaction of secrets before a record leaves the process: values under sensitive keys (at any depth of
 * context and metadata), and secret-looking substrings (the password of a URL's user-info, Basic and
 * Bearer credentials, AWS access key ids, JWTs, `password=…` pairs, private keys, provider API keys)
 * inside any string of the record, the message and exception included.
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
  /**
   * Patterns replaced inside every string value (the global flag is added when missing). A match is
   * replaced whole, or, when the pattern has a group named `secret`, only what that group holds.
   */
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
 * Secret-looking substrings, replaced wherever they appear, in this order (a match whole, or only its
 * group named `secret`). The collector's tracebridge_redact applies the same expressions (rewritten for
 * RE2) in the same order, each only on strings holding one of its DEFAULT_TRIGGERS.
 */
export const DEFAULT_PATTERNS: readonly RegExp[] = [
  // The password of a URL's user-info (`postgres://app:…@db/x`, `redis://:…@cache`): an agent's error
  // message names the database it failed to reach. Up to the last `@` before the path, since passwords
  // hold raw `@` more often than the RFC allows; the user and the host are kept.
  /:\/\/[^\s\/?#@:'"<>]*:(?<secret>[^\s\/?#'"<>]+)@/g,
  // An Authorization header inside a string (a curl command, a dumped request, `OTEL_EXPORTER_OTLP_HEADERS`):
  // the scheme and its credentials, in any case. `Basic` alone is ordinary English ("Basic settings"):
  // it needs the header's name in front of it.
  /(?:authorization)[\\"']*\s*[:=]\s*[\\"']*(?<secret>(?:basic|bearer)(?:\s|%20)+[A-Za-z0-9\-._~+/]+=*)/gi,
  /\bBearer\s+[A-Za-z0-9\-._~+/]{8,}=*/g,
  // AWS access key ids (long-term AKIA, temporary ASIA, STS bearer ABIA, context ACCA) and unique ids.
  /\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b/g,
  /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g,
  // `name=value` pairs, Azure's connection strings (`AccountKey=`, `SharedAccessKey=`) and SAS
  // signatures (`sig=`) included.
  /\b(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?token|account[_-]?key|shared[_-]?access[_-]?key|sig)=[^\s&"']+/gi,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g,
  // Provider keys by their published prefixes, wherever they are and whatever name holds them. LLM
  // providers: OpenAI and Anthropic and those copying them (`sk-…`, `sk-proj-…`, `sk-ant-…`), Groq, xAI,
  // Perplexity, Hugging Face, Replicate. Payments: Stripe secret and restricted keys, live and test,
  // and webhook secrets (`pk_…` publishable keys are public by design, shipped in web pages: kept),
  // Square. Cloud: Google (`AIza…`, OAuth client secrets and access tokens), DigitalOcean. Source
  // hosting and registries: GitHub, GitLab, npm, PyPI, Atlassian. Chat: Slack tokens and webhook URLs,
  // Discord webhook URLs.
  /\b(?:sk-[A-Za-z0-9_-]{20,}|[rs]k_(?:live|test)_[A-Za-z0-9]{16,}|whsec_[A-Za-z0-9+\/=]{24,}|gsk_[A-Za-z0-9]{40,}|xai-[A-Za-z0-9]{40,}|pplx-[A-Za-z0-9]{40,}|hf_[A-Za-z0-9]{30,}|r8_[A-Za-z0-9]{30,}|gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,}|gl(?:pat|dt|rt|ptt|cbt|ft|imt|oas|soat|agent)-[A-Za-z0-9_-]{20,}|npm_[A-Za-z0-9]{36,}|pypi-[A-Za-z0-9_-]{50,}|xox[abeposr]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35}|GOCSPX-[A-Za-z0-9_-]{24,}|ya29\.[A-Za-z0-9_-]{20,}|do[opr]_v1_[a-f0-9]{64}|sq0(?:atp|csp)-[A-Za-z0-9_-]{22,}|ATATT3[A-Za-z0-9_=-]{20,}|hooks\.slack\.com\/services\/[A-Za-z0-9_\/-]{20,}|discord(?:app)?\.com\/api\/webhooks\/[0-9]+\/[A-Za-z0-9_-]{20,})/g,
];

/**
 * For each default pattern, the texts one of which every match holds (in any ASCII case when the
 * pattern ignores case): a string holding none is not searched. The collector's tracebridge_redact has
 * the same lists; test/security/redaction.test.ts holds them equal and checks that every match of its
 * corpus holds one.
 */
export const DEFAULT_TRIGGERS: readonly (readonly string[])[] = [
  ['://'],
  ['authorization'],
  ['Bearer'],
  ['AKIA', 'ASIA', 'ABIA', 'ACCA', 'AGPA', 'AIDA', 'AROA'],
  ['eyJ'],
  ['password=', 'passwd=', 'pwd=', 'secret=', 'token=', 'key=', 'sig='],
  ['PRIVATE KEY'],
  [
    'sk-', 'k_live_', 'k_test_', 'whsec_', 'gsk_', 'xai-', 'pplx-', 'hf_', 'r8_', 'ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_',
    'glpat-', 'gldt-', 'glrt-', 'glptt-', 'glcbt-', 'glft-', 'glimt-', 'gloas-', 'glsoat-', 'glagent-', 'npm_', 'pypi-', 'xox', 'AIza',
    'GOCSPX-', 'ya29.', '_v1_', 'sq0', 'ATATT3', 'hooks.slack.com', 'discord',
  ],
];

/**
 * The shortest string a default pattern without NEEDS_ALL can match without a `=` (`Bearer abcdefgh`,
 * `xoxb-0123456789`). Shorter strings without one skip those patterns; packages/logger/test/redact.test.ts
 * holds the boundary.
 */
const MIN_MATCH_WITHOUT_EQUALS = 15;

/**
 * A regular expression finding any of `texts`, in any case if `ignoreCase`, written as a trie
 * (`a(?:kia|sia|…)`): alternatives that share their first letters are tried once for them (measured on
 * 2 cores: 133 ns per 60-character string instead of 162 for the flat list of all the triggers).
 */
function anyOf(texts: readonly string[], ignoreCase: boolean): RegExp {
  interface Node {
    end: boolean;
    next: Map<string, Node>;
  }
  const root: Node = { end: false, next: new Map() };
  for (const text of texts) {
    let node = root;
    for (const c of ignoreCase ? text.toLowerCase() : text) {
      let child = node.next.get(c);
      if (child === undefined) node.next.set(c, (child = { end: false, next: new Map() }));
      node = child;
    }
    node.end = true;
  }
  // A text that ends where a longer one goes on suffices: the longer one is left out.
  const emit = (node: Node): string => {
    if (node.end) return '';
    const alternatives = [...node.next].map(([c, child]) => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&') + emit(child));
    return alternatives.length === 1 ? alternatives[0]! : `(?:${alternatives.join('|')})`;
  };
  return new RegExp(emit(root), ignoreCase ? 'i' : '');
}

/**
 * Texts every match of a default pattern holds all of, checked in this process instead of its
 * triggers: a URL's user-info needs an `@` besides the `://` of its trigger, and most URLs (every
 * frame of an ESM stack) have none, so they skip the patterns (measured: a record of URLs and a stack
 * went from 3.6 to 1.9 µs of CPU). The collector, whose trigger scan is one pass anyway, uses the triggers.
 */
const NEEDS_ALL: readonly (readonly string[] | undefined)[] = [['://', '@']];

/** The cheap pre-check before the patterns: any trigger of a default pattern without NEEDS_ALL, in any case. */
const TRIGGER = anyOf(DEFAULT_TRIGGERS.filter((_, i) => NEEDS_ALL[i] === undefined).flat(), true);

/**
 * Each default pattern's triggers as one expression: measured, one search for all of them costs a
 * fifth of an `includes` per trigger (the provider keys have 36).
 */
const PATTERN_TRIGGERS: readonly RegExp[] = DEFAULT_TRIGGERS.map((texts, i) => anyOf(texts, DEFAULT_PATTERNS[i]?.flags.includes('i') === true));

/** A pattern ready to run, with its triggers (none: it always runs). */
interface Compiled {
  re: RegExp;
  triggers: RegExp | undefined;
  /** Texts the string must all hold (then `triggers` is not consulted). */
  needsAll: readonly string[] | undefined;
  /** The pattern has a group named `secret`: only it is replaced. */
  secret: boolean;
}

/** Whether `s` holds every one of `texts`. */
function holdsAll(s: string, texts: readonly string[]): boolean {
  for (const t of texts) if (s.indexOf(t) < 0) return false;
  return true;
}

const NEEDS_ALL_LISTS = NEEDS_ALL.filter((texts): texts is readonly string[] => texts !== undefined);

/** Whether `s` holds all the texts of some pattern with NEEDS_ALL. */
function needsAllHit(s: string): boolean {
  for (const texts of NEEDS_ALL_LISTS) if (holdsAll(s, texts)) return true;
  return false;
}

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
  const patterns = config.patterns.map((p): Compiled => {
    const secret = p.source.includes('(?<secret>');
    // `d` gives the position of the `secret` group in each match.
    const flags = `${p.flags.includes('g') ? p.flags : `${p.flags}g`}${secret && !p.flags.includes('d') ? 'd' : ''}`;
    const i = DEFAULT_PATTERNS.findIndex((d) => d.source === p.source && d.flags === p.flags);
    return { re: flags === p.flags ? p : new RegExp(p.source, flags), triggers: PATTERN_TRIGGERS[i], needsAll: NEEDS_ALL[i], secret };
  });
  const replacement = config.replacement;
  const customPatterns = patterns.some((p) => p.triggers === undefined);
  let count = 0;

  const replaceSecrets = (p: Compiled, s: string): string => {
    const re = p.re;
    re.lastIndex = 0;
    if (!p.secret) {
      return s.replace(re, () => {
        count++;
        return replacement;
      });
    }
    let out = '';
    let last = 0;
    for (let m = re.exec(s); m !== null; m = re.exec(s)) {
      const [start, end] = m.indices?.groups?.secret ?? [m.index, m.index + m[0].length];
      out += s.slice(last, start) + replacement;
      last = end;
      count++;
      if (m[0].length === 0) re.lastIndex++;
    }
    return out + s.slice(last);
  };

  const redactString = (s: string): string => {
    // The quick test skips the regular expressions for the vast majority of strings; custom patterns
    // have no known trigger, so they always run.
    // Every default pattern but the URL's user-info needs a `=` or at least 15 characters (the shortest
    // matches: `Bearer` + a space + 8 token characters, and a Slack `xoxb-` + 10), so most values (ids,
    // names, short words) are decided without a regular expression.
    if (!customPatterns) {
      const short = s.length < MIN_MATCH_WITHOUT_EQUALS && s.indexOf('=') < 0;
      if (!(short ? needsAllHit(s) : TRIGGER.test(s) || needsAllHit(s))) return s;
    }
    let out = s;
    for (const p of patterns) {
      // Each pattern runs only on a string holding one of its own triggers, as in the collector.
      if (p.needsAll !== undefined ? !holdsAll(out, p.needsAll) : p.triggers !== undefined && !p.triggers.test(out)) continue;
      p.re.lastIndex = 0;
      if (!p.re.test(out)) continue;
      out = replaceSecrets(p, out);
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
