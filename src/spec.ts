/**
 * The plain ring specification: the JSON form every input becomes before it is
 * checked. The DSL builds one; a JSON file can be one. In this form each host lists
 * its own tunnel ends, so peering mistakes can be made here, and the checker finds them.
 */

/** Encapsulation used between hosts. */
export type TunnelType = 'gre' | 'vxlan';
/** Spanning tree flavour: `'stp'` is the original 802.1D, `'rstp'` the default. */
export type StpMode = 'stp' | 'rstp' | 'off';
/** Open vSwitch datapath: `'system'` (kernel module) or `'netdev'` (userspace). */
export type Datapath = 'system' | 'netdev';
/** Docker restart policy of a container. */
export type RestartPolicy = 'no' | 'always' | 'unless-stopped' | 'on-failure';

/** BFD liveness detection on every tunnel; `false` turns it off. */
export interface BfdOptions {
  /** Transmit and receive interval in milliseconds (detection takes 3 of them). Default 50. */
  interval?: number;
}

/** Options of the whole ring. Every field has a default; see the README. */
export interface RingOptions {
  tunnel?: TunnelType;
  stp?: StpMode;
  datapath?: Datapath;
  /** Name of the OVS bridge on every host. Default `ovs0`, as in the original. */
  ovsBridge?: string;
  /** MTU of the underlay network between the hosts. Default 1500. */
  underlayMtu?: number;
  /** BFD on every tunnel. Default on with `rstp`, off otherwise. */
  bfd?: BfdOptions | boolean;
  /** Host that becomes the spanning tree root. Default: the first host. */
  root?: string;
  /** Spanning tree bridge priority of the root host (0-61440, a multiple of 4096). Default 4096. */
  rootPriority?: number;
  /** Spanning tree bridge priority of the other hosts. Default 32768. */
  priority?: number;
  /** Spanning tree max-age, in seconds or hops (6-40). Default: 20, raised to fit the ring. */
  maxAge?: number;
  /** Spanning tree forward delay in seconds (4-30). Default `max(15, ceil(maxAge / 2) + 1)`. */
  forwardDelay?: number;
  /** Hello time in seconds (1-10), `stp` only: Open vSwitch's RSTP has no such key. Default 2. */
  helloTime?: number;
  /** Path cost of a tunnel unless the tunnel sets its own. Default 2000. */
  tunnelCost?: number;
  /** Name of the internal (tunnel) interface on every host. Default `eth1`. */
  internalIface?: string;
  /** Name of the external interface on every host. Default `eth0`. */
  externalIface?: string;
  /** Masquerade traffic from the ring's subnets leaving the host. Default true. */
  egressNat?: boolean;
  /** VXLAN network identifier (`options:key`, 0-16777215), vxlan only. Default 4242. */
  vni?: number;
  /** Default Docker network of the containers (their `eth0`). Default `bridge`. */
  dockerNetwork?: 'bridge' | 'none';
}

/** One end of a tunnel, as seen from the host that lists it. */
export interface TunnelEndSpec {
  /** Interface name; the two ends of one tunnel carry the same name. */
  name: string;
  /** Name of the host at the other end. */
  peer: string;
  /** Internal IP of the peer. */
  remote: string;
  /** Spanning tree path cost of this tunnel. */
  cost?: number;
}

export interface HostSpec {
  name: string;
  /** Internal IP (tunnels, management), optionally with a prefix length. */
  internal: string;
  /** External IP (published ports), optionally with a prefix length. */
  external?: string;
  internalIface?: string;
  externalIface?: string;
  /** Spanning tree priority of this host, overriding the ring's choice. */
  priority?: number;
  /** This host's address on a bridge, by bridge name, overriding the allocation. */
  bridgeAddresses?: Record<string, string>;
  /** The tunnel ends on this host. */
  tunnels: TunnelEndSpec[];
}

export interface BridgeSpec {
  name: string;
  /** IPv4 subnet in CIDR form, e.g. `192.168.2.0/24`. */
  subnet: string;
  /** VLAN that keeps this subnet apart on the ring. Default 10 + declaration index. */
  vlan?: number;
}

/** A bind mount (`source` is a host path) or a named volume (`volume`). */
export type VolumeSpec =
  | { source: string; target: string; readonly?: boolean }
  | { volume: string; target: string; readonly?: boolean };

export interface ContainerSpec {
  name: string;
  host: string;
  bridge: string;
  /** Fixed IPv4 address on `eth1`. */
  ip: string;
  image: string;
  command?: string[];
  env?: Record<string, string>;
  /** A file on the host with `KEY=value` lines (secrets), passed as `--env-file`. */
  envFile?: string;
  volumes?: VolumeSpec[];
  /** Docker restart policy. Default `unless-stopped`. */
  restart?: RestartPolicy;
  /** Allocate a TTY (`-t`). Default true, as the original's `-itd`. */
  tty?: boolean;
  /** Keep stdin open (`-i`). Default true. */
  interactive?: boolean;
  /** Default route through `eth1` via this address (`'host'`: the host's address on the bridge). */
  gateway?: string;
  /** MTU of `eth1`. Default: the ring's overlay MTU. */
  mtu?: number;
  /** Published ports: `'8080:80'`, `'host1:8080:80'`, optionally `/tcp` or `/udp`. */
  publish?: string[];
  /** Docker network for `eth0`. Default: the ring's `dockerNetwork`. */
  network?: 'bridge' | 'none';
  hostname?: string;
}

/** A whole ring in plain form. */
export interface RingSpec {
  name: string;
  options?: RingOptions;
  hosts: HostSpec[];
  bridges: BridgeSpec[];
  containers?: ContainerSpec[];
}
