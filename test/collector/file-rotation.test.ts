// The file route across the logger's rotation (#23 part 4): @tracebridge/logger writes JSON lines to
// <data>/agents/<agent>.jsonl and rotates it to .1 … .N; the collector (`local` profile, file_log/agents)
// tails the live file and the rotated ones, knows a file by its fingerprint whatever its name, and keeps
// its offsets in file_storage/offsets across restarts. Every record must arrive exactly once: with the
// collector down during several rotations, restarted in the middle of a file, and under a burst; only a
// file the logger deletes (beyond jsonlMaxFiles) may lose lines, and those are counted by the logger.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { readRequests } from '../../packages/cli/src/local-data.js';
import { createLogger } from '@tracebridge/logger';
import type { Logger } from '@tracebridge/logger';
import type { ExportLogsServiceRequest } from '@tracebridge/schema';
import { startCollector } from '#collector/run-lib.mjs';
import type { RunningCollector } from '#collector/run-lib.mjs';
import { waitFor, waitForQuiet } from '../helpers/wait-for.js';

const running: RunningCollector[] = [];
const loggers: Logger[] = [];
afterEach(async () => {
  await Promise.all(loggers.splice(0).map((l) => l.shutdown()));
  await Promise.all(running.splice(0).map((c) => c.stop()));
});

async function collector(dataDir: string): Promise<RunningCollector> {
  const c = await startCollector({ profile: 'local', dataDir });
  running.push(c);
  return c;
}

/** A data folder with its agents/ folder, and the logger writing there, rotating every `maxBytes`. */
function agentLogger(dataDir: string, maxBytes: number, maxFiles: number): Logger {
  mkdirSync(path.join(dataDir, 'agents'), { recursive: true });
  const log = createLogger({
    agentId: 'A1-haiku-001',
    component: 'rotation',
    output: 'jsonl',
    jsonlPath: path.join(dataDir, 'agents', 'A1-haiku-001.jsonl'),
    jsonlMaxBytes: maxBytes,
    jsonlMaxFiles: maxFiles,
    handleExit: false,
  });
  loggers.push(log);
  return log;
}

/** ~300 bytes a line: a few files per thousand records at the sizes below. */
const PAD = 'x'.repeat(200);
function write(log: Logger, from: number, to: number): void {
  for (let i = from; i < to; i++) log.info(`record ${i}`, { context: { i, pad: PAD } });
}

/** Bodies of every record the collector wrote (all of its rotated output files too). */
async function bodies(c: { dataDir: string }): Promise<string[]> {
  const out: string[] = [];
  for (const request of await readRequests<ExportLogsServiceRequest>(c.dataDir, 'logs', [])) {
    for (const rl of request.resourceLogs ?? []) for (const sl of rl.scopeLogs ?? []) for (const lr of sl.logRecords ?? []) out.push(lr.body?.stringValue ?? '');
  }
  return out;
}

/** Waits until the collector has written `expected` distinct records and then stays quiet; returns the count of each. */
async function delivered(c: RunningCollector, expected: number): Promise<{ distinct: number; total: number }> {
  await waitFor(`${expected} records from the file route`, async () => new Set(await bodies(c)).size, (n) => n >= expected, { timeoutMs: 90_000 });
  // Quiet for a while: a line read twice would show up before the count settles.
  const total = await waitForQuiet('the collector output', async () => (await bodies(c)).length, { quietMs: 3000, timeoutMs: 90_000 });
  return { distinct: new Set(await bodies(c)).size, total };
}

describe('the file route across rotation', () => {
  it('reads every record once when the collector was down during several rotations', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'tb-rotation-'));
    const log = agentLogger(dataDir, 256 * 1024, 50);
    write(log, 0, 8000);
    expect(await log.flush(30_000)).toBe(true);
    expect(log.stats()).toMatchObject({ written: 8000, rotatedOut: 0 });
    const c = await collector(dataDir);
    expect(await delivered(c, 8000)).toEqual({ distinct: 8000, total: 8000 });
  });

  it('reads every record once across a restart in the middle of the files, with rotations while it was down', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'tb-rotation-'));
    const log = agentLogger(dataDir, 128 * 1024, 100);
    let c = await collector(dataDir);
    // Written in steps while the collector reads, stops, is down and starts again.
    let next = 0;
    const step = async (n: number): Promise<void> => {
      write(log, next, next + n);
      next += n;
      expect(await log.flush(30_000)).toBe(true);
    };
    for (let k = 0; k < 5; k++) await step(400);
    await waitFor('some records read', async () => (await bodies(c)).length, (n) => n > 0, { timeoutMs: 60_000 });
    await step(300);
    await c.stop();
    running.splice(running.indexOf(c), 1);
    const before = (await bodies(c)).length;
    for (let k = 0; k < 10; k++) await step(500);
    c = await collector(dataDir);
    for (let k = 0; k < 5; k++) {
      await step(400);
      await sleep(50);
    }
    expect(before).toBeLessThan(next);
    expect(await delivered(c, next)).toEqual({ distinct: next, total: next });
  });

  it('reads every record once under a burst that rotates faster than the collector polls', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'tb-rotation-'));
    const c = await collector(dataDir);
    const log = agentLogger(dataDir, 256 * 1024, 60);
    write(log, 0, 30_000);
    expect(await log.flush(60_000)).toBe(true);
    expect(log.stats()).toMatchObject({ written: 30_000, rotatedOut: 0 });
    expect(await delivered(c, 30_000)).toEqual({ distinct: 30_000, total: 30_000 });
  });

  it('loses only the lines of files rotation deleted, and counts exactly those', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'tb-rotation-'));
    const log = agentLogger(dataDir, 128 * 1024, 2);
    write(log, 0, 8000);
    expect(await log.flush(30_000)).toBe(true);
    const { written, rotatedOut } = log.stats();
    expect(written).toBe(8000);
    expect(rotatedOut).toBeGreaterThan(0);
    const c = await collector(dataDir);
    expect(await delivered(c, 8000 - rotatedOut)).toEqual({ distinct: 8000 - rotatedOut, total: 8000 - rotatedOut });
    // The ones lost are the oldest: the newest 8000 - rotatedOut records are all there.
    const got = new Set(await bodies(c));
    for (let i = rotatedOut; i < 8000; i++) expect(got.has(`record ${i}`)).toBe(true);
  });
});
