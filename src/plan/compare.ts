/**
 * Item-level differences of one host between two builds: tunnels, bridges, published ports
 * (from the manifest's summaries), iptables rules and files (from the files themselves).
 * Containers are matched across hosts in `plan.ts`, so a move reads as a move.
 */
import type { BridgeSummary, ContainerSummary, PublishSummary, TunnelSummary } from './host-summary';

export type Op = '+' | '-' | '~';
export type ChangeKind = 'ring' | 'tunnel' | 'bridge' | 'container' | 'publish' | 'rule' | 'file';

/** One line of a plan: what changes, in words, and what it is. */
export interface Change {
  op: Op;
  kind: ChangeKind;
  /** The item's key: tunnel name, container name, `8080/tcp`, a rule, a file path... */
  name: string;
  text: string;
  /** For a container that changes host: where it was and where it goes. */
  moved?: { from: string; to: string };
}

export const KIND_ORDER: readonly ChangeKind[] = ['ring', 'tunnel', 'bridge', 'container', 'publish', 'rule', 'file'];

/** `field a -> b` for every field that differs. */
function fieldChanges<T extends object>(old: T, now: T, fields: ReadonlyArray<keyof T>): string[] {
  return fields.filter((f) => old[f] !== now[f]).map((f) => `${String(f)} ${String(old[f])} -> ${String(now[f])}`);
}

function keyed<T>(
  kind: ChangeKind,
  old: readonly T[],
  now: readonly T[],
  key: (x: T) => string,
  describe: (x: T) => string,
  differ: (o: T, n: T) => string[],
): Change[] {
  const before = new Map(old.map((x) => [key(x), x]));
  const after = new Map(now.map((x) => [key(x), x]));
  const out: Change[] = [];
  for (const [k, o] of before) {
    const n = after.get(k);
    if (!n) out.push({ op: '-', kind, name: k, text: describe(o) });
    else {
      const diff = differ(o, n);
      if (diff.length > 0) out.push({ op: '~', kind, name: k, text: `${describe(n)}: ${diff.join(', ')}` });
    }
  }
  for (const [k, n] of after) if (!before.has(k)) out.push({ op: '+', kind, name: k, text: describe(n) });
  return out;
}

export const describeTunnel = (t: TunnelSummary) => `tunnel ${t.name} (${t.type}) to ${t.peer} ${t.remote}`;
export const describeContainer = (c: ContainerSummary) => `container ${c.name} ${c.ip} on ${c.bridge}, image ${c.image}`;
const target = (p: PublishSummary) => `${p.container}@${p.containerHost} ${p.ip}:${p.containerPort}`;
export const describePublish = (p: PublishSummary) => `publish ${p.port}/${p.proto} -> ${target(p)}`;

export function compareTunnels(old: readonly TunnelSummary[], now: readonly TunnelSummary[]): Change[] {
  return keyed('tunnel', old, now, (t) => `${t.name} to ${t.peer}`, describeTunnel, (o, n) => fieldChanges(o, n, ['remote', 'type', 'cost']));
}

export function compareBridges(old: readonly BridgeSummary[], now: readonly BridgeSummary[]): Change[] {
  const describe = (b: BridgeSummary) => `bridge ${b.name} ${b.subnet} (address ${b.address}, vlan ${b.vlan})`;
  return keyed('bridge', old, now, (b) => b.name, describe, (o, n) => fieldChanges(o, n, ['subnet', 'address', 'vlan']));
}

/** Where the container runs is no concern of the publishing host: it forwards to an address. */
export function comparePublished(old: readonly PublishSummary[], now: readonly PublishSummary[]): Change[] {
  const forward = (p: PublishSummary) => `${p.container} ${p.ip}:${p.containerPort}`;
  const differ = (o: PublishSummary, n: PublishSummary) => (forward(o) === forward(n) ? [] : [`was ${target(o)}`]);
  return keyed('publish', old, now, (p) => `${p.port}/${p.proto}`, describePublish, differ);
}

/** Container changes on a host that keeps the container (moves are found elsewhere). */
export function containerChange(o: ContainerSummary, n: ContainerSummary): Change | undefined {
  const diff = fieldChanges(o, n, ['ip', 'bridge', 'image']);
  if (diff.length === 0 && o.settings === n.settings) return undefined;
  const recreated = o.settings === n.settings ? '' : diff.length === 0 ? 'settings changed, up.sh recreates it' : 'up.sh recreates it';
  return { op: '~', kind: 'container', name: n.name, text: `container ${n.name}: ${[...diff, ...(recreated ? [recreated] : [])].join(', ')}` };
}

/** Rules of an `iptables-restore` file that one version has and the other not. */
export function compareRules(old: string | undefined, now: string | undefined): Change[] {
  const rules = (text: string | undefined) => new Set((text ?? '').split('\n').filter((l) => l.startsWith('-A ')));
  const before = rules(old);
  const after = rules(now);
  return [
    ...[...before].filter((r) => !after.has(r)).map((r): Change => ({ op: '-', kind: 'rule', name: r, text: `rule ${r}` })),
    ...[...after].filter((r) => !before.has(r)).map((r): Change => ({ op: '+', kind: 'rule', name: r, text: `rule ${r}` })),
  ];
}
