import { describe, expect, it } from 'vitest';
import { readLocalData } from '@tracebridge/cli';
import { buildTimeline } from '../src/timeline.js';
import { renderTimelineHtml } from '../src/render-html.js';
import { BASIC_CORRELATION_ID, BASIC_DATA_DIR, log, span } from './fixtures.js';

const T = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';

describe(renderTimelineHtml, () => {
  it('is one page that loads nothing: no external URL, and a policy that forbids any', async () => {
    const html = renderTimelineHtml(buildTimeline(await readLocalData(BASIC_DATA_DIR), BASIC_CORRELATION_ID));
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none';`);
    expect(html).not.toMatch(/\b(src|href)=/);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/@import|url\(/);
  });

  it('has one row per span and per record, and the exception', async () => {
    const html = renderTimelineHtml(buildTimeline(await readLocalData(BASIC_DATA_DIR), BASIC_CORRELATION_ID));
    expect(html.match(/<tr class="span[ "]/g)).toHaveLength(5);
    expect(html.match(/<tr class="log /g)).toHaveLength(5);
    expect(html).toContain('<div class="ex-head">ValueError: boom</div>');
    expect(html).toContain('1 failed span, 1 error log');
  });

  it('escapes what the records say', () => {
    const data = {
      spans: [span(T, '0000000000000001', 0, 10, { name: '<img onerror=x>' })],
      logs: [log(1, '</script><script>alert(1)</script>', { trace: T, spanId: '0000000000000001', level: 'IN"FO' })],
    };
    const html = renderTimelineHtml(buildTimeline(data, T));
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('data-level="IN&quot;FO"');
  });
});
