/**
 * The loggers compared, each set up the way its documentation recommends for OTLP export, pointed at
 * the same counting sink. Every one logs the same message with the same 5-field context.
 */
import { SeverityNumber, logs } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider, createLoggerConfigurator } from '@opentelemetry/sdk-logs';
import { OpenTelemetryTransportV3 } from '@opentelemetry/winston-transport';
import { createLogger } from '@tracebridge/logger';
import type { LoggerOptions } from '@tracebridge/logger';
import pino from 'pino';
import winston from 'winston';

export const MESSAGE = 'Task claimed successfully';
export const FIELDS = { task_id: 'task:001', attempt: 2, queue: 'high', ok: true, ratio: 0.5 };

/** One competitor: its enabled call, its filtered-out call, and how to wait for / release it. */
export interface Competitor {
  name: string;
  call: () => void;
  filtered?: () => void;
  /** Resolves when what was logged so far has left the process (best effort for those without flush). */
  settle: () => Promise<void>;
  close: () => Promise<void>;
  /** The logger's own counters, when it has them. */
  stats?: () => unknown;
}

export function ours(url: string, options: Partial<LoggerOptions> = {}): Competitor {
  const log = createLogger({ agentId: 'A1-haiku-001', component: 'bench', endpoint: url, handleExit: false, level: 'INFO', ...options });
  const fields = { context: FIELDS };
  return {
    name: 'tracebridge info()',
    call: () => log.info(MESSAGE, fields),
    filtered: () => log.debug(MESSAGE, fields),
    settle: async () => void (await log.flush(60_000)),
    close: () => log.shutdown(),
    stats: () => log.stats(),
  };
}

export function pinoDevNull(): Competitor {
  const dest = pino.destination({ dest: '/dev/null', sync: false });
  const log = pino({ level: 'info' }, dest);
  return {
    name: 'pino → /dev/null',
    call: () => log.info(FIELDS, MESSAGE),
    filtered: () => log.debug(FIELDS, MESSAGE),
    settle: () => new Promise((resolve) => dest.flush(() => resolve())),
    close: async () => dest.end(),
  };
}

export function pinoSerializeOnly(): Competitor {
  const log = pino({ level: 'info' }, { write() {} });
  return { name: 'pino serialization only', call: () => log.info(FIELDS, MESSAGE), settle: async () => {}, close: async () => {} };
}

export function pinoOtelTransport(url: string, processorConfig?: Record<string, number>): Competitor {
  const transport = pino.transport({
    target: 'pino-opentelemetry-transport',
    options: {
      loggerName: 'bench',
      serviceVersion: '1.0.0',
      resourceAttributes: { 'service.name': 'A1' },
      logRecordProcessorOptions: {
        recordProcessorType: 'batch',
        exporterOptions: { protocol: 'http/protobuf', protobufExporterOptions: { url } },
        ...(processorConfig === undefined ? {} : { processorConfig }),
      },
    },
  });
  const log = pino({ level: 'info' }, transport);
  return {
    name: processorConfig === undefined ? 'pino + otel transport' : 'pino + otel transport (1M/4k)',
    call: () => log.info(FIELDS, MESSAGE),
    filtered: () => log.debug(FIELDS, MESSAGE),
    settle: () => new Promise((resolve) => log.flush(() => resolve())),
    close: () =>
      new Promise((resolve) => {
        transport.once('close', () => resolve());
        transport.end();
      }),
  };
}

function sdkProvider(url: string, big: boolean): LoggerProvider {
  const exporter = new OTLPLogExporter({ url });
  const processor = new BatchLogRecordProcessor(big ? { exporter, maxQueueSize: 1_000_000, maxExportBatchSize: 4096 } : { exporter });
  return new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'A1' }),
    processors: [processor],
    loggerConfigurator: createLoggerConfigurator([{ pattern: '*', config: { minimumSeverity: SeverityNumber.INFO } }]),
  });
}

export function winstonOtel(url: string): Competitor {
  const provider = sdkProvider(url, false);
  logs.setGlobalLoggerProvider(provider);
  const log = winston.createLogger({ level: 'info', transports: [new OpenTelemetryTransportV3()] });
  return {
    name: 'winston + otel transport',
    call: () => log.info(MESSAGE, FIELDS),
    filtered: () => log.debug(MESSAGE, FIELDS),
    settle: () => provider.forceFlush(),
    close: async () => {
      log.close();
      await provider.shutdown();
      logs.disable();
    },
  };
}

export function rawSdk(url: string, big: boolean): Competitor {
  const provider = sdkProvider(url, big);
  const logger = provider.getLogger('bench');
  const record = { severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: MESSAGE, attributes: FIELDS };
  const debug = { ...record, severityNumber: SeverityNumber.DEBUG, severityText: 'DEBUG' };
  return {
    name: big ? 'raw sdk-logs emit (1M/4k)' : 'raw sdk-logs emit',
    call: () => logger.emit(record),
    filtered: () => logger.emit(debug),
    settle: () => provider.forceFlush(),
    close: () => provider.shutdown(),
  };
}
