/**
 * Steady-state spanning tree, computed the way 802.1D/802.1w elect it: lowest bridge
 * ID is root, every other bridge keeps its cheapest port to the root, and every link
 * that is nobody's root port is blocked. ringgen pins priorities and bridge addresses,
 * so the result is what the hosts will do.
 */
import type { RingModel, TunnelModel } from './model';

export interface StpResult {
  root: string | undefined;
  /** Tunnels spanning tree keeps blocked while every host is up. */
  blocked: TunnelModel[];
  /** Hops from the root to the farthest host (message age it sees). */
  depth: number;
  /** Hosts not reached from the root. */
  unreachable: string[];
}

interface Node {
  name: string;
  id: [number, string];
  edges: TunnelModel[];
}

/** A binary min-heap. */
class Heap<T> {
  private readonly items: T[] = [];

  constructor(private readonly less: (a: T, b: T) => number) {}

  push(item: T): void {
    const a = this.items;
    a.push(item);
    for (let i = a.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (this.less(a[i]!, a[p]!) >= 0) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }

  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l]!, a[m]!) < 0) m = l;
        if (r < a.length && this.less(a[r]!, a[m]!) < 0) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

const cmpId = (a: [number, string], b: [number, string]) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);

export function electTree(model: RingModel, without: ReadonlySet<string> = new Set()): StpResult {
  const nodes = new Map<string, Node>();
  for (const h of model.hosts) {
    if (!without.has(h.name)) nodes.set(h.name, { name: h.name, id: [h.priority, h.stpAddress], edges: [] });
  }
  const links = model.tunnels.filter((t) => nodes.has(t.a) && nodes.has(t.b) && t.a !== t.b);
  for (const t of links) {
    nodes.get(t.a)!.edges.push(t);
    nodes.get(t.b)!.edges.push(t);
  }
  const all = [...nodes.values()];
  if (all.length === 0) return { root: undefined, blocked: [], depth: 0, unreachable: [] };
  const root = all.reduce((best, n) => (cmpId(n.id, best.id) < 0 ? n : best));
  // Dijkstra on path cost; ties broken as spanning tree breaks them.
  const cost = new Map<string, number>([[root.name, 0]]);
  const hops = new Map<string, number>([[root.name, 0]]);
  const rootPort = new Map<string, TunnelModel>();
  const done = new Set<string>();
  const better = (v: string, via: string, t: TunnelModel, c: number) => {
    const cur = cost.get(v);
    if (cur === undefined || c < cur) return true;
    if (c > cur) return false;
    const old = rootPort.get(v)!;
    const oldVia = old.a === v ? old.b : old.a;
    const byId = cmpId(nodes.get(via)!.id, nodes.get(oldVia)!.id);
    return byId < 0 || (byId === 0 && t.name < old.name);
  };
  // The next host to settle: lowest cost, then lowest bridge ID (a heap; stale entries are skipped).
  const queue = new Heap<{ cost: number; node: Node }>((x, y) => x.cost - y.cost || cmpId(x.node.id, y.node.id));
  queue.push({ cost: 0, node: root });
  while (done.size < all.length) {
    const next = queue.pop();
    if (next === undefined) break;
    const u = next.node.name;
    if (done.has(u) || cost.get(u) !== next.cost) continue;
    done.add(u);
    for (const t of nodes.get(u)!.edges) {
      const v = t.a === u ? t.b : t.a;
      if (done.has(v)) continue;
      const c = cost.get(u)! + t.cost;
      if (better(v, u, t, c)) {
        if (cost.get(v) !== c) queue.push({ cost: c, node: nodes.get(v)! });
        cost.set(v, c);
        rootPort.set(v, t);
        hops.set(v, hops.get(u)! + 1);
      }
    }
  }
  const tree = new Set(rootPort.values());
  return {
    root: root.name,
    blocked: links.filter((t) => !tree.has(t)),
    depth: Math.max(0, ...hops.values()),
    unreachable: all.filter((n) => !done.has(n.name)).map((n) => n.name),
  };
}

export interface RedundancyLimit {
  lost: string;
  depth: number;
}

/** For every single host loss, how deep the tree becomes (hops the farthest host is from the root). */
export function depthAfterLoss(model: RingModel): RedundancyLimit[] {
  return model.hosts.map((h) => ({ lost: h.name, depth: electTree(model, new Set([h.name])).depth }));
}

/** The intact tree and the tree after every single host loss: what the checker and the renderer ask about. */
export interface TreeAnalysis {
  intact: StpResult;
  /** Elected on first use (one election per host): a ring too long even when intact never needs it. */
  readonly afterLoss: RedundancyLimit[];
}

const analyses = new WeakMap<RingModel, TreeAnalysis>();

/**
 * Elects the trees of a model once: timers, rules and the renderer all ask the same question.
 * The election reads hosts, priorities and tunnels only, which never change after the model is built.
 */
export function analyseTree(model: RingModel): TreeAnalysis {
  let analysis = analyses.get(model);
  if (!analysis) {
    let afterLoss: RedundancyLimit[] | undefined;
    analysis = {
      intact: electTree(model),
      get afterLoss() {
        return (afterLoss ??= depthAfterLoss(model));
      },
    };
    analyses.set(model, analysis);
  }
  return analysis;
}
