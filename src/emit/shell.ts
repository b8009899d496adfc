/** Shell quoting: the one place where a value becomes part of a shell line. */

/** The UTF-8 bytes of a character as `\xHH` escapes. */
const hexBytes = (ch: string) => [...Buffer.from(ch, 'utf8')].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');

/**
 * ANSI-C quoting (`$'...'`) for text with control characters (a newline, a carriage return, a
 * tab...): they are written as escapes, so the script's text never holds them, and nothing that
 * reads it line by line (or tidies its blank lines, as the renderer does) can change the value.
 */
function ansiQuote(s: string): string {
  const body = [...s].map((ch) => (ch === '\\' || ch === "'" ? `\\${ch}` : /[\x00-\x1f\x7f\u2018\u2019]/.test(ch) ? hexBytes(ch) : ch)).join('');
  return `$'${body}'`;
}

/**
 * Quotes any string so bash reads it back as exactly that one word: single quotes, with each `'`
 * written as `\'` between them. So that shellcheck finds nothing to say about data, typographic
 * single quotes (U+2018, U+2019) are written as their UTF-8 bytes (`$'\xe2\x80\x98'`), and
 * backslashes that would end a quoted part are written outside it (`\\`), where they cannot
 * look like an attempt to escape the quote. Text with control characters is ANSI-C quoted.
 */
export function shellQuote(value: string | number): string {
  const s = String(value);
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  if (s === '') return "''";
  if (/[\x00-\x1f\x7f]/.test(s)) return ansiQuote(s);
  return s
    .split(/(['\u2018\u2019])/)
    .map((piece, i) => {
      if (piece === "'") return "\\'";
      if (i % 2 === 1) return `$'${hexBytes(piece)}'`;
      const trailing = /\\*$/.exec(piece)![0].length;
      const body = piece.slice(0, piece.length - trailing);
      return `${body === '' ? '' : `'${body}'`}${'\\\\'.repeat(trailing)}`;
    })
    .join('');
}

/** Quotes a value for an OVS database column or map value (`"..."` with escapes). */
export function ovsQuote(value: string | number): string {
  return `"${String(value).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** `{"k"="v",...}`: an OVS map literal, keys sorted. */
export function ovsMap(entries: Record<string, string | number>): string {
  const body = Object.keys(entries)
    .sort()
    .map((k) => `${ovsQuote(k)}=${ovsQuote(entries[k]!)}`)
    .join(',');
  return `{${body}}`;
}

/** One field of a `--mount` value: Docker parses it as CSV, so quote with doubled quotes when needed. */
export function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
