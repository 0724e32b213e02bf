import {
  AGENT_ID_MAX_LENGTH,
  AGENT_ID_PATTERN,
  CITATION_PATTERN,
  COMPONENT_PATTERN,
  CORRELATION_ID_PATTERN,
  SPAN_ID_PATTERN,
  TIMESTAMP_PATTERN,
  TRACE_FLAGS_PATTERN,
  TRACE_ID_PATTERN,
} from './internal/checks.js';
import { LEVELS } from './severity.js';

const agentId = { type: 'string', pattern: AGENT_ID_PATTERN, maxLength: AGENT_ID_MAX_LENGTH } as const;

/**
 * The record as a JSON Schema (draft 2020-12), for producers in other languages and for editors.
 * `validate()` applies the same rules (same patterns) and reports every problem with its path; a test
 * holds the two equal on the shared vectors.
 */
export const recordJsonSchema = Object.freeze({
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'urn:tracebridge:schema:record:1',
  title: 'tracebridge log record',
  description: 'One structured log record of an agent; see MAPPING.md for its OTLP mapping.',
  type: 'object',
  required: ['timestamp', 'level', 'agent_id', 'component', 'message'],
  additionalProperties: false,
  dependentRequired: { trace_id: ['span_id'], span_id: ['trace_id'], trace_flags: ['trace_id', 'span_id'] },
  properties: {
    timestamp: {
      description: 'ISO 8601 UTC, millisecond or finer precision.',
      type: 'string',
      format: 'date-time',
      pattern: TIMESTAMP_PATTERN,
    },
    level: { enum: [...LEVELS] },
    agent_id: { ...agentId, description: '<role>-<model>-<instance>, e.g. A1-haiku-001.' },
    correlation_id: {
      description: 'The request, task or swarm the record belongs to; absent for a record written outside any (start-up, shutdown, background work).',
      type: 'string',
      pattern: CORRELATION_ID_PATTERN,
    },
    component: { type: 'string', pattern: COMPONENT_PATTERN },
    message: { type: 'string' },
    context: { type: 'object' },
    error: {
      type: 'object',
      additionalProperties: false,
      properties: {
        type: { type: 'string' },
        message: { type: 'string' },
        stack: { type: 'string' },
        code: { type: ['string', 'number'] },
      },
    },
    performance: {
      type: 'object',
      properties: {
        duration_ms: { type: 'number', minimum: 0 },
        memory_mb: { type: 'number', minimum: 0 },
      },
      additionalProperties: { type: 'number', minimum: 0 },
    },
    trace_id: { type: 'string', pattern: TRACE_ID_PATTERN, not: { const: '0'.repeat(32) } },
    span_id: { type: 'string', pattern: SPAN_ID_PATTERN, not: { const: '0'.repeat(16) } },
    trace_flags: { type: 'string', pattern: TRACE_FLAGS_PATTERN },
    parent_agent_id: agentId,
    tags: { type: 'array', items: { type: 'string' } },
    metadata: { type: 'object' },
    if_citation: { type: 'string', pattern: CITATION_PATTERN },
    otlp_sent: {
      description: 'true: the writer also sent this record over OTLP; the collector file route drops the line, every mapping ignores the field.',
      type: 'boolean',
    },
  },
});
