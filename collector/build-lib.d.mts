// Types of build-lib.mjs (plain ESM: `node collector/build.mjs` runs it before anything is compiled).

export interface StoreSpec {
  pkg: string;
  bin: string;
  versionArgs: string[];
}
/** The stores built from Go modules for the backend tests, by name. */
export declare const STORES: Readonly<Record<'s3' | 'jaeger' | 'victorialogs', StoreSpec>>;
export type StoreName = keyof typeof STORES;

export interface ToolSpec {
  module: string;
  pkg: string;
  bin: string;
  versionArgs: string[];
  /** The package variable stamped with the version (`-X`); none for a tool without one. */
  versionVar?: string;
  /** Only the benchmarks use it: the tests' global setup does not build it. */
  bench?: boolean;
}
/** Go programs the tests and benchmarks drive (the Compose CLI, actionlint, telemetrygen), built from tools/<name>/, by name. */
export declare const TOOLS: Readonly<Record<'compose' | 'actionlint' | 'telemetrygen', ToolSpec>>;
export type ToolName = keyof typeof TOOLS;
/** Folder of the tool modules. */
export declare const TOOLS_DIR: string;
export declare const MANIFEST_PATH: string;
export declare const COMPONENTS_DIR: string;
/** Root of the machine-level cache. */
export declare function cacheDir(): string;

/** Thrown when a binary cannot be provided. */
export declare class CollectorBuildError extends Error {
  readonly code: 'TRACEBRIDGE_ERR_COLLECTOR_BUILD';
  constructor(message: string, options?: { cause?: unknown });
}

/** The collector binary's absolute path, built on a cache miss (`OTELCOL_BIN` wins). */
export declare function ensureCollector(options?: { log?: (line: string) => void }): Promise<string>;
/** A store binary's absolute path, built on a cache miss. */
export declare function ensureStore(name: StoreName, options?: { log?: (line: string) => void }): Promise<string>;
/** A tool binary's absolute path, built on a cache miss. */
export declare function ensureTool(name: ToolName, options?: { log?: (line: string) => void }): Promise<string>;
/** The version go.mod requires of `module`, or undefined. */
export declare function requiredVersion(goMod: string, module: string): string | undefined;
export declare function parseManifest(text: string): { distName: string; coreVersion: string };
export declare function absoluteModulePaths(text: string, baseDir: string): string;
export declare function collectorInputsHash(manifest: string): Promise<string>;
