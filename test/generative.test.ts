/**
 * Generative tests: a few dozen seeded random rings that span the DSL (1 to 40 hosts, GRE and
 * VXLAN, every ring option, several bridges, chords, containers with every option, hosts with
 * and without external addresses). Each must build without errors, identically through the
 * DSL and through its JSON spec, into scripts that pass `bash -n` and shellcheck, rules that
 * pass `iptables-restore --test`, and files whose contents agree with the ring (tunnels on both
 * ends, containers on their host in their subnet, published ports DNATed, the manifest).
 * Then mutations of such rings that the checker must refuse, through the library and the CLI.
 *
 * Seeds are fixed (`RINGGEN_GEN_SEED` moves them); every failure message names the ring's seed
 * and shape: `validRing(seed, shape)` or `graphRing(seed, shape)` in test/generate.ts rebuilds it.
 * About 45 s here in all, most of it shellcheck (a chosen subset of the scripts), the probes and
 * iptables-restore; split into a test per ring (or per few scripts), each a few seconds.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIAGNOSTIC_CODES, type Diagnostic } from '../src/diagnostics';
import { buildRing, type BuildOutcome, type UncheckedInput } from '../src/pipeline';
import { readPrevious } from '../src/plan/manifest';
import { makePlan } from '../src/plan/plan';
import { cidr, graphRing, inside, ip, MUTATIONS, num, parseNet, Rng, toBuilder, toJsonSpec, validRing, type Generated, type Mutation, type Shape } from './generate';
import { ringgen } from './cli-run';
import { requireTools, ROOT, run, tempDir, writeFiles } from './helpers';
import { xmlProblems } from './xml';

const SEED = Number(process.env.RINGGEN_GEN_SEED ?? 7100);

/** Shapes that pin what the seeds must cover; the other dimensions are random. */
const SHAPES: Shape[] = [
  { hosts: 1 },
  { hosts: 1, stp: 'off', tunnel: 'vxlan' },
  { hosts: 2, stp: 'rstp' },
  { hosts: 2, stp: 'off', tunnel: 'gre' },
  { hosts: 2, stp: 'stp', tunnel: 'vxlan' },
  { hosts: 3, stp: 'rstp', tunnel: 'gre', external: 1 },
  { hosts: 3, stp: 'stp', tunnel: 'vxlan' },
  { hosts: 4, external: 1, containers: 12 },
  { hosts: 4, external: 0, tunnel: 'vxlan' },
  { hosts: 5, stp: 'stp', tunnel: 'gre', external: 0.5 },
  { hosts: 6, tunnel: 'vxlan', containers: 30 },
  { hosts: 7, stp: 'stp' },
  { hosts: 8, tunnel: 'gre', containers: 8 },
  { hosts: 10, stp: 'rstp', tunnel: 'vxlan' },
  { hosts: 12, stp: 'stp', external: 1 },
  { hosts: 16 },
  { hosts: 24, tunnel: 'vxlan' },
  { hosts: 33, stp: 'stp', tunnel: 'gre' },
  { hosts: 40, stp: 'rstp', tunnel: 'vxlan', containers: 30 },
  { hosts: 40, stp: 'stp', tunnel: 'gre' },
  // The rest random but for the host count (a few large rings are plenty for the run time).
  ...[1, 2, 3, 3, 4, 5, 5, 6, 8, 10, 12, 16].map((hosts): Shape => ({ hosts })),
];

/** Shapes of rings written as plain specs whose tunnels form any connected graph (trees with spanning tree off). */
const GRAPH_SHAPES: Shape[] = [{ hosts: 3, stp: 'off' }, { hosts: 7, stp: 'off', tunnel: 'vxlan' }, { hosts: 5 }, { hosts: 12, stp: 'stp' }, { hosts: 16, tunnel: 'vxlan' }, { hosts: 24, stp: 'rstp' }];

interface Case extends Generated {
  shape: Shape;
  label: string;
  out: BuildOutcome;
  dir: string;
}

const root = tempDir('ringgen-gen-');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const toCase = (g: Generated, shape: Shape): Case => {
  const label = `${g.spec ? 'graphRing' : 'validRing'}(${g.seed}, ${JSON.stringify(shape)}) (${g.draft.hosts.length} hosts, ring ${g.draft.name})`;
  return { ...g, shape, label, out: buildRing(g.spec ?? toBuilder(g.draft)), dir: join(root, String(g.seed)) };
};
const cases: Case[] = [...SHAPES.map((shape, i) => toCase(validRing(SEED + i, shape), shape)), ...GRAPH_SHAPES.map((shape, i) => toCase(graphRing(SEED + 500 + i, shape), shape))];

/**
 * The budget of a test that runs a process per script or host of one ring (bash -n, shellcheck,
 * iptables-restore, the probes): up to about 18 s for a 40-host ring on a 2-core machine at a load
 * of 8, 41 s at a load of 10, so 240 s keeps such a test under a fifth of its budget.
 */
const SPAWNS = 240_000;

/** Where free text of the generated rings would leave a file if a script ran it. */
const PWNED = '/tmp/ringgen-gen-pwned';

beforeAll(() => {
  rmSync(PWNED, { force: true });
  for (const c of cases) writeFiles(c.dir, c.out.files);
});

const errorsOf = (ds: readonly Diagnostic[]) => ds.filter((d) => d.severity === 'error');
const fileOf = (c: Case, path: string): string => {
  const f = c.out.files.find((x) => x.path === path);
  if (!f) throw new Error(`${c.label}: no file ${path}`);
  return f.content;
};

// ---------------------------------------------------------------------------------------------
// What the scripts do, without running them: each host's up.sh and check.sh are sourced in a
// subshell with stubs in place of the commands and helpers that act, and report their arguments.
// ---------------------------------------------------------------------------------------------

const PROBE = join(ROOT, 'test', 'probe-scripts.sh');

type Rec = string[];

function records(c: Case): Rec[] {
  const hostDirs = c.draft.hosts.map((h) => join(c.dir, h.name));
  const r = spawnSync('bash', [PROBE, ...hostDirs], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${c.label}: probe-scripts.sh failed: ${r.stderr}`);
  return r.stdout
    .split('\x1e')
    .filter((x) => x.length > 0)
    .map((x) => x.split('\x1f').slice(0, -1));
}

/** `{"k"="v",...}` as OVS prints it (no escapes in what the tests look at). */
function ovsMap(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of (text ?? '').matchAll(/"([^"]*)"="([^"]*)"/g)) out[m[1]!] = m[2]!;
  return out;
}
const arg = (args: readonly string[], prefix: string) => args.find((a) => a.startsWith(prefix))?.slice(prefix.length);

function parsePublish(raw: string, own: string): { on: string; port: number; inner: number; proto: string } {
  const m = /^(?:([a-z0-9-]+):)?(\d+):(\d+)(?:\/(tcp|udp))?$/.exec(raw)!;
  return { on: m[1] ?? own, port: Number(m[2]), inner: Number(m[3]), proto: m[4] ?? 'tcp' };
}

/** Every structural invariant of one built ring; returns what is wrong (empty when nothing). */
function invariants(c: Case): string[] {
  const bad: string[] = [];
  const fail = (what: string) => bad.push(what);
  const d = c.draft;
  const o = d.options;
  const recs = records(c);
  const of = (kind: string, host?: string) => recs.filter((r) => r[0] === kind && (host === undefined || r[1] === host)).map((r) => r.slice(2));
  for (const r of recs.filter((x) => x[0] === 'error')) fail(`script: ${r.join(' ')}`);
  // The one way up.sh may die here: an env file that is not on this machine, named exactly.
  const missingEnv = d.containers.filter((x) => x.envFile !== undefined).map((x) => `${x.host} container ${x.name}: env file ${x.envFile} is missing on this host, or is not a regular readable file`);
  const dies = recs.filter((x) => x[0] === 'die').map((x) => `${x[1]} ${x[2]}`);
  if (JSON.stringify(dies.sort()) !== JSON.stringify(missingEnv.sort())) fail(`up.sh died with ${JSON.stringify(dies)}, expected ${JSON.stringify(missingEnv)}`);
  const hostByName = new Map(d.hosts.map((h, i) => [h.name, { ...h, index: i, ipNum: num(h.internal) }]));
  const hostByIp = new Map(d.hosts.map((h) => [ip(num(h.internal)), h.name]));
  const tunnelType = o.tunnel ?? 'gre';
  const stp = o.stp ?? 'rstp';
  const overlay = (o.underlayMtu ?? 1500) - (tunnelType === 'gre' ? 42 : 54);
  const chains = `RG-${d.name}`;
  const rules = new Map(d.hosts.map((h) => [h.name, fileOf(c, `${h.name}/iptables.rules`).split('\n')]));

  // Tunnels: every end has a matching end on its peer, with the same name, type and key.
  const ends = d.hosts.flatMap((h) =>
    of('tunnel', h.name).map((a) => {
      const iface = a.indexOf('interface');
      return { host: h.name, name: a[0]!, type: arg(a, 'type=')!, options: ovsMap(arg(a, 'options=')), bfd: ovsMap(arg(a, 'bfd=')), port: ovsMap(a.slice(iface).find((x) => x.startsWith('other_config='))), iface: a[iface + 1] };
    }),
  );
  const bfdInterval = o.bfd === false || (o.bfd === undefined && stp !== 'rstp') ? undefined : typeof o.bfd === 'object' ? (o.bfd.interval ?? 50) : 50;
  for (const e of ends) {
    const where = `tunnel ${e.name} on ${e.host}`;
    if (e.iface !== e.name) fail(`${where}: sets interface ${e.iface}`);
    if (e.type !== tunnelType) fail(`${where}: type ${e.type}, not ${tunnelType}`);
    if (tunnelType === 'vxlan' && e.options.key !== String(o.vni ?? 4242)) fail(`${where}: key ${e.options.key}`);
    if (tunnelType === 'gre' && e.options.key !== undefined) fail(`${where}: GRE with a key`);
    const peer = hostByIp.get(e.options.remote_ip ?? '');
    if (!peer) {
      fail(`${where}: remote ${e.options.remote_ip} is no host's internal IP`);
      continue;
    }
    if (peer === e.host) fail(`${where}: points at its own host`);
    const back = ends.filter((x) => x.host === peer && x.name === e.name);
    if (back.length !== 1) fail(`${where}: ${back.length} ends named ${e.name} on its peer ${peer}`);
    else {
      const b = back[0]!;
      if (b.options.remote_ip !== ip(hostByName.get(e.host)!.ipNum)) fail(`${where}: the far end on ${peer} points at ${b.options.remote_ip}`);
      if (JSON.stringify(b.options.key) !== JSON.stringify(e.options.key) || b.type !== e.type) fail(`${where}: the ends disagree on type or key`);
      if (JSON.stringify(b.port) !== JSON.stringify(e.port)) fail(`${where}: the ends disagree on port settings`);
    }
    if (ends.filter((x) => x.name === e.name && x.host === e.host).length !== 1) fail(`${where}: the name is used twice on the host`);
    if ((e.bfd.enable === 'true') !== (bfdInterval !== undefined)) fail(`${where}: bfd ${JSON.stringify(e.bfd)}`);
    if (bfdInterval !== undefined && e.bfd.min_rx !== String(bfdInterval)) fail(`${where}: bfd interval ${e.bfd.min_rx}, not ${bfdInterval}`);
    const me = ip(hostByName.get(e.host)!.ipNum);
    const proto = tunnelType === 'gre' ? '-p gre' : '-p udp --dport 4789';
    if (!rules.get(e.host)!.includes(`-A ${chains}-IN -s ${e.options.remote_ip}/32 -d ${me}/32 ${proto} -j ACCEPT`)) fail(`${where}: iptables does not accept its peer`);
    if (!of('ctunnel', e.host).some((a) => a[0] === e.name && a[1] === peer && a[2] === e.options.remote_ip)) fail(`${where}: check.sh does not check it`);
  }
  // The tunnels the ring should have: those of the spec, or one per neighbour pair plus every
  // declaration that is not the first for a neighbour pair, with declared names where declared.
  const names = d.hosts.map((h) => h.name);
  const pairKey = (a: string, b: string) => [a, b].sort().join('\n');
  const costKey = stp === 'rstp' ? 'rstp-path-cost' : 'stp-path-cost';
  const tunnelCount = new Set(ends.map((e) => `${e.name}\n${pairKey(e.host, hostByIp.get(e.options.remote_ip!) ?? '?')}`)).size;
  const expectTunnel = (name: string, a: string, b: string, cost: number | undefined) => {
    const mine = ends.filter((e) => e.name === name && (e.host === a || e.host === b));
    const hostsOf = mine.map((e) => e.host).sort();
    if (JSON.stringify(hostsOf) !== JSON.stringify([a, b].sort()) || hostByIp.get(mine[0]?.options.remote_ip ?? '') !== (mine[0]?.host === a ? b : a)) fail(`tunnel ${name} ${a}-${b} is on ${hostsOf.join(', ') || 'no host'}`);
    const want = String(cost ?? o.tunnelCost ?? 2000);
    if (stp !== 'off' && mine.some((e) => e.port[costKey] !== want)) fail(`tunnel ${name}: cost ${mine.map((e) => e.port[costKey]).join('/')}, not ${want}`);
  };
  if (c.spec) {
    const declared = c.spec.hosts.flatMap((h) => h.tunnels.filter((t) => h.name < t.peer).map((t) => ({ ...t, host: h.name, back: c.spec!.hosts.find((x) => x.name === t.peer)!.tunnels.find((x) => x.name === t.name)! })));
    for (const t of declared) expectTunnel(t.name, t.host, t.peer, t.cost ?? t.back.cost);
    if (tunnelCount !== declared.length) fail(`${tunnelCount} tunnels, the spec has ${declared.length}`);
  } else {
    const neighbours = names.length === 2 ? [[names[0]!, names[1]!]] : names.length >= 3 ? names.map((h, i) => [h, names[(i + 1) % names.length]!]) : [];
    const renamed = new Set<string>();
    let extra = 0;
    const neighbourKeys = new Set(neighbours.map(([a, b]) => pairKey(a!, b!)));
    for (const [name, a, b, opts] of d.tunnels) {
      const key = pairKey(a, b);
      if (neighbourKeys.has(key) && !renamed.has(key)) renamed.add(key);
      else extra++;
      expectTunnel(name, a, b, opts?.cost);
    }
    if (tunnelCount !== neighbours.length + extra) fail(`${tunnelCount} tunnels, expected ${neighbours.length + extra}`);
    const declared = new Set(d.tunnels.map((t) => t[0]));
    const autoName = tunnelType === 'gre' ? /^gre\d+$/ : /^vx\d+$/;
    for (const e of ends) if (!declared.has(e.name) && !autoName.test(e.name)) fail(`tunnel ${e.name} on ${e.host}: neither declared nor ${autoName}`);
  }
  for (const h of d.hosts) {
    const peers = [...new Set(ends.filter((e) => e.host === h.name).map((e) => e.options.remote_ip))].sort();
    const checked = of('cpeer', h.name).map((a) => a[1]).sort();
    if (JSON.stringify(peers) !== JSON.stringify(checked)) fail(`${h.name}: check.sh pings ${checked.join(' ')}, its peers are ${peers.join(' ')}`);
  }

  // Bridges: every host carries every bridge, with its own address inside the subnet, on its VLAN.
  d.bridges.forEach((b, bi) => {
    const net = parseNet(b.subnet);
    const seen = new Map<string, string>();
    for (const h of d.hosts) {
      const i = hostByName.get(h.name)!.index;
      const want = h.bridgeAddresses && Object.hasOwn(h.bridgeAddresses, b.name) ? h.bridgeAddresses[b.name] : ip(net.network + 1 + i);
      const got = of('bridge', h.name).filter((a) => a[0] === b.name);
      if (got.length !== 1) {
        fail(`bridge ${b.name} on ${h.name}: made ${got.length} times`);
        continue;
      }
      const [, addr, prefix, , mtu] = got[0]!;
      if (addr !== want) fail(`bridge ${b.name} on ${h.name}: address ${addr}, expected ${want}`);
      if (!inside(net, num(addr!)) || num(addr!) === net.network || num(addr!) === net.network + net.size - 1) fail(`bridge ${b.name} on ${h.name}: ${addr} is not a usable address of ${b.subnet}`);
      if (prefix !== String(net.prefix)) fail(`bridge ${b.name} on ${h.name}: prefix ${prefix}`);
      if (mtu !== String(overlay)) fail(`bridge ${b.name} on ${h.name}: MTU ${mtu}, overlay is ${overlay}`);
      if (seen.has(addr!)) fail(`bridge ${b.name}: ${h.name} and ${seen.get(addr!)} both have ${addr}`);
      seen.set(addr!, h.name);
      const up = of('uplink', h.name).find((a) => a[0] === b.name);
      if (arg(up ?? [], 'tag=') !== String(b.vlan ?? 10 + bi)) fail(`bridge ${b.name} on ${h.name}: uplink tag ${arg(up ?? [], 'tag=')}`);
      if (!of('cbridge', h.name).some((a) => a[0] === b.name && a[1] === addr)) fail(`bridge ${b.name} on ${h.name}: check.sh does not check it`);
      if (!rules.get(h.name)!.includes(`-A ${chains}-FWD -i ${b.name} -o ${b.name} -j ACCEPT`)) fail(`bridge ${b.name} on ${h.name}: no forwarding within the subnet`);
      const masq = rules.get(h.name)!.includes(`-A ${chains}-POST -s ${cidr(net)} -j MASQUERADE`);
      if (masq !== (o.egressNat ?? true)) fail(`bridge ${b.name} on ${h.name}: MASQUERADE ${masq}, egressNat ${o.egressNat}`);
    }
  });
  const bridgeAddr = (host: string, bridge: string) => of('bridge', host).find((a) => a[0] === bridge)?.[1];

  // Containers: attached on their own host only, inside their subnet, created as declared.
  const attached = recs.filter((r) => r[0] === 'attach').map((r) => `${r[1]}/${r[2]}`).sort();
  const declaredContainers = d.containers.map((x) => `${x.host}/${x.name}`).sort();
  if (JSON.stringify(attached) !== JSON.stringify(declaredContainers)) fail(`containers attached ${attached.join(' ')}, declared ${declaredContainers.join(' ')}`);
  for (const x of d.containers) {
    const where = `container ${x.host}/${x.name}`;
    const b = d.bridges.find((y) => y.name === x.bridge)!;
    const net = parseNet(b.subnet);
    const a = of('attach', x.host).find((y) => y[0] === x.name);
    if (!a) continue;
    const [, bridge, addr, prefix, , mtu, , , gateway] = a;
    if (bridge !== x.bridge || addr !== x.ip || prefix !== String(net.prefix)) fail(`${where}: attached as ${bridge} ${addr}/${prefix}`);
    if (!inside(net, num(addr!)) || num(addr!) === net.network || num(addr!) === net.network + net.size - 1) fail(`${where}: ${addr} is not a usable address of ${b.subnet}`);
    if (mtu !== String(x.mtu ?? overlay)) fail(`${where}: MTU ${mtu}`);
    const wantGw = x.gateway === 'host' ? bridgeAddr(x.host, x.bridge) : (x.gateway ?? '');
    if (gateway !== wantGw) fail(`${where}: gateway ${gateway}, expected ${wantGw}`);
    const creates = of('create', x.host).filter((y) => y[y.indexOf('--name') + 1] === x.name);
    if (creates.length !== 1) {
      fail(`${where}: created ${creates.length} times`);
      continue;
    }
    const args = creates[0]!;
    const sep = args.indexOf('--');
    if (args[sep + 1] !== x.image || JSON.stringify(args.slice(sep + 2)) !== JSON.stringify(x.command ?? [])) fail(`${where}: image and command ${JSON.stringify(args.slice(sep + 1))}`);
    const flags = args.slice(0, sep);
    const values = (flag: string) => flags.flatMap((f, i) => (f === flag ? [flags[i + 1]!] : []));
    const env = values('--env').sort();
    const wantEnv = Object.entries(x.env ?? {}).map(([k, v]) => `${k}=${v}`).sort();
    if (JSON.stringify(env) !== JSON.stringify(wantEnv)) fail(`${where}: env ${JSON.stringify(env)}, expected ${JSON.stringify(wantEnv)}`);
    if (JSON.stringify(values('--env-file')) !== JSON.stringify(x.envFile === undefined ? [] : [x.envFile])) fail(`${where}: env file ${values('--env-file')}`);
    if (values('--network')[0] !== (x.network ?? o.dockerNetwork ?? 'bridge')) fail(`${where}: network ${values('--network')}`);
    if (values('--restart')[0] !== (x.restart ?? 'unless-stopped')) fail(`${where}: restart ${values('--restart')}`);
    if (JSON.stringify(values('--hostname')) !== JSON.stringify(x.hostname === undefined ? [] : [x.hostname])) fail(`${where}: hostname ${values('--hostname')}`);
    if (flags.includes('--tty') !== (x.tty ?? true) || flags.includes('--interactive') !== (x.interactive ?? true)) fail(`${where}: tty/interactive`);
    if (values('--mount').length !== (x.volumes ?? []).length) fail(`${where}: ${values('--mount').length} mounts`);
    if (!values('--label').includes(`ringgen.host=${x.host}`)) fail(`${where}: no ringgen.host label`);
    if (!of('ccontainer', x.host).some((y) => y[0] === x.name && y[1] === x.ip)) fail(`${where}: check.sh does not check it`);
  }
  for (const h of d.hosts) {
    const want = d.containers.filter((x) => x.host === h.name).map((x) => x.name).sort();
    const desired = of('desired', h.name).map((y) => y[0]).sort();
    if (JSON.stringify(want) !== JSON.stringify(desired)) fail(`${h.name}: DESIRED_CONTAINERS ${desired.join(' ')}, expected ${want.join(' ')}`);
  }

  // Published ports: a DNAT on the host that publishes, from outside and from itself, with SNAT back.
  const dnats = new Map<string, number>();
  for (const x of d.containers) {
    for (const raw of x.publish ?? []) {
      const p = parsePublish(raw, x.host);
      const h = hostByName.get(p.on)!;
      const ext = ip(num(h.external!));
      const rule = `-d ${ext}/32 -p ${p.proto} -m ${p.proto} --dport ${p.port} -j DNAT --to-destination ${x.ip}:${p.inner}`;
      const lines = rules.get(p.on)!;
      if (!lines.includes(`-A ${chains}-PRE ${rule}`) || !lines.includes(`-A ${chains}-OUT ${rule}`)) fail(`publish ${raw} of ${x.host}/${x.name}: no DNAT on ${p.on}`);
      const snat = `-A ${chains}-POST -o ${x.bridge} -d ${x.ip}/32 -p ${p.proto} -m ${p.proto} --dport ${p.inner} -m conntrack --ctstate DNAT -j SNAT --to-source ${bridgeAddr(p.on, x.bridge)}`;
      if (!lines.includes(snat)) fail(`publish ${raw} of ${x.host}/${x.name}: no SNAT on ${p.on}`);
      dnats.set(p.on, (dnats.get(p.on) ?? 0) + 1);
    }
  }
  for (const h of d.hosts) {
    const count = rules.get(h.name)!.filter((l) => l.startsWith(`-A ${chains}-PRE `) && l.includes(' -j DNAT ')).length;
    if (count !== (dnats.get(h.name) ?? 0)) fail(`${h.name}: ${count} DNAT rules, ${dnats.get(h.name) ?? 0} published ports`);
  }

  // The OVS bridge: datapath, spanning tree mode, this host's priority, the timers given.
  for (const h of d.hosts) {
    const addBr = of('ovs', h.name).find((a) => a.includes('add-br'));
    if (!addBr) {
      fail(`${h.name}: no add-br`);
      continue;
    }
    if (addBr[addBr.indexOf('add-br') + 1] !== (o.ovsBridge ?? 'ovs0')) fail(`${h.name}: OVS bridge ${addBr[addBr.indexOf('add-br') + 1]}`);
    if (arg(addBr, 'datapath_type=') !== (o.datapath ?? 'system')) fail(`${h.name}: datapath ${arg(addBr, 'datapath_type=')}`);
    if (arg(addBr, 'stp_enable=') !== String(stp === 'stp') || arg(addBr, 'rstp_enable=') !== String(stp === 'rstp')) fail(`${h.name}: spanning tree flags`);
    const other = ovsMap(arg(addBr, 'other_config='));
    const rootHost = o.root ?? d.hosts[0]!.name;
    const priority = h.priority ?? (h.name === rootHost ? (o.rootPriority ?? 4096) : (o.priority ?? 32768));
    const key = stp === 'rstp' ? 'rstp' : 'stp';
    if (stp !== 'off' && other[`${key}-priority`] !== String(priority)) fail(`${h.name}: priority ${other[`${key}-priority`]}, expected ${priority}`);
    if (stp !== 'off' && o.maxAge !== undefined && other[`${key}-max-age`] !== String(o.maxAge)) fail(`${h.name}: max-age ${other[`${key}-max-age`]}`);
    if (stp !== 'off' && o.forwardDelay !== undefined && other[`${key}-forward-delay`] !== String(o.forwardDelay)) fail(`${h.name}: forward delay ${other[`${key}-forward-delay`]}`);
    if (stp === 'stp' && other['stp-hello-time'] !== String(o.helloTime ?? 2)) fail(`${h.name}: hello time ${other['stp-hello-time']}`);
  }

  // The manifest: every host with its files, every file, a root and blocked tunnels that fit.
  const manifest = JSON.parse(fileOf(c, 'manifest.json')) as {
    ring: string;
    root: string | null;
    blocked: unknown[];
    hosts: Record<string, { internal: string; external: string | null; files: string[]; tunnels: Array<{ name: string; peer: string; remote: string }>; containers: unknown[] }>;
    files: string[];
  };
  if (manifest.ring !== d.name) fail(`manifest: ring ${manifest.ring}`);
  if (JSON.stringify(Object.keys(manifest.hosts).sort()) !== JSON.stringify([...names].sort())) fail(`manifest: hosts ${Object.keys(manifest.hosts).join(' ')}`);
  if (JSON.stringify([...manifest.files].sort()) !== JSON.stringify(c.out.files.map((f) => f.path).sort())) fail('manifest: files differ from the build');
  for (const h of d.hosts) {
    const m = Object.hasOwn(manifest.hosts, h.name) ? manifest.hosts[h.name] : undefined;
    if (!m) continue;
    const own = c.out.files.filter((f) => f.path.startsWith(`${h.name}/`)).map((f) => f.path).sort();
    if (JSON.stringify(m.files) !== JSON.stringify(own)) fail(`manifest: files of ${h.name}`);
    if (own.length !== 9) fail(`${h.name}: ${own.length} files`);
    if (m.internal !== ip(num(h.internal)) || m.external !== (h.external === undefined ? null : ip(num(h.external)))) fail(`manifest: addresses of ${h.name}`);
    const mine = ends.filter((e) => e.host === h.name).map((e) => `${e.name} ${e.options.remote_ip}`).sort();
    if (JSON.stringify(m.tunnels.map((t) => `${t.name} ${t.remote}`).sort()) !== JSON.stringify(mine)) fail(`manifest: tunnels of ${h.name}`);
    if (m.containers.length !== d.containers.filter((x) => x.host === h.name).length) fail(`manifest: containers of ${h.name}`);
  }
  if (manifest.root === null || !names.includes(manifest.root)) fail(`manifest: root ${manifest.root}`);
  if (manifest.blocked.length !== tunnelCount - (names.length - 1)) fail(`manifest: ${manifest.blocked.length} blocked of ${tunnelCount} tunnels on ${names.length} hosts`);

  // The rollout files and the picture.
  const deploy = fileOf(c, 'deploy.sh');
  const inventory = fileOf(c, 'inventory.yml');
  const group = d.name.replace(/-/g, '_');
  const wantGroup = ['all', 'ungrouped', ...names].includes(group) ? `ringgen_${group}` : group;
  if (!inventory.includes(`\n    "${wantGroup}":\n`) || !fileOf(c, 'deploy.yml').includes(`\n  hosts: "${wantGroup}"\n`)) fail(`inventory.yml, deploy.yml: not the group ${wantGroup}`);
  for (const h of d.hosts) {
    if (!deploy.includes(`\n  ${h.name}) echo ${ip(num(h.internal))} ;;\n`)) fail(`deploy.sh: no address for ${h.name}`);
    if (!inventory.includes(`        "${h.name}":\n          ansible_host: "${ip(num(h.internal))}"\n`)) fail(`inventory.yml: no ${h.name}`);
  }
  // deploy.sh --dry-run (it prints the ssh and scp commands, runs none) installs every host in ring order.
  const dry = run('bash', [join(c.dir, 'deploy.sh'), '--dry-run'], { env: { ...process.env, RINGGEN_COPY: 'scp' } });
  const installs = dry.stderr.split('\n').flatMap((l) => /^deploy\[.*\] (\S+): install\.sh$/.exec(l)?.slice(1) ?? []);
  if (dry.status !== 0 || JSON.stringify(installs) !== JSON.stringify(names)) fail(`deploy.sh --dry-run: exit ${dry.status}, installs ${installs.join(' ')}`);
  const svg = xmlProblems(fileOf(c, 'ring.svg'));
  if (svg.length > 0) fail(`ring.svg: ${svg.join('; ')}`);
  return bad;
}

// ---------------------------------------------------------------------------------------------

/**
 * The scripts shellcheck reads: not all of them (about 0.2 s a script), but every pair of values of
 * what a template branches on (options; none, one or several tunnels, bridges, containers) in at
 * least one script, and the up.sh of the ten hosts with the most containers (the most free text).
 */
function shellcheckPicks(): string[] {
  const bucket = (k: number) => Math.min(k, 2);
  const seen = new Set<string>();
  const picked = new Set<string>();
  const byPairs = (script: string, file: string, features: Record<string, unknown>) => {
    const values = Object.entries(features).map(([k, v]) => `${k}=${String(v)}`);
    const pairs = values.flatMap((a, i) => values.slice(i + 1).map((b) => `${script} ${a} ${b}`));
    if (pairs.every((p) => seen.has(p))) return;
    pairs.forEach((p) => seen.add(p));
    picked.add(file);
  };
  const hosts = cases.flatMap((c) => c.out.model!.hosts.map((h) => ({ c, m: c.out.model!, h })));
  for (const { c, m, h } of hosts) {
    const counts = { tunnels: bucket(m.tunnels.filter((t) => t.a === h.name || t.b === h.name).length), bridges: bucket(m.bridges.length), containers: bucket(h.containers.length) };
    const bfd = m.opts.bfdInterval !== undefined;
    const envFile = h.containers.some((x) => x.spec.envFile !== undefined);
    byPairs('up.sh', join(c.dir, h.name, 'up.sh'), { stp: m.opts.stp, bfd, netdev: m.opts.datapath === 'netdev', nat: m.opts.egressNat, timers: m.opts.maxAge > 28, envFile, ...counts });
    byPairs('check.sh', join(c.dir, h.name, 'check.sh'), { bfd, ...counts });
    for (const script of ['down.sh', 'install.sh', 'uninstall.sh']) byPairs(script, join(c.dir, h.name, script), { stp: m.opts.stp, bfd });
  }
  for (const { c, h } of [...hosts].sort((a, b) => b.h.containers.length - a.h.containers.length).slice(0, 10)) picked.add(join(c.dir, h.name, 'up.sh'));
  for (const c of cases) byPairs('deploy.sh', join(c.dir, 'deploy.sh'), { hosts: bucket(c.draft.hosts.length), external: c.draft.hosts.some((h) => h.external) });
  return [...picked];
}

describe('generated valid rings', () => {
  it('cover the DSL: 1 to 40 hosts, both tunnel types, every spanning tree mode and ring option', () => {
    const seen = (f: (c: Case) => unknown) => new Set(cases.map(f));
    const counts = cases.map((c) => c.draft.hosts.length);
    expect(Math.min(...counts)).toBe(1);
    expect(Math.max(...counts)).toBe(40);
    expect(seen((c) => c.draft.options.tunnel ?? 'gre')).toEqual(new Set(['gre', 'vxlan']));
    expect(seen((c) => c.draft.options.stp ?? 'rstp')).toEqual(new Set(['rstp', 'stp', 'off']));
    const options = new Set(cases.flatMap((c) => Object.keys(c.draft.options)));
    for (const key of ['tunnel', 'stp', 'datapath', 'ovsBridge', 'underlayMtu', 'bfd', 'root', 'rootPriority', 'priority', 'maxAge', 'forwardDelay', 'helloTime', 'tunnelCost', 'internalIface', 'externalIface', 'egressNat', 'vni', 'dockerNetwork']) {
      expect(options, `no generated ring sets options.${key}`).toContain(key);
    }
    const containers = cases.flatMap((c) => c.draft.containers);
    for (const key of ['command', 'env', 'envFile', 'volumes', 'restart', 'tty', 'interactive', 'gateway', 'mtu', 'publish', 'network', 'hostname']) {
      expect(containers.some((x) => Object.hasOwn(x, key)), `no generated container sets ${key}`).toBe(true);
    }
    expect(cases.some((c) => c.draft.bridges.length >= 3)).toBe(true);
    expect(cases.some((c) => c.draft.tunnels.length >= 2)).toBe(true);
    expect(cases.some((c) => new Set(c.draft.tunnels.map((t) => t[0])).size < c.draft.tunnels.length), 'no ring names two tunnels alike').toBe(true);
    expect(cases.some((c) => c.expect.warnings.has('TUNNEL_PARALLEL') && c.out.diagnostics.some((d) => d.code === 'TUNNEL_PARALLEL'))).toBe(true);
    expect(cases.some((c) => c.draft.hosts.some((h) => h.bridgeAddresses))).toBe(true);
    expect(cases.some((c) => c.draft.hosts.some((h) => h.external) && c.draft.hosts.some((h) => !h.external))).toBe(true);
    expect(cases.some((c) => ['all', 'ungrouped', ...c.draft.hosts.map((h) => h.name)].includes(c.draft.name)), 'no ring named like a host or all').toBe(true);
  });

  it.each(cases.map((c) => [c.label, c] as const))('build without errors or unexpected warnings, the same way twice and through their JSON spec: %s', (_, c) => {
    const unexpected = c.out.diagnostics.filter((d) => d.severity === 'error' || !c.expect.warnings.has(d.code));
    expect(unexpected, c.label).toEqual([]);
    expect(c.out.files.length, c.label).toBeGreaterThan(0);
    expect(buildRing(c.spec ?? toBuilder(c.draft)).files, `${c.label}: a second build differs`).toEqual(c.out.files);
    expect(buildRing(c.spec ? JSON.parse(JSON.stringify(c.spec)) : toJsonSpec(c.draft)).files, `${c.label}: the JSON spec builds differently`).toEqual(c.out.files);
  });

  it.each(cases.map((c) => [c.label, c] as const))('every script parses with bash -n: %s', (_, c) => {
    const scripts = c.out.files.filter((f) => f.path.endsWith('.sh')).map((f) => join(c.dir, f.path));
    const r = run('bash', ['-c', 'for f; do bash -n "$f" 2>&1 || echo "FAILED: $f"; done', 'bash', ...scripts]);
    expect(r.stdout + r.stderr, c.label).toBe('');
  }, SPAWNS);

  // shellcheck takes about 0.2 s a script (more on a busy machine), so a few at a time.
  const picks = shellcheckPicks();
  const chunks = Array.from({ length: Math.ceil(picks.length / 8) }, (_, i) => picks.slice(i * 8, i * 8 + 8));
  it.each(chunks.map((chunk, i) => [`${i + 1} of ${chunks.length}`, chunk] as const))('the scripts of every kind of host are shellcheck-clean: scripts %s', (_, chunk) => {
    if (!requireTools(['shellcheck'])) return;
    const r = run('shellcheck', ['-x', '--severity=style', ...chunk]);
    expect(r.stdout + r.stderr, `seed base ${SEED}: ${chunk.join(' ')}`).toBe('');
    expect(r.status).toBe(0);
  }, SPAWNS);

  it('shellcheck sees every kind of script', () => {
    for (const script of ['up.sh', 'check.sh', 'down.sh', 'install.sh', 'uninstall.sh', 'deploy.sh']) expect(picks.some((p) => p.endsWith(`/${script}`)), script).toBe(true);
  });

  it.each(cases.map((c) => [c.label, c] as const))('every iptables.rules loads with iptables-restore --test in a fresh network namespace: %s', (_, c) => {
    if (!requireTools(['iptables-restore', 'unshare'], true)) return;
    const files = c.draft.hosts.map((h) => join(c.dir, h.name, 'iptables.rules'));
    const loop = 'for f; do out=$(iptables-restore -w --test --noflush <"$f" 2>&1) || echo "FAILED: $f"; [ -z "$out" ] || echo "$f: $out"; done';
    const r = run('unshare', ['-n', 'sh', '-c', loop, 'sh', ...files]);
    expect(r.stdout + r.stderr, c.label).toBe('');
    expect(r.status).toBe(0);
  }, SPAWNS);

  it.each(cases.map((c) => [c.label, c] as const))('agree with the ring (tunnels on both ends, containers on their host in their subnet, ports published, manifest): %s', (_, c) => {
    expect(invariants(c), c.label).toEqual([]);
  }, SPAWNS);

  it('ran no $(...) of free text while the scripts were probed', () => {
    expect(existsSync(PWNED)).toBe(false);
  });

  it('plan finds nothing to change against their own build', () => {
    for (const c of cases) {
      const plan = makePlan(readPrevious(c.dir), c.out.files, c.dir);
      expect(plan.changed, c.label).toBe(false);
      expect(plan.hosts.map((h) => h.status).filter((s) => s !== 'unchanged'), c.label).toEqual([]);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Invalid rings: every mutation of a valid ring is refused with a diagnostic, never a throw
// ---------------------------------------------------------------------------------------------

const nameSeed = (name: string) => [...name].reduce((h, ch) => (Math.imul(h, 31) + ch.charCodeAt(0)) >>> 0, 7);

/** Valid rings of up to 12 hosts to mutate: quick to check, and varied. */
const bases = [1, 2, 3, 4, 5, 6, 8, 12, 3, 4, 5, 7].map((hosts, i) => validRing(SEED + 1000 + i, { hosts }));

/** The mutated input, or undefined when the mutation does not apply to this base. */
function mutate(m: Mutation, base: Generated, rng: Rng): unknown {
  const d = structuredClone(base.draft);
  if (m.draft) return m.draft(d, rng) === false ? undefined : toBuilder(d);
  if (m.spec) {
    const s = toJsonSpec(d);
    return m.spec(s, rng) === false ? undefined : s;
  }
  return m.builder!(d);
}

describe('mutated rings', () => {
  it('every diagnostic code the checker has is produced by some mutation', () => {
    const produced = new Set(MUTATIONS.flatMap((m) => m.codes));
    expect(DIAGNOSTIC_CODES.filter((c) => !produced.has(c) && !['CONFIG_LOAD', 'CONFIG_TYPE', 'RING_NO_REDUNDANCY', 'TUNNEL_PARALLEL', 'SUBNET_DOCKER_DEFAULT'].includes(c))).toEqual([]);
  });

  it.each(MUTATIONS.map((m) => [m.name, m] as const))('%s: refused with a code, a path and a hint, never thrown', (_, m) => {
    let applied = 0;
    for (let k = 0; k < bases.length && applied < 4; k++) {
      const base = bases[(k + nameSeed(m.name)) % bases.length]!;
      const seed = (SEED + k + nameSeed(m.name)) >>> 0;
      const label = `${m.name}, on validRing(${base.seed}, { hosts: ${base.draft.hosts.length} }) with new Rng(${seed})`;
      const rng = new Rng(seed);
      const input = mutate(m, base, rng);
      if (input === undefined) continue;
      applied++;
      let out: BuildOutcome | undefined;
      expect(() => (out = buildRing(input as UncheckedInput)), label).not.toThrow();
      const errors = errorsOf(out!.diagnostics);
      expect(errors.length, label).toBeGreaterThan(0);
      for (const e of out!.diagnostics) {
        expect(DIAGNOSTIC_CODES, label).toContain(e.code);
        expect(Array.isArray(e.path) && e.hint.length > 0 && e.hint.length > 0 && e.message.length > 0, `${label}: ${JSON.stringify(e)}`).toBe(true);
      }
      expect(errors.map((e) => e.code), label).toEqual(expect.arrayContaining([expect.toSatisfy((c: string) => m.codes.includes(c))]));
      expect(out!.files, label).toEqual([]);
    }
    expect(applied, `${m.name} applies to none of the bases`).toBeGreaterThan(0);
  });
});

describe('the CLI on an invalid .ring.json', () => {
  const cli = (args: string[], cwd: string) => ringgen(args, cwd);

  /** Every entry under dir: path, type, mode, content, modification time. */
  function snapshot(dir: string): string[] {
    const out: string[] = [];
    const walk = (rel: string) => {
      for (const name of readdirSync(join(dir, rel)).sort()) {
        const path = join(rel, name);
        const st = statSync(join(dir, path));
        out.push(`${path} ${st.isDirectory() ? 'dir' : 'file'} ${st.mode} ${st.mtimeMs} ${st.isDirectory() ? '' : readFileSync(join(dir, path), 'base64')}`);
        if (st.isDirectory()) walk(path);
      }
    };
    walk('');
    return out;
  }

  const pickMutation = (name: string) => MUTATIONS.find((m) => m.name.startsWith(name))!;
  const CASES: Array<[string, () => string]> = [
    ['a peering mistake', () => JSON.stringify(mutate(pickMutation('one end of a tunnel'), bases[3]!, new Rng(SEED)), null, 2)],
    ['a wrong type', () => JSON.stringify(mutate(pickMutation('wrong type: an env value'), bases[4]!, new Rng(SEED)))],
    ['a container outside its subnet', () => JSON.stringify(toBuilder({ ...structuredClone(bases[5]!.draft), containers: [{ name: 'cx', host: bases[5]!.draft.hosts[0]!.name, bridge: 'bx', ip: '100.66.0.1', image: 'busybox' }], bridges: [{ name: 'bx', subnet: '100.64.0.0/24' }] }).toSpec())],
    ['a ring name with a shell metacharacter', () => JSON.stringify({ ...toJsonSpec(bases[6]!.draft), name: 'x$(touch /tmp/ringgen-gen-cli)' })],
    ['text that is not JSON', () => '{ "name": "r", "hosts": [ }'],
  ];

  let previous = '';
  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist/cli/main.js'))) throw new Error('dist/ is missing: run npm run build');
    previous = join(root, 'cli-previous');
    mkdirSync(previous);
    writeFileSync(join(previous, 'good.ring.json'), JSON.stringify(toJsonSpec(bases[2]!.draft)));
    const r = cli(['build', 'good.ring.json', '--out', 'out'], previous);
    if (r.status !== 0) throw new Error(`the valid ring did not build: ${r.stderr}`);
    writeFileSync(join(previous, 'out', 'notes.txt'), 'mine\n');
  });

  it.each(CASES)('%s: exit 1, and the output folder is left as it was (missing, or with a previous build)', (_, text) => {
    const dir = tempDir();
    try {
      writeFileSync(join(dir, 'bad.ring.json'), text());
      const missing = cli(['build', 'bad.ring.json', '--out', 'out'], dir);
      expect(missing.status, missing.stderr).toBe(1);
      expect(missing.stderr).toMatch(/error [A-Z_]+/);
      expect(existsSync(join(dir, 'out'))).toBe(false);
      execCopy(previous, dir);
      const before = snapshot(join(dir, 'out'));
      const existing = cli(['build', 'bad.ring.json', '--out', 'out'], dir);
      expect(existing.status, existing.stderr).toBe(1);
      expect(snapshot(join(dir, 'out'))).toEqual(before);
      expect(existsSync('/tmp/ringgen-gen-cli')).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Copies the previous build's folder beside a bad ring, as `out`. */
function execCopy(from: string, to: string): void {
  const r = run('cp', ['-a', join(from, 'out'), join(to, 'out')]);
  if (r.status !== 0) throw new Error(r.stderr);
}
