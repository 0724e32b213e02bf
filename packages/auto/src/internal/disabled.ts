/**
 * `OTEL_SDK_DISABLED`, the specification's boolean: true only for a case-insensitive `true`. Kept in a
 * module with no imports, so the register entry can decide to do nothing before it loads anything.
 */
export function isSdkDisabled(env: NodeJS.ProcessEnv): boolean {
  return env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true';
}
