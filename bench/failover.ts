/**
 * Failover benchmark (root, on the lab): for the original's 802.1D STP, plain RSTP and ringgen's
 * default (RSTP + BFD), on the original's four-host ring, measures
 *   - converge: from the last host's up.sh finishing to every container reaching every container
 *     of its subnet (probes ping every 10 ms per ordered pair from before up.sh; the slowest pair's
 *     first reply counts, 0 when it came before the last up.sh ended);
 *   - first forwarding: from starting `up.sh network` on every host at once (bridge and tunnels,
 *     no containers yet) to the root host reaching every other host's address on br0 across the
 *     ring (the time those runs take is printed too);
 *   - loss: the outage seen by a ping every 10 ms between containers on opposite hosts when the
 *     host on the active path between them is cut from the underlay (longest gap between replies);
 *   - return: the same when that host comes back.
 * Usage: npm run bench:failover [-- --modes default,rstp,stp] [--trials N]
 * The last line reads `failover default: loss max <s>s, return max <s>s, converge max <s>s`.
 */
import { rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { ring, type RingBuilder } from '../src/input/dsl';
import { buildRing } from '../src/pipeline';
import type { RingOptions } from '../src/input/spec';
import { LAB_IMAGE, Lab, labPrerequisites, outagePing, pingReplyTimes, sleep, waitFor, worstGap, type LabSpec } from '../test/lab/harness';

interface Mode {
  label: string;
  options: RingOptions;
  trials: number;
  /** How long to keep pinging after a cut or a return: longer than the slowest recovery. */
  settleMs: number;
  /** Give up on convergence after this long. */
  convergeMs: number;
}

const MODES: Mode[] = [
  { label: 'default', options: {}, trials: 5, settleMs: 4_000, convergeMs: 30_000 },
  { label: 'rstp', options: { stp: 'rstp', bfd: false }, trials: 5, settleMs: 15_000, convergeMs: 60_000 },
  { label: 'stp', options: { stp: 'stp' }, trials: 3, settleMs: 110_000, convergeMs: 120_000 },
];

const SPEC: LabSpec = {
  prefix: 'rgbf',
  hosts: [
    { name: 'host1', internal: '10.20.10.70/24' },
    { name: 'host2', internal: '10.20.10.71/24' },
    { name: 'host3', internal: '10.20.10.72/24' },
    { name: 'host4', internal: '10.20.10.73/24' },
  ],
};

interface Member {
  host: string;
  name: string;
  ip: string;
  bridge: string;
}

/** The original's containers (test1 on every host, two subnets) plus one on host3's br0, so br0 spans opposite hosts. */
const MEMBERS: Member[] = [
  { host: 'host1', name: 'test1', ip: '192.168.2.11', bridge: 'br0' },
  { host: 'host2', name: 'test1', ip: '192.168.2.12', bridge: 'br0' },
  { host: 'host3', name: 'probe', ip: '192.168.2.30', bridge: 'br0' },
  { host: 'host3', name: 'test1', ip: '192.168.3.11', bridge: 'br1' },
  { host: 'host4', name: 'test1', ip: '192.168.3.12', bridge: 'br1' },
];

function originalRing(options: RingOptions): RingBuilder {
  const r = ring('bench', { tunnel: 'gre', datapath: 'netdev', ...options });
  for (const h of SPEC.hosts) r.host(h.name, { internal: h.internal.split('/')[0]! });
  r.bridge('br0', { subnet: '192.168.2.0/24' }).bridge('br1', { subnet: '192.168.3.0/24' });
  for (const m of MEMBERS) r.container(m.name, { host: m.host, bridge: m.bridge, ip: m.ip, image: LAB_IMAGE });
  return r;
}

// The probes must not load the machine they measure: each waits cheaply for its interface to
// exist, then pings every 20 ms until the first reply, whose time it prints. ARP is told to retry
// every 100 ms on the probing interface (a ping ends at its first "unreachable", and the kernel's
// default 1 s between ARP tries would blur the figure); the probe starts again 0.2 s later, so a
// figure is good to about 0.3 s. Faster ARP from a dozen probes flooded the userspace switches
// enough to slow the ring down.

/** Runs the ping command given until it gets a reply; prints the reply's timestamp (`ping -D`). */
const FIRST_REPLY = `first_reply() {
  local t
  until t=$("$@" 2>/dev/null | awk -F'[][]' '/bytes from/ { print $2; exit }') && [ -n "$t" ]; do sleep 0.2; done
  echo "$t"
}`;

/**
 * Waits for container $1's eth1, then pings $2 from the container until a reply. Docker is asked
 * only after up.sh attached something ($3/attached exists; it touches it), once a second.
 */
const PROBE = `
set -u
until [ -e "$3/attached" ]; do sleep 0.5; done
until pid=$(docker container inspect -f '{{.State.Pid}}' "$1" 2>/dev/null) && [ "\${pid:-0}" -gt 0 ] &&
  nsenter -t "$pid" -n ip -o link show eth1 >/dev/null 2>&1; do sleep 1; done
nsenter -t "$pid" -n sysctl -qw net.ipv4.neigh.eth1.retrans_time_ms=100 net.ipv4.neigh.eth1.mcast_solicit=10 || true
${FIRST_REPLY}
first_reply nsenter -t "$pid" -n ping -D -n -c 1 -i 0.02 -w 900 "$2"
`;

/** Waits for br0, then pings $1 from the host itself until a reply. */
const HOST_PROBE = `
until [ -e /sys/class/net/br0 ]; do sleep 0.2; done
sysctl -qw net.ipv4.neigh.br0.retrans_time_ms=100 net.ipv4.neigh.br0.mcast_solicit=10 || true
${FIRST_REPLY}
first_reply ping -D -n -c 1 -i 0.02 -w 900 "$1"
`;

/** Each host's own address on br0 (network + 1 + its position). */
const BR0_ADDRESS: Record<string, string> = Object.fromEntries(SPEC.hosts.map((h, i) => [h.name, `192.168.2.${1 + i}`]));

const args = process.argv.slice(2);
const argValue = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const wanted = (argValue('--modes') ?? 'stp,rstp,default').split(',');
const trialsOverride = argValue('--trials') ? Number(argValue('--trials')) : undefined;

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0]!, median: s[Math.floor((s.length - 1) / 2)]!, max: s[s.length - 1]! };
};
const fmt = (x: number) => x.toFixed(3);

async function main(): Promise<void> {
  const pre = labPrerequisites();
  if (!pre.ok) {
    console.error(`bench:failover needs the lab (missing: ${pre.missing.join(', ')}); run it as root on a machine with the lab packages`);
    process.exit(2);
  }
  console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}; load average at start ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const lab = await Lab.up(SPEC, { timeoutMs: 600_000 });
  let outDir = '';
  const stateDir = (h: string) => join(lab.dir, h, 'ringgen-state');
  const run = (h: string, script: string, scriptArgs: string[] = []) =>
    lab.execAsync(h, ['bash', join(outDir, h, script), ...scriptArgs], { env: { RINGGEN_STATE_DIR: stateDir(h) }, timeoutMs: 300_000, check: true });
  const results: { mode: string; first: number[]; setup: number[]; converge: number[]; loss: number[]; ret: number[] }[] = [];
  try {
    for (const mode of MODES.filter((m) => wanted.includes(m.label))) {
      const trials = trialsOverride ?? mode.trials;
      const built = buildRing(originalRing(mode.options));
      const errors = built.diagnostics.filter((d) => d.severity === 'error');
      if (errors.length > 0) throw new Error(`ring does not build: ${JSON.stringify(errors)}`);
      outDir = lab.writeRing(built.files);
      const blocked = built.stp!.blocked.map((t) => `${t.name} (${t.a}-${t.b})`).join(', ');
      // The active path from host1 to host3 avoids the blocked tunnel: cut the host it runs through.
      const blockedHosts = new Set(built.stp!.blocked.flatMap((t) => [t.a, t.b]));
      const via = blockedHosts.has('host4') ? 'host2' : 'host4';
      console.log(`\n== mode ${mode.label} (${JSON.stringify(mode.options)}): root ${built.stp!.root}, blocked ${blocked}; the host1-host3 path runs through ${via}`);
      const r = { mode: mode.label, first: [] as number[], setup: [] as number[], converge: [] as number[], loss: [] as number[], ret: [] as number[] };
      results.push(r);

      for (let t = 1; t <= trials; t++) {
        // From scratch, on every host at once: first `up.sh network` (OVS bridge, tunnels, Linux
        // bridges), then `up.sh` (containers). Probes run from before up.sh and print when their
        // first reply came, so no probe start-up time counts:
        //  - first forwarding: the root pings every other host's address on br0, counted from
        //    when the `up.sh network` runs started (the original's STP took ~30 s here);
        //  - converge: every container pings every container of its subnet, counted from when
        //    the last `up.sh` ended (0 when the ring already forwarded by then).
        await Promise.all(SPEC.hosts.map((h) => run(h.name, 'down.sh')));
        for (const h of SPEC.hosts) rmSync(join(stateDir(h.name), 'attached'), { force: true });
        // The root reaches every host: the ring forwards along the whole tree.
        const hostPairs = SPEC.hosts.slice(1).map((b) => [SPEC.hosts[0]!.name, BR0_ADDRESS[b.name]!] as const);
        const hostProbes = hostPairs.map(([a, ip]) => lab.execAsync(a, ['bash', '-c', HOST_PROBE, 'probe', ip], { timeoutMs: 300_000 + mode.convergeMs }));
        const pairs = MEMBERS.flatMap((a) => MEMBERS.filter((b) => b !== a && b.bridge === a.bridge).map((b) => [a, b] as const));
        const probes = pairs.map(([a, b]) => lab.execAsync(a.host, ['bash', '-c', PROBE, 'probe', a.name, b.ip, stateDir(a.host)], { timeoutMs: 300_000 + mode.convergeMs }));
        const tSetup = Date.now() / 1000;
        await Promise.all(SPEC.hosts.map((h) => run(h.name, 'up.sh', ['network'])));
        const setup = Date.now() / 1000 - tSetup;
        await Promise.all(SPEC.hosts.map((h) => run(h.name, 'up.sh')));
        const t0 = Date.now() / 1000;
        const replyTimes = async (list: Promise<{ code: number; stdout: string; stderr: string }>[], what: (i: number) => string) =>
          (await Promise.all(list)).map((res, i) => {
            const at = Number(res.stdout.trim());
            if (res.code !== 0 || !Number.isFinite(at)) throw new Error(`${what(i)}: no reply: ${res.stdout}${res.stderr}`);
            return at;
          });
        const first = Math.max(0, Math.max(...(await replyTimes(hostProbes, (i) => `${hostPairs[i]![0]} -> ${hostPairs[i]![1]}`))) - tSetup);
        const converge = Math.max(0, Math.max(...(await replyTimes(probes, (i) => `${pairs[i]![0].host}/${pairs[i]![0].name} -> ${pairs[i]![1].ip}`))) - t0);
        r.converge.push(converge);
        r.first.push(first);
        r.setup.push(setup);

        // Let BFD and spanning tree settle fully before cutting anything.
        await waitFor('check.sh healthy on every host', () => SPEC.hosts.every((h) => lab.exec(h.name, ['bash', join(outDir, h.name, 'check.sh')], { env: { RINGGEN_STATE_DIR: stateDir(h.name) } }).code === 0), mode.convergeMs);
        await sleep(mode.label === 'stp' ? 35_000 : 3_000);

        const a = MEMBERS[0]!;
        const b = MEMBERS[2]!;
        const pingFor = (seconds: number) => lab.execAsync(a.host, outagePing(lab.containerPid(a.host, a.name), b.ip, seconds), { timeoutMs: seconds * 1000 + 30_000 });
        const span = 1 + mode.settleMs / 1000;

        let pinger = pingFor(span);
        await sleep(1000);
        const cutAt = Date.now() / 1000;
        lab.cut(via);
        const lossOut = await pinger;
        if (pingReplyTimes(lossOut.stdout).length === 0) console.log(`  no replies while ${via} was cut: exit ${lossOut.code}: ${(lossOut.stdout + lossOut.stderr).split('\n').slice(0, 4).join(' | ')}`);
        const loss = worstGap(pingReplyTimes(lossOut.stdout), { from: cutAt, to: cutAt + mode.settleMs / 1000 });
        r.loss.push(loss);

        pinger = pingFor(span);
        await sleep(1000);
        const backAt = Date.now() / 1000;
        lab.restore(via);
        const retOut = await pinger;
        const ret = worstGap(pingReplyTimes(retOut.stdout), { from: backAt, to: backAt + mode.settleMs / 1000 });
        r.ret.push(ret);
        // BFD sessions between hosts that stayed up should never go down; when they do, the lab's
        // machine starved a switch, and the trial says so next to its figures.
        const downs = lab.bfdDownsAmong(cutAt, built.model!.tunnels, (h) => h !== via);
        const note = downs.length ? `; disturbed: BFD went down on ${downs.map((d) => `${d.host}/${d.iface}`).join(', ')}` : '';
        console.log(`  trial ${t}: first forwarding ${fmt(first)} s after the up.sh network runs started (they took ${fmt(setup)} s), converge ${fmt(converge)} s after the last up.sh, loss ${fmt(loss)} s, return ${fmt(ret)} s${note}`);
      }
    }
  } catch (e) {
    console.error(`bench:failover failed: ${(e as Error).message}\n${lab.dumpAll()}`);
    process.exitCode = 1;
  } finally {
    await Promise.allSettled(SPEC.hosts.map((h) => run(h.name, 'down.sh')));
    lab.down();
  }
  if (process.exitCode) return;

  console.log(`\nload average at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log('\n| mode | trials | up.sh network runs (s, median) | first forwarding min / median / max (s) | converge after last up.sh min / median / max (s) | host loss min / median / max (s) | host return min / median / max (s) |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results) {
    const row = (xs: number[]) => {
      const s = stats(xs);
      return `${fmt(s.min)} / ${fmt(s.median)} / ${fmt(s.max)}`;
    };
    console.log(`| ${r.mode} | ${r.converge.length} | ${fmt(stats(r.setup).median)} | ${row(r.first)} | ${row(r.converge)} | ${row(r.loss)} | ${row(r.ret)} |`);
  }
  const d = results.find((r) => r.mode === 'default');
  if (d) console.log(`failover default: loss max ${stats(d.loss).max.toFixed(2)}s, return max ${stats(d.ret).max.toFixed(2)}s, converge max ${stats(d.converge).max.toFixed(2)}s`);
}

void main();
