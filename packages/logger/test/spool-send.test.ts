// The exit spool's delivery (spool.ts, spool-send.ts): each file once, claimed by rename, deleted after
// the collector's 2xx; given back when the collector is down; kept aside when refused for good; a claim
// left by a dead sender resent and counted apart as possibly duplicated.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readDeliveryLog, sendSpool, writeSpool } from '@tracebridge/logger/internal';
import type { SpoolConfig } from '@tracebridge/logger/internal';
import { OtlpSink } from '../../../test/helpers/otlp-sink.js';

const sinks: OtlpSink[] = [];
afterAll(async () => {
  for (const s of sinks) await s.stop();
});

async function sink(): Promise<OtlpSink> {
  const s = await new OtlpSink().start();
  sinks.push(s);
  return s;
}

function spool(maxBytes = 1024 * 1024): SpoolConfig {
  return { dir: mkdtempSync(path.join(tmpdir(), 'tb-spool-send-')), maxBytes };
}

/** An OTLP/JSON logs request of `n` records with these bodies (the spool carries the content type). */
function request(prefix: string, n: number): Uint8Array {
  const body = {
    resourceLogs: [{ resource: { attributes: [] }, scopeLogs: [{ scope: { name: 'spool_test' }, logRecords: Array.from({ length: n }, (_, i) => ({ body: { stringValue: `${prefix} ${i}` } })) }] }],
  };
  return Buffer.from(JSON.stringify(body));
}

function put(config: SpoolConfig, url: string, prefix: string, n: number, unsure = false): void {
  expect(writeSpool(config, { url, signal: 'logs', records: n, unsure, contentType: 'application/json' }, request(prefix, n))).toBe(true);
}

const files = (config: SpoolConfig) => readdirSync(config.dir).filter((f) => f !== 'delivered.log').sort();

describe('sendSpool', () => {
  it('delivers every file once, oldest first, and deletes it after the 2xx', async () => {
    const s = await sink();
    const config = spool();
    for (let k = 0; k < 3; k++) put(config, s.url, `file${k}`, 10);
    const result = await sendSpool(config.dir, { budgetMillis: 10_000 });
    expect(result).toMatchObject({ sent: 3, sentRecords: 30, unsureRecords: 0, left: 0 });
    expect(s.records().map((r) => r.record.body?.stringValue)).toEqual(['file0', 'file1', 'file2'].flatMap((p) => Array.from({ length: 10 }, (_, i) => `${p} ${i}`)));
    expect(files(config)).toEqual([]);
    expect(readDeliveryLog(config.dir).map((l) => [l.outcome, l.records, l.unsure])).toEqual([
      ['sent', 10, false],
      ['sent', 10, false],
      ['sent', 10, false],
    ]);
  });

  it('gives a file back when the collector is down, and leaves it for the next sender', async () => {
    const s = await sink();
    s.failWith = 503;
    const config = spool();
    put(config, s.url, 'later', 5);
    const result = await sendSpool(config.dir, { budgetMillis: 600 });
    expect(result).toMatchObject({ sent: 0, left: 1 });
    expect(files(config)).toHaveLength(1);
    expect(files(config)[0]).toMatch(/\.logs\.otlp$/);
    s.failWith = undefined;
    expect(await sendSpool(config.dir, { budgetMillis: 10_000 })).toMatchObject({ sent: 1, left: 0 });
    expect(s.count).toBe(5);
  });

  it('keeps a file the collector refuses for good (400) aside, never resent', async () => {
    const s = await sink();
    s.failWith = 400;
    const config = spool();
    put(config, s.url, 'bad', 2);
    expect(await sendSpool(config.dir, { budgetMillis: 5000 })).toMatchObject({ rejected: 1, left: 0 });
    expect(files(config)).toEqual([expect.stringMatching(/\.rejected$/)]);
    s.failWith = undefined;
    await sendSpool(config.dir, { budgetMillis: 2000 });
    expect(s.count).toBe(0);
  });

  it('resends a claim left by a sender that died, counted apart as possibly duplicated', async () => {
    const s = await sink();
    const config = spool();
    put(config, s.url, 'claimed', 4);
    // A process that is gone now claimed the file (and may or may not have had its 2xx).
    const dead = spawn(process.execPath, ['-e', '']);
    await once(dead, 'exit');
    const [name] = files(config);
    renameSync(path.join(config.dir, name as string), path.join(config.dir, `${name}.claimed-${dead.pid}`));
    const result = await sendSpool(config.dir, { budgetMillis: 10_000 });
    expect(result).toMatchObject({ sent: 1, sentRecords: 4, unsureRecords: 4 });
    expect(readDeliveryLog(config.dir)).toEqual([expect.objectContaining({ outcome: 'sent', records: 4, unsure: true })]);
  });

  it('sends each file once when two senders run at the same time', async () => {
    const s = await sink();
    const config = spool(64 * 1024 * 1024);
    for (let k = 0; k < 40; k++) put(config, s.url, `f${k}`, 25);
    const results = await Promise.all([sendSpool(config.dir, { budgetMillis: 20_000 }), sendSpool(config.dir, { budgetMillis: 20_000 })]);
    expect(results.reduce((n, r) => n + r.sent, 0)).toBe(40);
    const bodies = s.records().map((r) => r.record.body?.stringValue);
    expect(bodies).toHaveLength(1000);
    expect(new Set(bodies).size).toBe(1000);
  });

  it('writes nothing beyond the spool bound: the caller counts what did not fit', () => {
    const config = spool(4096);
    const body = request('big', 200);
    expect(body.byteLength).toBeGreaterThan(4096);
    expect(writeSpool(config, { url: 'http://127.0.0.1:9/v1/logs', signal: 'logs', records: 200, unsure: false, contentType: 'application/json' }, body)).toBe(false);
    expect(files(config)).toEqual([]);
  });
});
