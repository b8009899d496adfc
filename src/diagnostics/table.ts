/**
 * The table of diagnostic codes: one entry per code (see `define.ts`), in the order docs/cli.md's
 * code table lists them. Every diagnostic is made from its entry (`diagnostic()` in `index.ts`).
 */
import type { CodeEntry } from './define';
import { ADDRESS_CODES } from './codes/addresses';
import { CONTENT_CODES } from './codes/content';
import { LOADER_CODES } from './codes/loader';
import { NAME_CODES } from './codes/names';
import { SETTING_CODES } from './codes/settings';
import { TOPOLOGY_CODES } from './codes/topology';

export const DIAGNOSTIC_TABLE = {
  ...LOADER_CODES,
  ...NAME_CODES,
  ...ADDRESS_CODES,
  ...TOPOLOGY_CODES,
  ...SETTING_CODES,
  ...CONTENT_CODES,
};

/** Every code ringgen can report. A closed set: tests and tools may switch on it. */
export type DiagnosticCode = keyof typeof DIAGNOSTIC_TABLE;

/** The values a diagnostic of code `C` carries (in `values`, and in `--format json`). */
export type DiagnosticValues<C extends DiagnosticCode> = (typeof DIAGNOSTIC_TABLE)[C] extends CodeEntry<infer V> ? V : never;

/** Every code, in the table's order. */
export const DIAGNOSTIC_CODES = Object.keys(DIAGNOSTIC_TABLE) as DiagnosticCode[];

/** The entry of a code, with its values' type widened (for code that handles any code). */
export const entryOf = (code: DiagnosticCode): CodeEntry<Record<string, unknown>> => DIAGNOSTIC_TABLE[code] as unknown as CodeEntry<Record<string, unknown>>;
