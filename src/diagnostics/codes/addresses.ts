/** Codes of addresses: host IPs, subnets, bridge addresses, container IPs and gateways. */
import { defineCode, quote } from '../define';

/** Blocks that are no unicast network (no host or container subnet may use them), as messages name them. */
export const UNUSABLE_BLOCKS: Readonly<Record<string, string>> = {
  '0.0.0.0/8': '"this network" (0.0.0.0/8)',
  '127.0.0.0/8': 'loopback (127.0.0.0/8)',
  '224.0.0.0/4': 'multicast (224.0.0.0/4)',
  '255.255.255.255/32': 'the broadcast address 255.255.255.255',
};
const block = (cidr: string) => UNUSABLE_BLOCKS[cidr] ?? cidr;

type HostField = 'internal' | 'external';

/** `input` is the text as given; `block` the unusable block (a key of `UNUSABLE_BLOCKS`) an address is in. */
type IpInvalid =
  | { kind: 'host'; host: string; field: HostField; input: string }
  | { kind: 'hostUnusable'; host: string; field: HostField; ip: string; block: string }
  | { kind: 'bridgeAddress'; host: string; bridge: string; input: string }
  | { kind: 'container'; container: string; input: string };

const IP_INVALID = defineCode<IpInvalid>()({
  severity: 'error',
  summary: "a host's internal or external address, a host's bridge address, or a container's IP is not an IPv4 address",
  values: ['kind', 'host', 'field', 'input', 'ip', 'block', 'bridge', 'container'],
  kinds: ['host', 'hostUnusable', 'bridgeAddress', 'container'],
  message: (v) => {
    switch (v.kind) {
      case 'host': return `${v.field} address ${quote(v.input)} of host "${v.host}" is not an IPv4 address`;
      case 'hostUnusable': return `${v.field} address ${v.ip} of host "${v.host}" is in ${block(v.block)}, which no host can use as its address`;
      case 'bridgeAddress': return `address ${quote(v.input)} of host "${v.host}" on bridge "${v.bridge}" is not an IPv4 address`;
      case 'container': return `address ${quote(v.input)} of container "${v.container}" is not an IPv4 address`;
    }
  },
  hint: (v) => {
    switch (v.kind) {
      case 'host': return 'Write a dotted quad such as 10.20.10.70, optionally with a prefix length (10.20.10.70/24).';
      case 'hostUnusable': return 'Give the address the host has on its network, e.g. 10.20.10.70.';
      case 'bridgeAddress': return 'Write a dotted quad inside the bridge subnet.';
      case 'container': return 'Write a dotted quad without prefix; the prefix comes from the bridge subnet.';
    }
  },
});

/** `other` already has the address, as its `otherField`. */
const IP_DUPLICATE = defineCode<{ ip: string; host: string; other: string; otherField: HostField }>()({
  severity: 'error',
  summary: 'two hosts share an internal or external address',
  values: ['ip', 'host', 'other', 'otherField'],
  message: (v) => `address ${v.ip} of host "${v.host}" is already used by host "${v.other}" (${v.otherField})`,
  hint: 'Every host needs its own internal and external address.',
});

/** `suggestion`: the subnet meant, when the input only has host bits set. */
type SubnetInvalid = { kind: 'syntax'; bridge: string; input: string; suggestion?: string } | { kind: 'unusable'; bridge: string; subnet: string; block: string };

const SUBNET_INVALID = defineCode<SubnetInvalid>()({
  severity: 'error',
  summary: "a bridge's subnet is not an IPv4 subnet in CIDR form (or has host bits set)",
  values: ['kind', 'bridge', 'input', 'suggestion', 'subnet', 'block'],
  kinds: ['syntax', 'unusable'],
  message: (v) =>
    v.kind === 'syntax'
      ? `subnet ${quote(v.input)} of bridge "${v.bridge}" is not a valid IPv4 subnet`
      : `subnet ${v.subnet} of bridge "${v.bridge}" reaches into ${block(v.block)}, which hosts and containers cannot use`,
  hint: (v) => {
    if (v.kind === 'unusable') return 'Use a private range, e.g. 192.168.2.0/24 or 172.20.1.0/24.';
    return v.suggestion === undefined ? 'Write a subnet in CIDR form, e.g. 192.168.2.0/24.' : `Did you mean ${v.suggestion}? The host bits of a subnet must be zero.`;
  },
});

/** `network`: the host's `address` has a prefix length (a network), else it is one address. */
type SubnetOverlap =
  | { kind: 'bridge'; bridge: string; subnet: string; other: string; otherSubnet: string }
  | { kind: 'host'; bridge: string; subnet: string; host: string; field: HostField; address: string; network: boolean };

const SUBNET_OVERLAP = defineCode<SubnetOverlap>()({
  severity: 'error',
  summary: "a bridge's subnet overlaps another bridge's or a host's network",
  values: ['kind', 'bridge', 'subnet', 'other', 'otherSubnet', 'host', 'field', 'address', 'network'],
  kinds: ['bridge', 'host'],
  message: (v) =>
    v.kind === 'bridge'
      ? `subnet ${v.subnet} of bridge "${v.bridge}" overlaps subnet ${v.otherSubnet} of bridge "${v.other}"`
      : `subnet ${v.subnet} of bridge "${v.bridge}" overlaps the ${v.field} ${v.network ? 'network' : 'address'} of host "${v.host}" (${v.address})`,
  hint: (v) =>
    v.kind === 'bridge'
      ? 'Give every bridge its own, non-overlapping subnet.'
      : 'Container subnets must not overlap the networks the hosts use to reach each other and the outside.',
});

const SUBNET_DOCKER_DEFAULT = defineCode<{ bridge: string; subnet: string; docker: string }>()({
  severity: 'warning',
  summary: "a bridge's subnet overlaps 172.17.0.0/16, Docker's default bridge network (docker0) on the hosts",
  values: ['bridge', 'subnet', 'docker'],
  message: (v) => `subnet ${v.subnet} of bridge "${v.bridge}" overlaps ${v.docker}, the subnet of Docker's default bridge (docker0)`,
  hint: 'Pick another range (172.20.0.0/16 and up, 192.168.0.0/16, 10.0.0.0/8), or move docker0 with "bip" in /etc/docker/daemon.json on every host: the hosts would route the overlap to both.',
});

/** `prefix`: longer than /30; `hosts`: `usable` addresses, fewer than the `hosts` plus one. */
type SubnetTooSmall = { kind: 'prefix'; bridge: string; subnet: string } | { kind: 'hosts'; bridge: string; subnet: string; usable: number; hosts: number };

const SUBNET_TOO_SMALL = defineCode<SubnetTooSmall>()({
  severity: 'error',
  summary: "a bridge's subnet is smaller than a /30, or has fewer usable addresses than hosts plus one",
  values: ['kind', 'bridge', 'subnet', 'usable', 'hosts'],
  kinds: ['prefix', 'hosts'],
  message: (v) =>
    v.kind === 'prefix'
      ? `subnet ${v.subnet} of bridge "${v.bridge}" has no room for hosts and containers`
      : `subnet ${v.subnet} of bridge "${v.bridge}" has ${v.usable} usable addresses, fewer than one per host (${v.hosts}) plus a container`,
  hint: (v) => (v.kind === 'prefix' ? 'Use a prefix of /30 or shorter (a /24 is typical).' : 'Every host takes an address on every bridge: use a larger subnet.'),
});

type BridgeAddressInvalid =
  | { kind: 'unusable'; host: string; bridge: string; ip: string; subnet: string }
  | { kind: 'shared'; host: string; other: string; bridge: string; ip: string };

const BRIDGE_ADDRESS_INVALID = defineCode<BridgeAddressInvalid>()({
  severity: 'error',
  summary: "a host's address on a bridge is not a usable address of its subnet, or two hosts share one",
  values: ['kind', 'host', 'other', 'bridge', 'ip', 'subnet'],
  kinds: ['unusable', 'shared'],
  message: (v) =>
    v.kind === 'unusable'
      ? `host "${v.host}" gets ${v.ip} on bridge "${v.bridge}", which is not a usable address of ${v.subnet}`
      : `hosts "${v.other}" and "${v.host}" both get ${v.ip} on bridge "${v.bridge}"`,
  hint: (v) =>
    v.kind === 'unusable'
      ? 'Pick an address inside the subnet that is neither its network nor its broadcast address.'
      : 'Every host needs its own address on every bridge (the original gave them all the same one).',
});

const CONTAINER_IP_OUTSIDE = defineCode<{ container: string; ip: string; bridge: string; subnet: string }>()({
  severity: 'error',
  summary: "a container's IP is outside its bridge's subnet",
  values: ['container', 'ip', 'bridge', 'subnet'],
  message: (v) => `address ${v.ip} of container "${v.container}" is outside subnet ${v.subnet} of bridge "${v.bridge}"`,
  hint: 'Pick an address inside the bridge subnet, or attach the container to the bridge that holds it.',
});

/** `host`: the address is that host's on the bridge; hosts take addresses from `first` on. */
type ContainerIpReserved =
  | { kind: 'network' | 'broadcast'; container: string; ip: string; subnet: string }
  | { kind: 'host'; container: string; ip: string; host: string; bridge: string; first: string };

const CONTAINER_IP_RESERVED = defineCode<ContainerIpReserved>()({
  severity: 'error',
  summary: "a container's IP is the subnet's network or broadcast address, or a host's bridge address",
  values: ['kind', 'container', 'ip', 'subnet', 'host', 'bridge', 'first'],
  kinds: ['network', 'broadcast', 'host'],
  message: (v) =>
    v.kind === 'host'
      ? `address ${v.ip} of container "${v.container}" is host "${v.host}"'s address on bridge "${v.bridge}"`
      : `address ${v.ip} of container "${v.container}" is the ${v.kind} address of ${v.subnet}`,
  hint: (v) =>
    v.kind === 'host'
      ? `Hosts take the first addresses of each subnet in declaration order (${v.first} onwards); pick another, or set the host's bridgeAddresses.`
      : 'Pick a host address inside the subnet.',
});

/** `first` and `second` are containers as `host/name`. */
const CONTAINER_IP_DUPLICATE = defineCode<{ ip: string; first: string; second: string }>()({
  severity: 'error',
  summary: 'two containers on one bridge share an IP (on any hosts)',
  values: ['ip', 'first', 'second'],
  message: (v) => `address ${v.ip} is used by container ${v.first} and by ${v.second}`,
  hint: 'Every container on a bridge needs its own address, across all hosts.',
});

/** `reserved`: the gateway is the subnet's network or broadcast address. */
const GATEWAY_INVALID = defineCode<{ container: string; gateway: string; bridge: string; reserved?: 'network' | 'broadcast' }>()({
  severity: 'error',
  summary: "a container's `gateway` is neither `'host'` nor another address in its bridge's subnet",
  values: ['container', 'gateway', 'bridge', 'reserved'],
  message: (v) =>
    `gateway ${quote(v.gateway)} of container "${v.container}" is not another usable address in ${v.bridge}'s subnet${v.reserved ? ` (it is the subnet's ${v.reserved} address)` : ''}`,
  hint: 'Use "host" for the host\'s own address on the bridge, or an address inside the bridge subnet that is neither its network nor its broadcast address.',
});

type VlanInvalid = { kind: 'range'; bridge: string; vlan: number } | { kind: 'shared'; bridge: string; other: string; vlan: number };

const VLAN_INVALID = defineCode<VlanInvalid>()({
  severity: 'error',
  summary: "a bridge's VLAN is outside 1-4094, or two bridges share one",
  values: ['kind', 'bridge', 'other', 'vlan'],
  kinds: ['range', 'shared'],
  message: (v) =>
    v.kind === 'range'
      ? `VLAN ${v.vlan} of bridge "${v.bridge}" is outside 1-4094`
      : `bridges "${v.other}" and "${v.bridge}" share VLAN ${v.vlan}, so their subnets would share one broadcast domain`,
  hint: (v) => (v.kind === 'range' ? 'Pick a VLAN id from 1 to 4094, or leave it out for the default (10 + position).' : 'Give every bridge its own VLAN.'),
});

export const ADDRESS_CODES = {
  IP_INVALID,
  IP_DUPLICATE,
  SUBNET_INVALID,
  SUBNET_OVERLAP,
  SUBNET_DOCKER_DEFAULT,
  SUBNET_TOO_SMALL,
  BRIDGE_ADDRESS_INVALID,
  CONTAINER_IP_OUTSIDE,
  CONTAINER_IP_RESERVED,
  CONTAINER_IP_DUPLICATE,
  GATEWAY_INVALID,
  VLAN_INVALID,
};
