import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '@tracebridge/cli';
import type { TimelineDocument } from '@tracebridge/cli';
import { Capture } from './helpers.js';
import { BASIC_CORRELATION_ID, BASIC_DATA_DIR } from './fixtures.js';

async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(['trace', ...args], { stdout, stderr, env });
  return { code, out: stdout.text, err: stderr.text };
}

function copyOfFixture(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tb-trace-'));
  for (const f of ['logs.jsonl', 'traces.jsonl']) copyFileSync(path.join(BASIC_DATA_DIR, f), path.join(dir, f));
  return dir;
}

describe('tracebridge trace', () => {
  it('says an id is unknown, names where it looked and how to list the ids, and exits 1', async () => {
    const r = await run(['req-ffffffffffffffffffffffffffffffff', '--data', BASIC_DATA_DIR]);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toContain(`no span or log with correlation id 'req-ffffffffffffffffffffffffffffffff' in ${BASIC_DATA_DIR}`);
    expect(r.err).toContain(`run 'tracebridge trace --data ${BASIC_DATA_DIR}' to list the recent requests`);
    const byTrace = await run(['ffffffffffffffffffffffffffffffff', '--data', BASIC_DATA_DIR]);
    expect(byTrace.code).toBe(1);
    expect(byTrace.err).toContain("no span or log with trace id 'ffffffffffffffffffffffffffffffff'");
  });

  it('reads the folder TRACEBRIDGE_DATA_DIR names when --data is not given', async () => {
    const r = await run([BASIC_CORRELATION_ID], { TRACEBRIDGE_DATA_DIR: BASIC_DATA_DIR });
    expect(r.code).toBe(0);
    expect(r.out).toContain('task failing failed');
  });

  it('refuses a data folder that does not exist with an input error', async () => {
    const r = await run(['--data', path.join(tmpdir(), 'tb-no-such-folder')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no data folder at .*tb-no-such-folder: run 'npm run demo'.*\[TRACEBRIDGE_ERR_INPUT\]/);
  });

  it('prints the timeline as JSON with --json', async () => {
    const r = await run([BASIC_CORRELATION_ID, '--data', BASIC_DATA_DIR, '--json']);
    const doc = JSON.parse(r.out) as TimelineDocument;
    expect(doc).toMatchObject({ version: 1, id: BASIC_CORRELATION_ID, idKind: 'correlation' });
    expect(doc.traces.map((t) => t.counts)).toEqual([
      { spans: 4, logs: 4, errorSpans: 1, errorLogs: 1 },
      { spans: 1, logs: 0, errorSpans: 0, errorLogs: 0 },
    ]);
    expect(doc.traces[0]?.rows.map((row) => (row.type === 'span' ? row.name : row.message))).toEqual([
      'POST',
      'request accepted',
      'task fast',
      'POST',
      'working',
      'task failing',
      'task failing failed',
      'late record',
    ]);
  });

  it('lists the recent requests without an id, newest first, and as JSON', async () => {
    const r = await run(['--data', BASIC_DATA_DIR]);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toMatch(/^REQUEST\s+START \(UTC\)\s+DURATION\s+SPANS\s+LOGS\s+ERRORS\s+TOKENS IN→OUT\s+AGENTS$/);
    expect(lines[1]).toMatch(/^2c7651916cd43dd8448eb211c80319c3\s+2025-11-25 18:40:05\.000\s+2\.00 ms\s+1\s+0\s+0\s+-\s+W1-haiku-001$/);
    expect(lines[2]).toMatch(/^req-0af7651916cd43dd8448eb211c80319c\s+2025-11-25 18:40:00\.000\s+3\.10 s\s+5\s+5\s+2\s+-\s+C0-opus-001, W1-haiku-001$/);
    expect(r.err).toContain('look at one: tracebridge trace <REQUEST>');
    const json = JSON.parse((await run(['--data', BASIC_DATA_DIR, '--json', '--limit', '1'])).out) as { requests: Array<{ id: string }> };
    expect(json.requests.map((q) => q.id)).toEqual(['2c7651916cd43dd8448eb211c80319c3']);
  });

  it('colours only when asked or on a terminal, and never with NO_COLOR', async () => {
    const args = [BASIC_CORRELATION_ID, '--data', BASIC_DATA_DIR];
    expect((await run(args)).out).not.toContain('\u001b[');
    expect((await run([...args, '--color'])).out).toContain('\u001b[31m');
    const tty = async (env: NodeJS.ProcessEnv, extra: string[] = []): Promise<string> => {
      const stdout = Object.assign(new Capture(), { isTTY: true, columns: 100 });
      await main(['trace', ...args, ...extra], { stdout, stderr: new Capture(), env });
      return stdout.text;
    };
    expect(await tty({})).toContain('\u001b[');
    expect(await tty({ NO_COLOR: '1' })).not.toContain('\u001b[');
    expect(await tty({}, ['--no-color'])).not.toContain('\u001b[');
  });

  it('writes the page with --html and still draws in the terminal', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'tb-html-')), 'timeline.html');
    const r = await run([BASIC_CORRELATION_ID, '--data', BASIC_DATA_DIR, '--html', file]);
    expect(r.code).toBe(0);
    expect(r.err).toContain(`wrote ${file}`);
    expect(readFileSync(file, 'utf8')).toContain('<!doctype html>');
    expect(r.out).toContain('task failing failed');
  });

  it('skips what a truncated or corrupt file cannot give, with one warning per file, and reads the rest', async () => {
    const dir = copyOfFixture();
    // A crash mid-write: the last line of logs.jsonl cut in half (W1's records).
    const logs = readFileSync(path.join(dir, 'logs.jsonl'), 'utf8');
    writeFileSync(path.join(dir, 'logs.jsonl'), logs.slice(0, logs.length - 200));
    // A rotated traces file that is not JSON at all, twice over.
    writeFileSync(path.join(dir, 'traces-2025-11-25T18-00-00.000.jsonl'), '\u0000\u0001garbage\n{"resourceSpans":[\n');
    const r = await run([BASIC_CORRELATION_ID, '--data', dir, '--json']);
    expect(r.code).toBe(0);
    expect(r.err.trim().split('\n')).toEqual([
      'tracebridge: warning: logs.jsonl: 1 damaged line(s) skipped, first at line 2',
      'tracebridge: warning: traces-2025-11-25T18-00-00.000.jsonl: 2 damaged line(s) skipped, first at line 1',
    ]);
    const doc = JSON.parse(r.out) as TimelineDocument;
    expect(doc.traces[0]?.counts).toEqual({ spans: 4, logs: 2, errorSpans: 1, errorLogs: 1 });
  });

  it('refuses --loki without --tempo, --html without an id, and a bad --since or --limit', async () => {
    expect((await run(['x', '--loki', 'http://127.0.0.1:1'])).err).toContain('--loki and --tempo go together');
    expect((await run(['--html', 'x.html', '--data', BASIC_DATA_DIR])).err).toContain('--html draws one request');
    expect((await run(['x', '--since', 'yesterday'])).err).toContain('--since takes a duration');
    expect((await run(['--limit', '0'])).code).toBe(2);
    const prices = await run(['--data', BASIC_DATA_DIR, '--prices', path.join(tmpdir(), 'no-such-prices.json')]);
    expect(prices.err).toContain('cannot read price table');
    expect(prices.code).not.toBe(0);
  });
});

/** One OTLP/JSON line of the file exporter with one span of trace T. */
const T = '5b8efff798038103d269b633813fc60c';
const NS = (ms: number): string => String(1_764_096_000_000_000_000n + BigInt(ms) * 1_000_000n);
const kv = (key: string, value: string): { key: string; value: { stringValue: string } } => ({ key, value: { stringValue: value } });

function dataDir(files: Record<string, string[]>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tb-trace-hostile-'));
  for (const [name, lines] of Object.entries(files)) writeFileSync(path.join(dir, name), `${lines.join('\n')}\n`);
  return dir;
}

function spanLine(spans: unknown[], agent = 'C0-opus-001'): string {
  return JSON.stringify({ resourceSpans: [{ resource: { attributes: [kv('service.name', 'C0'), kv('service.instance.id', agent)] }, scopeSpans: [{ scope: { name: 'demo' }, spans }] }] });
}

const goodSpan = { traceId: T, spanId: 'b000000000000001', name: 'root', kind: 2, startTimeUnixNano: NS(0), endTimeUnixNano: NS(100) };

describe('tracebridge trace on damaged data', () => {
  it('skips a null line, a resourceLogs that is not a list and null entries with one warning per file, and draws the rest', async () => {
    const dir = copyOfFixture();
    const logs = readFileSync(path.join(dir, 'logs.jsonl'), 'utf8');
    writeFileSync(
      path.join(dir, 'logs.jsonl'),
      `${logs}null\n{"resourceLogs":5}\n{"resourceLogs":[null,{"resource":null,"scopeLogs":[null,{"logRecords":[null]}]}]}\n`,
    );
    writeFileSync(path.join(dir, 'traces-2025-11-25T18-00-00.000.jsonl'), '{"resourceSpans":[null]}\n[]\n');
    const r = await run([BASIC_CORRELATION_ID, '--data', dir, '--json']);
    expect(r.code).toBe(0);
    expect(r.err.trim().split('\n')).toEqual([
      'tracebridge: warning: logs.jsonl: 5 part(s) not in the OTLP shape skipped, first at line 3: the line is null, not an object',
      'tracebridge: warning: traces-2025-11-25T18-00-00.000.jsonl: 2 part(s) not in the OTLP shape skipped, first at line 1: resourceSpans[0] is null, not an object',
    ]);
    const doc = JSON.parse(r.out) as TimelineDocument;
    expect(doc.traces[0]?.counts).toEqual({ spans: 4, logs: 4, errorSpans: 1, errorLogs: 1 });
    // The list of requests reads the same files.
    const list = await run(['--data', dir]);
    expect(list.code).toBe(0);
    expect(list.out).toContain(BASIC_CORRELATION_ID);
  });

  it('warns about spans and records with wrong-typed fields, leaves those fields out and draws the rest', async () => {
    const dir = dataDir({
      'traces.jsonl': [
        spanLine([
          goodSpan,
          { traceId: T, spanId: 'b000000000000002', parentSpanId: 'b000000000000001', name: 7, kind: {}, startTimeUnixNano: NS(10), endTimeUnixNano: [], attributes: 'x', events: 5, status: 'bad' },
          { traceId: 5, spanId: 'b000000000000003', name: 'lost' },
        ]),
      ],
      'logs.jsonl': [
        JSON.stringify({
          resourceLogs: [
            {
              resource: { attributes: [kv('service.instance.id', 'C0-opus-001'), null, { key: 5 }] },
              scopeLogs: [{ scope: { name: 7 }, logRecords: [{ timeUnixNano: NS(20), traceId: T, spanId: 'b000000000000002', severityText: 9, body: 'plain', attributes: [kv('correlation.id', 'req-x')] }] }],
            },
          ],
        }),
      ],
    });
    const r = await run([T, '--data', dir, '--json']);
    expect(r.code).toBe(0);
    expect(r.err.trim().split('\n')).toEqual([
      'tracebridge: warning: logs.jsonl: 1 record(s) with wrong-typed fields, those fields left out, first at line 1: resourceLogs[0].resource.attributes[1] is null, not an object',
      'tracebridge: warning: traces.jsonl: 1 part(s) not in the OTLP shape skipped, first at line 1: resourceSpans[0].scopeSpans[0].spans[2].traceId is a number, not a string',
      'tracebridge: warning: traces.jsonl: 1 span(s) with wrong-typed fields, those fields left out, first at line 1: resourceSpans[0].scopeSpans[0].spans[1].name is a number, not a string',
    ]);
    const doc = JSON.parse(r.out) as TimelineDocument;
    const rows = doc.traces[0]?.rows ?? [];
    expect(rows.map((row) => (row.type === 'span' ? `span ${row.spanId} '${row.name}'` : `log '${row.message}'`))).toEqual([
      "span b000000000000001 'root'",
      "span b000000000000002 ''",
      "log ''",
    ]);
    expect(rows[2]).toMatchObject({ type: 'log', level: 'UNSPECIFIED', scope: '', agent: 'C0-opus-001' });
  });

  it('reads a data line that is not UTF-8 with U+FFFD for its bad bytes, and says so', async () => {
    const dir = dataDir({ 'traces.jsonl': [spanLine([{ ...goodSpan, name: 'r@@t' }])] });
    const file = path.join(dir, 'traces.jsonl');
    const [head, tail] = readFileSync(file, 'utf8').split('@@') as [string, string];
    writeFileSync(file, Buffer.concat([Buffer.from(head), Buffer.from([0xc3, 0x28]), Buffer.from(tail)]));
    const r = await run([T, '--data', dir, '--json']);
    expect(r.code).toBe(0);
    expect(r.err).toBe(
      `tracebridge: warning: traces.jsonl: 1 line(s) not UTF-8, read with U+FFFD for the bad bytes, first at line 1: byte 0xc3 at byte ${Buffer.byteLength(head) + 1} of the line\n`,
    );
    expect((JSON.parse(r.out) as TimelineDocument).traces[0]?.rows[0]).toMatchObject({ name: 'r\ufffd(t' });
  });

  it('escapes control characters of the data in what it draws and warns', async () => {
    const dir = dataDir({
      'traces.jsonl': [spanLine([{ ...goodSpan, name: 'r\u001b[2Joot', status: { code: 2, message: 'bad\u009b1A' }, attributes: [kv('correlation.id', 'req-\u001b]0;x\u0007')] }], 'C0-\u001b[31mopus')],
      'logs-\u001b[31m.jsonl': ['{not json'],
    });
    for (const args of [[T, '--data', dir], ['--data', dir]]) {
      const r = await run(args);
      expect(r.code).toBe(0);
      expect(r.out + r.err).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
      expect(r.out).toContain('C0-\\x1b[31mopus');
      expect(r.err).toContain('logs-\\x1b[31m.jsonl: 1 damaged line(s) skipped');
    }
  });

  it('keeps C1 and bidirectional controls out of --json, as escapes that parse to the same values', async () => {
    const dir = dataDir({ 'traces.jsonl': [spanLine([{ ...goodSpan, name: 'a\u009b2Jb\u202ec' }])] });
    const r = await run([T, '--data', dir, '--json']);
    expect(r.out).not.toMatch(/[\u007f-\u009f\u202e]/);
    expect((JSON.parse(r.out) as TimelineDocument).traces[0]?.rows[0]).toMatchObject({ name: 'a\u009b2Jb\u202ec' });
  });
});
