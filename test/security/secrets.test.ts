// No credential is written into a compose or collector configuration file: every password, key and token
// comes from the environment (`${env:...}` in collector files, `${VAR:?...}` in compose files), and the
// generated ones live in the git-ignored compose/secrets.env. The scanner is first shown to catch each
// kind of leak (and to leave references and placeholders alone), then run on every such file.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Names that say their value is a credential. */
const SENSITIVE_NAME = /pass(word|wd)?$|passw|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential|bearer/i;
/** A value that is not a literal: an environment reference, a compose/Grafana variable, a placeholder, or nothing. */
const REFERENCE = /^\s*(\$\{[^}]+\}|\$[A-Za-z_][A-Za-z0-9_]*|<[^>]+>|)\s*$/;

/** Shapes of credentials, found anywhere in a file's text once references are taken out. */
const SHAPES: Array<[string, RegExp]> = [
  ['AWS access key id', /\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b/],
  ['private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ['JWT', /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/],
  ['provider API key', /\b(?:sk-[A-Za-z0-9_-]{20,}|gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,}|xox[abposr]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35})/],
  ['bearer token', /\bBearer(?: |%20)+[A-Za-z0-9._~+/-]{8,}/],
  ['password in a URL', /\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i],
];

/** Hex of 32+ digits that is not a run of one digit (trace ids of zeros are fine): `openssl rand -hex`. */
function hexSecrets(text: string): string[] {
  return [...text.matchAll(/(?<![0-9A-Za-z])[0-9a-fA-F]{32,}(?![0-9A-Za-z])/g)].map((m) => m[0]).filter((w) => entropy(w) > 2.5);
}

/** Shannon entropy per character. */
function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) h -= (n / s.length) * Math.log2(n / s.length);
  return h;
}

/**
 * A long random-looking word: 20+ characters of a key alphabet (a path's `/` and a setting's `=` end a
 * word), upper and lower case and digits mixed, and characters that hardly repeat.
 */
function randomLooking(text: string): string[] {
  return [...text.matchAll(/[A-Za-z0-9+_-]{20,}/g)]
    .map((m) => m[0])
    .filter((w) => /[A-Z]/.test(w) && /[a-z]/.test(w) && /[0-9]/.test(w) && entropy(w) > 3.8);
}

/** `${...}` references (nested ones included) and `$VAR`s taken out, so only literals are left. */
function withoutReferences(text: string): string {
  let out = text;
  for (let before = ''; before !== out; ) {
    before = out;
    out = out.replace(/\$\{[^${}]*\}/g, '');
  }
  return out.replace(/\$[A-Za-z_][A-Za-z0-9_]*/g, '');
}

/** Every leak found in one file's text; `kind` picks the structured checks. */
function leaks(text: string, kind: 'yaml' | 'json' | 'env' | 'text'): string[] {
  const found: string[] = [];
  const pair = (key: string, value: unknown): void => {
    if (typeof value !== 'string' && typeof value !== 'number') return;
    if (SENSITIVE_NAME.test(key) && !REFERENCE.test(String(value))) found.push(`${key} holds a literal`);
  };
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        pair(k, v);
        walk(v);
      }
    }
  };
  if (kind === 'yaml') for (const doc of parseAllDocuments(text)) walk(doc.toJS({ maxAliasCount: -1 }));
  if (kind === 'json') walk(JSON.parse(text));
  if (kind === 'env') {
    for (const line of text.split('\n')) {
      const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
      if (m) pair(m[1]!, m[2]!);
    }
  }
  if (kind === 'text') {
    // Shell and Dockerfiles: an assignment of a literal to a sensitive name.
    for (const m of text.matchAll(/\b([A-Za-z_]*(?:PASSWORD|SECRET|TOKEN|API_KEY|ACCESS_KEY|PRIVATE_KEY)[A-Za-z_]*)=(["']?)([^\s"'$<(][^\s"']*)\2/gi)) {
      found.push(`${m[1]} holds a literal`);
    }
  }
  const literal = withoutReferences(text);
  for (const [name, re] of SHAPES) if (re.test(literal)) found.push(`${name}: ${re.exec(literal)![0].slice(0, 12)}…`);
  for (const w of randomLooking(literal)) found.push(`random-looking string ${w.slice(0, 8)}…`);
  for (const w of hexSecrets(literal)) found.push(`hex secret ${w.slice(0, 8)}…`);
  return found;
}

function kindOf(file: string): 'yaml' | 'json' | 'env' | 'text' | undefined {
  const base = path.basename(file);
  if (/\.ya?ml$/.test(base)) return 'yaml';
  if (base.endsWith('.json')) return 'json';
  if (base === '.env' || base === '.env.example') return 'env';
  if (base.endsWith('.sh') || base === 'Dockerfile' || base.endsWith('.conf')) return 'text';
  return undefined;
}

/** Every configuration file under compose/ and collector/ (the git-ignored secrets.env aside). */
function configFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const abs = path.join(dir, name);
      if (statSync(abs).isDirectory()) {
        if (name !== 'node_modules' && name !== '_build') walk(abs);
      } else if (name !== 'secrets.env' && kindOf(abs)) out.push(abs);
    }
  };
  walk(path.join(ROOT, 'compose'));
  walk(path.join(ROOT, 'collector'));
  return out;
}

describe(leaks, () => {
  // Built from parts, so this file holds no credential-shaped literal itself.
  const hex = Array.from({ length: 40 }, (_, i) => ((i * 7 + 3) % 16).toString(16)).join('');
  const cases: Array<[string, 'yaml' | 'json' | 'env' | 'text']> = [
    ['environment:\n  GF_SECURITY_ADMIN_PASSWORD: hunter2\n', 'yaml'],
    ['extensions:\n  bearertokenauth:\n    token: abc123def\n', 'yaml'],
    ['exporters:\n  x:\n    api_key: "k"\n', 'yaml'],
    ['{"secureJsonData": {"basicAuthPassword": "p"}}', 'json'],
    ['S3_SECRET_KEY=abc\n', 'env'],
    [`export OTLP_BEARER_TOKEN=${hex}\n`, 'text'],
    [`headers:\n  - Authorization=Bearer%20${'Zz9'.repeat(4)}\n`, 'yaml'],
    ['endpoint: https://admin:pw@s3.example\n', 'yaml'],
    [`x: ${['AKIA', 'IOSFODNN7', 'EXAMPLE'].join('')}\n`, 'yaml'],
    [`x: "${['-----BEGIN', 'RSA', 'PRIVATE', 'KEY-----'].join(' ')}"\n`, 'yaml'],
    [`x: ${['eyJhbGciOiJIUzI1NiJ9', 'eyJzdWIiOiIxMjMifQ', 'c2lnbmF0dXJlc2ln'].join('.')}\n`, 'yaml'],
    [`x: ${`sk-${'Ab1'.repeat(8)}`}\n`, 'yaml'],
    [`seed: ${hex}\n`, 'yaml'],
    [`x: ${'aZ3kQ9mP2vL7xN4bR8tY1wC6'}\n`, 'yaml'],
  ];

  it('catches every kind of literal credential', () => {
    for (const [text, kind] of cases) expect(leaks(text, kind), text).not.toEqual([]);
  });

  it('leaves references, placeholders and plain settings alone', () => {
    const clean: Array<[string, 'yaml' | 'json' | 'env' | 'text']> = [
      ['environment:\n  GF_SECURITY_ADMIN_PASSWORD: ${GRAFANA_ADMIN_PASSWORD:?set it}\n  OTEL_EXPORTER_OTLP_HEADERS: Authorization=Bearer%20${OTLP_BEARER_TOKEN:?set it}\n', 'yaml'],
      ['extensions:\n  bearertokenauth/otlp:\n    token: ${env:OTLP_BEARER_TOKEN:-}\n    filename: ${env:OTLP_BEARER_TOKEN_FILE:-}\n', 'yaml'],
      ['S3_SECRET_KEY=<openssl rand -hex 24>\nGRAFANA_ADMIN_USER=admin\n', 'env'],
      ['add OTLP_BEARER_TOKEN "$(openssl rand -hex 32)"\n# send Authorization: Bearer <token>\n', 'text'],
      ['secureJsonData:\n  httpHeaderValue1: $LOKI_QUERY_TENANTS\nendpoint: http://loki:3100/otlp\n', 'yaml'],
    ];
    for (const [text, kind] of clean) expect(leaks(text, kind), text).toEqual([]);
  });
});

describe('compose and collector files', () => {
  const files = configFiles();

  it('are all scanned (every compose and collector config file)', () => {
    const rel = files.map((f) => path.relative(ROOT, f).split(path.sep).join('/'));
    for (const f of ['compose/stack.yaml', 'compose/.env', 'compose/.env.example', 'compose/init-secrets.sh', 'compose/tenants.yaml', 'collector/config.yaml', 'collector/fragments/secure-receivers.yaml', 'collector/fragments/loki-tenants.yaml', 'collector/stacks.yaml', 'collector/Dockerfile', 'compose/grafana/dashboards/tracebridge-overview.json']) {
      expect(rel).toContain(f);
    }
  });

  it('hold no literal password, key or token', () => {
    const found = files.flatMap((f) => leaks(readFileSync(f, 'utf8'), kindOf(f)!).map((l) => `${path.relative(ROOT, f)}: ${l}`));
    expect(found).toEqual([]);
  });
});
