/**
 * Every default resolved once, into one object the rules and the renderer share. The model
 * builder resolves them (`resolveOptions`, then `fitTimers` once the tree is known); nothing
 * changes them after.
 */
import type { IpsecOptions, RingOptions, RingSpec } from '../input/spec';
import type { TreeAnalysis } from './stp';

export interface ResolvedOptions {
  tunnel: 'gre' | 'vxlan';
  stp: 'stp' | 'rstp' | 'off';
  datapath: 'system' | 'netdev';
  ovsBridge: string;
  underlayMtu: number;
  /** BFD interval in ms, or undefined when BFD is off. */
  bfdInterval: number | undefined;
  root: string | undefined;
  rootPriority: number;
  priority: number;
  maxAge: number;
  forwardDelay: number;
  helloTime: number;
  tunnelCost: number;
  internalIface: string;
  externalIface: string;
  egressNat: boolean;
  vni: number;
  dockerNetwork: 'bridge' | 'none';
  /** IPsec on every tunnel, or undefined when off (the checks have seen to a complete mode). */
  ipsec: IpsecMode | undefined;
  /** Whether max-age / forward delay were chosen by ringgen (and may be raised to fit the ring). */
  readonly autoTimers: { readonly maxAge: boolean; readonly forwardDelay: boolean };
}

/** IPsec's mode and the files it reads on each host. */
export type IpsecMode = { mode: 'psk'; psk: string } | { mode: 'cert'; ca: string; cert: string; key: string };

/** The mode of `ipsec` as given, or undefined when off or incomplete (the checks report that). */
export function ipsecMode(o: IpsecOptions | undefined): IpsecMode | undefined {
  if (o === undefined) return undefined;
  if (o.psk !== undefined && o.ca === undefined && o.cert === undefined && o.key === undefined) return { mode: 'psk', psk: o.psk };
  if (o.psk === undefined && o.ca !== undefined && o.cert !== undefined && o.key !== undefined) return { mode: 'cert', ca: o.ca, cert: o.cert, key: o.key };
  return undefined;
}

/**
 * What ESP adds to a tunnel packet, at most, with the cipher Open vSwitch's IPsec monitor configures
 * (AES-GCM-256 with a 16-byte tag, transport mode: strongSwan's `esp=aes256gcm16`, Libreswan's
 * `aes_gcm256`): the SPI and sequence number (8), the IV (8), padding to 4 bytes and the two
 * trailer bytes (up to 5), the tag (16); and UDP encapsulation (8) when the IKE daemons find a
 * NAT between two hosts. 37 bytes without a NAT, 45 with one; ringgen counts 45.
 */
export const ESP_OVERHEAD = 8 + 8 + 5 + 16 + 8;

/** Encapsulation overhead in bytes, inner Ethernet header and the VLAN tag of segment isolation included. */
export function tunnelOverhead(type: 'gre' | 'vxlan'): number {
  const vlanTag = 4;
  return (type === 'gre' ? 38 : 50) + vlanTag;
}

/**
 * The options with max-age (and forward delay, which Open vSwitch ties to it) raised to fit the
 * ring when the user left them to ringgen: enough for the deepest tree after any single host loss.
 */
export function fitTimers(opts: Readonly<ResolvedOptions>, tree: TreeAnalysis): ResolvedOptions {
  if (opts.stp === 'off' || !opts.autoTimers.maxAge) return { ...opts };
  // Past 39 hops max-age is 40 whatever a host loss does: no need to elect those trees.
  const worst = tree.intact.depth + 1 >= 40 ? tree.intact.depth : tree.afterLoss.reduce((w, l) => Math.max(w, l.depth), tree.intact.depth);
  const maxAge = Math.min(40, Math.max(opts.maxAge, worst + 1));
  const forwardDelay = opts.autoTimers.forwardDelay ? Math.max(opts.forwardDelay, Math.ceil(maxAge / 2) + 1) : opts.forwardDelay;
  return { ...opts, maxAge, forwardDelay };
}

export function resolveOptions(spec: RingSpec): ResolvedOptions {
  const o: RingOptions = spec.options ?? {};
  const stp = o.stp ?? 'rstp';
  const bfdDefault = stp === 'rstp';
  const bfd = o.bfd ?? bfdDefault;
  const bfdInterval = bfd === false ? undefined : bfd === true ? 50 : (bfd.interval ?? 50);
  const maxAge = o.maxAge ?? 20;
  return {
    tunnel: o.tunnel ?? 'gre',
    stp,
    datapath: o.datapath ?? 'system',
    ovsBridge: o.ovsBridge ?? 'ovs0',
    underlayMtu: o.underlayMtu ?? 1500,
    bfdInterval,
    root: o.root ?? spec.hosts[0]?.name,
    rootPriority: o.rootPriority ?? 4096,
    priority: o.priority ?? 32768,
    maxAge,
    forwardDelay: o.forwardDelay ?? Math.max(15, Math.ceil(maxAge / 2) + 1),
    helloTime: o.helloTime ?? 2,
    tunnelCost: o.tunnelCost ?? 2000,
    internalIface: o.internalIface ?? 'eth1',
    externalIface: o.externalIface ?? 'eth0',
    egressNat: o.egressNat ?? true,
    vni: o.vni ?? 4242,
    dockerNetwork: o.dockerNetwork ?? 'bridge',
    ipsec: ipsecMode(o.ipsec),
    autoTimers: { maxAge: o.maxAge === undefined, forwardDelay: o.forwardDelay === undefined },
  };
}
