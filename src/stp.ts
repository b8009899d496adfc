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
  while (done.size < all.length) {
    let u: string | undefined;
    for (const [name, c] of cost) {
      if (done.has(name)) continue;
      if (u === undefined || c < cost.get(u)! || (c === cost.get(u)! && cmpId(nodes.get(name)!.id, nodes.get(u)!.id) < 0)) u = name;
    }
    if (u === undefined) break;
    done.add(u);
    for (const t of nodes.get(u)!.edges) {
      const v = t.a === u ? t.b : t.a;
      if (done.has(v)) continue;
      const c = cost.get(u)! + t.cost;
      if (better(v, u, t, c)) {
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
  if (model.hosts.length > 120) return [];
  return model.hosts.map((h) => ({ lost: h.name, depth: electTree(model, new Set([h.name])).depth }));
}

/** The intact tree and the tree after every single host loss: what the checker and the renderer ask about. */
export interface TreeAnalysis {
  intact: StpResult;
  afterLoss: RedundancyLimit[];
}

const analyses = new WeakMap<RingModel, TreeAnalysis>();

/**
 * Elects the trees of a model once: timers, rules and the renderer all ask the same question.
 * The election reads hosts, priorities and tunnels only, which never change after the model is built.
 */
export function analyseTree(model: RingModel): TreeAnalysis {
  let analysis = analyses.get(model);
  if (!analysis) {
    analysis = { intact: electTree(model), afterLoss: depthAfterLoss(model) };
    analyses.set(model, analysis);
  }
  return analysis;
}
