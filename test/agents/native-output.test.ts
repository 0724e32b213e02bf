/**
 * The output switch of @tracebridge/logger (`output` / `TRACEBRIDGE_LOG_OUTPUT`) against one real
 * collector (`local` profile) that both receives OTLP and tails `<dataDir>/agents/*.jsonl` (the file
 * route). A logger in `both` mode sends every record over OTLP and writes it as a JSON line into the
 * tailed folder: the line carries `"otlp_sent": true`, the file route drops it, and every record is
 * stored exactly once. `jsonl` lines (no marker) are stored by the file route, `otlp` records by the
 * otlp receiver, once each too.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLocalData } from '@tracebridge/cli';
import type { LocalData, StoredLog } from '@tracebridge/cli';
import { createLogger } from '@tracebridge/logger';
import type { Logger, OutputMode } from '@tracebridge/logger';
import { startCollector } from '#collector/run-lib.mjs';
import type { RunningCollector } from '#collector/run-lib.mjs';
import { waitFor, waitForQuiet } from '../helpers/wait-for.js';

const RECORDS = 40;

/** Records stored so far, read from the collector's logs file. */
async function stored(collector: RunningCollector): Promise<StoredLog[]> {
  return (await readLocalData(collector.dataDir)).logs;
}

describe('one collector fed by loggers in each output mode', () => {
  let collector: RunningCollector;
  let files: Record<OutputMode, string>;
  let stats: Record<OutputMode, ReturnType<Logger['stats']>>;
  let data: LocalData;

  beforeAll(async () => {
    collector = await startCollector({ profile: 'local' });
    const agents = path.join(collector.dataDir, 'agents');
    mkdirSync(agents, { recursive: true });
    files = { otlp: '', jsonl: path.join(agents, 'jsonl.jsonl'), both: path.join(agents, 'both.jsonl') };
    const modes: OutputMode[] = ['otlp', 'jsonl', 'both'];
    const loggers = modes.map((output, i) =>
      createLogger({
        agentId: `O${i + 1}-haiku-001`,
        component: `out_${output}`,
        output,
        endpoint: `${collector.otlpHttp}/v1/logs`,
        ...(output === 'otlp' ? {} : { jsonlPath: files[output] }),
        handleExit: false,
        // Not shared between the three: one pipeline each, so each has its own output.
        spillDir: false,
      }),
    );
    for (let i = 0; i < RECORDS; i++) for (const [m, log] of loggers.entries()) log.info(`${modes[m]} record ${i}`, { context: { i } });
    for (const log of loggers) await log.shutdown();
    stats = Object.fromEntries(loggers.map((log, m) => [modes[m], log.stats()])) as typeof stats;

    // Until the file route has taken every line of the jsonl file (it tails the files as lines appear; the
    // lines of `both` it drops leave its accepted count) and all 3 × RECORDS records are stored, and then
    // the count stays still for a while: a duplicate would arrive late, and must be seen to be refused.
    await waitFor('the file route to take the jsonl lines', () => collector.metric('otelcol_receiver_accepted_log_records', { receiver: 'file_log/agents' }), (n) => n >= RECORDS);
    await waitForQuiet('the stored records', async () => (await stored(collector)).length, { done: (n) => n >= 3 * RECORDS, quietMs: 2_000 });
    await collector.stop();
    data = await readLocalData(collector.dataDir);
  }, 150_000);
  afterAll(async () => {
    await collector?.stop();
  });

  const bodiesOf = (mode: OutputMode): string[] =>
    data.logs
      .filter((l) => l.scope === `out_${mode}`)
      .map((l) => l.record.body?.stringValue ?? '')
      .sort();
  const expected = (mode: OutputMode): string[] => Array.from({ length: RECORDS }, (_, i) => `${mode} record ${i}`).sort();

  it('stores every record of a `both` logger exactly once, the one sent over OTLP', () => {
    expect(bodiesOf('both')).toEqual(expected('both'));
    // Only the OTLP route gives records a log.record.uid: none of these came from the file.
    expect(data.logs.filter((l) => l.scope === 'out_both').every((l) => typeof l.attributes['log.record.uid'] === 'string')).toBe(true);
    expect(stats.both).toMatchObject({ emitted: RECORDS, exported: RECORDS, written: RECORDS, dropped: 0 });
  });

  it('marks every JSON line of a `both` logger, and only those', () => {
    const lines = (file: string) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    const both = lines(files.both);
    expect(both).toHaveLength(RECORDS);
    expect(both.every((r) => r.otlp_sent === true)).toBe(true);
    const jsonl = lines(files.jsonl);
    expect(jsonl).toHaveLength(RECORDS);
    expect(jsonl.some((r) => 'otlp_sent' in r)).toBe(false);
  });

  it('stores the lines of a `jsonl` logger once, by the file route, and the records of an `otlp` logger once', () => {
    expect(bodiesOf('jsonl')).toEqual(expected('jsonl'));
    expect(data.logs.filter((l) => l.scope === 'out_jsonl').some((l) => 'log.record.uid' in l.attributes)).toBe(false);
    expect(stats.jsonl).toMatchObject({ written: RECORDS, exported: 0, dropped: 0 });
    expect(bodiesOf('otlp')).toEqual(expected('otlp'));
    expect(stats.otlp).toMatchObject({ written: 0, exported: RECORDS, dropped: 0 });
    expect(data.logs).toHaveLength(3 * RECORDS);
  });

  it('maps a `both` record the same on both routes: the marker is no attribute', () => {
    const both = data.logs.find((l) => l.scope === 'out_both');
    expect(Object.keys(both?.attributes ?? {}).filter((k) => k.includes('otlp_sent'))).toEqual([]);
    expect(data.logs.some((l) => Object.keys(l.attributes).some((k) => k.startsWith('tracebridge.invalid')))).toBe(false);
  });
});
