/**
 * Tunnels as pairs, the form the builder records and the model is built from. A plain spec lists
 * each tunnel's two ends on their hosts, which is where peering mistakes are made: its ends are
 * paired here, before the model, and every peering mistake is reported where it is found.
 *
 * Also which tunnel is a ring neighbour's and which a chord: the one rule, for the builder (which
 * names the ring's own tunnels by it, before there is a model) and the model (which records each
 * tunnel's kind, for every later step to read).
 */
import type { Report } from '../diagnostics';
import { bareIp } from './ip';
import type { HostSpec } from '../input/spec';

/** A tunnel between hosts `a` and `b`, as a pair; `cost` when one of its ends (or the builder) gives one. */
export interface TunnelPair {
  name: string;
  a: string;
  b: string;
  cost?: number;
}

/** `neighbour`: the tunnel between two hosts next to each other in the ring; `chord`: any other tunnel. */
export type TunnelKind = 'neighbour' | 'chord';

const pairKey = (a: string, b: string) => (a < b ? `${a}\n${b}` : `${b}\n${a}`);

/** The pairs of hosts next to each other in declaration order (the ring itself), host i with host i+1, the closing pair last. */
export function neighbourPairs(hosts: readonly string[]): Array<[string, string]> {
  if (hosts.length === 2) return [[hosts[0]!, hosts[1]!]];
  if (hosts.length < 3) return [];
  return hosts.map((h, i) => [h, hosts[(i + 1) % hosts.length]!]);
}

/**
 * The kind of each tunnel, in order: the first tunnel between two ring neighbours is the ring's
 * own (a `neighbour`), every other one a `chord`. The one rule for the builder (which names the
 * ring's tunnels by it) and the model (which every later step reads it from).
 */
export function tunnelKinds(hosts: readonly string[], tunnels: ReadonlyArray<{ a: string; b: string }>): TunnelKind[] {
  const ring = new Set(neighbourPairs(hosts).map(([a, b]) => pairKey(a, b)));
  const taken = new Set<string>();
  return tunnels.map((t) => {
    const key = pairKey(t.a, t.b);
    if (!ring.has(key) || taken.has(key)) return 'chord';
    taken.add(key);
    return 'neighbour';
  });
}

/**
 * The per-host tunnel ends of a plain spec as pairs: two ends of one name that name each other
 * make a tunnel (listed from the host whose name sorts first, in host order), whatever else is
 * wrong with the ring. With a `report`, every peering mistake goes into it: ends that repeat a
 * name, point at their own host or at no host, name the wrong address, disagree on the cost,
 * have no matching end or a differently named one; and pairs of hosts with two tunnels.
 */
export function pairTunnelEnds(hosts: readonly HostSpec[], report?: Report): TunnelPair[] {
  if (report) checkEnds(hosts, report);
  // Each host's ends by name and peer (the first, as a search would find it): a hub with thousands
  // of tunnels is not searched once per spoke.
  const ends = new Map<string, HostSpec['tunnels'][number]>();
  for (const h of hosts) {
    for (const t of h.tunnels) {
      const key = `${h.name}\n${t.peer}\n${t.name}`;
      if (!ends.has(key)) ends.set(key, t);
    }
  }
  const pairs: TunnelPair[] = [];
  for (const h of hosts) {
    for (const end of h.tunnels) {
      if (end.peer <= h.name) continue;
      const back = ends.get(`${end.peer}\n${h.name}\n${end.name}`);
      if (!back) continue;
      const cost = end.cost ?? back.cost;
      pairs.push({ name: end.name, a: h.name, b: end.peer, ...(cost === undefined ? {} : { cost }) });
    }
  }
  if (report) checkParallel(pairs, report);
  return pairs;
}

function checkEnds(hosts: readonly HostSpec[], r: Report): void {
  // As the model finds a host by name: the last of a repeated name (itself a NAME_DUPLICATE).
  const hostByName = new Map(hosts.map((h) => [h.name, h]));
  for (const h of hosts) {
    const seen = new Set<string>();
    for (const end of h.tunnels) {
      const path = ['hosts', h.name, 'tunnels', end.name];
      if (seen.has(end.name)) {
        r.add('TUNNEL_NAME_DUPLICATE', path, { tunnel: end.name, host: h.name });
        continue;
      }
      seen.add(end.name);
      if (end.peer === h.name) {
        r.add('TUNNEL_SELF', path, { tunnel: end.name, host: h.name });
        continue;
      }
      const peer = hostByName.get(end.peer);
      if (!peer) {
        r.add('REF_UNKNOWN', path, { kind: 'tunnelPeer', tunnel: end.name, host: h.name, peer: end.peer, declared: hosts.map((x) => x.name) });
        continue;
      }
      // The address part as written: an invalid internal IP of the peer is its own IP_INVALID, and
      // a remote that repeats it is not a second mistake.
      const peerIp = bareIp(peer.internal);
      if (end.remote !== peerIp) {
        r.add('TUNNEL_REMOTE_MISMATCH', [...path, 'remote'], { tunnel: end.name, host: h.name, peer: peer.name, remote: end.remote, peerIp });
      }
      const back = peer.tunnels.filter((t) => t.peer === h.name);
      const other = back.find((t) => t.name === end.name);
      if (other) {
        // Both ends may give a cost; when they disagree, say so once (from the end whose host
        // sorts first), rather than let one of them win without a word.
        if (end.cost !== undefined && other.cost !== undefined && end.cost !== other.cost && h.name < peer.name) {
          r.add('TUNNEL_COST_MISMATCH', [...path, 'cost'], { tunnel: end.name, host: h.name, cost: end.cost, peer: peer.name, peerCost: other.cost });
        }
        continue;
      }
      if (back.length > 0 && !back.some((t) => h.tunnels.some((mine) => mine.name === t.name && mine.peer === peer.name))) {
        r.add('TUNNEL_NAME_MISMATCH', path, { tunnel: end.name, host: h.name, peer: peer.name, peerNames: back.map((t) => t.name) });
      } else {
        r.add('TUNNEL_PEER_MISSING', path, { tunnel: end.name, host: h.name, peer: peer.name, hostIp: bareIp(h.internal) });
      }
    }
  }
}

/** Two tunnels between the same two hosts. */
function checkParallel(pairs: readonly TunnelPair[], r: Report): void {
  const seen = new Map<string, string>();
  for (const t of pairs) {
    const key = [t.a, t.b].sort().join('\n');
    const first = seen.get(key);
    if (first) {
      r.add('TUNNEL_PARALLEL', ['hosts', t.a, 'tunnels', t.name], { first, tunnel: t.name, a: t.a, b: t.b });
    } else seen.set(key, t.name);
  }
}
