/**
 * Which tunnel is a ring neighbour's and which a chord: the one rule, for the builder (which
 * names the ring's own tunnels by it, before there is a model) and the model (which records each
 * tunnel's kind, for every later step to read).
 */

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
