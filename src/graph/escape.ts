/**
 * Escaping for the three picture formats. Names reaching a picture are validated already,
 * but library callers can hand any model over, so every string is escaped on the way out.
 */

/** Characters XML 1.0 allows at all; anything else becomes U+FFFD. */
function xmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || cp >= 0x10000;
}

const XML_ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text or attribute value for XML: the five specials as entities, characters XML forbids replaced. */
export function escapeXml(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (!xmlChar(cp)) out += '\uFFFD';
    else out += XML_ENTITY[ch] ?? ch;
  }
  return out;
}

/** Body of an XML comment: no `--` inside and no `-` at the end, which XML forbids there. */
export function xmlComment(text: string): string {
  return `<!-- ${escapeXml(text).replace(/-(?=-)/g, '- ').replace(/-$/, '- ')} -->`;
}

/** Every character a valid name, address or port can hold, and the picture's own words. */
const MERMAID_PLAIN = /^[A-Za-z0-9 ._:/,()+=@*_-]$/;

/**
 * Text inside a quoted Mermaid label. Everything outside a small plain set becomes Mermaid's
 * entity code (`#34;` for `"`), which it never parses as syntax. (Some Mermaid 11 setups show
 * such codes as placeholders instead of the character, mermaid-js/mermaid#7015; only strings
 * the checker refuses meet this.)
 */
export function escapeMermaid(text: string): string {
  let out = '';
  for (const ch of text) out += MERMAID_PLAIN.test(ch) ? ch : `#${ch.codePointAt(0)};`;
  return out;
}

/**
 * Text of a quoted DOT string (without the quotes): backslash and quote escaped, line breaks as
 * `\n`, and `&` as `&amp;` (Graphviz decodes HTML entities in labels, so `&lt;` would show as `<`).
 */
export function escapeDot(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\r\n|\r|\n/g, '\\n')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '');
}

/** A quoted DOT id or attribute value. */
export function dotString(text: string): string {
  return `"${escapeDot(text)}"`;
}

/** One line of a `//` or `%%` comment: no line breaks. */
export function commentLine(text: string): string {
  return text.replace(/[\r\n\u2028\u2029]+/g, ' ');
}
