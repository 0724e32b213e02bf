/**
 * Text from the input made safe to print. A record, a file name or a backend's answer may hold control
 * characters: written raw to a terminal, an escape sequence moves the cursor, clears the screen, retitles
 * the window or hides what follows, and the bidirectional controls reorder what is shown (the "Trojan
 * Source" trick, CVE-2021-42574). Everything tracebridge prints that it did not write itself goes
 * through one of these.
 */

/** C0 controls, DEL, C1 controls, and the Unicode bidirectional controls. */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** What `JSON.stringify` leaves unescaped of {@link CONTROLS}: DEL, C1 and the bidirectional controls. */
const JSON_UNESCAPED = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * Every control character as a visible escape: `\n`, `\r`, `\t`, `\xHH` below U+0100, `\uHHHH` above;
 * the text stays on one line and reads the same on a terminal, in a file or in a CI log.
 */
export function escapeControls(text: string): string {
  return text.replace(CONTROLS, escapeOne);
}

function escapeOne(c: string): string {
  const named = NAMED[c];
  if (named !== undefined) return named;
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * JSON text (from `JSON.stringify`, which escapes only C0 controls) with DEL, C1 and bidirectional
 * controls as `\uHHHH` escapes too: the same JSON value, parsed back to the same strings, and nothing in
 * it a terminal acts on.
 */
export function terminalSafeJson(json: string): string {
  return json.replace(JSON_UNESCAPED, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
