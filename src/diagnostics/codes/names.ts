/** Codes of names: patterns, uniqueness, reserved names, interface names, references. */
import type { InterfaceRole } from '../../model/naming';
import { defineCode, show } from '../define';

/** An interface's role and owner as a message names them: `the uplink of bridge br0 (Linux side)`. */
export function describeInterface(i: { role: InterfaceRole['role']; owner?: string }): string {
  switch (i.role) {
    case 'ovsBridge': return 'the OVS bridge';
    case 'internalIface': return 'the internal interface';
    case 'externalIface': return 'the external interface';
    case 'tunnel': return `tunnel ${i.owner}`;
    case 'bridge': return `bridge ${i.owner}`;
    case 'bridgeUplinkLinux': return `the uplink of bridge ${i.owner} (Linux side)`;
    case 'bridgeUplinkOvs': return `the uplink of bridge ${i.owner} (OVS side)`;
    case 'containerVeth': return `the veth of container ${i.owner}`;
    case 'containerVethPeer': return `the temporary veth end of container ${i.owner}`;
  }
}

const IFACE_HINT = 'Use a letter, then letters, digits, "_" or "-"';

/** What the invalid name names; `name` is the name as given. */
type NameInvalid =
  | { kind: 'ring' | 'host' | 'bridge' | 'container' | 'hostname' | 'tunnel'; name: string }
  | { kind: 'hostInterface'; host: string; field: 'internalIface' | 'externalIface'; name: string }
  | { kind: 'option'; option: 'ovsBridge' | 'internalIface' | 'externalIface'; name: string; maximum: number };

const NAME_INVALID = defineCode<NameInvalid>()({
  severity: 'error',
  summary: 'a ring, host, bridge, container, tunnel or interface name, or a container hostname, breaks its pattern (`ovsBridge` also its 15 characters)',
  values: ['kind', 'name', 'host', 'field', 'option', 'maximum'],
  kinds: ['ring', 'host', 'hostInterface', 'bridge', 'container', 'hostname', 'tunnel', 'option'],
  message: (v) => {
    switch (v.kind) {
      case 'ring': return `ring name ${show(v.name)} is not a valid ring name`;
      case 'host': return `host name ${show(v.name)} is not a valid host name`;
      case 'hostInterface': return `${v.field} ${show(v.name)} of host "${v.host}" is not a valid interface name`;
      case 'bridge': return `bridge name ${show(v.name)} is not a valid interface name`;
      case 'container': return `container name ${show(v.name)} is not a valid Docker container name`;
      case 'hostname': return `hostname ${show(v.name)} is not a valid hostname`;
      case 'tunnel': return `tunnel name ${show(v.name)} is not a valid interface name`;
      case 'option': return `${v.option} ${show(v.name)} is not a valid interface name`;
    }
  },
  hint: (v) => {
    switch (v.kind) {
      case 'ring': return 'Use 1-20 characters: a lower-case letter, then lower-case letters, digits or "-" (it names systemd units and iptables chains).';
      case 'host': return 'Use a DNS label: lower-case letters, digits and "-", 1-63 characters, not starting or ending with "-".';
      case 'hostInterface': return `${IFACE_HINT} (its length is checked as an interface name).`;
      case 'bridge': return `${IFACE_HINT} (it becomes a Linux bridge on every host).`;
      case 'container': return 'Use 2-63 characters: a letter or digit, then letters, digits, "_", "." or "-" (Docker refuses one-character names).';
      case 'hostname': return 'Use a DNS label: letters, digits and "-".';
      case 'tunnel': return `${IFACE_HINT}.`;
      case 'option': return `${IFACE_HINT}, at most ${v.maximum} characters.`;
    }
  },
});

type NameDuplicate = { kind: 'host' | 'bridge'; name: string } | { kind: 'container'; name: string; host: string };

const NAME_DUPLICATE = defineCode<NameDuplicate>()({
  severity: 'error',
  summary: 'a host or bridge declared twice, or a container declared twice on one host',
  values: ['kind', 'name', 'host'],
  kinds: ['host', 'bridge', 'container'],
  message: (v) => (v.kind === 'container' ? `container "${v.name}" is declared twice on host "${v.host}"` : `${v.kind} "${v.name}" is declared twice`),
  hint: (v) => (v.kind === 'container' ? 'Container names are unique per host (the same name may run on several hosts).' : `Every ${v.kind} needs a unique name.`),
});

/** `file`: a name of a file beside the host folders; `ansible`: a group Ansible defines. `reserved` lists them all. */
type HostNameReserved = { kind: 'file' | 'ansible'; name: string; reserved: readonly string[] };

const HOST_NAME_RESERVED = defineCode<HostNameReserved>()({
  severity: 'error',
  summary: 'a host name is one ringgen keeps for files beside the host folders, or a group Ansible defines itself (`all`, `ungrouped`)',
  values: ['kind', 'name', 'reserved'],
  kinds: ['file', 'ansible'],
  message: (v) =>
    v.kind === 'file'
      ? `host name "${v.name}" clashes with a file ringgen writes into the output folder`
      : `host name "${v.name}" is a group Ansible defines itself: in the inventory, --limit ${v.name} would reach this host alone`,
  hint: (v) => `Rename the host; ${v.kind === 'file' ? 'reserved' : 'Ansible reserves'}: ${v.reserved.join(', ')}.`,
});

const IMAGE_INVALID = defineCode<{ image: string }>()({
  severity: 'error',
  summary: "a container's image is not a valid image reference",
  values: ['image'],
  message: (v) => `image ${show(v.image)} is not a valid image reference`,
  hint: 'Write [registry/]name[:tag][@sha256:digest], e.g. "ubuntu:24.04" or "registry.example:5000/team/app:1.2".',
});

/**
 * `role` says what the interface is for and `owner` the tunnel, bridge or container it belongs to
 * (none for the OVS bridge and the host's interfaces); the message words them.
 */
const IFNAME_TOO_LONG = defineCode<{ name: string; role: InterfaceRole['role']; owner?: string; maximum: number }>()({
  severity: 'error',
  summary: "an interface ringgen makes on a host (or the host's interface names) would pass Linux's 15 characters",
  values: ['name', 'role', 'owner', 'maximum'],
  message: (v) => `interface name "${v.name}" (${describeInterface(v)}) has ${v.name.length} characters; Linux allows ${v.maximum}`,
  hint: 'Shorten the name it is made from (bridges get "-lb"/"-ov" uplinks, so bridge names can have 12 characters).',
});

/** `role`/`owner`: the interface at the path; `firstRole`/`firstOwner`: the one that had the name first. */
const IFNAME_CLASH = defineCode<{ name: string; host: string; role: InterfaceRole['role']; owner?: string; firstRole: InterfaceRole['role']; firstOwner?: string }>()({
  severity: 'error',
  summary: 'two interfaces on one host would get the same name',
  values: ['name', 'host', 'role', 'owner', 'firstRole', 'firstOwner'],
  message: (v) => `interface name "${v.name}" on host "${v.host}" is used by ${describeInterface({ role: v.firstRole, owner: v.firstOwner })} and by ${describeInterface(v)}`,
  hint: 'Rename one of them; every interface on a host needs its own name.',
});

/** `user` says who takes the name on the hosts. */
const IFNAME_RESERVED = defineCode<{ name: string; role: InterfaceRole['role']; owner?: string; user: string }>()({
  severity: 'error',
  summary: "an interface ringgen makes (a bridge, its uplinks, the OVS bridge, a container's veth) would take a name the kernel, Open vSwitch or Docker uses: `lo`, `all`, `default`, `ovs-system`, `ovs-netdev`, `gre_sys`, `vxlan_sys_4789` and the other tunnel devices, `gre0`, `tunl0` and the other fallback devices, `docker0`, ...",
  values: ['name', 'role', 'owner', 'user'],
  message: (v) => `interface name "${v.name}" (${describeInterface(v)}) is taken on the hosts: ${v.user}`,
  hint: (v) => (v.role === 'ovsBridge' ? 'Rename options.ovsBridge (an OVS bridge is also a network device of its name).' : `Rename what it is made from (${describeInterface(v)}).`),
});

/** What names something undeclared; `declared` lists what is declared (hosts or bridges), where the hint names them. */
type RefUnknown =
  | { kind: 'containerHost'; container: string; host: string; declared: readonly string[] }
  | { kind: 'containerBridge'; container: string; bridge: string; declared: readonly string[] }
  | { kind: 'bridgeAddress'; host: string; bridge: string }
  | { kind: 'tunnelPeer'; tunnel: string; host: string; peer: string; declared: readonly string[] }
  | { kind: 'root'; host: string; declared: readonly string[] }
  | { kind: 'publishHost'; publish: string; host: string; declared: readonly string[] };

const declared = (what: string, names: readonly string[]) => `Declared ${what}: ${names.join(', ') || 'none'}.`;

const REF_UNKNOWN = defineCode<RefUnknown>()({
  severity: 'error',
  summary: "a container's host or bridge, a tunnel's peer, a published port's host, `root`, or a `bridgeAddresses` key names something not declared",
  values: ['kind', 'container', 'host', 'bridge', 'tunnel', 'peer', 'publish', 'declared'],
  kinds: ['containerHost', 'containerBridge', 'bridgeAddress', 'tunnelPeer', 'root', 'publishHost'],
  message: (v) => {
    switch (v.kind) {
      case 'containerHost': return `container "${v.container}" runs on host "${v.host}", which is not declared`;
      case 'containerBridge': return `container "${v.container}" is on bridge "${v.bridge}", which is not declared`;
      case 'bridgeAddress': return `bridgeAddresses of host "${v.host}" names bridge "${v.bridge}", which is not declared`;
      case 'tunnelPeer': return `tunnel "${v.tunnel}" of host "${v.host}" leads to host "${v.peer}", which is not declared`;
      case 'root': return `root host "${v.host}" is not declared`;
      case 'publishHost': return `published port ${v.publish} names host "${v.host}", which is not declared`;
    }
  },
  hint: (v) => {
    switch (v.kind) {
      case 'bridgeAddress': return 'Declare the bridge or remove the entry.';
      case 'containerBridge': return declared('bridges', v.declared);
      default: return declared('hosts', v.declared);
    }
  },
});

export const NAME_CODES = { NAME_INVALID, NAME_DUPLICATE, HOST_NAME_RESERVED, IMAGE_INVALID, IFNAME_TOO_LONG, IFNAME_CLASH, IFNAME_RESERVED, REF_UNKNOWN };
