// journald, collected by collector/fragments/sources-journald.yaml where the host has `journalctl`. Its receiver runs
// journalctl and the collector refuses to start without it, which is why it is a fragment of its own and
// sources.yaml never names it. That part is checked on every host (journalctl is hidden from the
// collector's PATH). Where journalctl exists, a real journal file is written with systemd-journal-remote
// from entries in journal export format, read by the real collector through journalctl, and the records
// compared with the entries. Where it does not, the test says so and checks that sources.yaml runs.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { StoredLog } from '@tracebridge/cli';
import { afterAll, describe, expect, it } from 'vitest';
import { startCollector } from '#collector/run-lib.mjs';
import type { RunningCollector } from '#collector/run-lib.mjs';
import { SOURCES, SOURCES_JOURNALD, bodyText, findProgram, hasJournalctl, ofSource, readLogs, requireProgram, run, sourcesEnv } from './harness.js';
import { waitFor } from '../helpers/wait-for.js';

type Obj = Record<string, any>;

const dirs: string[] = [];
const collectors: RunningCollector[] = [];
afterAll(async () => {
  for (const c of collectors) await c.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tempDir = (): string => {
  const d = mkdtempSync(path.join(tmpdir(), 'tb-sources-journald-'));
  dirs.push(d);
  return d;
};

const JOURNALCTL = hasJournalctl();
// Said once, in the test output, whichever way it goes.
console.log(
  JOURNALCTL
    ? `journald: journalctl found at ${findProgram('journalctl')}; collecting a real journal file`
    : 'journald: journalctl is not installed on this host, so journald is not collected here (sources-journald.yaml is only for hosts that have it); checking that sources.yaml runs without it',
);

describe('where journald lives', () => {
  it('sources.yaml names no journald receiver; sources-journald.yaml adds one in a pipeline of its own', () => {
    const sources = parseYaml(readFileSync(SOURCES, 'utf8')) as Obj;
    const journald = parseYaml(readFileSync(SOURCES_JOURNALD, 'utf8')) as Obj;
    expect(Object.keys(sources.receivers).filter((id) => id.split('/')[0] === 'journald')).toEqual([]);
    expect(Object.keys(journald.receivers)).toEqual(['journald']);
    expect(Object.keys(journald.service.pipelines)).toEqual(['logs/journald']);
    // Its records get exactly the sources' processing and delivery.
    expect(journald.service.pipelines['logs/journald'].processors).toEqual(sources.service.pipelines['logs/sources'].processors);
    expect(journald.service.pipelines['logs/journald'].exporters).toEqual(sources.service.pipelines['logs/sources'].exporters);
  });

  it('without journalctl, the collector runs sources.yaml and refuses sources-journald.yaml', async () => {
    const dir = tempDir();
    // A PATH with nothing on it: what a host without systemd looks like to the collector.
    const emptyBin = path.join(dir, 'bin');
    mkdirSync(emptyBin);
    const env = { ...(await sourcesEnv(dir)), PATH: emptyBin };
    const running = await startCollector({ profile: 'local', extraConfigs: [SOURCES], dataDir: path.join(dir, 'data'), env });
    collectors.push(running);
    await running.stop();
    const refused = startCollector({ profile: 'local', extraConfigs: [SOURCES, SOURCES_JOURNALD], dataDir: path.join(dir, 'data2'), env: { ...env, TRACEBRIDGE_JOURNALD_DIRECTORY: dir } }).then((c) => {
      collectors.push(c);
      return c;
    });
    await expect(refused).rejects.toThrow(/journalctl.*(not found|no such file)/i);
  });
});

if (JOURNALCTL) {
  describe('journald (journalctl present)', () => {
    const now = Date.now() * 1000;
    // PRIORITY 7 (debug) is below the default TRACEBRIDGE_JOURNALD_PRIORITY (info): not collected.
    const entries = [
      { MESSAGE: 'tracebridge journal: started', PRIORITY: '6', offset: 1 },
      { MESSAGE: 'tracebridge journal: disk nearly full', PRIORITY: '4', offset: 2 },
      { MESSAGE: 'tracebridge journal: write failed', PRIORITY: '3', offset: 3 },
      { MESSAGE: 'tracebridge journal: controller lost', PRIORITY: '2', offset: 4 },
      { MESSAGE: 'tracebridge journal: chatter', PRIORITY: '7', offset: 5 },
    ];

    it('reads entries through journalctl into severity, body, time, pid, unit and host', async () => {
      // systemd-journal-remote turns journal export format into a journal file; journalctl then reads it
      // like any journal (no journald daemon, nothing of the host's journal touched).
      const journalRemote = requireProgram('systemd-journal-remote', 'systemd-journal-remote');
      const dir = tempDir();
      const journalDir = path.join(dir, 'journal');
      mkdirSync(journalDir);
      const exportText = entries
        .map((e) =>
          [
            `__REALTIME_TIMESTAMP=${now + e.offset}`,
            `__MONOTONIC_TIMESTAMP=${e.offset}`,
            '_BOOT_ID=0f0e0d0c0b0a09080706050403020100',
            `MESSAGE=${e.MESSAGE}`,
            `PRIORITY=${e.PRIORITY}`,
            'SYSLOG_IDENTIFIER=tb-journal-test',
            `_PID=${4000 + e.offset}`,
            '_COMM=tb-worker',
            '_HOSTNAME=journal-host',
            '_SYSTEMD_UNIT=tb-worker.service',
            '',
          ].join('\n'),
        )
        .join('\n');
      writeFileSync(path.join(dir, 'entries.export'), `${exportText}\n`);
      const made = await run(journalRemote, [`--output=${path.join(journalDir, 'test.journal')}`, path.join(dir, 'entries.export')]);
      expect(made.code, made.stderr).toBe(0);

      const collector = await startCollector({
        profile: 'local',
        extraConfigs: [SOURCES, SOURCES_JOURNALD],
        dataDir: path.join(dir, 'data'),
        env: await sourcesEnv(dir, { TRACEBRIDGE_JOURNALD_DIRECTORY: journalDir }),
      });
      collectors.push(collector);
      const logs: StoredLog[] = ofSource(await waitFor('the journald records in the files', () => readLogs(collector.dataDir), (l) => ofSource(l, 'journald').length >= 4, { timeoutMs: 60_000 }), 'journald');

      expect(logs.map(bodyText).sort()).toEqual(entries.filter((e) => e.PRIORITY !== '7').map((e) => e.MESSAGE).sort());
      const expectedSeverity: Record<string, [number, string]> = { '6': [9, 'INFO'], '4': [13, 'WARN'], '3': [17, 'ERROR'], '2': [18, 'ERROR'] };
      for (const e of entries.filter((x) => x.PRIORITY !== '7')) {
        const r = logs.find((l) => bodyText(l) === e.MESSAGE)!;
        expect([r.record.severityNumber, r.record.severityText], e.MESSAGE).toEqual(expectedSeverity[e.PRIORITY]);
        expect(BigInt(r.record.timeUnixNano!)).toBe(BigInt(now + e.offset) * 1000n);
        expect(r.resource).toMatchObject({ 'service.name': 'journald', 'host.name': 'journal-host', 'service.instance.id': 'journal-host' });
        expect(r.scope).toBe('journald');
        expect(r.attributes).toEqual({
          'process.pid': 4000 + e.offset,
          'process.executable.name': 'tb-worker',
          'syslog.appname': 'tb-journal-test',
          'systemd.unit': 'tb-worker.service',
        });
      }
    });
  });
} else {
  describe('journald (journalctl absent)', () => {
    it('collects everything else: sources.yaml on its own starts and delivers', async () => {
      const dir = tempDir();
      mkdirSync(path.join(dir, 'redis'));
      writeFileSync(path.join(dir, 'redis', 'redis.log'), '9:M 01 May 2026 10:00:00.000 * Ready to accept connections tcp\n');
      const collector = await startCollector({
        profile: 'local',
        extraConfigs: [SOURCES],
        dataDir: path.join(dir, 'data'),
        env: await sourcesEnv(dir, { TRACEBRIDGE_REDIS_LOGS: path.join(dir, 'redis', '*.log') }),
      });
      collectors.push(collector);
      const logs = await waitFor('the redis record from its log file', () => readLogs(collector.dataDir), (l) => ofSource(l, 'redis').length >= 1, { timeoutMs: 60_000 });
      expect(ofSource(logs, 'redis').map(bodyText)).toEqual(['Ready to accept connections tcp']);
      expect(ofSource(logs, 'journald')).toEqual([]);
    });
  });
}
