import { ROOT_CONTEXT, context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { mapRecord } from '@tracebridge/schema';
import { beforeAll, describe, expect, it } from 'vitest';
import { captureCall, newCall, toRecord } from '../src/internal/call.js';
import type { Call, Identity } from '../src/internal/call.js';
import { decodeCall, encodeCall, forgetCalls, rememberCall } from '../src/internal/call-codec.js';
import type { DecodeState, EncodeState } from '../src/internal/call-codec.js';
import { Decoder, Encoder } from '../src/internal/codec.js';
import type { LogFields } from '../src/types.js';

const tracer = new BasicTracerProvider().getTracer('test');

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});

/** Runs `fn` inside a sampled span with a correlation id and a parent agent in baggage. */
function inRequest<T>(fn: () => T, span = tracer.startSpan('request')): T {
  const baggage = propagation.createBaggage({ 'correlation.id': { value: 'task-42' }, 'agent.parent.id': { value: 'B2-sonnet-007' } });
  return context.with(propagation.setBaggage(trace.setSpan(ROOT_CONTEXT, span), baggage), fn);
}

const who = (): Identity => ({ id: 3, agentId: 'A1-haiku-001', component: 'redis_bus', registered: false });

/** Encodes, then decodes into a fresh call, as the two threads do. */
function roundTrip(call: Call, enc: EncodeState = {}, dec: DecodeState = { identities: new Map() }, max = 1 << 20): { decoded: Call; bytes: number; flags: number } {
  const e = new Encoder(1024, 1 << 22);
  const flags = encodeCall(e, call, enc, max, false);
  const bytes = e.pos;
  const decoded = decodeCall(new Decoder(Buffer.from(e.u8.subarray(0, bytes)), 0, bytes), dec, newCall());
  return { decoded, bytes, flags };
}

class Entity {
  constructor(readonly id: number) {}
  toJSON(): unknown {
    return { entity: this.id };
  }
}

describe('the wire format of a log call', () => {
  it('gives the worker the very record (and OTLP mapping) the calling thread would make', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const cause = new RangeError('quota');
    const fields: LogFields & { extra: string } = {
      context: {
        task_id: 'task:001',
        when: new Date(Date.UTC(2025, 0, 2)),
        ids: new Set([1, 2]),
        byName: new Map([['a', 1]]),
        entity: new Entity(7),
        big: 12n,
        fn: function named() {},
        sym: Symbol('s'),
        nan: Number.NaN,
        cyclic,
        bytes: new Uint8Array(3),
        text: 'naïve ☃',
      },
      metadata: { source: 'unit', version: 2.5 },
      tags: ['claim', 'retry'],
      error: new Error('failed', { cause }),
      errorCode: 'E_QUOTA',
      citation: 'if://citation/1',
      extra: 'not carried',
    };
    const call = inRequest(() => captureCall(newCall(), 3, who(), { base: true, task_id: 'base' }, 'Task claimed', fields, { duration_ms: 12.5 }));
    const { decoded } = roundTrip(call);
    const here = toRecord(call);
    const there = toRecord(decoded);
    expect(there).toEqual(JSON.parse(JSON.stringify(there)));
    expect(mapRecord(there)).toEqual(mapRecord(here));
    expect(there).toMatchObject({
      level: 'ERROR',
      agent_id: 'A1-haiku-001',
      component: 'redis_bus',
      correlation_id: 'task-42',
      parent_agent_id: 'B2-sonnet-007',
      trace_flags: '01',
      tags: ['claim', 'retry'],
      if_citation: 'if://citation/1',
      performance: { duration_ms: 12.5 },
      error: { type: 'Error', message: 'failed', code: 'E_QUOTA' },
    });
    expect((there.error as { stack: string }).stack).toContain('Caused by: RangeError: quota');
    expect(there.context).toMatchObject({ base: true, task_id: 'task:001', when: '2025-01-02T00:00:00.000Z', entity: { entity: 7 }, big: '12', sym: 'Symbol(s)' });
    expect(there).not.toHaveProperty('extra');
  });

  it('states trace, correlation and parent once, and in full again after the producer forgets', () => {
    const state: EncodeState = {};
    const dec: DecodeState = { identities: new Map() };
    const span = tracer.startSpan('one');
    const first = inRequest(() => captureCall(newCall(), 1, who(), undefined, 'first', undefined, undefined), span);
    const a = roundTrip(first, state, dec);
    rememberCall(state, first, a.flags);
    const second = inRequest(() => captureCall(newCall(), 1, first.who, undefined, 'secnd', undefined, undefined), span);
    const b = roundTrip(second, state, dec);
    // Registration (agent id, component), 48 bytes of ids and both baggage values are left out.
    expect(a.bytes - b.bytes).toBeGreaterThan(48 + 'A1-haiku-001redis_bustask-42B2-sonnet-007'.length);
    expect(toRecord(b.decoded)).toEqual(toRecord(second));
    forgetCalls(state);
    const c = roundTrip(second, state, { identities: new Map() });
    // A decoder that knows nothing still reads it all (but the identity, registered once).
    expect(toRecord(c.decoded)).toMatchObject({ trace_id: span.spanContext().traceId, correlation_id: 'task-42', parent_agent_id: 'B2-sonnet-007' });
  });

  it('keeps a call too large for its limit, without its data', () => {
    const call = captureCall(newCall(), 1, who(), { base: 1 }, 'm'.repeat(10_000), { context: { blob: 'x'.repeat(10_000) }, tags: ['t'] }, undefined);
    const e = new Encoder(1024, 1 << 22);
    expect(() => encodeCall(e, call, {}, 4096, false)).toThrow();
    encodeCall(e, call, {}, 4096, true);
    expect(e.pos).toBeLessThan(4096 + 128);
    const decoded = decodeCall(new Decoder(Buffer.from(e.u8.subarray(0, e.pos)), 0, e.pos), { identities: new Map() }, newCall());
    const record = toRecord(decoded);
    expect(record.message).toBe(`${'m'.repeat(4096)}…`);
    expect(record.context).toBe('[Too large: more than 4096 bytes]');
    expect(record).not.toHaveProperty('tags');
  });
});
