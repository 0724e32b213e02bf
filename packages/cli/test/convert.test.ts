import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '@tracebridge/cli';
import type { ExportLogsServiceRequest } from '@tracebridge/schema';
import { loadVectors, withoutObservedTime } from '../../../test/helpers/vectors.js';
import { Capture } from './helpers.js';

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

function tempFile(text: string): string {
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
