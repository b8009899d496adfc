/** Tunnels and the ring: consistent peering, connectivity, redundancy, spanning tree reach. */
import type { Report } from '../diagnostics';
import { bareIp } from '../ip';
import { tunnelsOf, type RingModel } from '../model';
import { analyseTree } from '../stp';

export function checkTunnels(m: RingModel, r: Report): void {
  for (const h of m.hosts) {
    const seen = new Set<string>();
    for (const end of h.spec.tunnels) {
      const path = [...h.path, 'tunnels', end.name];
      if (seen.has(end.name)) {
        r.error('TUNNEL_NAME_DUPLICATE', path, `tunnel name "${end.name}" is used twice on host "${h.name}"`, 'Tunnel names must not repeat on one host; the two ends of one tunnel share a name.');
        continue;
      }
      seen.add(end.name);
      if (end.peer === h.name) {
        r.error('TUNNEL_SELF', path, `tunnel "${end.name}" of host "${h.name}" points at the host itself`, 'A tunnel joins two different hosts.');
        continue;
      }
      const peer = m.hostByName.get(end.peer);
      if (!peer) {
        r.error('REF_UNKNOWN', path, `tunnel "${end.name}" of host "${h.name}" leads to host "${end.peer}", which is not declared`, `Declared hosts: ${m.hosts.map((x) => x.name).join(', ')}.`);
        continue;
      }
      const peerIp = bareIp(peer.spec.internal);
      // An invalid internal IP of the peer is its own IP_INVALID; a remote that repeats it is not a second mistake.
      if (end.remote !== peerIp) {
        r.error('TUNNEL_REMOTE_MISMATCH', [...path, 'remote'], `tunnel "${end.name}" of host "${h.name}" points at ${JSON.stringify(end.remote)}, but host "${peer.name}" has internal IP ${peerIp}`, `Set remote to ${peerIp}, the peer's internal IP.`);
      }
      const back = peer.spec.tunnels.filter((t) => t.peer === h.name);
      const other = back.find((t) => t.name === end.name);
      if (other) {
        // Both ends of a plain spec may give a cost; when they disagree, say so once (from the end
        // whose host sorts first), rather than let one of them win without a word.
        if (end.cost !== undefined && other.cost !== undefined && end.cost !== other.cost && h.name < peer.name) {
          r.error('TUNNEL_COST_MISMATCH', [...path, 'cost'], `the ends of tunnel "${end.name}" give different costs: ${end.cost} on "${h.name}", ${other.cost} on "${peer.name}"`, 'Give both ends the same cost, or set it on one end only.');
        }
        continue;
      }
      if (back.length > 0 && !back.some((t) => h.spec.tunnels.some((mine) => mine.name === t.name && mine.peer === peer.name))) {
        r.error('TUNNEL_NAME_MISMATCH', path, `host "${h.name}" calls its tunnel to "${peer.name}" "${end.name}", but "${peer.name}" calls it "${back.map((t) => t.name).join('", "')}"`, 'Both ends of one tunnel carry the same name: rename one end.');
      } else {
        r.error('TUNNEL_PEER_MISSING', path, `tunnel "${end.name}" of host "${h.name}" has no other end: host "${peer.name}" lists no tunnel "${end.name}" back to "${h.name}"`, `Add { name: "${end.name}", peer: "${h.name}", remote: "${bareIp(h.spec.internal)}" } to the tunnels of host "${peer.name}".`);
      }
    }
  }
  const pairs = new Map<string, string>();
  for (const t of m.tunnels) {
    const key = [t.a, t.b].sort().join('\n');
    const first = pairs.get(key);
    if (first) {
      r.warn('TUNNEL_PARALLEL', ['hosts', t.a, 'tunnels', t.name], `tunnels "${first}" and "${t.name}" both join "${t.a}" and "${t.b}"`, 'A second tunnel between the same pair adds no redundancy against losing a host; spanning tree blocks one of them.');
    } else pairs.set(key, t.name);
  }
}

export function checkRing(m: RingModel, r: Report): void {
  if (m.hosts.length === 0) {
    r.error('RING_DISCONNECTED', ['hosts'], 'the ring has no hosts', 'Declare at least one host (three for a redundant ring).');
    return;
  }
  const tree = analyseTree(m).intact;
  if (tree.unreachable.length > 0) {
    r.error('RING_DISCONNECTED', ['hosts'], `the ring is not connected: ${tree.unreachable.map((h) => `"${h}"`).join(', ')} cannot reach "${tree.root}"`, 'Join every host to the ring with tunnels whose two ends agree.');
  }
  if (m.hosts.length < 3) {
    r.warn('RING_NO_REDUNDANCY', ['hosts'], `a ring of ${m.hosts.length} host(s) has no redundancy`, 'Use at least three hosts so the ring survives the loss of one.');
  } else {
    for (const h of m.hosts) {
      const degree = tunnelsOf(m, h.name).length;
      if (degree < 2) r.warn('RING_NO_REDUNDANCY', h.path, `host "${h.name}" has ${degree} working tunnel(s): losing ${degree === 1 ? 'its peer' : 'nothing'} cuts it off`, 'Every host needs at least two tunnels to stay in the ring when a neighbour fails.');
    }
  }
  const cyclic = m.tunnels.length >= m.hosts.length - tree.unreachable.length;
  if (m.opts.stp === 'off' && cyclic && m.tunnels.length > 0) {
    r.error('STP_OFF_LOOP', ['options', 'stp'], 'spanning tree is off but the tunnels form a loop: broadcasts would circle the ring forever', "Use stp: 'rstp' (the default) or 'stp'.");
  }
  if (m.opts.stp === 'off') return;
  const limit = m.opts.maxAge - 1;
  if (tree.depth > limit) {
    r.error('RING_TOO_LONG', ['hosts'], `the farthest host is ${tree.depth} hops from the spanning tree root, more than max-age ${m.opts.maxAge} allows (${limit}): spanning tree cannot serve this ring at all (with max-age 40, the most Open vSwitch accepts, a ring of more than about 79 hosts never converges, and it stops surviving a lost host beyond about 41)`, 'Split the hosts into several rings (see docs/scaling.md), add chords, or raise maxAge (at most 40).');
    return;
  }
  const losses = analyseTree(m).afterLoss.filter((l) => l.depth > limit);
  if (losses.length > 0) {
    const worst = losses.reduce((a, b) => (b.depth > a.depth ? b : a));
    r.error('RING_REDUNDANCY_LIMIT', ['hosts'], `the ring is longer than spanning tree can serve with max-age ${m.opts.maxAge}: after losing host "${worst.lost}" the ring is a line whose far end is ${worst.depth} hops from the root, so ${losses.length} single-host failure(s) would cut hosts off (a ring of more than about 40 hosts cannot keep its redundancy; max-age 40 is the most Open vSwitch accepts)`, 'Keep rings to 40 hosts or fewer (more hosts: several rings, see docs/scaling.md), raise maxAge (at most 40), or add chords.');
  }
}

/**
 * Raises max-age (and forward delay, which Open vSwitch ties to it) to fit the ring when
 * the user left them to ringgen: enough for the deepest tree after any single host loss.
 */
export function fitTimers(m: RingModel): void {
  if (m.opts.stp === 'off' || !m.opts.autoTimers.maxAge) return;
  const analysis = analyseTree(m);
  // Past 39 hops max-age is 40 whatever a host loss does: no need to elect those trees.
  const worst = analysis.intact.depth + 1 >= 40 ? analysis.intact.depth : analysis.afterLoss.reduce((w, l) => Math.max(w, l.depth), analysis.intact.depth);
  m.opts.maxAge = Math.min(40, Math.max(m.opts.maxAge, worst + 1));
  if (m.opts.autoTimers.forwardDelay) m.opts.forwardDelay = Math.max(m.opts.forwardDelay, Math.ceil(m.opts.maxAge / 2) + 1);
}
