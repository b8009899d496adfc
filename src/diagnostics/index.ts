/**
 * Diagnostics: the one shape every problem takes, from the schema to the config loader. Each is
 * made from its code's entry in the table (`table.ts`, one file of entries per area in `codes/`)
 * and the values the code needs: rules pass data, the table writes the message and the hint.
 */
import { fill, type Severity } from './define';
import { comparePaths, formatPath, type DiagnosticPath } from './path';
import { entryOf, type DiagnosticCode, type DiagnosticValues } from './table';

export { DIAGNOSTIC_CODES, DIAGNOSTIC_TABLE, type DiagnosticCode, type DiagnosticValues } from './table';
export { formatPath, comparePaths, type DiagnosticPath } from './path';
export type { Severity, CodeEntry, DiagnosticValue } from './define';

/** A place in a ring file. */
export interface SourceLocation {
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
}

/** A diagnostic of code `C`: what, how bad, where in the ring (`path`) and in the file (`location`), what to do (`hint`). */
export interface DiagnosticOf<C extends DiagnosticCode> {
  code: C;
  severity: Severity;
  /** The item the problem is about; `formatPath` writes it as text. */
  path: DiagnosticPath;
  message: string;
  hint: string;
  /** What the message and hint were written from: the code's values (its entry in `DIAGNOSTIC_TABLE` names them). */
  values: DiagnosticValues<C>;
  location?: SourceLocation;
}

/** One problem, of any code (or of code `C`): `values` has the type of its code's values. */
export type Diagnostic<C extends DiagnosticCode = DiagnosticCode> = C extends DiagnosticCode ? DiagnosticOf<C> : never;

/**
 * The diagnostic of `code` at `path`, from the code's entry: its severity, and its message and
 * hint written from `values`.
 */
export function diagnostic<C extends DiagnosticCode>(code: C, path: DiagnosticPath, values: DiagnosticValues<C>, location?: SourceLocation): Diagnostic {
  const entry = entryOf(code);
  const data = values as Record<string, unknown>;
  const made: DiagnosticOf<C> = {
    code,
    severity: entry.severity,
    path,
    message: fill(entry.message, data, path),
    hint: fill(entry.hint, data, path),
    values,
    ...(location ? { location } : {}),
  };
  return made as Diagnostic;
}

/**
 * A diagnostic as the command line's `--format json` writes it: the diagnostic itself, with
 * `pathText`, the path as `formatPath` writes it, after `path` (the array), and its `values`.
 */
export function diagnosticJson(d: Diagnostic): Diagnostic & { pathText: string } {
  const { code, severity, path, message, hint, values, location } = d;
  const json = { code, severity, path, pathText: formatPath(path), message, hint, values, ...(location ? { location } : {}) };
  return json as Diagnostic & { pathText: string };
}

/** Collects diagnostics; rules push and keep going. */
export class Report {
  readonly items: Diagnostic[] = [];

  /** Adds the diagnostic of `code` at `path`, written from `values` (its severity is the code's). */
  add<C extends DiagnosticCode>(code: C, path: DiagnosticPath, values: DiagnosticValues<C>): void {
    this.items.push(diagnostic(code, path, values));
  }

  get hasErrors(): boolean {
    return hasErrors(this.items);
  }
}

/** Whether any of the diagnostics is an error (warnings alone do not stop a build). */
export function hasErrors(items: readonly Diagnostic[]): boolean {
  return items.some((d) => d.severity === 'error');
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Stable order, as a compiler lists its problems: those with a source location first, by file,
 * line and column; then by path; then errors before warnings, then by code and message.
 */
export function sortDiagnostics(items: readonly Diagnostic[]): Diagnostic[] {
  const rank = (d: Diagnostic) => (d.severity === 'error' ? 0 : 1);
  const byLocation = (a: Diagnostic, b: Diagnostic) => {
    if (!a.location || !b.location) return (a.location ? 0 : 1) - (b.location ? 0 : 1);
    return compareText(a.location.file, b.location.file) || a.location.line - b.location.line || a.location.column - b.location.column;
  };
  return [...items].sort(
    (a, b) => byLocation(a, b) || comparePaths(a.path, b.path) || rank(a) - rank(b) || compareText(a.code, b.code) || compareText(a.message, b.message),
  );
}

/**
 * Gives each diagnostic without a location the one `locate` finds for its path (a loaded ring
 * file's `locate`), and sorts them.
 */
export function locateDiagnostics(items: readonly Diagnostic[], locate: (path: DiagnosticPath) => SourceLocation | undefined): Diagnostic[] {
  return sortDiagnostics(
    items.map((d) => {
      if (d.location) return d;
      const location = locate(d.path);
      return location ? { ...d, location } : d;
    }),
  );
}

/**
 * The error a pipeline step throws when the ring has errors; it carries all diagnostics, and its
 * message lists each error as `[path] message`.
 */
export class RingError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    const lines = errors.map((d) => `  [${formatPath(d.path)}] ${d.message}`);
    super(`${errors.length === 1 ? '1 error' : `${errors.length} errors`} in the ring:\n${lines.join('\n')}`);
    this.name = 'RingError';
  }
}
