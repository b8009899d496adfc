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

export type DiagnosticCode = (typeof DIAGNOSTIC_CODES)[number];
export type Severity = 'error' | 'warning';

export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export interface Diagnostic {
  code: DiagnosticCode;
  severity: Severity;
  /** Dotted path naming the item, e.g. `hosts.host2.tunnels.gre1` or `containers.host1/test1`. */
  path: string;
  message: string;
  hint: string;
  location?: SourceLocation;
}

/** Collects diagnostics; rules push and keep going. */
export class Report {
  readonly items: Diagnostic[] = [];

  error(code: DiagnosticCode, path: string, message: string, hint: string): void {
    this.items.push({ code, severity: 'error', path, message, hint });
  }

  warn(code: DiagnosticCode, path: string, message: string, hint: string): void {
    this.items.push({ code, severity: 'warning', path, message, hint });
  }

  get hasErrors(): boolean {
    return hasErrors(this.items);
  }
}

export function hasErrors(items: readonly Diagnostic[]): boolean {
  return items.some((d) => d.severity === 'error');
}

/** Stable order: errors first, then by path, then code. */
export function sortDiagnostics(items: readonly Diagnostic[]): Diagnostic[] {
  const rank = (d: Diagnostic) => (d.severity === 'error' ? 0 : 1);
  return [...items].sort(
    (a, b) => rank(a) - rank(b) || a.path.localeCompare(b.path) || a.code.localeCompare(b.code) || a.message.localeCompare(b.message),
  );
}

/** The error a pipeline step throws when the ring has errors; it carries all diagnostics. */
export class RingError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(`${diagnostics.filter((d) => d.severity === 'error').length} error(s) in the ring`);
    this.name = 'RingError';
  }
}
