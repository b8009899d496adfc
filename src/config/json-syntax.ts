/**
 * Where a JSON text stops being JSON. `JSON.parse` names a position for some mistakes only
 * ("Unexpected token '}', ... is not valid JSON" names none), so the loader finds it itself: a
 * scanner of the JSON grammar (RFC 8259, as `JSON.parse` reads it), without recursion, so a text
 * nested any depth is scanned.
 */

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const HEX4 = /^[0-9a-fA-F]{4}$/;

/** The end of the string that starts at `at` (after its closing quote), or the offset of its first mistake as `{ error }`. */
function stringEnd(text: string, at: number): number | { error: number } {
  for (let i = at + 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') return i + 1;
    if (c < ' ') return { error: i };
    if (c === '\\') {
      const e = text[i + 1];
      if (e === 'u') {
        if (!HEX4.test(text.slice(i + 2, i + 6))) return { error: i };
        i += 5;
      } else if (e !== undefined && ESCAPES.has(e)) i++;
      else return { error: i };
    }
  }
  return { error: text.length };
}

/** The offset of the first character at which `text` is not JSON (`text.length` when it ends too soon), or -1 when it is JSON. */
export function jsonErrorOffset(text: string): number {
  const open: Array<'{' | '['> = [];
  let state: 'value' | 'valueOrClose' | 'key' | 'keyOrClose' | 'after' = 'value';
  let i = 0;
  for (;;) {
    while (i < text.length && WHITESPACE.has(text[i]!)) i++;
    const c = text[i];
    if (state === 'after') {
      const top = open[open.length - 1];
      if (top === undefined) return i < text.length ? i : -1;
      if (c === ',') {
        i++;
        state = top === '{' ? 'key' : 'value';
      } else if (c === (top === '{' ? '}' : ']')) {
        i++;
        open.pop();
      } else return i;
      continue;
    }
    if (c === undefined) return i;
    if (state === 'key' || state === 'keyOrClose') {
      if (state === 'keyOrClose' && c === '}') {
        i++;
        open.pop();
        state = 'after';
        continue;
      }
      if (c !== '"') return i;
      const end = stringEnd(text, i);
      if (typeof end !== 'number') return end.error;
      i = end;
      while (i < text.length && WHITESPACE.has(text[i]!)) i++;
      if (text[i] !== ':') return i;
      i++;
      state = 'value';
      continue;
    }
    if (state === 'valueOrClose' && c === ']') {
      i++;
      open.pop();
      state = 'after';
      continue;
    }
    if (c === '{' || c === '[') {
      open.push(c);
      i++;
      state = c === '{' ? 'keyOrClose' : 'valueOrClose';
      continue;
    }
    state = 'after';
    if (c === '"') {
      const end = stringEnd(text, i);
      if (typeof end !== 'number') return end.error;
      i = end;
      continue;
    }
    const word = ['true', 'false', 'null'].find((w) => w[0] === c);
    if (word) {
      for (let k = 0; k < word.length; k++) if (text[i + k] !== word[k]) return i + k;
      i += word.length;
      continue;
    }
    NUMBER.lastIndex = i;
    if (!NUMBER.exec(text)) return i;
    // What follows a number that stops early (`1.`, `01`) is the mistake the next step finds.
    i = NUMBER.lastIndex;
  }
}

/** 1-based line and column of an offset, lines counted at "\n". */
export function lineAndColumnAt(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}
