import { existsSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { ERROR_CODES, TracebridgeError } from '@tracebridge/schema';
import { colorEnabled } from '../internal/ansi.js';
import { write, writeLine } from '../internal/output.js';
import { escapeControls, terminalSafeJson } from '../internal/safe-text.js';
import { readLocalData } from '../local-data.js';
import { readRemoteRecentData, readRemoteTimelineData } from '../remote-data.js';
import { renderTimelineHtml } from '../render-html.js';
import { renderRequestList } from '../render-request-list.js';
import { renderTimelineText } from '../render-terminal.js';
import { loadPriceTable } from '../prices.js';
import type { PriceTable } from '../prices.js';
import { listRequests } from '../request-list.js';
import { TIMELINE_FORMAT_VERSION, buildTimeline, idKind, isEmptyTimeline } from '../timeline.js';
import type { TelemetryData, TimelineDocument } from '../timeline.js';

/** Data folder of the `local` profile when neither `--data` nor `TRACEBRIDGE_DATA_DIR` says otherwise. */
export const DEFAULT_DATA_DIR = './.tracebridge/data';

/** Options of `tracebridge trace`. */
export interface TraceCommandOptions {
  /** A trace id (32 hex digits) or a correlation id; absent: list the recent requests. */
  id?: string;
  /** Folder of the `local` profile's files. @default `TRACEBRIDGE_DATA_DIR`, else `./.tracebridge/data` */
  dataDir?: string;
  /** Loki's base URL; with `tempo`, read the backends instead of files. */
  loki?: string;
  /** Tempo's base URL; with `loki`. */
  tempo?: string;
  /**
   * Tenant of a multi-tenant Loki and Tempo (`X-Scope-OrgID`; `a|b` for several).
   * @default `TRACEBRIDGE_TENANT`, else none
   */
  tenant?: string;
  /** How far back the backends are searched, in milliseconds. @default 24 hours */
  sinceMs?: number;
  /** Print the timeline (or the list) as JSON. @default false */
  json?: boolean;
  /** Also write the timeline as one self-contained HTML page to this file. */
  html?: string;
  /** Most requests listed. @default 20 */
  limit?: number;
  /** A JSON price table: the LLM calls' tokens get a cost (see prices.ts). @default none: tokens only */
  prices?: string;
  /** `--color` (true) / `--no-color` (false); by default colour only on a terminal without `NO_COLOR`. */
  color?: boolean;
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
  /** Replaces `fetch` for the backends (tests). */
  fetch?: typeof fetch;
}

/**
 * Draws the timeline of one request (or lists the recent ones) from the `local` profile's files or from
 * Loki and Tempo. Exit status 0 when found, 1 for an unknown id; what damaged data files cannot give is
 * skipped or left out, with one warning per file and kind of damage on stderr. Text from the data is
 * escaped before it reaches the terminal (`internal/safe-text.ts`).
 */
export async function traceCommand(options: TraceCommandOptions): Promise<number> {
  if ((options.loki === undefined) !== (options.tempo === undefined)) {
    throw new TracebridgeError(ERROR_CODES.USAGE, `--loki and --tempo go together (logs from Loki, spans from Tempo); run 'tracebridge help'`);
  }
  if (options.id === undefined && options.html !== undefined) {
    throw new TracebridgeError(ERROR_CODES.USAGE, `--html draws one request: give its id, or run 'tracebridge trace' to list them`);
  }
  const remote = options.loki !== undefined && options.tempo !== undefined ? { loki: options.loki, tempo: options.tempo } : undefined;
  const tenant = options.tenant ?? nonEmpty(options.env.TRACEBRIDGE_TENANT);
  if (tenant !== undefined && remote === undefined) {
    throw new TracebridgeError(ERROR_CODES.USAGE, `--tenant selects a Loki and Tempo tenant: give it with --loki and --tempo; run 'tracebridge help'`);
  }
  const dataDir = options.dataDir ?? nonEmpty(options.env.TRACEBRIDGE_DATA_DIR) ?? DEFAULT_DATA_DIR;
  const where = remote === undefined ? dataDir : `Loki ${remote.loki} and Tempo ${remote.tempo}${tenant === undefined ? '' : ` (tenant ${tenant})`}`;
  const sameSource =
    remote === undefined
      ? options.dataDir === undefined ? '' : ` --data ${shellWord(dataDir)}`
      : ` --loki ${shellWord(remote.loki)} --tempo ${shellWord(remote.tempo)}${options.tenant === undefined ? '' : ` --tenant ${shellWord(options.tenant)}`}`;

  // Read before the data: a bad table is the user's to fix, whatever the data holds.
  const prices: PriceTable | undefined = options.prices === undefined ? undefined : await loadPriceTable(options.prices);
  let data: TelemetryData;
  let warnings: string[];
  if (remote !== undefined) {
    const source = {
      ...remote,
      ...(tenant === undefined ? {} : { tenant }),
      ...(options.sinceMs === undefined ? {} : { sinceMs: options.sinceMs }),
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    };
    ({ warnings, ...data } =
      options.id === undefined ? await readRemoteRecentData(source, { limit: options.limit ?? 20 }) : await readRemoteTimelineData(source, options.id));
  } else {
    if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) {
      throw new TracebridgeError(
        ERROR_CODES.INPUT,
        `no data folder at ${dataDir}: run 'npm run demo' to make one, or point --data (or TRACEBRIDGE_DATA_DIR) at the folder the collector's local profile writes`,
      );
    }
    ({ warnings, ...data } = await readLocalData(dataDir));
  }
  for (const w of warnings) await writeLine(options.stderr, `tracebridge: warning: ${escapeControls(w)}`);

  const isTTY = (options.stdout as Partial<NodeJS.WriteStream>).isTTY === true;
  const color = colorEnabled({ isTTY, env: options.env, flag: options.color });
  const columns = isTTY ? ((options.stdout as Partial<NodeJS.WriteStream>).columns ?? 120) : 120;

  if (options.id === undefined) {
    const requests = listRequests(data, { limit: options.limit ?? 20, ...(prices === undefined ? {} : { prices }) });
    if (options.json === true) {
      await writeLine(options.stdout, terminalSafeJson(JSON.stringify({ version: TIMELINE_FORMAT_VERSION, ...(prices === undefined ? {} : { currency: prices.currency }), requests }, null, 2)));
      return 0;
    }
    if (requests.length === 0) {
      await writeLine(options.stderr, escapeControls(`no requests in ${where} yet`));
      return 0;
    }
    await write(options.stdout, renderRequestList(requests, { color, ...(prices === undefined ? {} : { currency: prices.currency }) }));
    await writeLine(options.stderr, `\nlook at one: tracebridge trace <REQUEST>${escapeControls(sameSource)}`);
    return 0;
  }

  const doc: TimelineDocument = buildTimeline(data, options.id, prices === undefined ? {} : { prices });
  if (isEmptyTimeline(doc)) {
    const what = idKind(options.id) === 'trace' ? 'trace id' : 'correlation id';
    await writeLine(
      options.stderr,
      escapeControls(`tracebridge: no span or log with ${what} '${options.id}' in ${where}; run 'tracebridge trace${sameSource}' to list the recent requests and their ids`),
    );
    return 1;
  }
  if (options.html !== undefined) {
    try {
      await writeFile(options.html, renderTimelineHtml(doc));
    } catch (err) {
      throw new TracebridgeError(ERROR_CODES.OUTPUT, `cannot write ${options.html}: ${(err as Error).message}`, { cause: err });
    }
    await writeLine(options.stderr, `wrote ${escapeControls(path.resolve(options.html))}`);
  }
  if (options.json === true) {
    await writeLine(options.stdout, terminalSafeJson(JSON.stringify(doc, null, 2)));
  } else {
    await write(options.stdout, renderTimelineText(doc, { color, width: columns, fitLogLines: isTTY }));
  }
  return 0;
}

/** `30s`, `15m`, `24h`, `7d` (or a number of seconds) in milliseconds; `undefined` when not one of those. */
export function parseSince(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(s|m|h|d)?$/.exec(text.trim());
  if (!m) return undefined;
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
  const ms = Number(m[1]) * unit;
  return ms > 0 ? ms : undefined;
}

/** A word quoted for a POSIX shell only when it needs it, so a printed command can be pasted. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
