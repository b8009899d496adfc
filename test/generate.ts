/**
 * Seeded random rings for test/generative.test.ts: valid rings that span the DSL (hosts,
 * tunnel types, every ring option, bridges, chords, containers with every option), and
 * mutations of them that the checker must refuse. No dependency: a small PRNG with fixed
 * seeds, so a failure names the seed that reproduces it (`validRing(new Rng(seed), shape)`).
 */
import { ring, type BridgeOptions, type ContainerOptions, type HostOptions, type RingBuilder, type TunnelOptions } from '../src/input/dsl';
import type { RingOptions, RingSpec, StpMode, TunnelType } from '../src/input/spec';

/** mulberry32: 32 bits of state, good enough to pick test inputs, the same on every machine. */
export class Rng {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from nothing');
    return items[this.int(0, items.length - 1)]!;
  }

  /** An integer in [lo, hi], its ends more often than their share (that is where ranges break). */
  edgy(lo: number, hi: number): number {
    const r = this.next();
    return r < 0.15 ? lo : r < 0.3 ? hi : this.int(lo, hi);
  }

  /** `k` distinct items, in random order. */
  sample<T>(items: readonly T[], k: number): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy.slice(0, k);
  }

  chars(alphabet: string, length: number): string {
    let s = '';
    for (let i = 0; i < length; i++) s += alphabet[this.int(0, alphabet.length - 1)];
    return s;
  }
}

/** Everything the DSL is given, as plain data, so a mutation can edit it before the ring is built. */
export interface Draft {
  name: string;
  options: RingOptions;
  hosts: Array<{ name: string } & HostOptions>;
  bridges: Array<{ name: string } & BridgeOptions>;
  containers: Array<{ name: string } & ContainerOptions>;
  /** `.tunnel(name, a, b, options)` declarations: renamed neighbour tunnels and chords. */
  tunnels: Array<[string, string, string, TunnelOptions?]>;
  /** Build with the array forms (`.hosts([...])`) rather than one call per item. */
  arrays: boolean;
}

/** What a generated ring is expected to do beyond "no errors". */
export interface Expect {
  /** Warning codes the ring may give (fewer than 3 hosts, parallel tunnels). */
  warnings: Set<string>;
}

export interface Generated {
  seed: number;
  draft: Draft;
  expect: Expect;
  /** Set for rings written as a plain spec with tunnels of their own (any connected graph): the input. */
  spec?: RingSpec;
}

/** The ring through the DSL. */
export function toBuilder(d: Draft): RingBuilder {
  const b = ring(d.name, d.options);
  if (d.arrays) b.hosts(d.hosts).bridges(d.bridges).containers(d.containers);
  else {
    for (const { name, ...h } of d.hosts) b.host(name, h);
    for (const { name, ...br } of d.bridges) b.bridge(name, br);
    for (const { name, ...c } of d.containers) b.container(name, c);
  }
  for (const [name, a, z, opts] of d.tunnels) b.tunnel(name, a, z, opts);
  return b;
}

/** The ring as a plain spec, through JSON (what a .ring.json file gives). */
export function toJsonSpec(d: Draft): RingSpec {
  return JSON.parse(JSON.stringify(toBuilder(d).toSpec())) as RingSpec;
}

// ---------------------------------------------------------------------------------------------
// IPv4 arithmetic of the tests' own (not ringgen's, so a bug there cannot hide itself)
// ---------------------------------------------------------------------------------------------

export const ip = (n: number): string => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
export const num = (s: string): number => s.split('/')[0]!.split('.').reduce((a, o) => a * 256 + Number(o), 0);

export interface Net {
  network: number;
  prefix: number;
  size: number;
}

export const cidr = (n: Net): string => `${ip(n.network)}/${n.prefix}`;
export function parseNet(s: string): Net {
  const [a, p] = s.split('/');
  const prefix = Number(p);
  return { network: num(a!), prefix, size: 2 ** (32 - prefix) };
}
export const inside = (n: Net, x: number): boolean => x >= n.network && x < n.network + n.size;

// ---------------------------------------------------------------------------------------------
// Names and free text
// ---------------------------------------------------------------------------------------------

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const IFACE_TAIL = `${LOWER}ABCDEFGHIJKLMNOPQRSTUVWXYZ${DIGITS}_-`;

/** Strings that must reach docker as exactly one argument each. */
export const HOSTILE = ['$(touch /tmp/ringgen-gen-pwned)', '`id`', 'a; rm -rf /', "it's", '"quoted"', 'line1\nline2', '\\back\\slash', '$HOME ${PATH}', '*', '-rf', ' lead', 'trail ', '', '{{handlebars}}', '\t', 'ümlaut €', '%s %n', "'", '!event', '#not a comment', '~', 'a=b=c', '--', '>out', '|pipe', '&', 'ends in \\', "\\'", 'it\u2019s \u2018typographic\u2019', 'a\r\nb', 'x\n\n\n\ny', 'bell\x07 esc\x1b[0m del\x7f'];

function hostLabel(rng: Rng): string {
  switch (rng.int(0, 6)) {
    case 6:
      return rng.chance(0.5) ? 'constructor' : rng.chars(LOWER, 1);
    case 0:
      return rng.chars(DIGITS, rng.int(1, 3));
    case 1: {
      const len = rng.pick([1, 2, 63]);
      if (len === 1) return rng.chars(LOWER + DIGITS, 1);
      return rng.chars(LOWER, 1) + rng.chars(`${LOWER}${DIGITS}-`, len - 2) + rng.chars(DIGITS, 1);
    }
    default:
      return `${rng.pick(['node', 'h', 'host', 'db', 'x-y', 'rack1-'])}${rng.chars(`${LOWER}${DIGITS}`, rng.int(1, 6))}`;
  }
}

/** An interface-type name: `first` then `[A-Za-z0-9_-]`, `length` characters in all. */
function ifaceName(rng: Rng, first: string, length: number): string {
  return first + rng.chars(IFACE_TAIL, length - first.length);
}

function containerName(rng: Rng): string {
  if (rng.chance(0.1)) return rng.chars(`${LOWER}ABC${DIGITS}`, 1) + rng.chars(`${LOWER}_.-${DIGITS}`, 62);
  return rng.chars(`${LOWER}ABCXYZ${DIGITS}`, 1) + rng.chars(`${LOWER}${DIGITS}_.-`, rng.int(1, 12));
}

function imageRef(rng: Rng): string {
  const component = () => {
    let s = rng.chars(LOWER + DIGITS, rng.int(1, 5));
    if (rng.chance(0.4)) s += rng.pick(['.', '_', '__', '-', '---']) + rng.chars(LOWER + DIGITS, rng.int(1, 4));
    return s;
  };
  let ref = '';
  if (rng.chance(0.3)) ref += `${rng.pick(['registry.example', 'localhost', 'ghcr.io', 'Reg-1.example'])}${rng.chance(0.5) ? `:${rng.int(1, 65535)}` : ''}/`;
  ref += Array.from({ length: rng.int(1, 3) }, component).join('/');
  // A long tag and a digest each, never both: a reference has at most 255 characters.
  if (rng.chance(0.15)) ref += `@sha256:${rng.chars('0123456789abcdef', 64)}`;
  else if (rng.chance(0.5)) ref += `:${rng.pick(['latest', '1.27', 'v2_beta-1', 'A'.repeat(128)])}`;
  return ref;
}

/** Free text for a path: no control, line-break or invisible characters (refused in paths). */
const pathText = (rng: Rng) => freeText(rng).replace(/[\u0000-\u001f\u007f-\u009f]/g, '');

function freeText(rng: Rng): string {
  return rng.chance(0.6) ? rng.pick(HOSTILE) : rng.chars(`${LOWER} ${DIGITS}$'"\\\`;&|<>(){}*?[]!#~=%,\n\r\t\x1b\u2018\u2019\u201cü€`, rng.int(0, 20));
}

// ---------------------------------------------------------------------------------------------
// Valid rings
// ---------------------------------------------------------------------------------------------

/** Dimensions a test pins so the fixed seeds are sure to cover them; the rest is random. */
export interface Shape {
  hosts?: number;
  tunnel?: TunnelType;
  stp?: StpMode;
  /** Share of hosts with an external address (0: none, 1: all). */
  external?: number;
  containers?: number;
}

const HOST_COUNTS = [1, 2, 3, 3, 4, 4, 5, 6, 7, 8, 10, 12, 16, 24, 33, 40];

/** One valid ring: no errors; warnings only as `expect.warnings` says. */
export function validRing(seed: number, shape: Shape = {}): Generated {
  const rng = new Rng(seed);
  const tunnel: TunnelType = shape.tunnel ?? rng.pick(['gre', 'vxlan']);
  const n = shape.hosts ?? rng.pick(HOST_COUNTS);
  const stp: StpMode = shape.stp ?? (n <= 2 && rng.chance(0.3) ? 'off' : rng.pick(['rstp', 'rstp', 'stp']));
  const warnings = new Set<string>();
  if (n < 3) warnings.add('RING_NO_REDUNDANCY');
  const options: RingOptions = {};
  if (shape.tunnel !== undefined || rng.chance(0.7)) options.tunnel = tunnel;
  if (shape.stp !== undefined || stp !== 'rstp' || rng.chance(0.3)) options.stp = stp;

  // Hosts: unique names and addresses; internals in 10/8, externals in the documentation ranges.
  const names = new Set<string>();
  const RESERVED = ['ansible', 'manifest', 'graph', 'deploy', 'inventory', 'playbook', 'common', 'lib', 'docs'];
  while (names.size < n) {
    const name = hostLabel(rng);
    if (!RESERVED.includes(name)) names.add(name);
  }
  const hostNames = [...names];
  const used = new Set<number>();
  const fresh = (make: () => number) => {
    for (;;) {
      const x = make();
      if (!used.has(x)) {
        used.add(x);
        return x;
      }
    }
  };
  const extShare = shape.external ?? rng.pick([0, 0.3, 0.5, 1]);
  const costMax = stp === 'rstp' ? 200000000 : 65535;
  const priorityOk = () => (stp === 'rstp' ? 4096 * rng.int(0, 15) : rng.edgy(0, 65535));
  const hosts: Draft['hosts'] = hostNames.map((name) => {
    const h: Draft['hosts'][number] = { name, internal: ip(fresh(() => (10 << 24) + rng.int(1, 0xfffffe))) };
    if (rng.chance(0.4)) h.internal += rng.pick(['/8', '/16', '/24', '/32']);
    if (rng.chance(extShare)) {
      const ext = ip(fresh(() => num(rng.pick(['198.51.100.0', '203.0.113.0', '192.0.2.0'])) + rng.int(1, 254)));
      h.external = rng.chance(0.3) ? `${ext}/24` : ext;
    }
    if (rng.chance(0.1)) h.internalIface = ifaceName(rng, 'e', rng.int(2, 15));
    if (rng.chance(0.1)) h.externalIface = ifaceName(rng, 'E', rng.int(2, 15));
    if (rng.chance(0.15)) h.priority = priorityOk();
    return h;
  });

  // Ring options, each left out half the time or so.
  if (rng.chance(0.4)) options.datapath = rng.pick(['system', 'netdev']);
  if (rng.chance(0.3)) options.ovsBridge = ifaceName(rng, 'o', rng.int(1, 15));
  const overhead = tunnel === 'gre' ? 42 : 54;
  if (rng.chance(0.5)) options.underlayMtu = rng.pick([1500, 9000, 65535, 1280 + overhead, rng.int(1280 + overhead, 9000)]);
  const overlay = (options.underlayMtu ?? 1500) - overhead;
  const bfdChoice = rng.int(0, 5);
  if (bfdChoice === 1) options.bfd = false;
  else if (bfdChoice === 2) options.bfd = true;
  else if (bfdChoice === 3) options.bfd = {};
  else if (bfdChoice >= 4) options.bfd = { interval: rng.edgy(10, 10000) };
  if (rng.chance(0.3)) options.root = rng.pick(hostNames);
  if (stp !== 'off') {
    if (rng.chance(0.3)) options.rootPriority = priorityOk();
    if (rng.chance(0.3)) options.priority = priorityOk();
    // Timers: any ring of up to 40 hosts fits max-age 40; an explicit max-age only on short rings.
    let maxAge: number | undefined;
    if (n <= 6 && rng.chance(0.4)) maxAge = options.maxAge = rng.edgy(Math.max(6, n), 40);
    if (stp === 'stp' && rng.chance(0.4)) options.helloTime = rng.edgy(1, maxAge === undefined ? 9 : Math.min(10, Math.floor(maxAge / 2) - 1));
    if (rng.chance(0.3)) {
      const finalAge = maxAge ?? Math.max(20, n);
      options.forwardDelay = rng.edgy(Math.max(4, Math.ceil(finalAge / 2) + 1), 30);
    }
    if (rng.chance(0.3)) options.tunnelCost = rng.edgy(1, costMax);
  }
  if (rng.chance(0.2)) options.internalIface = ifaceName(rng, 'e', rng.int(1, 15));
  if (rng.chance(0.2)) options.externalIface = ifaceName(rng, 'E', rng.int(1, 15));
  if (rng.chance(0.3)) options.egressNat = rng.chance(0.5);
  if (rng.chance(0.3)) options.vni = rng.edgy(1, 16777215);
  if (rng.chance(0.3)) options.dockerNetwork = rng.pick(['bridge', 'none']);

  // Bridges: non-overlapping subnets in 172.16/12 (not Docker's 172.17/16) and 192.168/16, sized
  // for hosts and containers.
  const DOCKER_DEFAULT: Net = { network: num('172.17.0.0'), prefix: 16, size: 65536 };
  const nBridges = rng.pick([0, 1, 1, 2, 2, 3, 4]);
  const nContainers = nBridges === 0 ? 0 : (shape.containers ?? rng.pick([0, 1, 2, 5, 8, 12, 30]));
  const perBridge = Array.from({ length: nBridges }, () => 0);
  for (let i = 0; i < nContainers; i++) perBridge[rng.int(0, nBridges - 1)]!++;
  const bridgeNames = new Set<string>();
  while (bridgeNames.size < nBridges) {
    bridgeNames.add(rng.chance(0.1) ? rng.pick(['constructor', 'valueOf', 'b']) : ifaceName(rng, rng.pick(['b', 'B', 'br']), rng.int(2, 12)));
  }
  const nets: Net[] = [];
  const explicitVlans = new Set<number>();
  const bridges: Draft['bridges'] = [...bridgeNames].map((name, i) => {
    const explicitAddrs = Math.min(n, rng.pick([0, 0, 1, 2]));
    const need = n + perBridge[i]! + explicitAddrs + 1;
    const fits = [16, 18, 20, 22, 23, 24, 25, 26, 27, 28, 29, 30].filter((p) => 2 ** (32 - p) - 2 >= need);
    const prefix = rng.chance(0.4) ? fits[fits.length - 1]! : rng.pick(fits);
    let net: Net;
    do {
      const [base, bits] = rng.pick([[num('172.16.0.0'), 12], [num('192.168.0.0'), 16]] as const);
      const size = 2 ** (32 - prefix);
      net = { network: base + size * rng.int(0, 2 ** (prefix - bits) - 1), prefix, size };
      // Docker's default bridge network (172.17.0.0/16) gives a warning: valid rings stay out of it.
    } while ([...nets, DOCKER_DEFAULT].some((o) => o.network < net.network + net.size && net.network < o.network + o.size));
    nets.push(net);
    const b: Draft['bridges'][number] = { name, subnet: cidr(net) };
    if (rng.chance(0.3)) {
      let vlan: number;
      do vlan = rng.edgy(100, 4094);
      while (explicitVlans.has(vlan));
      explicitVlans.add(vlan);
      b.vlan = vlan;
    }
    (b as { explicitAddrs?: number }).explicitAddrs = explicitAddrs;
    return b;
  });

  // Each bridge's free addresses: not network, broadcast, or the default address of a host
  // that keeps it (hosts with an explicit address free theirs, which a container may take).
  const free = bridges.map((b, bi) => {
    const net = nets[bi]!;
    const explicitFor = new Set(rng.sample(hosts.map((_, i) => i), (b as { explicitAddrs?: number }).explicitAddrs ?? 0));
    delete (b as { explicitAddrs?: number }).explicitAddrs;
    const pool: number[] = [];
    for (let a = net.network + 1; a < net.network + net.size - 1; a++) {
      const hostIndex = a - net.network - 1;
      if (hostIndex < n && !explicitFor.has(hostIndex)) continue;
      pool.push(a);
    }
    const take = () => pool.splice(rng.int(0, pool.length - 1), 1)[0]!;
    for (const hi of explicitFor) {
      const h = hosts[hi]!;
      h.bridgeAddresses = { ...(h.bridgeAddresses ?? {}), [b.name]: ip(take()) };
    }
    return { net, take, hostAddr: (hi: number) => {
        const own = hosts[hi]!.bridgeAddresses;
        return own && Object.hasOwn(own, b.name) ? own[b.name]! : ip(net.network + 1 + hi);
      },
    };
  });

  // Containers.
  const onHost = new Map<string, Set<string>>(hostNames.map((h) => [h, new Set()]));
  const externalHosts = hosts.filter((h) => h.external !== undefined).map((h) => h.name);
  const ports = new Set<string>();
  const containers: Draft['containers'] = [];
  const byBridge = new Map<string, string[]>();
  const order: number[] = perBridge.flatMap((count, bi) => Array.from({ length: count }, () => bi));
  for (const bi of order) {
    const b = bridges[bi]!;
    const host = rng.pick(hostNames);
    let name = '';
    const reuse = containers.map((c) => c.name).filter((x) => !onHost.get(host)!.has(x));
    if (reuse.length > 0 && rng.chance(0.2)) name = rng.pick(reuse);
    else {
      do name = containerName(rng);
      while (onHost.get(host)!.has(name));
    }
    onHost.get(host)!.add(name);
    const addr = ip(free[bi]!.take());
    const c: Draft['containers'][number] = { name, host, bridge: b.name, ip: addr, image: imageRef(rng) };
    if (rng.chance(0.4)) c.command = Array.from({ length: rng.int(0, 5) }, () => freeText(rng));
    if (rng.chance(0.4)) {
      c.env = {};
      for (let k = rng.int(0, 4); k > 0; k--) c.env[rng.chars(`${LOWER}ABC_`, 1) + rng.chars(`${LOWER}ABC_${DIGITS}`, rng.int(0, 10))] = freeText(rng);
    }
    if (rng.chance(0.15)) c.envFile = `/etc/ringgen/${pathText(rng)}.env`;
    if (rng.chance(0.3)) {
      // Targets of one container differ (Docker refuses two mounts on one path): one component each, numbered.
      c.volumes = Array.from({ length: rng.int(1, 2) }, (_, k) =>
        rng.chance(0.5)
          ? { source: `/srv/${pathText(rng)}`, target: `/data${k}-${pathText(rng).replace(/\//g, '_')}`, ...(rng.chance(0.5) ? { readonly: rng.chance(0.5) } : {}) }
          : { volume: rng.chars(LOWER + DIGITS, 1) + rng.chars(`${LOWER}${DIGITS}_.-`, rng.int(0, 20)), target: `/v${k}` },
      );
    }
    if (rng.chance(0.3)) c.restart = rng.pick(['no', 'always', 'unless-stopped', 'on-failure']);
    if (rng.chance(0.3)) c.tty = rng.chance(0.5);
    if (rng.chance(0.3)) c.interactive = rng.chance(0.5);
    if (rng.chance(0.4)) {
      const peers = byBridge.get(b.name) ?? [];
      const other = rng.int(0, n - 1);
      const choice = rng.int(0, 2);
      c.gateway = choice === 0 || (choice === 1 && peers.length === 0) ? 'host' : choice === 1 ? rng.pick(peers) : free[bi]!.hostAddr(other);
    }
    if (rng.chance(0.2)) c.mtu = rng.edgy(576, overlay);
    if (externalHosts.length > 0 && rng.chance(0.5)) {
      c.publish = [];
      for (let k = rng.int(1, 3); k > 0; k--) {
        const on = rng.pick(externalHosts);
        const suffix = rng.pick(['', '/tcp', '/udp']);
        const proto = suffix === '/udp' ? 'udp' : 'tcp';
        let port: number;
        do port = rng.edgy(1, 65535);
        while (ports.has(`${on}/${proto}/${port}`));
        ports.add(`${on}/${proto}/${port}`);
        const inner = rng.edgy(1, 65535);
        c.publish.push(on === host && rng.chance(0.5) ? `${port}:${inner}${suffix}` : `${on}:${port}:${inner}${suffix}`);
      }
    }
    if (rng.chance(0.2)) c.network = rng.pick(['bridge', 'none']);
    if (rng.chance(0.2)) c.hostname = rng.chars(`${LOWER}ABC${DIGITS}`, 1) + (rng.chance(0.5) ? rng.chars(`${LOWER}${DIGITS}-`, rng.int(0, 20)) + rng.chars(LOWER, 1) : '');
    containers.push(c);
    byBridge.set(b.name, [...(byBridge.get(b.name) ?? []), addr]);
  }

  // Tunnels: rename some of the ring's own, add chords (never with spanning tree off).
  const tunnels: Draft['tunnels'] = [];
  // Names are unique per host; now and then one names two tunnels between four different hosts.
  const hostsOfName = new Map<string, Set<string>>();
  const tunnelName = (a: string, z: string) => {
    const reusable = [...hostsOfName].filter(([, on]) => !on.has(a) && !on.has(z)).map(([name]) => name);
    let name = reusable.length > 0 && rng.chance(0.15) ? rng.pick(reusable) : '';
    while (name === '' || (hostsOfName.has(name) && !reusable.includes(name))) {
      name = rng.chance(0.2) ? `${rng.pick(['gre', 'vx'])}${rng.int(0, 50)}` : ifaceName(rng, rng.pick(['T', 'k', 'tun']), rng.int(3, 15));
    }
    hostsOfName.set(name, new Set([...(hostsOfName.get(name) ?? []), a, z]));
    return name;
  };
  const costOpt = (): TunnelOptions | undefined => (rng.chance(0.4) ? { cost: rng.edgy(1, costMax) } : undefined);
  const neighbours: Array<[string, string]> = n === 2 ? [[hostNames[0]!, hostNames[1]!]] : n >= 3 ? hostNames.map((h, i) => [h, hostNames[(i + 1) % n]!]) : [];
  for (const [a, z] of neighbours) {
    if (rng.chance(0.2)) tunnels.push([tunnelName(a, z), ...(rng.chance(0.5) ? [a, z] : [z, a]) as [string, string], costOpt()]);
  }
  if (stp !== 'off' && n >= 4) {
    const pairs = new Set(neighbours.map(([a, z]) => [a, z].sort().join('\n')));
    for (let k = rng.pick([0, 0, 1, 2, 3]); k > 0; k--) {
      const [a, z] = rng.sample(hostNames, 2) as [string, string];
      const key = [a, z].sort().join('\n');
      if (pairs.has(key)) continue;
      pairs.add(key);
      tunnels.push([tunnelName(a, z), a, z, costOpt()]);
    }
  }
  if (stp !== 'off' && n >= 2 && rng.chance(0.15)) {
    // A second tunnel between neighbours (a declaration after the one that names the ring's own):
    // allowed, with a warning.
    const [a, z] = rng.pick(neighbours);
    tunnels.push([tunnelName(a, z), a, z, costOpt()], [tunnelName(a, z), z, a, costOpt()]);
    warnings.add('TUNNEL_PARALLEL');
  }

  // The ring's name now and then one Ansible reserves, or a host's.
  const hostLike = hostNames.filter((h) => /^[a-z][a-z0-9-]{0,19}$/.test(h));
  const name = rng.chance(0.15) ? rng.pick(['all', 'ungrouped', ...hostLike]) : rng.chars(LOWER, 1) + rng.chars(`${LOWER}${DIGITS}-`, rng.pick([0, 3, 6, 19]));
  return { seed, draft: { name, options, hosts, bridges, containers, tunnels, arrays: rng.chance(0.5) }, expect: { warnings } };
}

/**
 * A valid ring written as a plain spec whose tunnels are any connected graph rather than a
 * ring: a random tree (spanning tree off allows nothing else), with extra tunnels when spanning
 * tree is on. Hosts left with fewer than two tunnels give RING_NO_REDUNDANCY warnings.
 */
export function graphRing(seed: number, shape: Shape = {}): Generated {
  const g = validRing(seed, shape);
  const rng = new Rng(seed ^ 0x5eed);
  const spec = toJsonSpec({ ...g.draft, tunnels: [] });
  const hosts = spec.hosts;
  for (const h of hosts) h.tunnels = [];
  const stp = spec.options?.stp ?? 'rstp';
  const costMax = stp === 'rstp' ? 200000000 : 65535;
  const pairs = new Set<string>();
  let next = 0;
  const join = (a: (typeof hosts)[number], b: (typeof hosts)[number]) => {
    const key = [a.name, b.name].sort().join('\n');
    if (a === b || pairs.has(key)) return;
    pairs.add(key);
    const name = `${rng.pick(['t', 'T', 'link_', 'x-'])}${next++}`;
    const cost = rng.chance(0.3) ? rng.edgy(1, costMax) : undefined;
    // The cost may be written on one end only: it applies to the tunnel.
    const where = rng.int(0, 2);
    a.tunnels.push({ name, peer: b.name, remote: b.internal.split('/')[0]!, ...(cost !== undefined && where !== 1 ? { cost } : {}) });
    b.tunnels.push({ name, peer: a.name, remote: a.internal.split('/')[0]!, ...(cost !== undefined && where !== 0 ? { cost } : {}) });
  };
  for (let i = 1; i < hosts.length; i++) join(hosts[i]!, hosts[rng.int(0, i - 1)]!);
  if (stp !== 'off') for (let k = rng.int(0, hosts.length); k > 0; k--) join(rng.pick(hosts), rng.pick(hosts));
  for (const h of hosts) if (rng.chance(0.5)) h.tunnels.reverse();
  return { seed, draft: g.draft, expect: { warnings: new Set(['RING_NO_REDUNDANCY']) }, spec };
}

// ---------------------------------------------------------------------------------------------
// Invalid rings: mutations of valid ones, each with the codes one of which must be reported
// ---------------------------------------------------------------------------------------------

/** A plain spec as JSON gives it: anything may be anywhere. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

export interface Mutation {
  name: string;
  /** At least one error must carry one of these codes. */
  codes: string[];
  /** Edits the declarations before the DSL builds the ring; false when it does not apply. */
  draft?: (d: Draft, rng: Rng) => boolean | void;
  /** Edits the plain spec (a .ring.json); false when it does not apply. */
  spec?: (s: Json, rng: Rng) => boolean | void;
  /** Calls the builder with what only an untyped config can pass (`--no-typecheck`, JavaScript). */
  builder?: (d: Draft) => unknown;
}

const hostAddrOn = (d: Draft, hostIndex: number, bridge: Draft['bridges'][number]) => {
  const own = d.hosts[hostIndex]!.bridgeAddresses;
  return own && Object.hasOwn(own, bridge.name) ? own[bridge.name]! : ip(parseNet(bridge.subnet).network + 1 + hostIndex);
};

/** An address of the bridge no host and no container has. */
function freeIp(d: Draft, bridge: Draft['bridges'][number]): string {
  const net = parseNet(bridge.subnet);
  const used = new Set([...d.containers.filter((c) => c.bridge === bridge.name).map((c) => c.ip), ...d.hosts.map((_, i) => hostAddrOn(d, i, bridge))]);
  for (let a = net.network + net.size - 2; a > net.network; a--) if (!used.has(ip(a))) return ip(a);
  throw new Error('fixture: bridge full');
}

function someBridge(d: Draft, rng: Rng): Draft['bridges'][number] {
  if (d.bridges.length === 0) d.bridges.push({ name: 'bmut', subnet: '100.64.0.0/24' });
  return rng.pick(d.bridges);
}

function someContainer(d: Draft, rng: Rng): Draft['containers'][number] {
  if (d.containers.length === 0) {
    const b = someBridge(d, rng);
    d.containers.push({ name: 'cmut', host: rng.pick(d.hosts).name, bridge: b.name, ip: freeIp(d, b), image: 'busybox' });
  }
  return rng.pick(d.containers);
}

function hostWithExternal(d: Draft, rng: Rng): Draft['hosts'][number] {
  const withExt = d.hosts.filter((h) => h.external !== undefined);
  if (withExt.length > 0) return rng.pick(withExt);
  const h = rng.pick(d.hosts);
  h.external = '203.0.113.254';
  return h;
}

function addHosts(d: Draft, total: number): void {
  for (let i = d.hosts.length; i < total; i++) d.hosts.push({ name: `extra${i}`, internal: `10.254.${i >> 8}.${(i & 255) + 1}` });
}

const setContainer = (key: string, value: unknown) => (d: Draft, rng: Rng) => {
  Object.assign(someContainer(d, rng), { [key]: value });
};

const spanningTree = (d: Draft) => {
  if (d.options.stp === 'off') d.options.stp = 'rstp';
};

/** The ends of tunnels in a plain spec, with their hosts. */
const endsOf = (s: Json): Array<{ host: Json; end: Json }> => (s.hosts as Json[]).flatMap((h) => (h.tunnels as Json[]).map((end) => ({ host: h, end })));

export const MUTATIONS: Mutation[] = [
  // names
  { name: 'a host name declared twice', codes: ['NAME_DUPLICATE'], draft: (d) => void d.hosts.push({ ...d.hosts[0]!, internal: '10.255.255.254', external: undefined }) },
  { name: 'a bridge name declared twice', codes: ['NAME_DUPLICATE'], draft: (d, rng) => void d.bridges.push({ name: someBridge(d, rng).name, subnet: '100.65.0.0/24' }) },
  {
    name: 'a container declared twice on one host',
    codes: ['NAME_DUPLICATE'],
    draft: (d, rng) => {
      const c = someContainer(d, rng);
      d.containers.push({ ...c, ip: freeIp(d, d.bridges.find((b) => b.name === c.bridge)!), publish: undefined });
    },
  },
  { name: 'a ring name of 21 characters', codes: ['NAME_INVALID'], draft: (d) => void (d.name = 'r'.repeat(21)) },
  { name: 'a ring name with a shell metacharacter', codes: ['NAME_INVALID'], draft: (d, rng) => void (d.name = rng.pick(['a$(x)', 'a;b', 'a b', "a'b", 'A', '', '-a', 'a\nb'])) },
  { name: 'a host name of 64 characters', codes: ['NAME_INVALID'], draft: (d) => void (d.hosts[0]!.name = 'h'.repeat(64)) },
  { name: 'a host name with a shell metacharacter', codes: ['NAME_INVALID'], draft: (d, rng) => void (d.hosts[0]!.name = rng.pick(['h$(x)', 'h;x', 'H1', 'h_1', '-h', 'h-', '../h', 'h\n'])) },
  { name: 'a host named like a file beside the host folders', codes: ['HOST_NAME_RESERVED'], draft: (d, rng) => void (d.hosts[0]!.name = rng.pick(['deploy', 'manifest', 'inventory'])) },
  { name: 'a bridge name of 13 characters', codes: ['IFNAME_TOO_LONG'], draft: (d, rng) => void (someBridge(d, rng).name = 'b'.repeat(13)) },
  { name: 'a bridge name with a shell metacharacter', codes: ['NAME_INVALID'], draft: (d, rng) => void (someBridge(d, rng).name = rng.pick(['b r', 'b;r', 'b$x', '0br', 'b.r', 'b/r'])) },
  { name: 'a container name of 64 characters', codes: ['NAME_INVALID'], draft: setContainer('name', 'c'.repeat(64)) },
  { name: 'a container name of one character or with a slash', codes: ['NAME_INVALID'], draft: (d, rng) => void (someContainer(d, rng).name = rng.pick(['c', 'a/b', 'a b', '-c', '.c', 'c$(x)'])) },
  { name: 'a tunnel name of 16 characters', codes: ['IFNAME_TOO_LONG'], draft: (d) => (d.hosts.length >= 2 ? void d.tunnels.push(['t'.repeat(16), d.hosts[0]!.name, d.hosts[1]!.name]) : false) },
  { name: 'a tunnel name with a shell metacharacter', codes: ['NAME_INVALID'], draft: (d, rng) => (d.hosts.length >= 2 ? void d.tunnels.push([rng.pick(['t$x', 't;x', 't x', '1t']), d.hosts[0]!.name, d.hosts[1]!.name]) : false) },
  { name: 'an OVS bridge name of 16 characters', codes: ['NAME_INVALID'], draft: (d) => void (d.options.ovsBridge = 'o'.repeat(16)) },
  { name: 'the OVS bridge named like a bridge', codes: ['IFNAME_CLASH'], draft: (d, rng) => void (d.options.ovsBridge = someBridge(d, rng).name) },
  { name: 'the OVS bridge named like a device the kernel, Open vSwitch or Docker makes', codes: ['IFNAME_RESERVED'], draft: (d, rng) => void (d.options.ovsBridge = rng.pick(['ovs-system', 'ovs-netdev', 'gre_sys', 'vxlan_sys_4789', 'docker0', 'lo', 'tunl0'])) },
  { name: 'a tunnel named like a bridge', codes: ['IFNAME_CLASH'], draft: (d, rng) => (d.hosts.length >= 2 ? void d.tunnels.push([someBridge(d, rng).name, d.hosts[0]!.name, d.hosts[1]!.name]) : false) },
  { name: 'an interface name with a shell metacharacter', codes: ['NAME_INVALID'], draft: (d, rng) => void (rng.chance(0.5) ? (d.options.internalIface = 'eth;1') : (d.hosts[0]!.externalIface = 'e $(x)')) },
  { name: "a host's interface name of 16 characters", codes: ['IFNAME_TOO_LONG'], draft: (d) => void (d.hosts[0]!.internalIface = 'e'.repeat(16)) },
  { name: 'an invalid hostname', codes: ['NAME_INVALID'], draft: (d, rng) => void (someContainer(d, rng).hostname = rng.pick(['-x', 'x_y', 'x.y', 'a'.repeat(64), 'x y'])) },
  { name: 'an invalid image', codes: ['IMAGE_INVALID'], draft: (d, rng) => void (someContainer(d, rng).image = rng.pick(['Ubuntu', 'a b', '', 'a:b:c', 'x@sha256:123', 'a'.repeat(256), 'a;b'])) },
  // addresses
  { name: 'two hosts with one internal IP', codes: ['IP_DUPLICATE'], draft: (d) => (d.hosts.length >= 2 ? void (d.hosts[1]!.internal = d.hosts[0]!.internal) : false) },
  { name: "an external IP that is another host's internal IP", codes: ['IP_DUPLICATE'], draft: (d) => (d.hosts.length >= 2 ? void (d.hosts[1]!.external = d.hosts[0]!.internal.split('/')[0]) : false) },
  {
    name: 'a host address that is not an IPv4 address',
    codes: ['IP_INVALID'],
    draft: (d, rng) => void (d.hosts[0]![rng.pick(['internal', 'external'] as const)] = rng.pick(['10.0.0.256', '10.0.0', '010.0.0.1', '10.0.0.1/33', ' 10.0.0.1', '10.0.0.1 ', 'a.b.c.d', '', '10.0.0.1/', '::1', '10.0.0.1/24/8', '127.0.0.1', '0.0.0.0', '224.0.0.5', '255.255.255.255'])),
  },
  { name: 'a subnet with host bits set', codes: ['SUBNET_INVALID'], draft: (d, rng) => void (someBridge(d, rng).subnet = rng.pick(['192.168.1.1/24', '192.168.1.0', 'x', '192.168.1.0/33', '192.168.1.0/-1', '192.168.1.0/24 ', '127.0.0.0/24', '224.0.0.0/24', '0.0.0.0/16'])) },
  { name: 'a subnet of /31', codes: ['SUBNET_TOO_SMALL'], draft: (d, rng) => void (someBridge(d, rng).subnet = '100.64.9.0/31') },
  { name: 'a subnet too small for the hosts', codes: ['SUBNET_TOO_SMALL'], draft: (d, rng) => (addHosts(d, 6), void (someBridge(d, rng).subnet = '100.64.9.0/29')) },
  { name: 'two bridges with overlapping subnets', codes: ['SUBNET_OVERLAP'], draft: (d, rng) => void d.bridges.push({ name: 'bover', subnet: someBridge(d, rng).subnet.replace(/\/\d+$/, '/30') }) },
  { name: "a subnet holding a host's internal address", codes: ['SUBNET_OVERLAP'], draft: (d) => void d.bridges.push({ name: 'bhost', subnet: `${ip(num(d.hosts[0]!.internal) - (num(d.hosts[0]!.internal) % 256))}/24` }) },
  { name: 'a container IP outside its subnet', codes: ['CONTAINER_IP_OUTSIDE'], draft: setContainer('ip', '100.66.0.1') },
  {
    name: "a container IP at the subnet's network or broadcast address",
    codes: ['CONTAINER_IP_RESERVED'],
    draft: (d, rng) => {
      const c = someContainer(d, rng);
      const net = parseNet(d.bridges.find((b) => b.name === c.bridge)!.subnet);
      c.ip = ip(rng.chance(0.5) ? net.network : net.network + net.size - 1);
    },
  },
  {
    name: "a container IP that is its host's bridge address",
    codes: ['CONTAINER_IP_RESERVED'],
    draft: (d, rng) => {
      const c = someContainer(d, rng);
      c.ip = hostAddrOn(d, d.hosts.findIndex((h) => h.name === c.host), d.bridges.find((b) => b.name === c.bridge)!);
    },
  },
  {
    name: "a container IP that is another container's",
    codes: ['CONTAINER_IP_DUPLICATE'],
    draft: (d, rng) => {
      const c = someContainer(d, rng);
      d.containers.push({ name: 'ctwin', host: c.host, bridge: c.bridge, ip: c.ip, image: 'busybox' });
    },
  },
  {
    name: 'a container address that is not an IPv4 address',
    codes: ['IP_INVALID'],
    draft: (d, rng) => void (someContainer(d, rng).ip = rng.pick(['192.168.1.1/24', 'x', '', '1.2.3.4.5', '192.168.1.1;reboot'])),
  },
  {
    name: "a gateway at the subnet's network or broadcast address, the container's own, outside, or no address",
    codes: ['GATEWAY_INVALID'],
    draft: (d, rng) => {
      const c = someContainer(d, rng);
      const net = parseNet(d.bridges.find((b) => b.name === c.bridge)!.subnet);
      c.gateway = rng.pick([ip(net.network), ip(net.network + net.size - 1), c.ip, '100.67.0.1', 'router', '']);
    },
  },
  { name: 'a VLAN outside 1-4094', codes: ['VLAN_INVALID'], draft: (d, rng) => void (someBridge(d, rng).vlan = rng.pick([0, 4095, -1, 100000])) },
  {
    name: 'two bridges on one VLAN',
    codes: ['VLAN_INVALID'],
    draft: (d, rng) => {
      const b = someBridge(d, rng);
      d.bridges.push({ name: 'bvlan', subnet: '100.68.0.0/24', vlan: b.vlan ?? 10 + d.bridges.indexOf(b) });
    },
  },
  { name: 'a host address on a bridge that is not declared', codes: ['REF_UNKNOWN'], draft: (d) => void (d.hosts[0]!.bridgeAddresses = { nosuchbr: '100.69.0.1' }) },
  {
    name: 'a host address outside the bridge, at its network address, or taken by another host',
    codes: ['BRIDGE_ADDRESS_INVALID'],
    draft: (d, rng) => {
      const b = someBridge(d, rng);
      const net = parseNet(b.subnet);
      const other = d.hosts.length >= 2 ? [hostAddrOn(d, 1, b)] : [];
      d.hosts[0]!.bridgeAddresses = { [b.name]: rng.pick(['100.70.0.1', ip(net.network), ip(net.network + net.size - 1), ...other]) };
    },
  },
  { name: 'a host address on a bridge that is not an address', codes: ['IP_INVALID'], draft: (d, rng) => void (d.hosts[0]!.bridgeAddresses = { [someBridge(d, rng).name]: 'x.y' }) },
  // references and tunnels
  { name: 'a container on a host that is not declared', codes: ['REF_UNKNOWN'], draft: setContainer('host', 'nosuchhost') },
  { name: 'a container on a bridge that is not declared', codes: ['REF_UNKNOWN'], draft: setContainer('bridge', 'nosuchbr') },
  { name: 'a tunnel to a host that is not declared', codes: ['REF_UNKNOWN'], draft: (d) => void d.tunnels.push(['tnohost', d.hosts[0]!.name, 'nosuchhost']) },
  { name: 'a tunnel from a host to itself', codes: ['TUNNEL_SELF'], draft: (d) => void d.tunnels.push(['tself', d.hosts[0]!.name, d.hosts[0]!.name]) },
  {
    name: 'one tunnel name twice on a host',
    codes: ['TUNNEL_NAME_DUPLICATE'],
    draft: (d) => (d.hosts.length >= 3 ? void d.tunnels.push(['tdup', d.hosts[0]!.name, d.hosts[1]!.name], ['tdup', d.hosts[0]!.name, d.hosts[2]!.name]) : false),
  },
  {
    name: 'the same tunnel declared twice',
    codes: ['TUNNEL_NAME_DUPLICATE'],
    draft: (d, rng) => {
      if (d.hosts.length < 2) return false;
      const [a, b] = rng.sample(d.hosts, 2).map((h) => h.name) as [string, string];
      d.tunnels.push(['ttwice', a, b], rng.chance(0.5) ? ['ttwice', a, b] : ['ttwice', b, a]);
    },
  },
  { name: 'the root is not a declared host', codes: ['REF_UNKNOWN'], draft: (d) => void (d.options.root = 'nosuchhost') },
  { name: 'spanning tree off on a ring with a loop', codes: ['STP_OFF_LOOP'], draft: (d) => (addHosts(d, 3), void (d.options.stp = 'off')) },
  // Without chords: with them, a ring of 45 can keep its redundancy.
  { name: 'a ring of 45 hosts', codes: ['RING_REDUNDANCY_LIMIT', 'RING_TOO_LONG'], draft: (d) => (spanningTree(d), (d.tunnels = []), addHosts(d, 45)) },
  { name: 'a ring of 85 hosts', codes: ['RING_TOO_LONG', 'RING_REDUNDANCY_LIMIT'], draft: (d) => (spanningTree(d), addHosts(d, 85)) },
  { name: 'a ring without hosts', codes: ['RING_DISCONNECTED'], draft: (d) => void ((d.hosts = []), (d.containers = []), (d.tunnels = []), delete d.options.root) },
  {
    name: 'one end of a tunnel points at the wrong address',
    codes: ['TUNNEL_REMOTE_MISMATCH'],
    spec: (s, rng) => {
      const ends = endsOf(s);
      if (ends.length === 0) return false;
      rng.pick(ends).end.remote = rng.pick(['10.255.0.1', '', 'x', `${rng.pick(ends).end.remote}/24`]);
    },
  },
  {
    name: 'the two ends of a tunnel give different costs',
    codes: ['TUNNEL_COST_MISMATCH'],
    spec: (s, rng) => {
      const ends = endsOf(s);
      const pick = ends.length > 0 ? rng.pick(ends) : undefined;
      const other = pick && ends.find((e) => e.end.name === pick.end.name && e.host.name === pick.end.peer && e.end.peer === pick.host.name);
      if (!pick || !other) return false;
      pick.end.cost = 100;
      other.end.cost = 200;
    },
  },
  {
    name: 'a tunnel with one end',
    codes: ['TUNNEL_PEER_MISSING'],
    spec: (s, rng) => {
      const ends = endsOf(s);
      if (ends.length === 0) return false;
      const { host, end } = rng.pick(ends);
      host.tunnels = host.tunnels.filter((t: Json) => t !== end);
    },
  },
  {
    name: 'the two ends of a tunnel named differently',
    // With a parallel tunnel between the two hosts, the renamed end is one without a peer.
    codes: ['TUNNEL_NAME_MISMATCH', 'TUNNEL_PEER_MISSING'],
    spec: (s, rng) => {
      const ends = endsOf(s);
      if (ends.length === 0) return false;
      rng.pick(ends).end.name = 'renamed';
    },
  },
  {
    name: 'a host cut off from the ring',
    codes: ['RING_DISCONNECTED'],
    spec: (s, rng) => {
      if (s.hosts.length < 2) return false;
      const lone = rng.pick(s.hosts as Json[]);
      for (const h of s.hosts) h.tunnels = h === lone ? [] : h.tunnels.filter((t: Json) => t.peer !== lone.name);
    },
  },
  // numbers
  { name: 'an RSTP priority that is not a multiple of 4096', codes: ['STP_RANGE'], draft: (d) => void Object.assign(d.options, { stp: 'rstp', priority: 4097 }) },
  { name: 'a priority outside 0-65535', codes: ['STP_RANGE'], draft: (d, rng) => (spanningTree(d), void (d.hosts[0]!.priority = rng.pick([-1, 65536, 1e6]))) },
  { name: 'a max-age outside 6-40', codes: ['STP_RANGE'], draft: (d, rng) => (spanningTree(d), void (d.options.maxAge = rng.pick([5, 41, 0, -3]))) },
  { name: 'a forward delay outside 4-30', codes: ['STP_RANGE'], draft: (d, rng) => (spanningTree(d), void (d.options.forwardDelay = rng.pick([3, 31]))) },
  { name: 'a forward delay too short for max-age', codes: ['STP_RANGE'], draft: (d) => (spanningTree(d), void Object.assign(d.options, { maxAge: 30, forwardDelay: 10 })) },
  { name: 'a hello time with RSTP', codes: ['STP_RANGE'], draft: (d) => void Object.assign(d.options, { stp: 'rstp', helloTime: 2 }) },
  { name: 'a hello time outside 1-10', codes: ['STP_RANGE'], draft: (d, rng) => void Object.assign(d.options, { stp: 'stp', helloTime: rng.pick([0, 11]) }) },
  { name: 'a tunnel cost of 0', codes: ['STP_RANGE'], draft: (d, rng) => (spanningTree(d), void (rng.chance(0.5) || d.hosts.length < 2 ? (d.options.tunnelCost = 0) : d.tunnels.push(['tcost', d.hosts[0]!.name, d.hosts[1]!.name, { cost: 0 }]))) },
  { name: 'a BFD interval outside 10-10000', codes: ['BFD_RANGE'], draft: (d, rng) => void (d.options.bfd = { interval: rng.pick([9, 10001, 0, -50]) }) },
  { name: 'an underlay MTU outside 576-65535', codes: ['MTU_RANGE'], draft: (d, rng) => void (d.options.underlayMtu = rng.pick([575, 65536, 0, -1500])) },
  { name: 'an underlay MTU that leaves less than 1280 inside', codes: ['MTU_TOO_SMALL'], draft: (d, rng) => void (d.options.underlayMtu = rng.pick([1300, 1321])) },
  {
    name: 'a container MTU outside 576 to the overlay MTU',
    codes: ['MTU_RANGE'],
    draft: (d, rng) => void (someContainer(d, rng).mtu = rng.pick([575, (d.options.underlayMtu ?? 1500) - ((d.options.tunnel ?? 'gre') === 'gre' ? 42 : 54) + 1])),
  },
  { name: 'ipsec given the key itself, a mixed mode, or on the userspace datapath', codes: ['IPSEC_INVALID'], draft: (d, rng) => void (d.options.ipsec = rng.pick([{ psk: 'swordfish-swordfish' }, { psk: '/etc/r.psk', cert: '/etc/h.pem' }, {}])) },
  { name: 'a VNI outside 24 bits', codes: ['VNI_RANGE'], draft: (d, rng) => void Object.assign(d.options, { tunnel: 'vxlan', vni: rng.pick([16777216, -1, 2 ** 32]) }) },
  // ports
  { name: 'a port published on a host without an external address', codes: ['PUBLISH_NO_EXTERNAL'], draft: (d, rng) => {
      const h = rng.pick(d.hosts);
      delete h.external;
      someContainer(d, rng).publish = [`${h.name}:8000:80`];
    } },
  {
    name: 'one port published twice on a host',
    codes: ['PUBLISH_CONFLICT'],
    draft: (d, rng) => {
      const on = hostWithExternal(d, rng).name;
      const c = someContainer(d, rng);
      c.publish = [`${on}:7777:80`, `${on}:7777:81/tcp`];
    },
  },
  { name: 'a published port that does not parse', codes: ['PUBLISH_INVALID'], draft: (d, rng) => void (someContainer(d, rng).publish = [rng.pick(['0:80', '65536:80', '80', 'x', '80:80/sctp', 'Host1:80:80', ' 80:80', '80:80 ', '80:0', '1:2:3:4', '80:80;reboot'])]) },
  { name: 'a port published on a host that is not declared', codes: ['REF_UNKNOWN'], draft: setContainer('publish', ['nosuchhost:80:80']) },
  // free text
  { name: 'an environment variable name that is not one', codes: ['ENV_INVALID'], draft: (d, rng) => void (someContainer(d, rng).env = { [rng.pick(['1BAD', 'A-B', 'A B', '', 'a.b', 'X$'])]: 'v' }) },
  { name: 'a relative env file', codes: ['ENV_INVALID'], draft: setContainer('envFile', 'secrets.env') },
  {
    name: 'an argument over 128 KiB, or arguments over the command line budget together',
    codes: ['ARG_TOO_LONG'],
    draft: (d, rng) =>
      void Object.assign(
        someContainer(d, rng),
        rng.pick([{ env: { BIG: 'x'.repeat(128 * 1024) } }, { command: ['sh', '-c', 'y'.repeat(200_000)] }, { env: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`V${i}`, 'z'.repeat(100_000)])) }, { volumes: [{ source: `/${'s'.repeat(140_000)}`, target: '/t' }] }]),
      ),
  },
  { name: 'a lone UTF-16 surrogate in free text', codes: ['TEXT_UNENCODABLE'], draft: (d, rng) => void Object.assign(someContainer(d, rng), rng.pick([{ env: { K: 'a\ud800' } }, { command: ['\udc00'] }])) },
  { name: 'a NUL character in free text', codes: ['ENV_INVALID', 'COMMAND_INVALID', 'VOLUME_INVALID'], draft: (d, rng) => void Object.assign(someContainer(d, rng), rng.pick([{ env: { K: 'a\0' } }, { command: ['\0'] }, { envFile: '/a\0' }, { volumes: [{ source: '/s\0', target: '/t' }] }])) },
  {
    name: 'a relative volume path, a bad volume name, or two volumes on one target',
    codes: ['VOLUME_INVALID'],
    draft: (d, rng) =>
      void (someContainer(d, rng).volumes = rng.pick([[{ source: 'rel', target: '/t' }], [{ source: '/s', target: 'rel' }], [{ volume: 'a/b', target: '/t' }], [{ volume: '', target: '/t' }], [{ volume: 'v', target: '/t' }, { source: '/s', target: '/t/' }]])),
  },
  // shapes only an untyped config or a JSON file can give
  ...(
    [
      ['a host address that is a number', (s: Json) => (s.hosts[0].internal = 10)],
      ['bfd as a string', (s: Json) => ((s.options ??= {}).bfd = 'yes')],
      ['publish as a string', (s: Json) => (s.containers = [{ name: 'cx', host: s.hosts[0].name, bridge: 'b', ip: '1.2.3.4', image: 'i', publish: '80:80' }])],
      ['an env value that is a number', (s: Json) => (s.containers = [{ name: 'cx', host: s.hosts[0].name, bridge: 'b', ip: '1.2.3.4', image: 'i', env: { K: 1 } }])],
      ['an MTU that is not an integer', (s: Json) => ((s.options ??= {}).underlayMtu = 1500.5)],
      ['tunnels as an object', (s: Json) => (s.hosts[0].tunnels = {})],
      ['hosts as null', (s: Json) => (s.hosts = null)],
      ['an unknown key on a host', (s: Json) => (s.hosts[0].extrnal = '1.2.3.4')],
      ['max-age as a string', (s: Json) => ((s.options ??= {}).maxAge = '20')],
      ['a container name that is a number', (s: Json) => (s.containers = [{ name: 5, host: s.hosts[0].name, bridge: 'b', ip: '1.2.3.4', image: 'i' }])],
      ['a command as a string', (s: Json) => (s.containers = [{ name: 'cx', host: s.hosts[0].name, bridge: 'b', ip: '1.2.3.4', image: 'i', command: 'sh -c x' }])],
      ['no bridges', (s: Json) => delete s.bridges],
      ['a container that is null', (s: Json) => (s.containers = [null])],
      ['a host that is an array', (s: Json) => (s.hosts = [[]])],
      ['a host that is a string', (s: Json) => (s.hosts = ['h1', ...s.hosts.slice(1)])],
      ['a ring name that is null', (s: Json) => (s.name = null)],
      ['a tunnel cost as a string', (s: Json) => (s.hosts[0].tunnels = [{ name: 'tx', peer: 'x', remote: '1.2.3.4', cost: '5' }])],
      ['an unknown tunnel type', (s: Json) => ((s.options ??= {}).tunnel = 'ipip')],
      ['a volume without a target, or with both a source and a volume', (s: Json) => (s.containers = [{ name: 'cx', host: s.hosts[0].name, bridge: 'b', ip: '1.2.3.4', image: 'i', volumes: [{ source: '/a' }, { source: '/a', volume: 'v', target: '/t' }] }])],
      ['a root that is an object', (s: Json) => ((s.options ??= {}).root = {})],
      ['bridgeAddresses as an array', (s: Json) => (s.hosts[0].bridgeAddresses = ['1.2.3.4'])],
      ['options as null', (s: Json) => (s.options = null)],
      ['an unknown Docker network or restart policy', (s: Json) => (s.containers = [{ name: 'cx', host: s.hosts[0].name, bridge: 'b', ip: '1.2.3.4', image: 'i', network: 'host', restart: 'sometimes' }])],
      ['a VLAN that is not an integer', (s: Json) => (s.bridges = [{ name: 'b', subnet: '100.64.0.0/24', vlan: 1.5 }])],
      ['an unknown ring option', (s: Json) => ((s.options ??= {}).stpMode = 'rstp')],
    ] as Array<[string, (s: Json) => unknown]>
  ).map(([name, edit]): Mutation => ({ name: `wrong type: ${name}`, codes: ['SCHEMA'], spec: (s) => void edit(s) })),
  ...(
    [
      ['ring options that are null', (d: Draft) => ring(d.name, null as never).host('h1', { internal: '10.0.0.1' })],
      ['a ring name that is a number', (d: Draft) => toBuilder({ ...d, name: 5 as never })],
      ['host options that are null', (d: Draft) => toBuilder(d).host('hnull', null as never)],
      ['bridge options that are a string', (d: Draft) => toBuilder(d).bridge('bstr', 'x' as never)],
      ['container options that are missing', (d: Draft) => toBuilder(d).container('cnone', undefined as never)],
      ['a tunnel with a missing end', (d: Draft) => toBuilder(d).tunnel('tmiss', d.hosts[0]!.name, undefined as never)],
      ['a tunnel name that is a number', (d: Draft) => toBuilder(d).tunnel(7 as never, d.hosts[0]!.name, d.hosts[0]!.name)],
      ['tunnel options that are null', (d: Draft) => toBuilder(d).tunnel('tnull', d.hosts[0]!.name, 'nosuchhost', null as never)],
      ['an MTU that is NaN', (d: Draft) => toBuilder({ ...d, options: { ...d.options, underlayMtu: NaN } })],
      ['a max-age that is Infinity', (d: Draft) => toBuilder({ ...d, options: { ...d.options, maxAge: Infinity } })],
      ['a host name that is an object', (d: Draft) => toBuilder(d).host({} as never, { internal: '10.255.0.9' })],
      ['a host name that is a Symbol', (d: Draft) => toBuilder(d).host(Symbol('h') as never, { internal: '10.255.0.9' })],
      ['an object whose toSpec throws', () => ({ toSpec: () => { throw new TypeError('not a ring'); } })],
    ] as Array<[string, (d: Draft) => unknown]>
  ).map(([name, builder]): Mutation => ({ name: `untyped DSL: ${name}`, codes: ['SCHEMA', 'REF_UNKNOWN', 'TUNNEL_SELF'], builder })),
];
