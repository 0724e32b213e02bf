import { describe, expect, it } from 'vitest';
import { readLocalData } from '@tracebridge/cli';
import { listRequests } from '../src/request-list.js';
import { BASIC_CORRELATION_ID, BASIC_DATA_DIR, log, span } from './fixtures.js';

describe(listRequests, () => {
  it('lists one entry per correlation id (all its traces) and one per trace without one, newest first', async () => {
    const list = listRequests(await readLocalData(BASIC_DATA_DIR));
    expect(list.map((r) => r.id)).toEqual(['2c7651916cd43dd8448eb211c80319c3', BASIC_CORRELATION_ID]);
    expect(list[1]).toMatchObject({
      correlationId: BASIC_CORRELATION_ID,
      traceIds: ['0af7651916cd43dd8448eb211c80319c', '1b7651916cd43dd8448eb211c80319c2'],
      agents: ['C0-opus-001', 'W1-haiku-001'],
      start: '2025-11-25T18:40:00.000Z',
      durationMs: 3100,
      spans: 5,
      logs: 5,
      errors: 2,
    });
    expect(list[0]).toMatchObject({ correlationId: null, spans: 1, logs: 0, errors: 0 });
  });

  it('keeps the newest `limit` requests', () => {
    const spans = [0, 1, 2, 3].map((i) => span(`${i}`.repeat(32), `${i + 1}`.repeat(16), i * 1000, i * 1000 + 10, { attributes: { 'correlation.id': `task-${i}` } }));
    const logs = [log(5000, 'untraced', { attributes: { 'correlation.id': 'task-9' } })];
    expect(listRequests({ spans, logs }, { limit: 3 }).map((r) => r.id)).toEqual(['task-9', 'task-3', 'task-2']);
  });
});
