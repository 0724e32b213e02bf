import { describe, expect, it } from 'vitest';
import { readLocalData } from '@tracebridge/cli';
import { barOf, renderTimelineText } from '../src/render-terminal.js';
import { buildTimeline } from '../src/timeline.js';
import { BASIC_CORRELATION_ID, BASIC_DATA_DIR, BASIC_TRACE_ID, log, span } from './fixtures.js';

const ESC = '\u001b[';
const T = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';

/** The bar cells of each span line (between the frame characters), by span name. */
function bars(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^[│├└─ ✗]*(\S.*?)\s{2,}.*│(.*)│$/.exec(line);
    if (m) out[(m[1] as string).trim()] = m[2] as string;
  }
  return out;
}

describe(barOf, () => {
  it('scales a span to the trace: start cell from its offset, length from its duration, at least one cell', () => {
    expect(barOf({ offsetMs: 0, durationMs: 1000 }, 1000, 10)).toBe('██████████');
    expect(barOf({ offsetMs: 500, durationMs: 250 }, 1000, 10)).toBe('     ███  ');
    expect(barOf({ offsetMs: 990, durationMs: 0.01 }, 1000, 10)).toBe('         █');
    expect(barOf({ offsetMs: 0, durationMs: 0 }, 0, 4)).toBe('█   ');
  });
});

describe(renderTimelineText, () => {
  it('lays the waterfall out: tree, agent, kind, duration and a bar scaled to the trace', () => {
    const data = {
      spans: [
        span(T, '0000000000000001', 0, 1000, { name: 'root' }),
        span(T, '0000000000000002', 0, 500, { parent: '0000000000000001', name: 'first half', agent: 'W1-haiku-001' }),
        span(T, '0000000000000003', 500, 1000, { parent: '0000000000000001', name: 'second half' }),
      ],
      logs: [log(600, 'halfway', { trace: T, spanId: '0000000000000003' })],
    };
    const text = renderTimelineText(buildTimeline(data, T), { width: 100 });
    const lines = text.split('\n');
    expect(lines[0]).toBe(`trace ${T}`);
    expect(lines[1]).toContain('1.00 s · 2 agents (C0-opus-001, W1-haiku-001) · 3 spans · 1 log · no errors');
    expect(lines[2]).toMatch(/^SPAN\s+AGENT\s+KIND\s+DURATION\s+0\s+1\.00 s$/);
    expect(lines[3]).toMatch(/^root\s+C0-opus-001\s+internal\s+1\.00 s {2}│█{30}│$/);
    expect(lines[4]).toMatch(/^├─ first half\s+W1-haiku-001\s+internal\s+500 ms {2}│█{15} {15}│$/);
    expect(lines[5]).toMatch(/^└─ second half\s+C0-opus-001\s+internal\s+500 ms {2}│ {15}█{15}│$/);
    expect(lines[6]).toBe('   └─ +600 ms INFO  [test] halfway');
    // Every span line is as wide as the terminal.
    for (const l of lines.slice(3, 6)) expect([...l].length).toBe(100);
  });

  it('shows an exception with its type, message and the first stack frames, once', async () => {
    const text = renderTimelineText(buildTimeline(await readLocalData(BASIC_DATA_DIR), BASIC_TRACE_ID), { width: 120 });
    expect(text).toContain('✗ task failing');
    expect(text.match(/ValueError: boom/g)).toHaveLength(1);
    expect(text).toContain('at parse (file:///app/worker.mjs:10:11)');
    expect(text).toContain('at run (file:///app/worker.mjs:30:7)');
    expect(text).not.toContain('at main (file:///app/worker.mjs:40:3)');
    expect(text).toContain('1 failed span, 1 error log');
    expect(bars(text)['task failing']).toBe(' '.repeat(7) + '█'.repeat(26) + ' '.repeat(3));
  });

  it('writes no escape codes without colour, and colours levels and errors with it', async () => {
    const doc = buildTimeline(await readLocalData(BASIC_DATA_DIR), BASIC_CORRELATION_ID);
    const plain = renderTimelineText(doc, { color: false });
    const coloured = renderTimelineText(doc, { color: true });
    expect(plain).not.toContain(ESC);
    expect(coloured).toContain(`${ESC}31mERROR`);
    expect(coloured).toContain(`${ESC}33mWARN`);
    expect(coloured.replace(/\u001b\[[0-9;]*m/g, '')).toBe(plain);
  });

  it('draws each trace of a correlation id and its records outside any trace', async () => {
    const text = renderTimelineText(buildTimeline(await readLocalData(BASIC_DATA_DIR), BASIC_CORRELATION_ID));
    expect(text.startsWith(`${BASIC_CORRELATION_ID}: 2 traces\n`)).toBe(true);
    expect(text).toContain(`trace ${BASIC_TRACE_ID}`);
    expect(text).toContain('trace 1b7651916cd43dd8448eb211c80319c2');
    expect(text).toContain('1 record(s) of req-0af7651916cd43dd8448eb211c80319c outside any trace');
    expect(text).toContain('2025-11-25 18:40:02.500 INFO  C0-opus-001 [coordinator] queued for later');
    // A record under a span of another agent names its agent; one under its own agent's span does not.
    expect(text).toContain('W1-haiku-001 [pino] late record');
    expect(text).toContain('+50.0 ms INFO  [pino] working');
  });

  it('keeps a record from moving the cursor or recolouring the terminal', () => {
    const data = { spans: [span(T, '0000000000000001', 0, 10, { name: 'x\u001b[2Jy' })], logs: [log(1, 'a\u001b[31mb\nc', { trace: T, spanId: '0000000000000001' })] };
    const text = renderTimelineText(buildTimeline(data, T));
    expect(text).not.toContain('\u001b');
    expect(text).toContain('a\\x1b[31mb ⏎ c');
    expect(text).toContain('x\\x1b[2Jy');
  });
});
