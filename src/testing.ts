/**
 * `ringgen/testing`: for the tests of your own rings, with any test runner. Nothing here reads
 * or writes the disk: a ring is checked and rendered in memory, as `ringgen build` would.
 *
 * ```ts
 * import { ring } from 'ringgen';
 * import { diagnosticCodes, expectNoDiagnostics, synthFiles } from 'ringgen/testing';
 * import site from '../ring.config';
 *
 * expectNoDiagnostics(site);                 // throws, listing them, on any error or warning
 * const files = synthFiles(site);            // { 'host1/up.sh': '#!/usr/bin/env bash...', ... }
 * expect(files['host1/iptables.rules']).toContain('--dport 8080');
 * const twice = ring('t').host('a', { internal: '10.0.0.1' }).host('b', { internal: '10.0.0.1' });
 * expect(diagnosticCodes(twice)).toContain('IP_DUPLICATE');
 * ```
 *
 * @packageDocumentation
 */
import { hasErrors, RingError, type Diagnostic, type DiagnosticCode } from './diagnostics';
import { formatDiagnostics, style } from './cli/terminal';
import { buildRing, checkRing, type RingInput, type UncheckedInput } from './pipeline';

/**
 * Every file `ringgen build` would write for the ring, by its path in the output folder
 * (`'host1/up.sh'`, `'deploy.sh'`, `'manifest.json'`, ...), in path order. Throws a `RingError`
 * (its `diagnostics` every diagnostic, its message the errors) when the ring has errors; warnings
 * do not stop it (`expectNoDiagnostics` catches those).
 */
export function synthFiles(input: RingInput | UncheckedInput): Record<string, string> {
  const built = buildRing(input);
  if (hasErrors(built.diagnostics) || built.files.length === 0) throw new RingError(built.diagnostics);
  return Object.fromEntries(built.files.map((f) => [f.path, f.content]));
}

/** The codes of the ring's diagnostics, errors and warnings, in the order `ringgen check` prints them; `[]` for a clean ring. */
export function diagnosticCodes(input: RingInput | UncheckedInput): DiagnosticCode[] {
  return checkRing(input).diagnostics.map((d) => d.code);
}

/** Which diagnostics `expectNoDiagnostics` lets pass. */
export interface ExpectOptions {
  /** Codes of warnings that are expected (an error always fails). */
  allowWarnings?: readonly DiagnosticCode[];
}

/**
 * Throws an `Error` listing every diagnostic as `ringgen check` prints it, unless the ring has
 * none: no error, and no warning other than those `allowWarnings` names. Returns nothing.
 */
export function expectNoDiagnostics(input: RingInput | UncheckedInput, options: ExpectOptions = {}): void {
  const allowed = new Set(options.allowWarnings ?? []);
  const found: Diagnostic[] = checkRing(input).diagnostics.filter((d) => d.severity === 'error' || !allowed.has(d.code));
  if (found.length === 0) return;
  const errors = found.filter((d) => d.severity === 'error').length;
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  throw new Error(`expected a ring without diagnostics, found ${count(errors, 'error')} and ${count(found.length - errors, 'warning')}:\n${formatDiagnostics(found, style(false))}`);
}
