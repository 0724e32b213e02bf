import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLocalData } from '@tracebridge/cli';
import { createLogger } from '@tracebridge/logger';
import { startCollector } from '#collector/run-lib.mjs';
import type { RunningCollector } from '#collector/run-lib.mjs';

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
    let data = await readLocalData(collector.dataDir);
    for (let tries = 0; data.logs.length < 100 && tries < 50; tries++) {
      await new Promise((r) => setTimeout(r, 100));
      data = await readLocalData(collector.dataDir);
    }
    expect(data.warnings).toEqual([]);
    expect(data.logs).toHaveLength(100);
    expect(data.logs[0]).toMatchObject({ scope: 'redis_bus', resource: { 'service.name': 'A1' }, attributes: { 'context.i': 0 } });
  });
});
