// Types of stacks.mjs (plain ESM, so it runs without a compile step); tsc checks every TypeScript caller
// against them.

/** This folder: the base configuration, profiles/, fragments/, stacks.yaml. */
export declare const COLLECTOR_DIR: string;
/** collector/stacks.yaml, the declaration stacks.mjs reads. */
export declare const STACKS_FILE: string;

/** What a bad stack name, fragment or manifest throws; `code` is one of docs/errors.md. */
export declare class StackError extends Error {
  readonly code: 'TRACEBRIDGE_ERR_INVALID_OPTION' | 'TRACEBRIDGE_ERR_INPUT';
  constructor(code: StackError['code'], message: string, options?: { cause?: unknown });
}

/** A fragment: an optional addition, loaded after the profile in the manifest's order. */
export interface Fragment {
  name: string;
  /** Relative to collector/. */
  file: string;
  gates: string[];
  /** Fragments that must be in the same stack. */
  requires: string[];
  /** The profiles (files, relative to collector/) it may go over; empty: any. */
  profiles: string[];
}

/** A declared stack: the base, a profile, fragments by name. */
export interface StackEntry {
  name: string;
  /** Relative to collector/. */
  profile: string;
  fragments: string[];
  gates: string[];
}

/** collector/stacks.yaml, checked. */
export interface Manifest {
  file: string;
  base: { file: string; gates: string[] };
  fragments: Fragment[];
  stacks: StackEntry[];
}

/** A resolved stack: files in load order (relative to collector/) and the feature gates they need. */
export interface ResolvedStack {
  name: string;
  files: string[];
  gates: string[];
}

/** Reads and checks a manifest (default: this checkout's stacks.yaml). */
export declare function readStacks(file?: string): Manifest;
/** A stack's files and gates; `add` names more fragments, each in its place in the manifest's order. */
export declare function resolveStack(name: string, options?: { add?: string[]; manifest?: Manifest }): ResolvedStack;
/** The absolute paths of a stack's files, in load order. */
export declare function stackFiles(name: string, options?: { add?: string[] }): string[];
/**
 * The collector's arguments for a stack: `--config <file>` per file (`--config=<file>` with `equals`),
 * then `--feature-gates=` when it needs any. `dir`: where collector/ is for the process that runs it.
 */
export declare function collectorArgs(name: string, options?: { add?: string[]; dir?: string; equals?: boolean }): string[];
/** The feature gates the given files (absolute paths) need by the manifest; a file it does not name needs none. */
export declare function gatesFor(files: string[], manifest?: Manifest): string[];
/** The absolute path of a fragment's file. */
export declare function fragmentFile(name: string, manifest?: Manifest): string;
/** Every profile file some stack loads (absolute, each once). */
export declare function profileFiles(manifest?: Manifest): string[];
