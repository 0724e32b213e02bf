import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLocalData } from '@tracebridge/cli';
import { createLogger } from '@tracebridge/logger';
import { startCollector } from '#collector/run-lib.mjs';
import type { RunningCollector } from '#collector/run-lib.mjs';
import { waitFor } from '../helpers/wait-for.js';

let collector: RunningCollector;

beforeAll(async () => {
  collector = await startCollector({ profile: 'local' });
});
afterAll(async () => {
  await collector?.stop();
});

describe('the local profile', () => {
  it('writes the logs an agent sends as OTLP/JSON files that readLocalData reads back', async () => {
    const log = createLogger({ agentId: 'A1-haiku-001', component: 'redis_bus', endpoint: `${collector.otlpHttp}/v1/logs`, handleExit: false });
    for (let i = 0; i < 100; i++) log.info(`record ${i}`, { context: { i } });
    expect(await log.flush(10_000)).toBe(true);
    await log.shutdown();
    // The file exporter writes on its own schedule (every second): wait for the records, not a fixed time.
    const data = await waitFor('100 records in the files', () => readLocalData(collector.dataDir), (d) => d.logs.length >= 100);
    expect(data.warnings).toEqual([]);
    expect(data.logs).toHaveLength(100);
    expect(data.logs[0]).toMatchObject({ scope: 'redis_bus', resource: { 'service.name': 'A1' }, attributes: { 'context.i': 0 } });
  });
});
