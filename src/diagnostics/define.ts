/**
 * How a diagnostic code is described: one entry per code, with its severity, what it means (the
 * code table of docs/cli.md), the names of the values it carries, and the templates its message and
 * hint are written from. A rule passes values, never text.
 */
import type { DiagnosticPath } from './path';

/** Errors stop a build; warnings do not. */
export type Severity = 'error' | 'warning';

/** What a value may be: JSON data, so `--format json` carries it as it is. */
export type DiagnosticValue = string | number | boolean | readonly string[] | readonly (string | number)[] | undefined;

/** Every key of every member of a union (`keyof` of a union gives only the common ones). */
export type AllKeys<V> = V extends unknown ? keyof V : never;

/** A message or hint: fixed text, or text made from the values (and the path, for the rare message that names it). */
export type Template<V> = string | ((values: V, path: DiagnosticPath) => string);

/** The entry of one code. `V` is the type of its values: a union when the code has several cases. */
export interface CodeEntry<V extends object = object> {
  severity: Severity;
  /** When the code is reported, for the code table of docs/cli.md. */
  summary: string;
  /** The names of the values, as docs/cli.md lists them. */
  values: ReadonlyArray<AllKeys<V> & string>;
  /** The cases of a code with several (its values' `kind`), as docs/cli.md lists them. */
  kinds?: readonly string[];
  message: Template<V>;
  hint: Template<V>;
}

/** Names of `V`'s values that an entry's `values` leaves out (`never` when it lists them all). */
type Unlisted<V, K> = Exclude<AllKeys<V>, K>;

/** The cases of `V` (its `kind`s), `never` for a code of one case. */
export type KindOf<V> = V extends { kind: infer K } ? K : never;

/** What an entry must hold besides its `CodeEntry` fields: every value name, and every case when it has several. */
type Complete<V, K extends readonly unknown[], C extends readonly unknown[]> = ([Unlisted<V, K[number]>] extends [never] ? unknown : { unlisted: Unlisted<V, K[number]> }) &
  ([KindOf<V>] extends [never] ? unknown : [Exclude<KindOf<V>, C[number]>] extends [never] ? { kinds: C } : { unlistedKinds: Exclude<KindOf<V>, C[number]> });

/**
 * Defines the entry of a code whose values have type `V` (`{}` for none): `defineCode<V>()({...})`.
 * The templates are checked against `V`, `values` must name every key of `V`, and `kinds` every
 * case of a code with several.
 */
export function defineCode<V extends object = Record<never, never>>() {
  return <const K extends ReadonlyArray<AllKeys<V> & string>, const C extends ReadonlyArray<KindOf<V>> = []>(
    entry: CodeEntry<V> & { values: K; kinds?: C } & Complete<V, K, C>,
  ): CodeEntry<V> => entry;
}

/** A template's text for the values. */
export const fill = <V extends object>(template: Template<V>, values: V, path: DiagnosticPath): string =>
  typeof template === 'string' ? template : template(values, path);

/** A name as a message quotes it: a JSON string, cut after 60 characters. */
export const show = (s: string): string => JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);

/** A JSON string, as messages quote input they could not read. */
export const quote = (s: string): string => JSON.stringify(s);

/** `"a", "b"` */
export const quotedList = (names: readonly string[]): string => names.map((n) => `"${n}"`).join(', ');
