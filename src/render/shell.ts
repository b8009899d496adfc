/** Shell quoting: the one place where a value becomes part of a shell line. */

/** Quotes any string so bash reads it back as exactly that one word. */
export function shellQuote(value: string | number): string {
  const s = String(value);
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
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
