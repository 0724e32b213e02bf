// Types of run-lib.mjs (plain ESM so that it runs without a compile step; see its header).
import type { ChildProcess } from 'node:child_process';

/** This folder: the base configuration, profiles/, the fragments, the build scripts. */
export declare const COLLECTOR_DIR: string;
/** collector/config.yaml, the base configuration every stack starts from. */
export declare const BASE_CONFIG: string;

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export declare function freePort(): Promise<number>;
export { collectorArgs, fragmentFile, profileFiles, readStacks, resolveStack, stackFiles } from './stacks.mjs';

/** The feature gates the files need, as collector/stacks.yaml declares them. @default files: config.yaml */
export declare function collectorFeatureGates(...files: string[]): string[];
/** The built collector binary (built once per machine; `OTELCOL_BIN` wins). */
export declare function collectorBinary(options?: { log?: (line: string) => void }): Promise<string>;
/** The `--config` files to load, in order (a stack and its fragments, or config.yaml and a file of the caller's own; then the other extra files). */
export declare function stackConfigs(options: Pick<StartCollectorOptions, 'profile' | 'configs' | 'fragments' | 'extraConfigs'>): string[];

export interface StartCollectorOptions {
  /**
   * A stack of collector/stacks.yaml (`local`, `lgtm`, `compose`, ...), whose files are loaded; or a path
   * to a config file of the caller's own, loaded after config.yaml.
   */
  profile?: string;
  /**
   * Exactly these `--config` files instead of a stack (a configuration that stands alone, such as a
   * benchmark's baseline); the feature gates stacks.yaml names for them are still passed.
   */
  configs?: string[];
  /** Fragments of collector/stacks.yaml added to the stack, each in its place in the manifest's order. */
  fragments?: string[];
  /**
   * Further --config files. A fragment's file of collector/stacks.yaml counts as that fragment (its place
   * in the load order and its rules); others are the caller's own, loaded last.
   */
  extraConfigs?: string[];
  /** Environment of the collector, over the ports and data folder chosen here (it inherits nothing else but PATH and HOME). */
  env?: Record<string, string>;
  /** Data folder (`TRACEBRIDGE_DATA_DIR`). @default a fresh temporary folder */
  dataDir?: string;
  /** More command-line arguments; the feature gates the stack needs are always passed. */
  args?: string[];
  /** The binary. @default collectorBinary() */
  bin?: string;
  /**
   * A command the collector is run through: `[...wrapper, bin, ...args]`, e.g. `['taskset', '-c', '1']`, or
   * `unshare` with a shell that ends in `exec "$@"`. It must exec the collector in the same process (the
   * pid, the signals and /proc/<pid> are then the collector's).
   */
  wrapper?: string[];
  /** How long to wait for the health check. @default 60000 */
  timeoutMs?: number;
  /** Called with the process as soon as it is spawned (to stop it on Ctrl-C while it starts). */
  onSpawn?: (child: ChildProcess) => void;
}

/** A collector process that answered its health check. */
export interface RunningCollector {
  /** OTLP/HTTP base URL (`http://127.0.0.1:port`); logs go to `${otlpHttp}/v1/logs`. */
  otlpHttp: string;
  /** OTLP/gRPC `host:port`. */
  otlpGrpc: string;
  /** The health check's URL. */
  healthUrl: string;
  /** Port of its own metrics (`COLLECTOR_METRICS_PORT`). */
  metricsPort: number;
  /**
   * The sum of a metric of its own (Prometheus exposition) over the series whose labels include `labels`:
   * `metric('otelcol_exporter_queue_size', { exporter: 'otlp_http/loki' })`. 0 when no series matches.
   */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  dataDir: string;
  /** The `--config` files, in load order. */
  configs: string[];
  process: ChildProcess;
  /** Resolves with the exit code (or the signal's name) once it has ended. */
  exited: Promise<number | string>;
  alive(): boolean;
  /** What it printed so far (stdout and stderr; the last few MiB). */
  output(): string;
  /** SIGTERM and wait; SIGKILL after `graceMs`. @default graceMs: 15000 */
  stop(options?: { graceMs?: number }): Promise<void>;
  /** SIGKILL now (a crash) and wait. */
  kill(): Promise<void>;
}

/** Starts the collector and waits until it is healthy. The caller must `stop()` it. */
export declare function startCollector(options: StartCollectorOptions): Promise<RunningCollector>;

/** The collector's own merge of `configs` (`print-config`, JSON, unredacted, not validated). */
export declare function printConfig(options: { configs: string[]; env?: Record<string, string>; bin?: string }): Promise<Record<string, any>>;
