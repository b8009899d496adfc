/**
 * Random rings, run for real (root, on the lab). Each seed makes a ring of 3-6 hosts: GRE or
 * VXLAN, BFD on or off or slower, chords, 1-3 bridges (own subnets, VLANs now and then), 1-3
 * containers per host on random bridges (an MTU or a gateway now and then, ports published on
 * its own or another host), a random OVS bridge name, root and egress NAT. It builds the ring,
 * runs `up.sh` on every host at once and checks what a user would:
 *   - every container reaches every container of its bridge (ping and TCP), never another bridge;
 *   - a full-size packet with don't-fragment crosses the ring between default-MTU containers;
 *   - every published port answers from outside;
 *   - `check.sh` is healthy everywhere, and a second `up.sh` changes nothing it checks;
 *   - with a host cut from the underlay, the other hosts' containers still reach each other;
 *   - `down.sh` leaves nothing of ringgen.
 * Not a test file: it takes minutes per seed. CI runs the lab tests; this finds what they miss.
 *
 * Usage: npm run lab:soak [-- --seeds 1,2,3 | --from S --count N] [--keep-going]
 * Last line: `soak: N ring(s), N passed, N failed`; exit 1 if any failed.
 */
import { join } from 'node:path';
import { ring, type RingBuilder } from '../../src/input/dsl';
import { buildRing } from '../../src/pipeline';
import type { TunnelType } from '../../src/input/spec';
import { Rng } from '../generate';
import { LAB_IMAGE, Lab, httpGet, labPrerequisites, sleep, waitFor, type LabMember, type LabSpec } from './harness';

interface Member extends LabMember {
  mtu?: number;
}

interface Soak {
  seed: number;
  summary: string;
  spec: LabSpec;
  builder: RingBuilder;
  members: Member[];
  /** Published ports: [external IP, port]. */
  published: Array<[string, number]>;
  overlay: number;
}

const HOST_NAMES = ['alpha', 'b2', 'node-3', 'host-4', 'e5', 'f-six', 'g7'];
const BRIDGE_NAMES = ['app', 'db', 'web-1', 'Blue', 'x_y'];
const CONTAINER_NAMES = ['web', 'db1', 'cache', 'worker-2', 'api_v1'];

/** A ring the lab can run (netdev datapath, the lab's image and addresses), random otherwise. */
export function soakRing(seed: number): Soak {
  const rng = new Rng(seed);
  const n = rng.int(3, 6);
  const tunnel: TunnelType = rng.pick(['gre', 'vxlan']);
  const hosts = rng.sample(HOST_NAMES, n);
  const external = hosts.map((_, i) => i === 0 || rng.chance(0.5));
  const bfd = rng.pick([undefined, false, true, { interval: 100 }] as const);
  const underlayMtu = rng.pick([undefined, 1500, 1400]);
  const overlay = (underlayMtu ?? 1500) - (tunnel === 'gre' ? 42 : 54);
  const root = rng.chance(0.5) ? rng.pick(hosts) : undefined;
  const options = {
    tunnel,
    datapath: 'netdev' as const,
    ...(bfd !== undefined ? { bfd } : {}),
    ...(underlayMtu !== undefined ? { underlayMtu } : {}),
    ...(root !== undefined ? { root } : {}),
    ...(rng.chance(0.4) ? { ovsBridge: rng.pick(['sw0', 'ring-br', 'o_1']) } : {}),
    ...(rng.chance(0.3) ? { egressNat: false } : {}),
    ...(tunnel === 'vxlan' && rng.chance(0.5) ? { vni: rng.int(1, 16777215) } : {}),
    ...(rng.chance(0.3) ? { tunnelCost: rng.int(1, 100000) } : {}),
  };
  const name = `soak${seed % 1000}`;
  const b = ring(name, options);
  hosts.forEach((h, i) => b.host(h, { internal: `10.40.0.${11 + i}`, ...(external[i] ? { external: `198.51.100.${11 + i}` } : {}) }));
  const chords: string[] = [];
  if (n >= 4) {
    for (let k = rng.int(0, 2); k > 0; k--) {
      const [x, y] = rng.sample([...hosts.keys()], 2) as [number, number];
      if (Math.abs(x - y) === 1 || Math.abs(x - y) === n - 1) continue;
      const tn = `ch${x}${y}`;
      if (chords.includes(tn) || chords.includes(`ch${y}${x}`)) continue;
      chords.push(tn);
      b.tunnel(tn, hosts[x]!, hosts[y]!);
    }
  }
  const bridges = rng.sample(BRIDGE_NAMES, rng.int(1, 3));
  const vlans = new Set<number>();
  bridges.forEach((br, i) => {
    let vlan: number | undefined;
    if (rng.chance(0.3)) {
      do vlan = rng.int(100, 4094);
      while (vlans.has(vlan));
      vlans.add(vlan);
    }
    b.bridge(br, { subnet: `172.${24 + i}.${rng.int(0, 255)}.0/24`, ...(vlan !== undefined ? { vlan } : {}) });
  });
  const spec = b.toSpec();
  const subnetOf = (br: string) => spec.bridges.find((x) => x.name === br)!.subnet.split('.').slice(0, 3).join('.');
  const members: Member[] = [];
  const published: Array<[string, number]> = [];
  const used = new Set<string>();
  let port = 8080;
  for (const h of hosts) {
    for (const cname of rng.sample(CONTAINER_NAMES, rng.int(1, 3))) {
      const br = rng.pick(bridges);
      let ip: string;
      do ip = `${subnetOf(br)}.${rng.int(100, 250)}`;
      while (used.has(ip));
      used.add(ip);
      const mtu = rng.chance(0.2) ? rng.int(1280, overlay) : undefined;
      const publishOn = rng.chance(0.4) ? rng.pick(hosts.filter((_, i) => external[i])) : undefined;
      const publish = publishOn === undefined ? undefined : [publishOn === h && rng.chance(0.5) ? `${port}:8000` : `${publishOn}:${port}:8000`];
      if (publishOn !== undefined) published.push([`198.51.100.${11 + hosts.indexOf(publishOn)}`, port++]);
      b.container(cname, {
        host: h,
        bridge: br,
        ip,
        image: LAB_IMAGE,
        ...(mtu !== undefined ? { mtu } : {}),
        ...(rng.chance(0.2) ? { gateway: 'host' } : {}),
        ...(publish ? { publish } : {}),
      });
      members.push({ host: h, name: cname, ip, bridge: br, ...(mtu !== undefined ? { mtu } : {}) });
    }
  }
  const summary = `${n} hosts, ${tunnel}, bfd ${JSON.stringify(bfd ?? 'default')}, ${chords.length} chord(s), bridges ${bridges.join('/')}${vlans.size ? ` (vlans ${[...vlans].join(',')})` : ''}, ${members.length} containers, ${published.length} published, overlay MTU ${overlay}${root ? `, root ${root}` : ''}${'ovsBridge' in options ? `, ovsBridge ${options.ovsBridge}` : ''}${'egressNat' in options ? ', no egress NAT' : ''}`;
  return {
    seed,
    summary,
    spec: { prefix: 'rgs', hosts: hosts.map((h, i) => ({ name: h, internal: `10.40.0.${11 + i}/24`, ...(external[i] ? { external: `198.51.100.${11 + i}/24` } : {}) })), client: '198.51.100.200/24' },
    builder: b,
    members,
    published,
    overlay,
  };
}

export async function runSeed(s: Soak): Promise<void> {
  const out = buildRing(s.builder);
  const errors = out.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(`build: ${errors.map((d) => `${d.code} ${d.message}`).join('; ')}`);
  const lab = await Lab.up(s.spec, { timeoutMs: 600_000 });
  try {
    const dir = lab.writeRing(out.files);
    const env = (h: string) => ({ RINGGEN_STATE_DIR: join(lab.dir, h, 'ringgen-state') });
    const script = (h: string, file: string) => lab.execAsync(h, ['bash', join(dir, h, file)], { env: env(h), timeoutMs: 300_000, check: true });
    const hosts = lab.hosts;
    const t0 = Date.now();
    await Promise.all(hosts.map((h) => script(h, 'up.sh')));
    const upTook = (Date.now() - t0) / 1000;
    // After a timeout, the pairs that still fail (each pinged once more).
    const failing = (among: Member[]) =>
      among.flatMap((a) => among.filter((b) => b !== a && b.bridge === a.bridge && lab.ping(a, b.ip).code !== 0).map((b) => `${a.host}/${a.name} -> ${b.host}/${b.name} (${b.bridge})`));
    const until = async (what: string, among: Member[], ms: number) => {
      try {
        return await waitFor(what, () => lab.answersAll(among), ms);
      } catch (e) {
        throw new Error(`${(e as Error).message}; failing: ${failing(among).join(', ')}`);
      }
    };
    const converged = await until('every container reaching its bridge', s.members, 60_000);
    const since = Date.now() / 1000;
    lab.serveHttp(s.members);
    await sleep(500);
    const faults = lab.matrixFaults(s.members);
    if (faults.length) throw new Error(`${faults.join('; ')} (${lab.disturbances(since)})`);
    const far = s.members.find((a) => a.mtu === undefined && s.members.some((b) => b.host !== a.host && b.bridge === a.bridge && b.mtu === undefined));
    if (far) {
      const to = s.members.find((b) => b.host !== far.host && b.bridge === far.bridge && b.mtu === undefined)!;
      if (lab.ping(far, to.ip, ['-M', 'do', '-s', String(s.overlay - 28)]).code !== 0) throw new Error(`a ${s.overlay}-byte packet with DF does not cross ${far.host} -> ${to.host}`);
      if (lab.ping(far, to.ip, ['-M', 'do', '-s', String(s.overlay - 27)]).code === 0) throw new Error(`a packet over the overlay MTU ${s.overlay} crossed ${far.host} -> ${to.host}`);
    }
    for (const [ip, port] of s.published) {
      const r = lab.client(httpGet(ip, port), { timeoutMs: 20_000 });
      if (!/hello-/.test(r.stdout)) throw new Error(`published ${ip}:${port} does not answer from outside: ${r.stderr}`);
    }
    const healthy = (h: string) => lab.exec(h, ['bash', join(dir, h, 'check.sh')], { env: env(h) }).code === 0;
    await waitFor('check.sh healthy on every host', () => hosts.every(healthy), 30_000);
    await Promise.all(hosts.map((h) => script(h, 'up.sh')));
    await waitFor('check.sh healthy after a second up.sh', () => hosts.every(healthy), 30_000);
    const disturbed = lab.disturbances(since);
    const t1 = Date.now();
    if (!lab.answersAll(s.members)) throw new Error('the ping matrix failed once converged');
    const pass = (Date.now() - t1) / 1000;
    // A host cut off: the others' containers keep reaching each other (the ring is a line now).
    const cut = lab.hosts[lab.hosts.length - 1]!;
    lab.cut(cut);
    const rest = s.members.filter((m) => m.host !== cut);
    const healed = await until(`the ring without ${cut}`, rest, 15_000);
    lab.restore(cut);
    await until('every container reaching its bridge again', s.members, 30_000);
    await Promise.all(hosts.map((h) => script(h, 'down.sh')));
    for (const h of hosts) {
      if (lab.exec(h, ['ovs-vsctl', 'list-br']).stdout.trim() !== 'br-phy') throw new Error(`${h}: OVS bridges left after down.sh`);
      if (/RG-/.test(lab.exec(h, ['iptables-save']).stdout)) throw new Error(`${h}: iptables chains left after down.sh`);
      if (lab.docker(h, ['ps', '-aq']).stdout.trim() !== '') throw new Error(`${h}: containers left after down.sh`);
    }
    console.log(
      `  up.sh ${upTook.toFixed(1)} s; every container reached its bridge ${converged.toFixed(1)} s after; with ${cut} cut, a full pass again after ${healed.toFixed(1)} s (one pass takes ${pass.toFixed(1)} s)${disturbed ? `; before the cut: ${disturbed}` : ''}`,
    );
  } catch (e) {
    console.error(lab.dumpAll());
    throw e;
  } finally {
    lab.down();
  }
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const missing = labPrerequisites().missing;
  if (missing.length) {
    console.error(`lab:soak needs: ${missing.join(', ')}`);
    process.exit(2);
  }
  const from = Number(arg('--from') ?? 1);
  const seeds = arg('--seeds')?.split(',').map(Number) ?? Array.from({ length: Number(arg('--count') ?? 3) }, (_, i) => from + i);
  let failed = 0;
  for (const seed of seeds) {
    const s = soakRing(seed);
    console.log(`seed ${seed}: ${s.summary}`);
    try {
      await runSeed(s);
      console.log(`seed ${seed}: ok`);
    } catch (e) {
      failed++;
      console.log(`seed ${seed}: FAILED: ${(e as Error).message}`);
      if (!process.argv.includes('--keep-going')) break;
    }
  }
  console.log(`soak: ${seeds.length} ring(s), ${seeds.length - failed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

if (require.main === module) void main();
