/** Name patterns and the interface names ringgen derives on every host. */
import { createHash } from 'node:crypto';

/** Linux limits an interface name to 15 bytes (IFNAMSIZ 16, with the NUL). */
export const IFNAME_MAX = 15;

export const PATTERNS = {
  ring: /^[a-z][a-z0-9-]{0,19}$/,
  host: /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
  iface: /^[A-Za-z][A-Za-z0-9_-]*$/,
  container: /^[a-zA-Z0-9][a-zA-Z0-9_.-]{1,62}$/,
  envKey: /^[A-Za-z_][A-Za-z0-9_]{0,254}$/,
  volumeName: /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/,
  hostname: /^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/,
  /** `[registry[:port]/]path[:tag][@sha256:digest]`, Docker's reference grammar, lower-case path. */
  image:
    /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(?::\d{1,5})?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/,
} as const;

/**
 * Names Ansible gives its implicit groups: a host so named in the inventory makes `--limit all`
 * (and the pattern `all`) reach that host alone.
 */
export const ANSIBLE_RESERVED_HOST_NAMES = new Set(['all', 'ungrouped']);

/** Folder and file names ringgen writes beside the host folders. */
export const RESERVED_HOST_NAMES = new Set(['ansible', 'manifest', 'graph', 'deploy', 'inventory', 'playbook', 'common', 'lib', 'docs']);

function shortHash(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** Keeps `prefix + name` readable when it fits, else shortens the name with a hash. */
function fit(prefix: string, name: string): string {
  const whole = `${prefix}${name}`;
  if (whole.length <= IFNAME_MAX) return whole;
  const keep = IFNAME_MAX - prefix.length - 6;
  return `${prefix}${name.slice(0, keep)}-${shortHash(name, 5)}`;
}

/** Veth pair joining a Linux bridge to the OVS bridge: `[linux side, ovs side]`. */
export function uplinkNames(bridge: string): [string, string] {
  return [`${bridge}-lb`, `${bridge}-ov`];
}

/** Host end of a container's veth, and the temporary name of its container end. */
export function containerVethNames(container: string): [string, string] {
  return [fit('vc-', container), fit('vt-', container)];
}

export { shortHash };
