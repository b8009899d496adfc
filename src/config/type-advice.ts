/**
 * TypeScript's own advice for some errors does not fit a ring file: it is type-checked with the
 * ES2022 library and ringgen's types only, so `process`, `console`, `require` or `Buffer` are
 * unknown names there, and installing `@types/node` (what the compiler suggests) changes nothing.
 */

/** "Cannot find name 'x'" with advice to install type definitions or change the library: TS2580, TS2584, TS2591, TS2867, TS2868. */
const GLOBAL_NOT_FOUND = new Set([2580, 2584, 2591, 2867, 2868]);

const TYPE_HINT = 'Fix the type error; the DSL reference in the README lists every option.';

/** The message and hint a type error of a ring file is shown with. */
export function typeErrorText(code: number, text: string): { message: string; hint: string } {
  const name = /^Cannot find name '([^']+)'\./.exec(text);
  if (GLOBAL_NOT_FOUND.has(code) && name) {
    return {
      message: `TS${code}: Cannot find name '${name[1]}': a ring file is type-checked without Node's or a browser's globals`,
      hint: `Ring files are type-checked with the ES2022 library and ringgen's types only (installing @types/node does not change that). Run ringgen with --no-typecheck to run the file as it is, or declare what you use in the file (e.g. declare const ${name[1]}: any;).`,
    };
  }
  return { message: `TS${code}: ${text}`, hint: TYPE_HINT };
}
