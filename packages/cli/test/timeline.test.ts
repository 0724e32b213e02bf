import { describe, expect, it } from 'vitest';
import { readLocalData } from '@tracebridge/cli';
import { buildTimeline, idKind, isEmptyTimeline } from '../src/timeline.js';
import type { TimelineLogRow, TimelineSpanRow } from '@tracebridge/cli';
import { BASIC_CORRELATION_ID, BASIC_DATA_DIR, BASIC_TRACE_ID, log, span } from './fixtures.js';

const T = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';

/** `span:name` / `log:message` with depth, in drawing order: what the views draw, in one string each. */
function outline(rows: ReadonlyArray<TimelineSpanRow | TimelineLogRow>): string[] {
  return rows.map((r) => `${'  '.repeat(r.depth)}${r.type === 'span' ? `span:${r.name}` : `log:${r.message}`}`);
}

describe(idKind, () => {
  it('takes 32 hex digits for a trace id and anything else for a correlation id', () => {
    expect(idKind('0af7651916cd43dd8448eb211c80319c')).toBe('trace');
    expect(idKind('0AF7651916CD43DD8448EB211C80319C')).toBe('trace');
    expect(idKind('req-0af7651916cd43dd8448eb211c80319c')).toBe('correlation');
    expect(idKind('task-42')).toBe('correlation');
  });
});

describe(buildTimeline, () => {
  it('draws spans as a tree by parent, each level in time order, with each record under its span', () => {
    const data = {
      spans: [
        span(T, '0000000000000003', 300, 400, { parent: '0000000000000001', name: 'second child' }),
        span(T, '0000000000000001', 0, 1000, { name: 'root' }),
        span(T, '0000000000000002', 100, 200, { parent: '0000000000000001', name: 'first child' }),
        span(T, '0000000000000004', 120, 150, { parent: '0000000000000002', name: 'grandchild' }),
      ],
      logs: [
        log(350, 'in second', { trace: T, spanId: '0000000000000003' }),
        log(50, 'in root, before the children', { trace: T, spanId: '0000000000000001' }),
        log(130, 'in grandchild', { trace: T, spanId: '0000000000000004' }),
        log(900, 'in root, after them', { trace: T, spanId: '0000000000000001' }),
      ],
    };
    const doc = buildTimeline(data, T);
    expect(doc.traces).toHaveLength(1);
    expect(outline(doc.traces[0]!.rows)).toEqual([
      'span:root',
      '  log:in root, before the children',
      '  span:first child',
      '    span:grandchild',
      '      log:in grandchild',
      '  span:second child',
      '    log:in second',
      '  log:in root, after them',
    ]);
    const child = doc.traces[0]!.rows[2] as TimelineSpanRow;
    expect(child).toMatchObject({ offsetMs: 100, durationMs: 100, parentSpanId: '0000000000000001', agent: 'C0-opus-001' });
    expect(doc.traces[0]).toMatchObject({ durationMs: 1000, counts: { spans: 4, logs: 4, errorSpans: 0, errorLogs: 0 } });
  });

  it('draws siblings that started in the same millisecond in the order they ended', () => {
    // The SDK stamps starts in whole milliseconds: an LLM call, the tool it asked for, and the call with
    // the tool's result can all start in one. Listed here in the data's order, not the run's.
    const data = {
      spans: [
        span(T, '0000000000000001', 0, 100, { name: 'turn' }),
        span(T, '0000000000000002', 10, 50, { parent: '0000000000000001', name: 'ask the model' }),
        span(T, '0000000000000004', 50, 90, { parent: '0000000000000001', name: 'send the result' }),
        span(T, '0000000000000003', 50, 51, { parent: '0000000000000001', name: 'run the tool' }),
      ],
      logs: [],
    };
    expect(outline(buildTimeline(data, T).traces[0]!.rows)).toEqual(['span:turn', '  span:ask the model', '  span:run the tool', '  span:send the result']);
  });

  it('puts a record whose span is not in the data under the first root, in time order', () => {
    const data = {
      spans: [span(T, '0000000000000001', 0, 100, { name: 'root' })],
      logs: [log(60, 'orphan', { trace: T, spanId: '00000000000000ff' }), log(10, 'own', { trace: T, spanId: '0000000000000001' })],
    };
    const rows = buildTimeline(data, T).traces[0]!.rows;
    expect(outline(rows)).toEqual(['span:root', '  log:own', '  log:orphan']);
    expect(rows[2]).toMatchObject({ spanId: '00000000000000ff', underSpanId: '0000000000000001' });
  });

  it('draws every trace of a correlation id whole, and its untraced records apart', async () => {
    const doc = buildTimeline(await readLocalData(BASIC_DATA_DIR), BASIC_CORRELATION_ID);
    expect(doc.idKind).toBe('correlation');
    expect(doc.traces.map((t) => t.traceId)).toEqual([BASIC_TRACE_ID, '1b7651916cd43dd8448eb211c80319c2']);
    expect(doc.traces[0]).toMatchObject({ agents: ['C0-opus-001', 'W1-haiku-001'], counts: { spans: 4, logs: 4, errorSpans: 1, errorLogs: 1 } });
    expect(doc.untracedLogs.map((l) => l.message)).toEqual(['queued for later']);
    const failed = doc.traces[0]!.rows.find((r) => r.type === 'span' && r.status === 'error') as TimelineSpanRow;
    expect(failed).toMatchObject({ name: 'task failing', statusMessage: 'boom', exceptions: [{ type: 'ValueError', message: 'boom' }] });
    const error = doc.traces[0]!.rows.find((r) => r.type === 'log' && r.level === 'ERROR') as TimelineLogRow;
    expect(error.exception).toMatchObject({ type: 'ValueError', message: 'boom' });
    expect(error.exception?.stacktrace).toContain('at parse (file:///app/worker.mjs:10:11)');
  });

  it('upper-cases a lower-case level and reads a level from the severity number alone', () => {
    const noText = log(5, 'numbered', { trace: T, spanId: '0000000000000001' });
    delete noText.record.severityText;
    noText.record.severityNumber = 14;
    const data = { spans: [span(T, '0000000000000001', 0, 10)], logs: [log(1, 'pino', { trace: T, spanId: '0000000000000001', level: 'info' }), noText] };
    const levels = buildTimeline(data, T).traces[0]!.rows.filter((r): r is TimelineLogRow => r.type === 'log').map((r) => r.level);
    expect(levels).toEqual(['INFO', 'WARN']);
  });

  it('draws a span once when it was exported twice, and survives a parent cycle', () => {
    const data = {
      spans: [
        span(T, '0000000000000001', 0, 10, { name: 'once' }),
        span(T, '0000000000000001', 0, 10, { name: 'once' }),
        span(T, '00000000000000a1', 1, 2, { parent: '00000000000000a2', name: 'cycle a' }),
        span(T, '00000000000000a2', 3, 4, { parent: '00000000000000a1', name: 'cycle b' }),
      ],
      logs: [],
    };
    const names = buildTimeline(data, T).traces[0]!.rows.map((r) => (r.type === 'span' ? r.name : ''));
    expect(names.filter((n) => n === 'once')).toHaveLength(1);
    expect(names).toContain('cycle a');
    expect(names).toContain('cycle b');
  });

  it('finds nothing for an unknown id', async () => {
    const data = await readLocalData(BASIC_DATA_DIR);
    expect(isEmptyTimeline(buildTimeline(data, 'req-ffffffffffffffffffffffffffffffff'))).toBe(true);
    expect(isEmptyTimeline(buildTimeline(data, 'ffffffffffffffffffffffffffffffff'))).toBe(true);
  });
});
