/**
 * The loggers compared, each set up the way its documentation recommends for OTLP export, pointed at
 * the same counting sink. Every one logs the same message with the same 5-field context, whose
 * `task_id` is the record's bench id (record-id.ts): each call builds that context, as a real call
 * site builds its arguments.
 *
 * Each competitor imports its modules when it is built, not before: a process measured with one logger
 * (or with none, the footprint's baseline) holds that logger's code only.
 */
import type { LoggerProvider } from '@opentelemetry/sdk-logs';
import type { LoggerOptions } from '@tracebridge/logger';
import { fields } from './record-id.js';

export const MESSAGE = 'Task claimed successfully';
/** A constant context of the same shape, for benches that do not count records at a sink. */
export const FIELDS = fields('task:001');

/** One competitor: its enabled call, its filtered-out call, and how to wait for / release it. */
export interface Competitor {
  name: string;
  /** One record with bench id `id` (record-id.ts). */
  call: (id: string) => void;
  filtered?: (id: string) => void;
  /** Resolves when what was logged so far has left the process (best effort for those without flush). */
  settle: () => Promise<void>;
  close: () => Promise<void>;
  /** The logger's own counters, when it has them. */
  stats?: () => unknown;
}

export async function ours(url: string, options: Partial<LoggerOptions> = {}): Promise<Competitor> {
  const { createLogger } = await import('@tracebridge/logger');
  const log = createLogger({ agentId: 'A1-haiku-001', component: 'bench', endpoint: url, handleExit: false, level: 'INFO', ...options });
  return {
    name: 'tracebridge info()',
    call: (id) => log.info(MESSAGE, { context: fields(id) }),
    filtered: (id) => log.debug(MESSAGE, { context: fields(id) }),
    settle: async () => void (await log.flush(60_000)),
    close: () => log.shutdown(),
    stats: () => log.stats(),
  };
}

export async function pinoDevNull(): Promise<Competitor> {
  const { default: pino } = await import('pino');
  const dest = pino.destination({ dest: '/dev/null', sync: false });
  const log = pino({ level: 'info' }, dest);
  return {
    name: 'pino → /dev/null',
    call: (id) => log.info(fields(id), MESSAGE),
    filtered: (id) => log.debug(fields(id), MESSAGE),
    settle: () => new Promise((resolve) => dest.flush(() => resolve())),
    close: async () => dest.end(),
  };
}

export async function pinoSerializeOnly(): Promise<Competitor> {
  const { default: pino } = await import('pino');
  const log = pino({ level: 'info' }, { write() {} });
  return { name: 'pino serialization only', call: (id) => log.info(fields(id), MESSAGE), settle: async () => {}, close: async () => {} };
}

export async function pinoOtelTransport(url: string, processorConfig?: Record<string, number>): Promise<Competitor> {
  const { default: pino } = await import('pino');
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
    call: (id) => log.info(fields(id), MESSAGE),
    filtered: (id) => log.debug(fields(id), MESSAGE),
    settle: () => new Promise((resolve) => log.flush(() => resolve())),
    close: () =>
      new Promise((resolve) => {
        transport.once('close', () => resolve());
        transport.end();
      }),
  };
}

async function sdkProvider(url: string, big: boolean): Promise<LoggerProvider> {
  const [{ SeverityNumber }, { OTLPLogExporter }, { resourceFromAttributes }, { BatchLogRecordProcessor, LoggerProvider, createLoggerConfigurator }] = await Promise.all([
    import('@opentelemetry/api-logs'),
    import('@opentelemetry/exporter-logs-otlp-proto'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-logs'),
  ]);
  const exporter = new OTLPLogExporter({ url });
  const processor = new BatchLogRecordProcessor(big ? { exporter, maxQueueSize: 1_000_000, maxExportBatchSize: 4096 } : { exporter });
  return new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'A1' }),
    processors: [processor],
    loggerConfigurator: createLoggerConfigurator([{ pattern: '*', config: { minimumSeverity: SeverityNumber.INFO } }]),
  });
}

export async function winstonOtel(url: string): Promise<Competitor> {
  const [{ logs }, { OpenTelemetryTransportV3 }, { default: winston }] = await Promise.all([
    import('@opentelemetry/api-logs'),
    import('@opentelemetry/winston-transport'),
    import('winston'),
  ]);
  const provider = await sdkProvider(url, false);
  logs.setGlobalLoggerProvider(provider);
  const log = winston.createLogger({ level: 'info', transports: [new OpenTelemetryTransportV3()] });
  return {
    name: 'winston + otel transport',
    call: (id) => log.info(MESSAGE, fields(id)),
    filtered: (id) => log.debug(MESSAGE, fields(id)),
    settle: () => provider.forceFlush(),
    close: async () => {
      log.close();
      await provider.shutdown();
      logs.disable();
    },
  };
}

export async function rawSdk(url: string, big: boolean): Promise<Competitor> {
  const { SeverityNumber } = await import('@opentelemetry/api-logs');
  const provider = await sdkProvider(url, big);
  const logger = provider.getLogger('bench');
  return {
    name: big ? 'raw sdk-logs emit (1M/4k)' : 'raw sdk-logs emit',
    call: (id) => logger.emit({ severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: MESSAGE, attributes: fields(id) }),
    filtered: (id) => logger.emit({ severityNumber: SeverityNumber.DEBUG, severityText: 'DEBUG', body: MESSAGE, attributes: fields(id) }),
    settle: () => provider.forceFlush(),
    close: () => provider.shutdown(),
  };
}

/** No logger at all: the same process and pacing, for what a logger adds to it. */
export function none(): Competitor {
  return { name: 'no logger', call: () => {}, settle: async () => {}, close: async () => {} };
}

/** Builds a competitor by its short name (the names the benches take in BENCH_COMPETITORS). */
export async function byName(name: string, url: string): Promise<Competitor> {
  switch (name) {
    case 'none':
      return none();
    case 'ours':
      return ours(url, { shutdownTimeoutMillis: 60_000 });
    case 'raw-default':
      return rawSdk(url, false);
    case 'raw-1m':
      return rawSdk(url, true);
    case 'winston':
      return winstonOtel(url);
    case 'pino':
      return pinoOtelTransport(url);
    case 'pino-1m':
      return pinoOtelTransport(url, { maxQueueSize: 1_000_000, maxExportBatchSize: 4096 });
    case 'pino-devnull':
      return pinoDevNull();
    case 'pino-serialize':
      return pinoSerializeOnly();
    default:
      throw new Error(`unknown competitor ${name}`);
  }
}
