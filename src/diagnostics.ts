/** Diagnostics: the one shape every problem takes, from the schema to the config loader. */

/** Every code ringgen can report. A closed set: tests and tools may switch on it. */
export const DIAGNOSTIC_CODES = [
  'CONFIG_LOAD',
  'CONFIG_TYPE',
  'SCHEMA',
  'NAME_INVALID',
  'NAME_DUPLICATE',
  'HOST_NAME_RESERVED',
  'IMAGE_INVALID',
  'IFNAME_TOO_LONG',
  'IFNAME_CLASH',
  'IFNAME_RESERVED',
  'REF_UNKNOWN',
  'IP_INVALID',
  'IP_DUPLICATE',
  'SUBNET_INVALID',
  'SUBNET_OVERLAP',
  'SUBNET_DOCKER_DEFAULT',
  'SUBNET_TOO_SMALL',
  'BRIDGE_ADDRESS_INVALID',
  'CONTAINER_IP_OUTSIDE',
  'CONTAINER_IP_RESERVED',
  'CONTAINER_IP_DUPLICATE',
  'GATEWAY_INVALID',
  'VLAN_INVALID',
  'TUNNEL_NAME_DUPLICATE',
  'TUNNEL_SELF',
  'TUNNEL_PEER_MISSING',
  'TUNNEL_NAME_MISMATCH',
  'TUNNEL_REMOTE_MISMATCH',
  'TUNNEL_COST_MISMATCH',
  'TUNNEL_PARALLEL',
  'RING_DISCONNECTED',
  'RING_NO_REDUNDANCY',
  'RING_TOO_LONG',
  'RING_REDUNDANCY_LIMIT',
  'STP_OFF_LOOP',
  'STP_RANGE',
  'BFD_RANGE',
  'VNI_RANGE',
  'MTU_TOO_SMALL',
  'MTU_RANGE',
  'PUBLISH_INVALID',
  'PUBLISH_NO_EXTERNAL',
  'PUBLISH_CONFLICT',
  'ENV_INVALID',
  'COMMAND_INVALID',
  'VOLUME_INVALID',
  'ARG_TOO_LONG',
  'TEXT_UNENCODABLE',
] as const;

/** One of `DIAGNOSTIC_CODES`. */
export type DiagnosticCode = (typeof DIAGNOSTIC_CODES)[number];
/** Errors stop a build; warnings do not. */
export type Severity = 'error' | 'warning';

/** A place in a ring file. */
export interface SourceLocation {
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
}

/**
 * Where in the ring a problem is: names and indexes from the spec's root, e.g.
 * `['hosts', 'host2', 'tunnels', 'gre1']`, `['containers', 'host1/web.1', 'ip']` (a container is
 * named by its host and its name), `['containers', 'host1/web', 'volumes', 1]`. An element of a
 * list is named when it has a name, else given by its index. `[]` is the whole ring; problems of
 * the ring file itself (it did not load) have `['config']`.
 */
export type DiagnosticPath = Array<string | number>;

/** One problem: what (`code`), how bad, where in the ring (`path`) and in the file (`location`), and what to do (`hint`). */
export interface Diagnostic {
  code: DiagnosticCode;
  severity: Severity;
  /** The item the problem is about; `formatPath` writes it as text. */
  path: DiagnosticPath;
  message: string;
  hint: string;
  location?: SourceLocation;
}

/** A name that reads as itself in a path; any other is written as a JSON string in brackets. */
const PLAIN_SEGMENT = /^[A-Za-z0-9_/:@+-]+$/;

/**
 * A path as text: names joined by dots, indexes in brackets, a name that holds a dot (or is
 * empty, or holds other characters) as a quoted string in brackets:
 * `hosts.host2.tunnels.gre1`, `containers.host1/web.volumes[1]`, `containers["host1/web.1"].ip`.
 * `(root)` for the whole ring. Two different paths never read the same.
 */
export function formatPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return '(root)';
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (PLAIN_SEGMENT.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** Paths compared segment by segment: indexes by number, before names; names by code unit. */
export function comparePaths(a: readonly (string | number)[], b: readonly (string | number)[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    if (typeof x === 'number') return -1;
    if (typeof y === 'number') return 1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/**
 * A diagnostic as the command line's `--format json` writes it: the diagnostic itself, with
 * `pathText`, the path as `formatPath` writes it, after `path` (the array).
 */
export function diagnosticJson(d: Diagnostic): Diagnostic & { pathText: string } {
  const { code, severity, path, message, hint, location } = d;
  return { code, severity, path, pathText: formatPath(path), message, hint, ...(location ? { location } : {}) };
}

/** Collects diagnostics; rules push and keep going. */
export class Report {
  readonly items: Diagnostic[] = [];

  error(code: DiagnosticCode, path: DiagnosticPath, message: string, hint: string): void {
    this.items.push({ code, severity: 'error', path, message, hint });
  }

  warn(code: DiagnosticCode, path: DiagnosticPath, message: string, hint: string): void {
    this.items.push({ code, severity: 'warning', path, message, hint });
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
