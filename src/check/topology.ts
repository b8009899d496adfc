/** The ring: connectivity, redundancy, spanning tree reach (peering is checked as the tunnels are paired, in tunnels.ts). */
import type { Report } from '../diagnostics';
import { tunnelsOf, type RingModel } from '../model/model';
import { analyseTree } from '../model/stp';

export function checkTopology(m: RingModel, r: Report): void {
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
