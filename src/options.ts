/**
 * Every default resolved once, into one object the rules and the renderer share. The model
 * builder resolves them (`resolveOptions`, then `fitTimers` once the tree is known); nothing
 * changes them after.
 */
import type { RingOptions, RingSpec } from './spec';
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
  /** Whether max-age / forward delay were chosen by ringgen (and may be raised to fit the ring). */
  readonly autoTimers: { readonly maxAge: boolean; readonly forwardDelay: boolean };
}

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
    autoTimers: { maxAge: o.maxAge === undefined, forwardDelay: o.forwardDelay === undefined },
  };
}
