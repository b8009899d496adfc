/** Name patterns and the interface names ringgen derives on every host. */
import { createHash } from 'node:crypto';

/** Linux limits an interface name to 15 bytes (IFNAMSIZ 16, with the NUL). */
export const IFNAME_MAX = 15;

/** Roles of the interfaces that belong to no one item: the OVS bridge and the host's own two. */
const UNOWNED_ROLES = ['ovsBridge', 'internalIface', 'externalIface'] as const;
/** Roles of the interfaces made for a tunnel, a bridge or a container (their `owner`). */
const OWNED_ROLES = ['tunnel', 'bridge', 'bridgeUplinkLinux', 'bridgeUplinkOvs', 'containerVeth', 'containerVethPeer'] as const;

/** Every role (a test checks that each has its own wording in messages). */
export const INTERFACE_ROLES = [...UNOWNED_ROLES, ...OWNED_ROLES] as const;

/**
 * What an interface ringgen makes on a host is for (its role), and the item it belongs to (the
 * tunnel, bridge or container: `owner`, absent for the OVS bridge and the host's two interfaces).
 */
export type InterfaceRole =
  | { role: (typeof UNOWNED_ROLES)[number]; owner?: undefined }
  | { role: (typeof OWNED_ROLES)[number]; owner: string };

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

/**
 * Network device names the kernel, Open vSwitch or Docker create (or refuse) on a host, with what
 * uses them: a Linux bridge, uplink, OVS bridge or container veth of such a name would fail, or
 * take a device that is not ringgen's. Tunnel names are not among the names checked: a tunnel is
 * an OVS database port, not a Linux device, on both datapaths (the kernel datapath sends every GRE
 * tunnel through one `gre_sys` device; the userspace one through none), so the ring's `gre0` does
 * not meet the kernel's fallback device `gre0`.
 */
const RESERVED_IFNAMES = new Map<string, string>([
  ['lo', 'the loopback interface'],
  ['all', 'refused by the kernel (it names the sysctl folder net/ipv4/conf/all)'],
  ['default', 'refused by the kernel (it names the sysctl folder net/ipv4/conf/default)'],
  ['bonding_masters', 'a file in /sys/class/net while the bonding module is loaded'],
  ['ovs-system', "the device of Open vSwitch's kernel datapath"],
  ['ovs-netdev', "the device of Open vSwitch's userspace datapath"],
  ['docker0', "Docker's default bridge"],
  ['docker_gwbridge', "Docker's swarm bridge"],
  ...['gre0', 'gretap0', 'erspan0', 'ip_vti0', 'ip6_vti0', 'sit0', 'tunl0', 'ip6tnl0', 'ip6gre0'].map((n): [string, string] => [n, 'the fallback device a kernel tunnel module creates in every network namespace']),
  ...['bond0', 'dummy0', 'ifb0', 'ifb1', 'teql0'].map((n): [string, string] => [n, 'a device a kernel module creates when it loads']),
]);

const RESERVED_IFNAME_PATTERNS: Array<[RegExp, string]> = [
  // Open vSwitch's flow-based tunnel devices (lib/netdev-vport.c), UDP ones with their port.
  [/^(?:gre|erspan|ip6erspan|ip6gre|genev|vxlan|lisp|stt|gtpu|udp)_sys(?:_\d+)?$/, "a tunnel device of Open vSwitch's kernel datapath"],
  [/^br-[0-9a-f]{12}$/, 'the bridge of a user-defined Docker network'],
  [/^veth[0-9a-f]{7}$/, "the host end of a Docker container's veth"],
];

/** What already uses network device name NAME on a host, or undefined when nothing does. */
export function reservedIfname(name: string): string | undefined {
  return RESERVED_IFNAMES.get(name) ?? RESERVED_IFNAME_PATTERNS.find(([re]) => re.test(name))?.[1];
}
