/**
 * `node --import @tracebridge/auto/register app.js`: instruments an unmodified agent (ESM or CommonJS)
 * from the standard `OTEL_*` variables plus `TRACEBRIDGE_AGENT_ID` and `TRACEBRIDGE_ENVIRONMENT`.
 * The only module of the package with side effects.
 *
 * - `OTEL_SDK_DISABLED=true`: returns before loading anything; nothing is patched, no SDK runs.
 * - Imported twice (two copies of the package, a second import under another URL): the first one
 *   wins, the others do nothing; the flag lives on `globalThis` under a registry symbol for that.
 * - The SDK cannot start (a broken install, an exception in a component): ONE line on stderr says the
 *   process is not instrumented and why, and the app runs on.
 */
import { register } from 'node:module';
import { isSdkDisabled } from './internal/disabled.js';
import { reportNotInstrumented } from './internal/report.js';

const STATE = Symbol.for('tracebridge.auto.state');
const state = globalThis as typeof globalThis & { [STATE]?: 'disabled' | 'starting' | 'started' | 'failed' };

if (state[STATE] === undefined) {
  if (isSdkDisabled(process.env)) state[STATE] = 'disabled';
  else {
    state[STATE] = 'starting';
    try {
      // Loaded here rather than imported statically: a missing or broken dependency must end up in
      // the catch below, not fail this module and with it the app.
      const { startAuto } = await import('./internal/start.js');
      startAuto(process.env);
      // ESM apps: `--import @opentelemetry/instrumentation/hook.mjs` alone registers nothing; the
      // loader hook must be registered from the preloaded module, before the app's modules load.
      // After the start, so that a process that is not instrumented is not hooked either.
      register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
      state[STATE] = 'started';
    } catch (err) {
      state[STATE] = 'failed';
      reportNotInstrumented(err);
    }
  }
}
