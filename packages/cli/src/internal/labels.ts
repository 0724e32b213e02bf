/**
 * Short labels for people, computed from what a span or record holds; the `--json` output keeps the
 * raw names.
 */
import type { TimelineSpanRow } from '../timeline.js';

/**
 * A span's name with what its HTTP attributes add: the HTTP instrumentation names a span after the
 * method alone (`POST`) when it knows no route, so the target is appended (`POST /work` for a server,
 * `POST 127.0.0.1:4000/work` for a client), and an error status code (`→ 503`).
 */
export function spanLabel(row: Pick<TimelineSpanRow, 'name' | 'kind' | 'attributes'>): string {
  const a = row.attributes;
  const method = str(a['http.request.method']) ?? str(a['http.method']);
  let label = row.name;
  if (method !== undefined && (row.name === method || row.name === `HTTP ${method}`)) {
    if (row.kind === 'server') {
      const target = str(a['http.route']) ?? str(a['url.path']) ?? str(a['http.target']);
      if (target !== undefined) label = `${method} ${target}`;
    } else if (row.kind === 'client') {
      const url = str(a['url.full']) ?? str(a['http.url']);
      if (url !== undefined) {
        try {
          const u = new URL(url);
          label = `${method} ${u.host}${u.pathname}`;
        } catch {
          label = `${method} ${url}`;
        }
      }
    }
  }
  const status = a['http.response.status_code'] ?? a['http.status_code'];
  if (typeof status === 'number' && status >= 400) label += ` → ${status}`;
  return label;
}

/** The OpenTelemetry instrumentation scopes read better by what they instrument: `pino`, not `@opentelemetry/instrumentation-pino`. */
export function scopeLabel(scope: string): string {
  return scope.replace(/^@opentelemetry\/instrumentation-/, '');
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
