import { resolveConfig } from './config.js';
import type { ResolvedConfig } from './config.js';
import { ensureContextManager } from './internal/context-manager.js';
import { isMainThread } from 'node:worker_threads';
import { exitRegistry, startSpoolSender } from './internal/exit-registry.js';
import { hasSpooled } from './internal/spool.js';
import type { ExitTask } from './internal/exit-registry.js';
import { DisabledTransport, InlineTransport } from './internal/inline-transport.js';
import { observeStats, unobserveStats } from './internal/metrics.js';
import type { Transport } from './internal/transport.js';
import { WorkerTransport } from './internal/worker-transport.js';
import { Logger, childContext } from './logger.js';
import type { LoggerCore } from './logger.js';
import { LEVEL_NUMBER } from '@tracebridge/schema/internal';
import type { LoggerOptions, LoggerStats } from './types.js';

/** A transport and how to forget it once shut down. */
interface Entry {
  transport: Transport;
  /** Its task in the exit registry, when it handles the process's exit. */
  task: ExitTask | undefined;
  release: () => void;
}

/** Live transports by configuration: loggers configured alike share one export worker. */
const shared = new Map<string, Entry>();

/**
 * Creates a structured logger. Loggers created with the same destination share one export pipeline
 * (one worker thread per process); the first one's agent is the process's OTLP resource, and records
 * of a logger for another agent carry that agent as `gen_ai.agent.id`.
 *
 * Throws `TracebridgeError` (`TRACEBRIDGE_ERR_INVALID_OPTION`) for options that cannot work; never
 * throws afterwards.
 */
export function createLogger(options: LoggerOptions): Logger {
  const config = resolveConfig(options);
  ensureContextManager();
  const custom = options.exporter !== undefined || options.processors !== undefined;
  const key = custom || config.disabled ? undefined : transportKey(config);
  let entry = key === undefined ? undefined : shared.get(key);
  if (entry === undefined || entry.transport.closed) {
    const transport = createTransport(config, options);
    const read = (): LoggerStats => transport.stats();
    const task = config.handleExit && !config.disabled ? exitTask(transport, config) : undefined;
    const unregister = task === undefined ? undefined : exitRegistry().register(task);
    const created: Entry = {
      transport,
      task,
      release: () => {
        if (key !== undefined && shared.get(key) === created) shared.delete(key);
        unregister?.();
        unobserveStats(read);
      },
    };
    if (key !== undefined) shared.set(key, created);
    observeStats(read);
    entry = created;
    sweepSpool(config);
  }
  const core: LoggerCore = {
    transport: entry.transport,
    agentId: options.agentId ?? config.pipeline.agentId,
    minLevel: LEVEL_NUMBER[config.level],
    shutdownTimeoutMillis: config.shutdownTimeoutMillis,
    recordErrorsOnSpans: config.recordErrorsOnSpans,
    onShutdown: entry.release,
    flushOthers: flushOthers(entry.task),
  };
  return new Logger(core, options.component, childContext(undefined, options.context));
}

/**
 * A transport's part in the process's ending: flushed when the loop runs dry with records queued,
 * shut down on a signal, drained synchronously (worker transport) at `process.exit()`.
 */
function exitTask(transport: Transport, config: ResolvedConfig): ExitTask {
  return {
    name: `@tracebridge/logger (${config.pipeline.agentId})`,
    timeoutMillis: config.shutdownTimeoutMillis,
    pending: () => !transport.closed && transport.pending() > 0,
    flush: (ms) => transport.flush(ms),
    shutdown: (ms) => transport.shutdown(ms),
    exitSync: () => transport.shutdownSync?.(),
  };
}

let swept = false;

/**
 * Once per process, at the first logger: what an earlier agent left in the exit spool (it ended while the
 * collector was down) is sent by a detached sender; nothing here waits for it.
 */
function sweepSpool(config: ResolvedConfig): void {
  const spool = config.pipeline.spool;
  if (swept || spool === undefined || config.disabled || config.pipeline.output === 'jsonl' || !isMainThread) return;
  swept = true;
  try {
    if (hasSpooled(spool.dir)) startSpoolSender(spool.dir);
  } catch {
    // the next agent tries again
  }
}

/** The exit registry's flush of every task but this logger's own (which its transport flushes itself). */
function flushOthers(own: ExitTask | undefined): (ms: number) => Promise<boolean> {
  return (ms) => exitRegistry().flushAll?.(ms, own) ?? Promise.resolve(true);
}

function createTransport(config: ResolvedConfig, options: LoggerOptions): Transport {
  if (config.disabled) return new DisabledTransport();
  if (!config.thread) {
    const custom: ConstructorParameters<typeof InlineTransport>[1] = {};
    if (options.exporter !== undefined) custom.exporter = options.exporter;
    if (options.processors !== undefined) custom.processors = options.processors;
    return new InlineTransport(config.pipeline, custom, config.traceSampling, config.maxRecordBytes);
  }
  return new WorkerTransport({
    pipeline: config.pipeline,
    maxQueueBytes: config.maxQueueBytes,
    maxRecordBytes: config.maxRecordBytes,
    spillDir: config.spillDir,
    maxSpillBytes: config.maxSpillBytes,
    shutdownTimeoutMillis: config.shutdownTimeoutMillis,
    ...(config.traceSampling === undefined ? {} : { traceSampling: config.traceSampling }),
  });
}

function transportKey(config: ResolvedConfig): string {
  const { agentId: _agentId, resource: _resource, ...destination } = config.pipeline;
  const resourceWithoutAgent = { ...config.pipeline.mapping };
  return JSON.stringify([config.thread, config.maxQueueBytes, config.maxRecordBytes, config.maxSpillBytes, config.shutdownTimeoutMillis, config.spillDir, config.traceSampling, destination, resourceWithoutAgent]);
}
