/** Shell quoting: the one place where a value becomes part of a shell line. */

/**
 * Quotes any string so bash reads it back as exactly that one word: single quotes, with each `'`
 * written as `\'` between them. So that shellcheck finds nothing to say about data, typographic
 * single quotes (U+2018, U+2019) are written as their UTF-8 bytes (`$'\xe2\x80\x98'`), and
 * backslashes that would end a quoted part are written outside it (`\\`), where they cannot
 * look like an attempt to escape the quote.
 */
export function shellQuote(value: string | number): string {
  const s = String(value);
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  if (s === '') return "''";
  return s
    .split(/(['\u2018\u2019])/)
    .map((piece, i) => {
      if (piece === "'") return "\\'";
      if (i % 2 === 1) return `$'${[...Buffer.from(piece, 'utf8')].map((b) => `\\x${b.toString(16)}`).join('')}'`;
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
