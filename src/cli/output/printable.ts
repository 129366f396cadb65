/**
 * Text from events and builds (commit messages, branch names, inputs, matrix values, step output)
 * made safe to print on a terminal or in a log: control characters become visible escapes
 * (`\x1b`, `\r`, `\x07`), so a value can neither move the cursor, rewrite what was printed,
 * set the window title, write the clipboard (OSC 52), nor forge a log line.
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL_OR_COLOUR = /\x1b\[[0-9;]*m|[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\b': '\\b', '\f': '\\f', '\v': '\\v' };

function escapeOne(c: string): string {
  return NAMED[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
}

/** One line of sci's own output: every control character but a tab escaped (a newline too). */
export function printable(text: string): string {
  return text.replace(CONTROL, escapeOne);
}

/**
 * One line of a build's output: as `printable`, but colours (SGR, `ESC [ … m`) pass, as in a CI
 * log viewer. They only paint text; every other sequence (cursor moves, OSC titles and
 * clipboard, erase) is escaped.
 */
export function printableOutput(line: string): string {
  return line.replace(CONTROL_OR_COLOUR, (m) => (m.length > 1 ? m : escapeOne(m)));
}
