/**
 * Every error code tracebridge throws, with what it means: the one registry, for the packages, the CLI
 * and the build scripts alike. Listed in docs/errors.md; a test fails when
 * the two drift. Codes are stable: scripts may match on them, messages may change.
 */
export const ERROR_CODES = Object.freeze({
  /** A command line that cannot be run as written (unknown command or flag, missing argument). */
  USAGE: 'TRACEBRIDGE_ERR_USAGE',
  /** An input file that cannot be opened or read. */
  INPUT: 'TRACEBRIDGE_ERR_INPUT',
  /** An option of a public API with a value it cannot use. */
  INVALID_OPTION: 'TRACEBRIDGE_ERR_INVALID_OPTION',
  /** A backend a command queries (Loki, Tempo) cannot be reached or answers with an error. */
  BACKEND: 'TRACEBRIDGE_ERR_BACKEND',
  /** An output a command writes (a file it was asked to write, its standard output) cannot be written. */
  OUTPUT: 'TRACEBRIDGE_ERR_OUTPUT',
  /** A fault of tracebridge itself: an error nothing above expected, reported rather than thrown raw. */
  INTERNAL: 'TRACEBRIDGE_ERR_INTERNAL',
  /**
   * The collector or a test store cannot be built or found (collector/build-lib.mjs: Go missing, a build
   * that fails, `OTELCOL_BIN` not a working binary). Thrown by the build script, which runs before any
   * package is compiled and so spells the code out; a test checks it is this one.
   */
  COLLECTOR_BUILD: 'TRACEBRIDGE_ERR_COLLECTOR_BUILD',
});

/** One of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/** The one error class tracebridge throws: a stable `code`, an actionable message, the cause kept. */
export class TracebridgeError extends Error {
  override readonly name = 'TracebridgeError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
