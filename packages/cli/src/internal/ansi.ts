/**
 * Terminal colours: levels, agents, error spans. Off when the output is not a terminal, when `NO_COLOR`
 * is set to anything but the empty string (https://no-color.org), or with `--no-color`; `--color` forces
 * them on (for a pager that understands them: `| less -R`).
 */

/** How to colour a piece of text; identity functions when colour is off. */
export interface Palette {
  enabled: boolean;
  dim(text: string): string;
  bold(text: string): string;
  red(text: string): string;
  /** A level name or text in that level's colour: DEBUG grey, INFO green, WARN yellow, ERROR red, FATAL magenta. */
  level(level: string, text?: string): string;
  /** The n-th agent's colour (cycled), so one agent's bars and names read alike. */
  agent(index: number, text: string): string;
}

/** Whether to colour output written to `stream`. `flag` is `--color` (true) / `--no-color` (false). */
export function colorEnabled(options: { isTTY: boolean | undefined; env: NodeJS.ProcessEnv; flag?: boolean | undefined }): boolean {
  if (options.flag !== undefined) return options.flag;
  const noColor = options.env.NO_COLOR;
  if (noColor !== undefined && noColor !== '') return false;
  return options.isTTY === true;
}

const sgr = (code: string) => (text: string) => `\u001b[${code}m${text}\u001b[0m`;
const plain = (text: string): string => text;

const LEVEL_CODES: Record<string, string> = {
  TRACE: '90',
  DEBUG: '90',
  INFO: '32',
  WARN: '33',
  WARNING: '33',
  ERROR: '31',
  FATAL: '1;35',
};

/** Agents' colours: blue, cyan, magenta, green, yellow, and their bright forms. */
const AGENT_CODES = ['34', '36', '35', '32', '33', '94', '96', '95', '92', '93'];

/** The palette for `enabled`. */
export function palette(enabled: boolean): Palette {
  if (!enabled) {
    return { enabled, dim: plain, bold: plain, red: plain, level: (l, t) => t ?? l, agent: (_i, t) => t };
  }
  return {
    enabled,
    dim: sgr('2'),
    bold: sgr('1'),
    red: sgr('31'),
    level: (l, t) => sgr(LEVEL_CODES[l] ?? '0')(t ?? l),
    agent: (i, t) => sgr(AGENT_CODES[i % AGENT_CODES.length] as string)(t),
  };
}
