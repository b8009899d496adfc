/** Codes of tunnels and the ring: peering, connectivity, redundancy, spanning tree reach. */
import { defineCode, quotedList } from '../define';

const TUNNEL_NAME_DUPLICATE = defineCode<{ tunnel: string; host: string }>()({
  severity: 'error',
  summary: 'a tunnel name is used twice on one host',
  values: ['tunnel', 'host'],
  message: (v) => `tunnel name "${v.tunnel}" is used twice on host "${v.host}"`,
  hint: 'Tunnel names must not repeat on one host; the two ends of one tunnel share a name.',
});

const TUNNEL_SELF = defineCode<{ tunnel: string; host: string }>()({
  severity: 'error',
  summary: 'a tunnel points at its own host',
  values: ['tunnel', 'host'],
  message: (v) => `tunnel "${v.tunnel}" of host "${v.host}" points at the host itself`,
  hint: 'A tunnel joins two different hosts.',
});

/** `hostIp` is this host's internal IP, which the missing end would name as its remote. */
const TUNNEL_PEER_MISSING = defineCode<{ tunnel: string; host: string; peer: string; hostIp: string }>()({
  severity: 'error',
  summary: "a tunnel's peer lists no tunnel of that name back",
  values: ['tunnel', 'host', 'peer', 'hostIp'],
  message: (v) => `tunnel "${v.tunnel}" of host "${v.host}" has no other end: host "${v.peer}" lists no tunnel "${v.tunnel}" back to "${v.host}"`,
  hint: (v) => `Add { name: "${v.tunnel}", peer: "${v.host}", remote: "${v.hostIp}" } to the tunnels of host "${v.peer}".`,
});

/** `peerNames`: what the peer calls its tunnels back. */
const TUNNEL_NAME_MISMATCH = defineCode<{ tunnel: string; host: string; peer: string; peerNames: readonly string[] }>()({
  severity: 'error',
  summary: 'the two ends of a tunnel carry different names',
  values: ['tunnel', 'host', 'peer', 'peerNames'],
  message: (v) => `host "${v.host}" calls its tunnel to "${v.peer}" "${v.tunnel}", but "${v.peer}" calls it ${quotedList(v.peerNames)}`,
  hint: 'Both ends of one tunnel carry the same name: rename one end.',
});

/** `remote` as given (any JSON value reads as its JSON text in the message), `peerIp` the peer's internal IP. */
const TUNNEL_REMOTE_MISMATCH = defineCode<{ tunnel: string; host: string; peer: string; remote: string; peerIp: string }>()({
  severity: 'error',
  summary: "a tunnel end's `remote` is not the peer's internal IP",
  values: ['tunnel', 'host', 'peer', 'remote', 'peerIp'],
  message: (v) => `tunnel "${v.tunnel}" of host "${v.host}" points at ${JSON.stringify(v.remote)}, but host "${v.peer}" has internal IP ${v.peerIp}`,
  hint: (v) => `Set remote to ${v.peerIp}, the peer's internal IP.`,
});

const TUNNEL_COST_MISMATCH = defineCode<{ tunnel: string; host: string; cost: number; peer: string; peerCost: number }>()({
  severity: 'error',
  summary: 'the two ends of a tunnel (in a plain spec) give different costs',
  values: ['tunnel', 'host', 'cost', 'peer', 'peerCost'],
  message: (v) => `the ends of tunnel "${v.tunnel}" give different costs: ${v.cost} on "${v.host}", ${v.peerCost} on "${v.peer}"`,
  hint: 'Give both ends the same cost, or set it on one end only.',
});

/** `first` is the tunnel declared first between hosts `a` and `b`. */
const TUNNEL_PARALLEL = defineCode<{ first: string; tunnel: string; a: string; b: string }>()({
  severity: 'warning',
  summary: 'a second tunnel joins the same two hosts',
  values: ['first', 'tunnel', 'a', 'b'],
  message: (v) => `tunnels "${v.first}" and "${v.tunnel}" both join "${v.a}" and "${v.b}"`,
  hint: 'A second tunnel between the same pair adds no redundancy against losing a host; spanning tree blocks one of them.',
});

type RingDisconnected = { kind: 'empty' } | { kind: 'unreachable'; unreachable: readonly string[]; root: string };

const RING_DISCONNECTED = defineCode<RingDisconnected>()({
  severity: 'error',
  summary: 'the ring has no hosts, or some host cannot reach the others through tunnels whose ends agree',
  values: ['kind', 'unreachable', 'root'],
  kinds: ['empty', 'unreachable'],
  message: (v) => (v.kind === 'empty' ? 'the ring has no hosts' : `the ring is not connected: ${quotedList(v.unreachable)} cannot reach "${v.root}"`),
  hint: (v) => (v.kind === 'empty' ? 'Declare at least one host (three for a redundant ring).' : 'Join every host to the ring with tunnels whose two ends agree.'),
});

/** `ring`: the ring has only `hosts` hosts; `host`: that host has `tunnels` working tunnels. */
type RingNoRedundancy = { kind: 'ring'; hosts: number } | { kind: 'host'; host: string; tunnels: number };

const RING_NO_REDUNDANCY = defineCode<RingNoRedundancy>()({
  severity: 'warning',
  summary: 'fewer than 3 hosts, or a host with fewer than 2 working tunnels',
  values: ['kind', 'hosts', 'host', 'tunnels'],
  kinds: ['ring', 'host'],
  message: (v) =>
    v.kind === 'ring'
      ? `a ring of ${v.hosts} host(s) has no redundancy`
      : `host "${v.host}" has ${v.tunnels} working tunnel(s): losing ${v.tunnels === 1 ? 'its peer' : 'nothing'} cuts it off`,
  hint: (v) =>
    v.kind === 'ring' ? 'Use at least three hosts so the ring survives the loss of one.' : 'Every host needs at least two tunnels to stay in the ring when a neighbour fails.',
});

/** `depth`: hops from the root to the farthest host; `maximum` what `maxAge` allows (max-age - 1). */
const RING_TOO_LONG = defineCode<{ depth: number; maxAge: number; maximum: number }>()({
  severity: 'error',
  summary: 'the farthest host is more hops from the spanning tree root than max-age allows',
  values: ['depth', 'maxAge', 'maximum'],
  message: (v) =>
    `the farthest host is ${v.depth} hops from the spanning tree root, more than max-age ${v.maxAge} allows (${v.maximum}): spanning tree cannot serve this ring at all ` +
    '(with max-age 40, the most Open vSwitch accepts, a ring of more than about 79 hosts never converges, and it stops surviving a lost host beyond about 41)',
  hint: 'Split the hosts into several rings (see docs/scaling.md), add chords, or raise maxAge (at most 40).',
});

/** After losing host `lost` the far end is `depth` hops away; `failures` single-host losses go too far. */
const RING_REDUNDANCY_LIMIT = defineCode<{ maxAge: number; lost: string; depth: number; failures: number }>()({
  severity: 'error',
  summary: 'after losing some single host, a host would be more hops from the root than max-age allows',
  values: ['maxAge', 'lost', 'depth', 'failures'],
  message: (v) =>
    `the ring is longer than spanning tree can serve with max-age ${v.maxAge}: after losing host "${v.lost}" the ring is a line whose far end is ${v.depth} hops from the root, ` +
    `so ${v.failures} single-host failure(s) would cut hosts off (a ring of more than about 40 hosts cannot keep its redundancy; max-age 40 is the most Open vSwitch accepts)`,
  hint: 'Keep rings to 40 hosts or fewer (more hosts: several rings, see docs/scaling.md), raise maxAge (at most 40), or add chords.',
});

const STP_OFF_LOOP = defineCode()({
  severity: 'error',
  summary: "`stp: 'off'` while the tunnels form a loop",
  values: [],
  message: 'spanning tree is off but the tunnels form a loop: broadcasts would circle the ring forever',
  hint: "Use stp: 'rstp' (the default) or 'stp'.",
});

export const TOPOLOGY_CODES = {
  TUNNEL_NAME_DUPLICATE,
  TUNNEL_SELF,
  TUNNEL_PEER_MISSING,
  TUNNEL_NAME_MISMATCH,
  TUNNEL_REMOTE_MISMATCH,
  TUNNEL_COST_MISMATCH,
  TUNNEL_PARALLEL,
  RING_DISCONNECTED,
  RING_NO_REDUNDANCY,
  RING_TOO_LONG,
  RING_REDUNDANCY_LIMIT,
  STP_OFF_LOOP,
};
