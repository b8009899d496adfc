/**
 * The resolved model: the spec with every default applied and every derived value
 * (addresses, interface names, VLANs, MTUs, tunnel pairs) computed once. Built
 * leniently, so the rules can run on a broken spec; rendered only when no rule failed.
 */
import { ipv4, parseHostAddress, parseIpv4, parseSubnet, type HostAddress, type Ipv4, type Subnet } from './ip';
import { containerVethNames, uplinkNames } from './naming';
import { ESP_OVERHEAD, fitTimers, resolveOptions, tunnelOverhead, type ResolvedOptions } from './options';
import { analyseTree } from './stp';
import type { DiagnosticPath } from '../diagnostics';
import { pairTunnelEnds, tunnelKinds, type TunnelKind, type TunnelPair } from './tunnels';
import type { BridgeSpec, ContainerSpec, DockerNetwork, HostSpec, RestartPolicy, RingSpec, VolumeSpec } from '../input/spec';

export type { TunnelKind } from './tunnels';

export interface BridgeModel {
  spec: BridgeSpec;
  name: string;
  index: number;
  path: DiagnosticPath;
  /** The subnet, parsed once; undefined when it does not parse (SUBNET_INVALID). */
  net: Subnet | undefined;
  vlan: number;
  /** `[linux bridge side, ovs side]` of the uplink veth pair. */
  uplink: [string, string];
}

export interface PublishModel {
  raw: string;
  path: DiagnosticPath;
  /** Host whose external IP answers. */
  on: string;
  hostPort: number;
  containerPort: number;
  proto: 'tcp' | 'udp';
}

export interface ContainerModel {
  spec: ContainerSpec;
  name: string;
  /** `host/name`: how paths and messages name a container (names are unique per host). */
  label: string;
  path: DiagnosticPath;
  /** The address on `eth1`, parsed once; undefined when it does not parse (IP_INVALID). */
  ip: Ipv4 | undefined;
  /** The default route's address: the `gateway` given, or the host's address on the bridge for `'host'`; undefined without one (or when it does not parse). */
  gateway: Ipv4 | undefined;
  /** `[host end, temporary container end]` of the eth1 veth. */
  veth: [string, string];
  mtu: number;
  /** The host it runs on, and the bridge of its `eth1`, by name. */
  host: string;
  bridge: string;
  image: string;
  /** Command and arguments; empty for the image's own. */
  command: readonly string[];
  env: Readonly<Record<string, string>>;
  envFile: string | undefined;
  volumes: readonly VolumeSpec[];
  hostname: string | undefined;
  /** `tty`, `interactive`, `restart` and `network` with their defaults applied. */
  tty: boolean;
  interactive: boolean;
  restart: RestartPolicy;
  network: DockerNetwork;
  publishes: PublishModel[];
  /** Publish strings that did not parse, with their path. */
  badPublishes: Array<{ raw: string; path: DiagnosticPath }>;
}

export interface HostModel {
  spec: HostSpec;
  name: string;
  index: number;
  path: DiagnosticPath;
  /** The internal address, parsed once; undefined when it does not parse (IP_INVALID). */
  internal: HostAddress | undefined;
  /** The external address, parsed once; undefined without one or when it does not parse. */
  external: HostAddress | undefined;
  internalIface: string;
  externalIface: string;
  priority: number;
  /** Bridge address for spanning tree, so tie-breaks are known in advance. */
  stpAddress: string;
  /** This host's address on each bridge, by bridge name. */
  bridgeAddress: Map<string, Ipv4 | undefined>;
  containers: ContainerModel[];
  /** Ports published on this host's external IP, by containers anywhere in the ring, in declaration order. */
  published: Array<{ container: ContainerModel; publish: PublishModel }>;
}

/** A tunnel whose two ends agree (same name, pointing at each other). */
export interface TunnelModel {
  name: string;
  a: string;
  b: string;
  cost: number;
  kind: TunnelKind;
}

export interface RingModel {
  spec: RingSpec;
  name: string;
  /** Every option resolved, the timers fitted to the ring: read only. */
  readonly opts: Readonly<ResolvedOptions>;
  hosts: HostModel[];
  hostByName: Map<string, HostModel>;
  bridges: BridgeModel[];
  bridgeByName: Map<string, BridgeModel>;
  containers: ContainerModel[];
  tunnels: TunnelModel[];
  overlayMtu: number;
}

/** The tunnels of the pairs, their cost and kind resolved. */
function tunnelModels(hosts: readonly HostSpec[], pairs: readonly TunnelPair[], defaultCost: number): TunnelModel[] {
  const kinds = tunnelKinds(hosts.map((h) => h.name), pairs);
  return pairs.map((t, i) => ({ name: t.name, a: t.a, b: t.b, cost: t.cost ?? defaultCost, kind: kinds[i]! }));
}

const PUBLISH = /^(?:([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?):)?(\d{1,5}):(\d{1,5})(?:\/(tcp|udp))?$/;

function parsePublish(raw: string, path: DiagnosticPath, ownHost: string): PublishModel | undefined {
  const m = PUBLISH.exec(raw);
  if (!m) return undefined;
  const hostPort = Number(m[2]);
  const containerPort = Number(m[3]);
  if (hostPort < 1 || hostPort > 65535 || containerPort < 1 || containerPort > 65535) return undefined;
  return { raw, path, on: m[1] ?? ownHost, hostPort, containerPort, proto: (m[4] as 'tcp' | 'udp' | undefined) ?? 'tcp' };
}

function stpAddress(index: number): string {
  const n = index + 1;
  return `02:52:47:00:${((n >> 8) & 0xff).toString(16).padStart(2, '0')}:${(n & 0xff).toString(16).padStart(2, '0')}`;
}

/** The model of a spec, its tunnels made from `pairs` (the spec's tunnel ends paired, when not given). */
export function buildModel(spec: RingSpec, pairs: readonly TunnelPair[] = pairTunnelEnds(spec.hosts)): RingModel {
  const opts = resolveOptions(spec);
  const bridges: BridgeModel[] = spec.bridges.map((b, index) => ({
    spec: b,
    name: b.name,
    index,
    path: ['bridges', b.name],
    net: parseSubnet(b.subnet),
    vlan: b.vlan ?? 10 + index,
    uplink: uplinkNames(b.name),
  }));
  const overlayMtu = opts.underlayMtu - tunnelOverhead(opts.tunnel) - (opts.ipsec ? ESP_OVERHEAD : 0);
  const hosts: HostModel[] = spec.hosts.map((h, index) => {
    const bridgeAddress = new Map<string, Ipv4 | undefined>();
    for (const b of bridges) {
      const explicit = h.bridgeAddresses && Object.hasOwn(h.bridgeAddresses, b.name) ? h.bridgeAddresses[b.name] : undefined;
      if (explicit !== undefined) bridgeAddress.set(b.name, parseIpv4(explicit));
      else if (b.net && b.net.size > index + 3) bridgeAddress.set(b.name, ipv4(b.net.network + 1 + index));
      else bridgeAddress.set(b.name, undefined);
    }
    return {
      spec: h,
      name: h.name,
      index,
      path: ['hosts', h.name],
      internal: parseHostAddress(h.internal),
      external: h.external === undefined ? undefined : parseHostAddress(h.external),
      internalIface: h.internalIface ?? opts.internalIface,
      externalIface: h.externalIface ?? opts.externalIface,
      priority: h.priority ?? (h.name === opts.root ? opts.rootPriority : opts.priority),
      stpAddress: stpAddress(index),
      bridgeAddress,
      containers: [],
      published: [],
    };
  });
  const hostByName = new Map(hosts.map((h) => [h.name, h]));
  const containers: ContainerModel[] = (spec.containers ?? []).map((c) => {
    const label = `${c.host}/${c.name}`;
    const path = ['containers', label];
    const publishes: PublishModel[] = [];
    const badPublishes: Array<{ raw: string; path: DiagnosticPath }> = [];
    (c.publish ?? []).forEach((raw, i) => {
      const p = parsePublish(raw, [...path, 'publish', i], c.host);
      if (p) publishes.push(p);
      else badPublishes.push({ raw, path: [...path, 'publish', i] });
    });
    const model: ContainerModel = {
      spec: c,
      name: c.name,
      label,
      path,
      ip: parseIpv4(c.ip),
      gateway: c.gateway === undefined ? undefined : c.gateway === 'host' ? hostByName.get(c.host)?.bridgeAddress.get(c.bridge) : parseIpv4(c.gateway),
      veth: containerVethNames(c.name),
      mtu: c.mtu ?? overlayMtu,
      host: c.host,
      bridge: c.bridge,
      image: c.image,
      command: c.command ?? [],
      env: c.env ?? {},
      envFile: c.envFile,
      volumes: c.volumes ?? [],
      hostname: c.hostname,
      tty: c.tty ?? true,
      interactive: c.interactive ?? true,
      restart: c.restart ?? 'unless-stopped',
      network: c.network ?? opts.dockerNetwork,
      publishes,
      badPublishes,
    };
    hostByName.get(c.host)?.containers.push(model);
    for (const p of publishes) hostByName.get(p.on)?.published.push({ container: model, publish: p });
    return model;
  });
  const draft: RingModel = {
    spec,
    name: spec.name,
    opts,
    hosts,
    hostByName,
    bridges,
    bridgeByName: new Map(bridges.map((b) => [b.name, b])),
    containers,
    tunnels: tunnelModels(spec.hosts, pairs, opts.tunnelCost),
    overlayMtu,
  };
  // The timers ringgen chooses fit the tree, which the draft's hosts and tunnels decide; the
  // model is the draft with them, and keeps the draft's election.
  const model: RingModel = { ...draft, opts: fitTimers(opts, analyseTree(draft)) };
  analyseTree(model, draft);
  return model;
}

const tunnelIndex = new WeakMap<RingModel, Map<string, TunnelModel[]>>();

/** The tunnels with an end on `host`, in the model's order (indexed once per model). */
export function tunnelsOf(model: RingModel, host: string): readonly TunnelModel[] {
  let index = tunnelIndex.get(model);
  if (!index) {
    index = new Map();
    for (const t of model.tunnels) {
      for (const end of t.a === t.b ? [t.a] : [t.a, t.b]) {
        const list = index.get(end);
        if (list) list.push(t);
        else index.set(end, [t]);
      }
    }
    tunnelIndex.set(model, index);
  }
  return index.get(host) ?? [];
}
