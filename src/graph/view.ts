/**
 * What a picture of the ring shows, derived once from the model and the spanning tree
 * election: hosts in ring order, tunnels (neighbour or chord, blocked or not), bridges,
 * containers summarised per host and bridge, published ports. The SVG, Mermaid and DOT
 * writers only lay this out; none of them looks at the model.
 */
import type { ContainerModel, HostModel, RingModel, TunnelKind } from '../model/model';
import type { StpResult } from '../model/stp';

export interface GraphBridge {
  name: string;
  /** As the ring wrote it. */
  subnet: string;
  /** The subnet's prefix length. */
  prefix: number;
  vlan: number;
  /** Position in declaration order; picks the bridge's colour. */
  index: number;
}

export interface GraphContainer {
  name: string;
  ip: string;
}

/** The containers of one host on one bridge: how many, and the first few of them. */
export interface GraphContainerGroup {
  bridge: string;
  bridgeIndex: number;
  /** The host's own address on this bridge. */
  hostAddress: string | undefined;
  count: number;
  /** The first containers, by IP; `count - listed.length` more are not named. */
  listed: GraphContainer[];
}

export interface GraphPublish {
  /** `8080/tcp`. */
  port: string;
  container: string;
  /** Host the container runs on (may differ from the host that publishes). */
  containerHost: string;
  containerIp: string;
  containerPort: number;
}

export interface GraphHost {
  name: string;
  index: number;
  internal: string;
  external: string | undefined;
  root: boolean;
  priority: number;
  containerCount: number;
  /** Bridges with containers on this host, in bridge order. */
  groups: GraphContainerGroup[];
  /** Ports published on this host's external IP. */
  published: GraphPublish[];
}

export interface GraphTunnel {
  name: string;
  a: string;
  b: string;
  /** `neighbour`: between hosts next to each other in the ring; `chord`: any other tunnel. */
  kind: TunnelKind;
  cost: number;
  blocked: boolean;
}

export interface GraphView {
  ring: string;
  version: string;
  tunnelType: 'gre' | 'vxlan';
  stp: 'stp' | 'rstp' | 'off';
  /** Spanning tree root, unless spanning tree is off. */
  root: string | undefined;
  overlayMtu: number;
  bridges: GraphBridge[];
  hosts: GraphHost[];
  tunnels: GraphTunnel[];
}

export interface GraphViewOptions {
  /** How many containers each host lists per bridge before `+N more`. Default 6. */
  listPerBridge?: number;
}

const byIp = (a: ContainerModel, b: ContainerModel) => (a.ip?.int ?? 0) - (b.ip?.int ?? 0) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function tunnels(model: RingModel, stp: StpResult): GraphTunnel[] {
  const blocked = new Set(stp.blocked.map((t) => t.name));
  const order = new Map(model.hosts.map((h) => [h.name, h.index]));
  const list = model.tunnels.map((t): GraphTunnel => ({ name: t.name, a: t.a, b: t.b, kind: t.kind, cost: t.cost, blocked: model.opts.stp !== 'off' && blocked.has(t.name) }));
  const n = model.hosts.length;
  // Neighbour tunnels in ring order (host i to host i+1, the closing one last), then chords.
  const rank = (t: GraphTunnel) => {
    const i = order.get(t.a) ?? 0;
    const j = order.get(t.b) ?? 0;
    if (t.kind === 'chord') return Math.min(i, j);
    return (j - i + n) % n === 1 ? i : j;
  };
  return list.sort((x, y) => (x.kind === y.kind ? 0 : x.kind === 'neighbour' ? -1 : 1) || rank(x) - rank(y) || (x.name < y.name ? -1 : 1));
}

function published(h: HostModel): GraphPublish[] {
  return h.published
    .map(({ container: c, publish: p }) => ({ port: `${p.hostPort}/${p.proto}`, container: c.name, containerHost: c.host, containerIp: c.ip!.ip, containerPort: p.containerPort, sort: p.hostPort }))
    .sort((a, b) => a.sort - b.sort || (a.port < b.port ? -1 : a.port > b.port ? 1 : 0))
    .map(({ sort: _sort, ...p }) => p);
}

/** Derives the picture's data from a checked ring. */
export function graphView(model: RingModel, stp: StpResult, version: string, options: GraphViewOptions = {}): GraphView {
  const limit = Math.max(0, options.listPerBridge ?? 6);
  const root = model.opts.stp === 'off' ? undefined : stp.root;
  const hosts: GraphHost[] = model.hosts.map((h) => {
    const groups: GraphContainerGroup[] = [];
    for (const b of model.bridges) {
      const on = h.containers.filter((c) => c.bridge === b.name).sort(byIp);
      if (on.length === 0) continue;
      const address = h.bridgeAddress.get(b.name);
      groups.push({
        bridge: b.name,
        bridgeIndex: b.index,
        hostAddress: address?.ip,
        count: on.length,
        listed: on.slice(0, limit).map((c) => ({ name: c.name, ip: c.ip!.ip })),
      });
    }
    return {
      name: h.name,
      index: h.index,
      internal: h.internal!.ip,
      external: h.external?.ip,
      root: h.name === root,
      priority: h.priority,
      containerCount: h.containers.length,
      groups,
      published: published(h),
    };
  });
  return {
    ring: model.name,
    version,
    tunnelType: model.opts.tunnel,
    stp: model.opts.stp,
    root,
    overlayMtu: model.overlayMtu,
    bridges: model.bridges.map((b) => ({ name: b.name, subnet: b.net!.text, prefix: b.net!.prefix, vlan: b.vlan, index: b.index })),
    hosts,
    tunnels: tunnels(model, stp),
  };
}

/** `gre2 (host3-host4)`: how the text outputs name a tunnel. */
export function tunnelTitle(t: GraphTunnel): string {
  return `${t.name} (${t.a}-${t.b})`;
}
