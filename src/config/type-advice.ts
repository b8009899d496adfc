/**
 * TypeScript's own advice for some errors does not fit a ring file: it is type-checked with the
 * ES2022 library and ringgen's types only, so `process`, `console`, `require` or `Buffer` are
 * unknown names there, and installing `@types/node` (what the compiler suggests) changes nothing.
 */
import type { DiagnosticValues } from '../diagnostics';

/** "Cannot find name 'x'" with advice to install type definitions or change the library: TS2580, TS2584, TS2591, TS2867, TS2868. */
const GLOBAL_NOT_FOUND = new Set([2580, 2584, 2591, 2867, 2868]);

/** The CONFIG_TYPE values of a type error of a ring file (the table words them). */
export function typeErrorValues(code: number, text: string): DiagnosticValues<'CONFIG_TYPE'> {
  const name = /^Cannot find name '([^']+)'\./.exec(text);
  if (GLOBAL_NOT_FOUND.has(code) && name) return { kind: 'global', ts: code, name: name[1]! };
  return { kind: 'type', ts: code, text };
}
