/**
 * The typed builder: `ring(name, options).host(...).bridge(...).container(...)`.
 * It records declarations only; checking happens in the pipeline, so a config file
 * can never half-build. Hosts form a ring in declaration order.
 */
import { bareIp } from '../model/ip';
import { neighbourPairs, tunnelKinds, type TunnelPair } from '../model/tunnels';
import type { BridgeSpec, ContainerSpec, HostSpec, RingOptions, RingSpec, TunnelEndSpec } from './spec';

/** Options of `.host(name, options)`: a host of the plain spec without its name and tunnel ends (the DSL derives them). */
export type HostOptions = Omit<HostSpec, 'name' | 'tunnels'>;
/** Options of `.bridge(name, options)`. */
export type BridgeOptions = Omit<BridgeSpec, 'name'>;
/** Options of `.container(name, options)`. */
export type ContainerOptions = Omit<ContainerSpec, 'name'>;
/** Options of `.tunnel(name, a, b, options)`. */
export interface TunnelOptions {
  /** Spanning tree path cost of this tunnel (a higher cost makes it the one to block). */
  cost?: number;
}

/** A declared tunnel: a pair, as the model has it. */
type TunnelDecl = TunnelPair;

/** Builds a ring. Methods return the builder, so calls chain; loops work the same way. */
export class RingBuilder {
  private readonly hostList: Array<Omit<HostSpec, 'tunnels'>> = [];
  private readonly bridgeList: BridgeSpec[] = [];
  private readonly containerList: ContainerSpec[] = [];
  private readonly tunnelList: TunnelDecl[] = [];

  constructor(
    /** The ring's name (it names systemd units and iptables chains). */
    readonly name: string,
    /** Options of the whole ring. */
    readonly options: RingOptions = {},
  ) {}

  /** Adds a host; hosts form the ring in the order they are declared. */
  host(name: string, options: HostOptions): this {
    this.hostList.push({ name, ...options });
    return this;
  }

  /** Adds several hosts at once (for rings written with arrays). */
  hosts(list: ReadonlyArray<{ name: string } & HostOptions>): this {
    for (const { name, ...rest } of list) this.host(name, rest);
    return this;
  }

  /** Adds a container subnet; every host carries every bridge. */
  bridge(name: string, options: BridgeOptions): this {
    this.bridgeList.push({ name, ...options });
    return this;
  }

  /** Adds several bridges at once. */
  bridges(list: ReadonlyArray<{ name: string } & BridgeOptions>): this {
    for (const { name, ...rest } of list) this.bridge(name, rest);
    return this;
  }

  /** Adds a container on one host, attached to a bridge on `eth1` with a fixed IP. */
  container(name: string, options: ContainerOptions): this {
    this.containerList.push({ name, ...options });
    return this;
  }

  /** Adds several containers at once. */
  containers(list: ReadonlyArray<{ name: string } & ContainerOptions>): this {
    for (const { name, ...rest } of list) this.container(name, rest);
    return this;
  }

  /**
   * Names the tunnel between two ring neighbours `a` and `b` (the first `.tunnel()` for a pair
   * renames the tunnel ringgen makes for it), or adds a chord between any two hosts.
   */
  tunnel(name: string, a: string, b: string, options: TunnelOptions = {}): this {
    this.tunnelList.push({ name, a, b, ...options });
    return this;
  }

  /** The plain spec: each host lists its tunnel ends, derived from the ring and the declared tunnels. */
  toSpec(): RingSpec {
    // Untyped configs can pass anything as options (null too): the shape check reports it.
    const options: unknown = this.options;
    const plain = typeof options === 'object' && options !== null;
    const tunnels = ringTunnels(this.hostList.map((h) => h.name), this.tunnelList, (plain && this.options.tunnel) || 'gre');
    const internal = new Map(this.hostList.map((h) => [h.name, bareIp(h.internal)]));
    const ends = new Map<string, TunnelEndSpec[]>(this.hostList.map((h) => [h.name, []]));
    for (const t of tunnels) {
      const cost = t.cost === undefined ? {} : { cost: t.cost };
      ends.get(t.a)?.push({ name: t.name, peer: t.b, remote: internal.get(t.b) ?? '', ...cost });
      if (t.a !== t.b) ends.get(t.b)?.push({ name: t.name, peer: t.a, remote: internal.get(t.a) ?? '', ...cost });
    }
    const spec: RingSpec = {
      name: this.name,
      hosts: this.hostList.map((h) => ({ ...h, tunnels: ends.get(h.name) ?? [] })),
      bridges: this.bridgeList.map((b) => ({ ...b })),
      containers: this.containerList.map((c) => ({ ...c })),
    };
    if (!plain) spec.options = options as RingOptions;
    else if (Object.keys(this.options).length > 0) spec.options = { ...this.options };
    return spec;
  }
}

/**
 * One tunnel per ring neighbour pair (the original's rule: same name on both ends,
 * names never repeat), renamed or complemented by explicit `.tunnel()` declarations.
 */
export function ringTunnels(hosts: readonly string[], declared: readonly TunnelDecl[], type: 'gre' | 'vxlan'): TunnelDecl[] {
  const pairKey = (a: string, b: string) => (a < b ? `${a}\n${b}` : `${b}\n${a}`);
  // A declared tunnel is a ring neighbour's (it names the ring's tunnel for the pair) or a chord, as the model tells them apart.
  const kinds = tunnelKinds(hosts, declared);
  const explicitForPair = new Map<string, TunnelDecl>();
  const chords: TunnelDecl[] = [];
  declared.forEach((t, i) => {
    if (kinds[i] === 'neighbour') explicitForPair.set(pairKey(t.a, t.b), t);
    else chords.push(t);
  });
  const neighbours = neighbourPairs(hosts);
  const used = new Set(declared.map((t) => t.name));
  const prefix = type === 'gre' ? 'gre' : 'vx';
  let next = 0;
  const freshName = () => {
    while (used.has(`${prefix}${next}`)) next++;
    used.add(`${prefix}${next}`);
    return `${prefix}${next}`;
  };
  const out = neighbours.map(([a, b]) => {
    const explicit = explicitForPair.get(pairKey(a, b));
    return explicit ? { ...explicit } : { name: freshName(), a, b };
  });
  return [...out, ...chords.map((c) => ({ ...c }))];
}

/** Starts a ring. Options default to GRE, RSTP with BFD, and the kernel datapath. */
export function ring(name: string, options: RingOptions = {}): RingBuilder {
  return new RingBuilder(name, options);
}

/** Whether a value is a ring builder (or looks like one: it has `toSpec()`). */
export function isRingBuilder(value: unknown): value is RingBuilder {
  return value instanceof RingBuilder || (typeof value === 'object' && value !== null && typeof (value as RingBuilder).toSpec === 'function');
}
