/**
 * The plain ring specification: the JSON form every input becomes before it is
 * checked. The DSL builds one; a JSON file can be one. In this form each host lists
 * its own tunnel ends, so peering mistakes can be made here, and the checker finds them.
 *
 * The allowed values of a choice are written out in each option (not only in the named types
 * below), so that a type error in a ring file lists them.
 */

/** Encapsulation used between hosts. */
export type TunnelType = NonNullable<RingOptions['tunnel']>;
/** Spanning tree flavour: `'stp'` is the original 802.1D, `'rstp'` the default. */
export type StpMode = NonNullable<RingOptions['stp']>;
/** Open vSwitch datapath: `'system'` (kernel module) or `'netdev'` (userspace). */
export type Datapath = NonNullable<RingOptions['datapath']>;
/** Docker restart policy of a container. */
export type RestartPolicy = NonNullable<ContainerSpec['restart']>;
/** Docker network of a container's `eth0`. */
export type DockerNetwork = NonNullable<RingOptions['dockerNetwork']>;

/** BFD liveness detection on every tunnel; `false` turns it off. */
export interface BfdOptions {
  /** Transmit and receive interval in milliseconds, 10-10000 (detection takes 3 of them). Default 50. */
  interval?: number;
}

/**
 * IPsec on every tunnel, through Open vSwitch's `ovs-monitor-ipsec` and strongSwan on each host
 * (kernel datapath only). Two modes, each naming files on the hosts, never a key itself:
 * - a pre-shared key: `{ psk: '/etc/ringgen/ring.psk' }`, a file on every host (the same key on
 *   all), owned by root and readable by nobody else;
 * - certificates: `{ ca, cert, key }`, the CA's certificate and each host's own certificate and
 *   private key, at the same paths on every host; a host's certificate names the host (its
 *   subject's common name is the host name), and is signed by the CA.
 */
export interface IpsecOptions {
  /** Absolute path, on every host, of the file that holds the pre-shared key (pre-shared key mode). */
  psk?: string;
  /** Absolute path, on every host, of the CA certificate (PEM) that signed every host's certificate (certificate mode). */
  ca?: string;
  /** Absolute path, on every host, of that host's own certificate (PEM), whose common name is the host name (certificate mode). */
  cert?: string;
  /** Absolute path, on every host, of that host's private key (PEM), readable by root only (certificate mode). */
  key?: string;
}

/** Options of the whole ring. Every field has a default; see docs/dsl.md. */
export interface RingOptions {
  /** Encapsulation between the hosts: `'gre'` or `'vxlan'` (UDP 4789). Default `'gre'`. */
  tunnel?: 'gre' | 'vxlan';
  /**
   * Spanning tree: `'rstp'` (the default), `'stp'` (802.1D, as the original) or `'off'` (only
   * for tunnels that form no loop).
   */
  stp?: 'stp' | 'rstp' | 'off';
  /**
   * Open vSwitch datapath: `'system'` (the kernel module, the default) or `'netdev'` (userspace;
   * needs `ethtool` on the hosts).
   */
  datapath?: 'system' | 'netdev';
  /** Name of the OVS bridge on every host (an interface name, at most 15 characters). Default `ovs0`, as in the original. */
  ovsBridge?: string;
  /** MTU of the underlay network between the hosts, 576-65535. Default 1500. */
  underlayMtu?: number;
  /** BFD on every tunnel. Default on with `rstp` (50 ms), off otherwise. */
  bfd?: BfdOptions | boolean;
  /** Host that becomes the spanning tree root. Default: the first host. */
  root?: string;
  /** Spanning tree bridge priority of the root host (0-61440, a multiple of 4096, with RSTP). Default 4096. */
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
  /** Name of the internal (tunnel) interface on every host (for the checks only). Default `eth1`. */
  internalIface?: string;
  /** Name of the external interface on every host (for the checks only). Default `eth0`. */
  externalIface?: string;
  /** Masquerade traffic from the ring's subnets leaving the host. Default true. */
  egressNat?: boolean;
  /** VXLAN network identifier (`options:key`, 0-16777215), vxlan only. Default 4242. */
  vni?: number;
  /** Default Docker network of the containers' `eth0`: `'bridge'` or `'none'` (no docker0 at all). Default `'bridge'`. */
  dockerNetwork?: 'bridge' | 'none';
  /**
   * Encrypt every tunnel with IPsec (ESP), by a pre-shared key file (`{ psk }`) or certificates
   * (`{ ca, cert, key }`): see {@link IpsecOptions}. Needs the kernel datapath. Default: off.
   */
  ipsec?: IpsecOptions;
}

/** One end of a tunnel, as seen from the host that lists it. */
export interface TunnelEndSpec {
  /** Interface name; the two ends of one tunnel carry the same name. */
  name: string;
  /** Name of the host at the other end. */
  peer: string;
  /** Internal IP of the peer. */
  remote: string;
  /** Spanning tree path cost of this tunnel. Default: the ring's `tunnelCost`. */
  cost?: number;
}

export interface HostSpec {
  /** Host name: a DNS label (lower-case letters, digits and `-`, 1-63 characters). */
  name: string;
  /** Internal IPv4 address (tunnels, management), optionally with a prefix length. */
  internal: string;
  /** External IPv4 address (published ports answer on it), optionally with a prefix length. */
  external?: string;
  /** This host's internal interface name (for the checks only). Default: the ring's `internalIface`. */
  internalIface?: string;
  /** This host's external interface name (for the checks only). Default: the ring's `externalIface`. */
  externalIface?: string;
  /** Spanning tree priority of this host, overriding the ring's choice. */
  priority?: number;
  /** This host's address on a bridge, by bridge name, overriding the allocation. */
  bridgeAddresses?: Record<string, string>;
  /** The tunnel ends on this host. */
  tunnels: TunnelEndSpec[];
}

export interface BridgeSpec {
  /** Bridge name: a letter, then letters, digits, `_` or `-`, at most 12 characters. */
  name: string;
  /** IPv4 subnet in CIDR form, e.g. `192.168.2.0/24`. */
  subnet: string;
  /** VLAN (1-4094) that keeps this subnet apart on the ring. Default 10 + declaration index. */
  vlan?: number;
}

/** A bind mount (`source` is a host path) or a named volume (`volume`). */
export type VolumeSpec =
  | {
      /** Absolute path on the host. */
      source: string;
      /** Absolute path in the container. */
      target: string;
      /** Mount read-only. Default false. */
      readonly?: boolean;
    }
  | {
      /** Name of a Docker volume. */
      volume: string;
      /** Absolute path in the container. */
      target: string;
      /** Mount read-only. Default false. */
      readonly?: boolean;
    };

export interface ContainerSpec {
  /** Container name: 2-63 characters, a letter or digit, then letters, digits, `_`, `.` or `-`; unique per host. */
  name: string;
  /** The host it runs on. */
  host: string;
  /** The bridge (subnet) its `eth1` is on. */
  bridge: string;
  /** Fixed IPv4 address on `eth1`, without prefix (the bridge's subnet gives it). */
  ip: string;
  /** Image reference: `[registry/]name[:tag][@sha256:digest]`, e.g. `ubuntu:24.04`. */
  image: string;
  /** Command and arguments (any characters but NUL; always quoted). Default: the image's. */
  command?: string[];
  /** Environment variables, `{ KEY: 'value' }` (values any characters but NUL). */
  env?: Record<string, string>;
  /** A file on the host with `KEY=value` lines (secrets), passed as `--env-file`. */
  envFile?: string;
  /** Bind mounts and named volumes. */
  volumes?: VolumeSpec[];
  /** Docker restart policy: `'no'`, `'always'`, `'unless-stopped'` or `'on-failure'`. Default `unless-stopped`. */
  restart?: 'no' | 'always' | 'unless-stopped' | 'on-failure';
  /** Allocate a TTY (`-t`). Default true, as the original's `-itd`. */
  tty?: boolean;
  /** Keep stdin open (`-i`). Default true. */
  interactive?: boolean;
  /** Default route through `eth1` via this address (`'host'`: the host's address on the bridge). */
  gateway?: string;
  /** MTU of `eth1`, 576 up to the overlay MTU. Default: the ring's overlay MTU. */
  mtu?: number;
  /** Published ports: `'8080:80'`, `'host1:8080:80'`, optionally `/tcp` or `/udp`. */
  publish?: string[];
  /** Docker network for `eth0`: `'bridge'` or `'none'`. Default: the ring's `dockerNetwork`. */
  network?: 'bridge' | 'none';
  /** Hostname inside the container (a DNS label). Default: Docker's. */
  hostname?: string;
}

/** A whole ring in plain form. */
export interface RingSpec {
  /**
   * The schema an editor checks a JSON spec against, e.g.
   * `./node_modules/ringgen/schema/ring.schema.json`; ignored by ringgen.
   */
  $schema?: string;
  /** Ring name: 1-20 characters, a lower-case letter, then lower-case letters, digits or `-`. */
  name: string;
  /** Options of the whole ring. */
  options?: RingOptions;
  /** The hosts, in ring order. */
  hosts: HostSpec[];
  /** The container subnets; every host carries every bridge. */
  bridges: BridgeSpec[];
  /** The containers, each on one host. */
  containers?: ContainerSpec[];
}
