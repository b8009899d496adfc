/** Tunnels and the ring: consistent peering, connectivity, redundancy, spanning tree reach. */
import type { Report } from '../diagnostics';
import { tunnelsOf, type RingModel } from '../model';
import { analyseTree } from '../stp';

export function checkTunnels(m: RingModel, r: Report): void {
  for (const h of m.hosts) {
    const seen = new Set<string>();
    for (const end of h.spec.tunnels) {
      const path = [...h.path, 'tunnels', end.name];
      if (seen.has(end.name)) {
        r.add('TUNNEL_NAME_DUPLICATE', path, { tunnel: end.name, host: h.name });
        continue;
      }
      seen.add(end.name);
      if (end.peer === h.name) {
        r.add('TUNNEL_SELF', path, { tunnel: end.name, host: h.name });
        continue;
      }
      const peer = m.hostByName.get(end.peer);
      if (!peer) {
        r.add('REF_UNKNOWN', path, { kind: 'tunnelPeer', tunnel: end.name, host: h.name, peer: end.peer, declared: m.hosts.map((x) => x.name) });
        continue;
      }
      const peerIp = peer.internalWritten;
      // An invalid internal IP of the peer is its own IP_INVALID; a remote that repeats it is not a second mistake.
      if (end.remote !== peerIp) {
        r.add('TUNNEL_REMOTE_MISMATCH', [...path, 'remote'], { tunnel: end.name, host: h.name, peer: peer.name, remote: end.remote, peerIp });
      }
      const back = peer.spec.tunnels.filter((t) => t.peer === h.name);
      const other = back.find((t) => t.name === end.name);
      if (other) {
        // Both ends of a plain spec may give a cost; when they disagree, say so once (from the end
        // whose host sorts first), rather than let one of them win without a word.
        if (end.cost !== undefined && other.cost !== undefined && end.cost !== other.cost && h.name < peer.name) {
          r.add('TUNNEL_COST_MISMATCH', [...path, 'cost'], { tunnel: end.name, host: h.name, cost: end.cost, peer: peer.name, peerCost: other.cost });
        }
        continue;
      }
      if (back.length > 0 && !back.some((t) => h.spec.tunnels.some((mine) => mine.name === t.name && mine.peer === peer.name))) {
        r.add('TUNNEL_NAME_MISMATCH', path, { tunnel: end.name, host: h.name, peer: peer.name, peerNames: back.map((t) => t.name) });
      } else {
        r.add('TUNNEL_PEER_MISSING', path, { tunnel: end.name, host: h.name, peer: peer.name, hostIp: h.internalWritten });
      }
    }
  }
  const pairs = new Map<string, string>();
  for (const t of m.tunnels) {
    const key = [t.a, t.b].sort().join('\n');
    const first = pairs.get(key);
    if (first) {
      r.add('TUNNEL_PARALLEL', ['hosts', t.a, 'tunnels', t.name], { first, tunnel: t.name, a: t.a, b: t.b });
    } else pairs.set(key, t.name);
  }
}

export function checkRing(m: RingModel, r: Report): void {
  if (m.hosts.length === 0) {
    r.add('RING_DISCONNECTED', ['hosts'], { kind: 'empty' });
    return;
  }
  const tree = analyseTree(m).intact;
  if (tree.unreachable.length > 0) {
    r.add('RING_DISCONNECTED', ['hosts'], { kind: 'unreachable', unreachable: tree.unreachable, root: tree.root ?? '' });
  }
  if (m.hosts.length < 3) {
    r.add('RING_NO_REDUNDANCY', ['hosts'], { kind: 'ring', hosts: m.hosts.length });
  } else {
    for (const h of m.hosts) {
      const degree = tunnelsOf(m, h.name).length;
      if (degree < 2) r.add('RING_NO_REDUNDANCY', h.path, { kind: 'host', host: h.name, tunnels: degree });
    }
  }
  const cyclic = m.tunnels.length >= m.hosts.length - tree.unreachable.length;
  if (m.opts.stp === 'off' && cyclic && m.tunnels.length > 0) {
    r.add('STP_OFF_LOOP', ['options', 'stp'], {});
  }
  if (m.opts.stp === 'off') return;
  const limit = m.opts.maxAge - 1;
  if (tree.depth > limit) {
    r.add('RING_TOO_LONG', ['hosts'], { depth: tree.depth, maxAge: m.opts.maxAge, maximum: limit });
    return;
  }
  const losses = analyseTree(m).afterLoss.filter((l) => l.depth > limit);
  if (losses.length > 0) {
    const worst = losses.reduce((a, b) => (b.depth > a.depth ? b : a));
    r.add('RING_REDUNDANCY_LIMIT', ['hosts'], { maxAge: m.opts.maxAge, lost: worst.lost, depth: worst.depth, failures: losses.length });
  }
}
