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

/** Counts the work of elections (hosts settled), so tests can see how it grows with the ring. */
export interface ElectionWork {
  settled: number;
}

interface Election {
  result: StpResult;
  nodes: Map<string, Node>;
  cost: Map<string, number>;
  hops: Map<string, number>;
  rootPort: Map<string, TunnelModel>;
}

/** The root of the tree, and each host's cost, hops and root port, by Dijkstra's algorithm from the hosts already settled. */
function elect(model: RingModel, without: ReadonlySet<string>, work?: ElectionWork): Election {
  const nodes = new Map<string, Node>();
  for (const h of model.hosts) {
    if (!without.has(h.name)) nodes.set(h.name, { name: h.name, id: [h.priority, h.stpAddress], edges: [] });
  }
  const links = model.tunnels.filter((t) => nodes.has(t.a) && nodes.has(t.b) && t.a !== t.b);
  for (const t of links) {
    nodes.get(t.a)!.edges.push(t);
    nodes.get(t.b)!.edges.push(t);
  }
  const cost = new Map<string, number>();
  const hops = new Map<string, number>();
  const rootPort = new Map<string, TunnelModel>();
  const all = [...nodes.values()];
  if (all.length === 0) return { result: { root: undefined, blocked: [], depth: 0, unreachable: [] }, nodes, cost, hops, rootPort };
  const root = all.reduce((best, n) => (cmpId(n.id, best.id) < 0 ? n : best));
  cost.set(root.name, 0);
  hops.set(root.name, 0);
  const done = new Set<string>();
  settle(nodes, [root.name], done, cost, hops, rootPort, work);
  const tree = new Set(rootPort.values());
  return {
    result: {
      root: root.name,
      blocked: links.filter((t) => !tree.has(t)),
      depth: Math.max(0, ...hops.values()),
      unreachable: all.filter((n) => !done.has(n.name)).map((n) => n.name),
    },
    nodes,
    cost,
    hops,
    rootPort,
  };
}

/**
 * Dijkstra on path cost, ties broken as spanning tree breaks them (lower cost, then the lower
 * bridge ID of the upstream host, then the tunnel's name), from `start` (hosts whose cost and
 * hops are set) over the hosts of `nodes` not yet `done`.
 */
function settle(nodes: Map<string, Node>, start: string[], done: Set<string>, cost: Map<string, number>, hops: Map<string, number>, rootPort: Map<string, TunnelModel>, work?: ElectionWork): void {
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
  for (const name of start) queue.push({ cost: cost.get(name)!, node: nodes.get(name)! });
  while (done.size < nodes.size) {
    const next = queue.pop();
    if (next === undefined) break;
    const u = next.node.name;
    if (done.has(u) || cost.get(u) !== next.cost) continue;
    done.add(u);
    if (work) work.settled++;
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
}

export function electTree(model: RingModel, without: ReadonlySet<string> = new Set(), work?: ElectionWork): StpResult {
  return elect(model, without, work).result;
}

export interface RedundancyLimit {
  lost: string;
  depth: number;
}

/**
 * For every single host loss, how deep the tree becomes (hops the farthest host is from the root).
 * Losing a host changes only the tree below it: every other host keeps its root port (its path to
 * the root does not pass the lost host, and a host below it can only get farther). So, but for
 * the root's loss (a new election), only the lost host's subtree is elected again, from the
 * hosts around it; a leaf costs nothing. The work is the sum of the subtrees' sizes: hosts times
 * the depth, instead of hosts squared. With a path cost that is not positive the shortcut's
 * premise fails, and every loss is elected on its own, as before.
 */
export function depthAfterLoss(model: RingModel, work?: ElectionWork): RedundancyLimit[] {
  if (model.tunnels.some((t) => !(t.cost > 0) || !Number.isFinite(t.cost))) {
    return model.hosts.map((h) => ({ lost: h.name, depth: electTree(model, new Set([h.name]), work).depth }));
  }
  const intact = elect(model, new Set(), work);
  const { nodes, cost, hops, rootPort } = intact;
  const root = intact.result.root;
  // The tree in depth-first order: a host's subtree is the run order[first[v]] .. order[last[v]].
  const children = new Map<string, string[]>();
  for (const [v, t] of rootPort) {
    const up = t.a === v ? t.b : t.a;
    const list = children.get(up);
    if (list) list.push(v);
    else children.set(up, [v]);
  }
  const order: string[] = [];
  const first = new Map<string, number>();
  const last = new Map<string, number>();
  if (root !== undefined) {
    const stack: Array<[string, boolean]> = [[root, false]];
    while (stack.length > 0) {
      const [v, closing] = stack.pop()!;
      if (closing) {
        last.set(v, order.length - 1);
        continue;
      }
      first.set(v, order.length);
      order.push(v);
      stack.push([v, true]);
      for (const c of children.get(v) ?? []) stack.push([c, false]);
    }
  }
  // The deepest host before and after each position of that order.
  const hopAt = order.map((v) => hops.get(v)!);
  const before = hopAt.map((_, i) => 0);
  const after = hopAt.map((_, i) => 0);
  for (let i = 1; i < hopAt.length; i++) before[i] = Math.max(before[i - 1]!, hopAt[i - 1]!);
  for (let i = hopAt.length - 2; i >= 0; i--) after[i] = Math.max(after[i + 1]!, hopAt[i + 1]!);
  return model.hosts.map((h) => {
    const v = h.name;
    if (!nodes.has(v) || v === root) return { lost: v, depth: electTree(model, new Set([v]), work).depth };
    if (!first.has(v)) return { lost: v, depth: intact.result.depth }; // not reached: losing it changes nothing reached
    const lo = first.get(v)!;
    const hi = last.get(v)!;
    let depth = Math.max(lo > 0 ? before[lo]! : 0, hi < order.length - 1 ? after[hi]! : 0);
    if (hi > lo) {
      // Elect the subtree again: its hosts take the best root port they have left.
      const below = new Set(order.slice(lo + 1, hi + 1));
      const sub = new Map<string, Node>();
      for (const name of below) sub.set(name, { ...nodes.get(name)!, edges: nodes.get(name)!.edges.filter((t) => below.has(t.a === name ? t.b : t.a)) });
      const subCost = new Map<string, number>();
      const subHops = new Map<string, number>();
      const subPort = new Map<string, TunnelModel>();
      const ids = new Map<string, Node>(sub);
      for (const name of below) {
        for (const t of nodes.get(name)!.edges) {
          const u = t.a === name ? t.b : t.a;
          if (u === v || below.has(u)) continue;
          ids.set(u, nodes.get(u)!);
          const c = cost.get(u)! + t.cost;
          const cur = subCost.get(name);
          let wins = cur === undefined || c < cur;
          if (!wins && c === cur) {
            const old = subPort.get(name)!;
            const oldVia = old.a === name ? old.b : old.a;
            const byId = cmpId(nodes.get(u)!.id, nodes.get(oldVia)!.id);
            wins = byId < 0 || (byId === 0 && t.name < old.name);
          }
          if (wins) {
            subCost.set(name, c);
            subPort.set(name, t);
            subHops.set(name, hops.get(u)! + 1);
          }
        }
      }
      settleBelow(sub, ids, subCost, subHops, subPort, work);
      for (const d of subHops.values()) depth = Math.max(depth, d);
    }
    return { lost: v, depth };
  });
}

/** `settle` over a lost host's subtree, whose hosts start from the root ports they have outside it. */
function settleBelow(sub: Map<string, Node>, ids: Map<string, Node>, cost: Map<string, number>, hops: Map<string, number>, rootPort: Map<string, TunnelModel>, work?: ElectionWork): void {
  const done = new Set<string>();
  const all = new Map(ids);
  // Hosts outside the subtree are settled already; `settle` looks their bridge IDs up in `all`.
  const outside = [...ids.keys()].filter((k) => !sub.has(k));
  const nodes = new Map<string, Node>([...sub, ...outside.map((k) => [k, { ...all.get(k)!, edges: [] }] as [string, Node])]);
  for (const k of outside) done.add(k);
  const start = [...cost.keys()];
  settle(nodes, start, done, cost, hops, rootPort, work);
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
 * `from`: a model with the same hosts and tunnels whose trees serve (the model builder's draft,
 * whose trees fit the timers before the model is made).
 */
export function analyseTree(model: RingModel, from?: RingModel): TreeAnalysis {
  let analysis = analyses.get(model);
  if (!analysis && from && from.hosts === model.hosts && from.tunnels === model.tunnels) {
    analysis = analyseTree(from);
    analyses.set(model, analysis);
  }
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
