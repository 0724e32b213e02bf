import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '@tracebridge/cli';
import type { ExportLogsServiceRequest } from '@tracebridge/schema';
import { loadVectors, withoutObservedTime } from '../../../test/helpers/vectors.js';
import { Capture, ClosingPipe } from './helpers.js';

async function convert(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(['convert', ...args], { stdout, stderr, env });
  return { code, out: stdout.text, err: stderr.text };
}

const good = JSON.stringify({
  timestamp: '2025-11-30T12:34:56.789Z',
  level: 'INFO',
  agent_id: 'A1-haiku-001',
  correlation_id: 'task-1',
  component: 'redis_bus',
  message: 'ok',
});

function tempFile(text: string | Buffer): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'tb-convert-')), 'in.jsonl');
  writeFileSync(file, text);
  return file;
}

describe('tracebridge convert', () => {
  for (const vector of loadVectors()) {
    it(`prints the OTLP vector ${vector.name} expects`, async () => {
      const { code, out } = await convert([vector.inputPath]);
      expect(code).toBe(0);
      expect(withoutObservedTime(JSON.parse(out) as ExportLogsServiceRequest)).toEqual(vector.expected);
    });
  }

  it('reports a line that is not JSON or not an object, skips it, converts the rest and exits 1', async () => {
    const file = tempFile(`${good}\n{"truncated":\n\n[1,2]\n"text"\n${good}\n`);
    const { code, out, err } = await convert([file]);
    expect(code).toBe(1);
    expect(err).toMatch(/^2: skipped: not JSON \(/m);
    expect(err).toMatch(/^4: skipped: not a JSON object$/m);
    expect(err).toMatch(/^5: skipped: not a JSON object$/m);
    expect(err).toContain('converted 2 records, skipped 3 lines');
    const request = JSON.parse(out) as ExportLogsServiceRequest;
    expect(request.resourceLogs[0]?.scopeLogs[0]?.logRecords).toHaveLength(2);
  });

  it('takes the service name and resource attributes from OTEL_* variables, flags first', async () => {
    const file = tempFile(`${good}\n`);
    const fromEnv = await convert([file], { OTEL_SERVICE_NAME: 'planner', OTEL_RESOURCE_ATTRIBUTES: 'cloud.region=eu' });
    const attrs = (JSON.parse(fromEnv.out) as ExportLogsServiceRequest).resourceLogs[0]?.resource?.attributes ?? [];
    expect(attrs).toContainEqual({ key: 'service.name', value: { stringValue: 'planner' } });
    expect(attrs).toContainEqual({ key: 'cloud.region', value: { stringValue: 'eu' } });
    const fromFlag = await convert([file, '--service-name', 'flag', '--environment', 'prod'], { OTEL_SERVICE_NAME: 'planner' });
    const flagAttrs = (JSON.parse(fromFlag.out) as ExportLogsServiceRequest).resourceLogs[0]?.resource?.attributes ?? [];
    expect(flagAttrs).toContainEqual({ key: 'service.name', value: { stringValue: 'flag' } });
    expect(flagAttrs).toContainEqual({ key: 'deployment.environment.name', value: { stringValue: 'prod' } });
  });

  it('fails with a usage error on an unknown flag and an input error on a missing file, writing no output', async () => {
    const flag = await convert(['--nope']);
    expect(flag.code).toBe(2);
    expect(flag.err).toContain('TRACEBRIDGE_ERR_USAGE');
    const missing = await convert([path.join(tmpdir(), 'does-not-exist.jsonl')]);
    expect(missing.code).toBe(2);
    expect(missing.out).toBe('');
    expect(missing.err).toContain('TRACEBRIDGE_ERR_INPUT');
  });
});

describe('tracebridge convert on hostile input', () => {
  const records = (out: string): Array<{ body?: { stringValue?: string } }> =>
    (JSON.parse(out) as ExportLogsServiceRequest).resourceLogs.flatMap((r) => r.scopeLogs.flatMap((s) => s.logRecords));

  it('skips a record nested thousands of levels deep, says why, and converts the others', async () => {
    const deep = `{"message":"deep","context":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}`;
    const { code, out, err } = await convert([tempFile(`${good}\n${deep}\n${good}\n`)]);
    expect(code).toBe(1);
    expect(err).toMatch(/^2: skipped: nested more than 1000 levels deep$/m);
    expect(err).toContain('converted 2 records, skipped 1 lines');
    expect(records(out).map((r) => r.body?.stringValue)).toEqual(['ok', 'ok']);
  });

  it('refuses a folder with one line and its code, before writing anything', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tb-convert-dir-'));
    const { code, out, err } = await convert([dir]);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(/^tracebridge: .* is a folder, not a file of JSON lines.*\[TRACEBRIDGE_ERR_INPUT\]\n$/);
  });

  it('reports a line that is not UTF-8 with its number, and converts it as the file route does (U+FFFD)', async () => {
    const [head, tail] = good.split('"ok"') as [string, string];
    const bad = Buffer.concat([Buffer.from(`${head}"o`), Buffer.from([0xff]), Buffer.from(`k"${tail}`)]);
    const { code, out, err } = await convert([tempFile(Buffer.concat([Buffer.from(`${good}\n`), bad, Buffer.from('\n')]))]);
    expect(code).toBe(1);
    expect(err).toMatch(new RegExp(`^2: not UTF-8: byte 0xff at byte ${Buffer.byteLength(head) + 3} of the line; converted with U\\+FFFD in its place`, 'm'));
    expect(records(out).map((r) => r.body?.stringValue)).toEqual(['ok', 'o\ufffdk']);
  });

  it('escapes control characters of the input in its messages and its JSON', async () => {
    const record = JSON.stringify({ ...(JSON.parse(good) as object), message: 'a\u009b2Jb\u202ec\u007f' });
    const { out, err } = await convert([tempFile(`\u001b[2Jnot json\n${record}\n`)]);
    expect(err).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(err).toMatch(/^1: skipped: not JSON \(.*\\x1b\[2Jnot json/m);
    expect(out).not.toMatch(/[\u007f-\u009f\u202e]/);
    expect(records(out).map((r) => r.body?.stringValue)).toEqual(['a\u009b2Jb\u202ec\u007f']);
  });

  it('stops quietly when its reader goes away mid-stream', async () => {
    const stdout = new ClosingPipe(1);
    const stderr = new Capture();
    const file = tempFile(`${good}\n`.repeat(20_000));
    const code = await main(['convert', file], { stdout, stderr, env: {} });
    expect(code).toBe(0);
    expect(stderr.text).toBe('');
  });

  it('writes the first records before its input ends', async () => {
    const stdin = new PassThrough();
    const stdout = new Capture();
    const done = main(['convert'], { stdin, stdout, stderr: new Capture(), env: {} });
    let n = 0;
    // A bounded wait on a condition: records keep coming until the first is out, or too many went in.
    while (!stdout.text.includes('"record 0"') && n < 5_000) {
      stdin.write(`${JSON.stringify({ ...(JSON.parse(good) as object), message: `record ${n++}` })}\n`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const writtenBeforeOutput = n;
    stdin.end();
    expect(await done).toBe(0);
    expect(writtenBeforeOutput).toBeLessThan(5_000);
    expect(records(stdout.text)).toHaveLength(n);
  });

  it('indents with --pretty and gives the same request', async () => {
    const file = tempFile(`${good}\n${good.replace('A1-haiku-001', 'A2-haiku-001')}\n`);
    const plain = await convert([file]);
    const pretty = await convert([file, '--pretty']);
    expect(pretty.out).toBe(`${JSON.stringify(JSON.parse(pretty.out), null, 2)}\n`);
    expect(plain.out).toBe(`${JSON.stringify(JSON.parse(plain.out))}\n`);
    expect(withoutObservedTime(JSON.parse(pretty.out) as ExportLogsServiceRequest)).toEqual(withoutObservedTime(JSON.parse(plain.out) as ExportLogsServiceRequest));
  });
});
