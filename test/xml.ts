/**
 * A minimal XML well-formedness check for the generated SVG: one root element, tags balanced,
 * attributes quoted, no raw `<` or stray `&` in text or values, comments without `--`, only
 * characters XML allows. Returns the problems found (empty when well-formed).
 */
const NAME = '[A-Za-z_][\\w.:-]*';
const ENTITY = /^&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/;
const START = new RegExp(`^<(${NAME})((?:\\s+${NAME}\\s*=\\s*(?:"[^"<]*"|'[^'<]*'))*)\\s*(/?)>`);
const END = new RegExp(`^</(${NAME})\\s*>`);
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function ampersandsOk(text: string): boolean {
  for (let i = text.indexOf('&'); i >= 0; i = text.indexOf('&', i + 1)) if (!ENTITY.test(text.slice(i))) return false;
  return true;
}

export function xmlProblems(doc: string): string[] {
  const problems: string[] = [];
  if (FORBIDDEN.test(doc)) problems.push('character not allowed in XML');
  const stack: string[] = [];
  let roots = 0;
  let i = 0;
  if (doc.startsWith('<?xml')) i = doc.indexOf('?>') + 2;
  while (i < doc.length && problems.length < 10) {
    const rest = doc.slice(i, i + 4096);
    if (rest.startsWith('<!--')) {
      const end = doc.indexOf('-->', i + 4);
      if (end < 0) return [...problems, `unterminated comment at ${i}`];
      const body = doc.slice(i + 4, end);
      if (body.includes('--') || body.endsWith('-')) problems.push(`"--" inside a comment at ${i}`);
      i = end + 3;
    } else if (rest.startsWith('</')) {
      const m = END.exec(rest);
      const open = stack.pop();
      if (!m || m[1] !== open) problems.push(`end tag ${m?.[1] ?? '?'} does not close ${open ?? 'anything'} at ${i}`);
      i += m ? m[0].length : 2;
    } else if (rest.startsWith('<')) {
      const m = START.exec(doc.slice(i, i + 200_000));
      if (!m) {
        problems.push(`malformed tag at ${i}: ${rest.slice(0, 60)}`);
        i += 1;
        continue;
      }
      if (!ampersandsOk(m[2] ?? '')) problems.push(`bad & in attributes at ${i}`);
      const names = [...(m[2] ?? '').matchAll(new RegExp(`(${NAME})\\s*=`, 'g'))].map((a) => a[1]);
      if (new Set(names).size !== names.length) problems.push(`repeated attribute at ${i}`);
      if (stack.length === 0) roots++;
      if (!m[3]) stack.push(m[1]!);
      i += m[0].length;
    } else {
      const next = doc.indexOf('<', i);
      const text = doc.slice(i, next < 0 ? doc.length : next);
      if (stack.length === 0 && text.trim() !== '') problems.push(`text outside the root element at ${i}`);
      if (!ampersandsOk(text)) problems.push(`bad & in text at ${i}`);
      if (text.includes('>') && text.includes(']]>')) problems.push(`"]]>" in text at ${i}`);
      i = next < 0 ? doc.length : next;
    }
  }
  if (stack.length > 0) problems.push(`unclosed: ${stack.join(' > ')}`);
  if (roots !== 1) problems.push(`${roots} root elements`);
  return problems;
}
