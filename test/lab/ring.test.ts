/**
 * The lab: ringgen's output run for real on simulated hosts (network namespaces, each with its
 * own Open vSwitch, its own dockerd and iptables), checked the way an operator would check it. On
 * the userspace datapath here; on the kernel datapath in the kernel lab's VM (LAB_DATAPATH=system,
 * test/lab/kernel.test.ts). Needs root and the lab packages; skips loudly elsewhere, fails under CI.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ring, type RingBuilder } from '../../src/input/dsl';
import { buildRing } from '../../src/pipeline';
import { LAB_DATAPATH, LAB_HOSTS_AT_ONCE, LAB_IMAGE, Lab, failoverBound, httpGet, labAvailable, labRingOptions, onHosts, outagePing, pingReplyTimes, sleep, slow, waitFor, worstGap, type LabSpec, type RunResult } from './harness';
import { labHooks } from './hooks';

const LONG = slow(600_000);

/**
 * LAB_RING_CHECKS=ci: the kernel lab's run in every CI run (test/lab/kernel.test.ts), sized to fit
 * CI's budget under emulation: the first ring only (no host5), and of the tests those a user checks
 * first: 1 (matrix, TCP, isolation), 2 (overlay MTU), 3 (published ports, a non-peer's tunnel
 * dropped), 7 (down.sh). The others are not defined at all (not skipped). Unset: every test.
 */
const CI_CHECKS = process.env.LAB_RING_CHECKS === 'ci';
const check = (name: string, fn: () => unknown, timeout: number) => {
  if (!CI_CHECKS || /^[1237]\. /.test(name)) it(name, fn, timeout);
};
/** The ring's hosts in the last ring a run builds (host5 joins in test 4b). */
const LAST_HOSTS = CI_CHECKS ? ['host1', 'host2', 'host3', 'host4'] : ['host1', 'host2', 'host3', 'host4', 'host5'];
const HTTPD = ['sh', '-c', 'mkdir -p /www && hostname > /www/index.html && echo hello-ring >> /www/index.html && httpd -f -p 80 -h /www'];

const SPEC: LabSpec = {
  prefix: 'rgr',
  hosts: [
    { name: 'host1', internal: '10.20.10.70/24', external: '192.0.2.10/24' },
    { name: 'host2', internal: '10.20.10.71/24' },
    { name: 'host3', internal: '10.20.10.72/24', external: '192.0.2.12/24' },
    { name: 'host4', internal: '10.20.10.73/24' },
    { name: 'host5', internal: '10.20.10.74/24' },
    { name: 'rogue', internal: '10.20.10.99/24', docker: false },
  ].filter((h) => !CI_CHECKS || h.name !== 'host5'),
  client: '192.0.2.200/24',
};

/** The original's topology (4 hosts, GRE, br0/br1, test1 everywhere) plus a web server and a probe. */
function originalRing(variant: 'first' | 'changed'): RingBuilder {
  const r = ring('ddbms', { tunnel: 'gre', ...labRingOptions() })
    .host('host1', { internal: '10.20.10.70', external: '192.0.2.10' })
    .host('host2', { internal: '10.20.10.71' })
    .host('host3', { internal: '10.20.10.72', external: '192.0.2.12' })
    .host('host4', { internal: '10.20.10.73' });
  if (variant === 'changed') r.host('host5', { internal: '10.20.10.74' });
  r.bridge('br0', { subnet: '192.168.2.0/24' })
    .bridge('br1', { subnet: '192.168.3.0/24' })
    .container('test1', { host: 'host1', bridge: 'br0', ip: '192.168.2.11', image: LAB_IMAGE })
    .container('test1', { host: 'host2', bridge: 'br0', ip: '192.168.2.12', image: LAB_IMAGE })
    .container('test1', { host: 'host3', bridge: 'br1', ip: '192.168.3.11', image: LAB_IMAGE })
    .container('test1', { host: 'host4', bridge: 'br1', ip: '192.168.3.12', image: LAB_IMAGE })
    .container('probe', { host: 'host3', bridge: 'br0', ip: '192.168.2.30', image: LAB_IMAGE })
    .container('web', { host: variant === 'first' ? 'host3' : 'host4', bridge: 'br1', ip: '192.168.3.20', image: LAB_IMAGE, command: HTTPD, publish: variant === 'first' ? ['host1:8080:80', '8081:80'] : ['host1:8080:80'] });
  if (variant === 'first') r.tunnel('gre9', 'host2', 'host4');
  return r;
}

interface Member {
  host: string;
  name: string;
  ip: string;
  bridge: string;
}

const MEMBERS: Member[] = [
  { host: 'host1', name: 'test1', ip: '192.168.2.11', bridge: 'br0' },
  { host: 'host2', name: 'test1', ip: '192.168.2.12', bridge: 'br0' },
  { host: 'host3', name: 'probe', ip: '192.168.2.30', bridge: 'br0' },
  { host: 'host3', name: 'test1', ip: '192.168.3.11', bridge: 'br1' },
  { host: 'host4', name: 'test1', ip: '192.168.3.12', bridge: 'br1' },
  { host: 'host3', name: 'web', ip: '192.168.3.20', bridge: 'br1' },
];

describe.runIf(labAvailable('lab ring'))('lab: the original four-host ring', () => {
  let lab: Lab;
  let outDir: string;
  const stateDir = (host: string) => join(lab.dir, host, 'ringgen-state');

  const build = (r: RingBuilder) => {
    const out = buildRing(r);
    expect(out.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    outDir = lab.writeRing(out.files);
    return out;
  };
  const script = (host: string, name: string, args: string[] = [], check = true): RunResult =>
    lab.exec(host, ['bash', join(outDir, host, name), ...args], { env: { RINGGEN_STATE_DIR: stateDir(host) }, timeoutMs: 300_000, check });
  const upAll = (hosts: string[]) => onHosts(hosts, (h) => lab.execAsync(h, ['bash', join(outDir, h, 'up.sh')], { env: { RINGGEN_STATE_DIR: stateDir(h) }, timeoutMs: 300_000, check: true }));
  const pid = (m: Member) => lab.containerPid(m.host, m.name);
  const inContainer = (m: Pick<Member, 'host' | 'name'>, cmd: string[]) => lab.inContainer(m, cmd);
  const ping = (from: Member, to: string, extra: string[] = []) => lab.ping(from, to, extra);
  /** Packets ringgen's INPUT rule that drops a non-peer's tunnel packets (protocol gre or udp) has counted on a host. */
  const ringDrops = (host: string, proto: string) => {
    const rules = lab.exec(host, ['iptables', '-w', '-t', 'filter', '-L', 'RG-ddbms-IN', '-v', '-n', '-x']).stdout;
    const line = rules.split('\n').find((l) => new RegExp(`^\\s*\\d+\\s+\\d+\\s+DROP\\s+${proto}\\s`).test(l));
    if (!line) throw new Error(`no DROP ${proto} rule in RG-ddbms-IN on ${host}:\n${rules}`);
    return Number(line.trim().split(/\s+/)[0]);
  };
  /** A host's state, in one lab call (each costs a round trip to the kernel lab's VM). */
  const snapshot = (host: string) => {
    const [ovs = '', link = '', addr = '', rules = '', ps = ''] = lab.shellParts(host, ['ovs-vsctl show', 'ip -d link', 'ip addr', 'iptables-save', "docker ps -a --format '{{.ID}} {{.Names}} {{.Status}}'"]);
    return [
      ovs,
      link.replace(/(hello_timer|tcn_timer|topology_change_timer|gc_timer)\s+[\d.]+/g, '$1'),
      addr.replace(/valid_lft.*$/gm, ''),
      rules.replace(/^#.*$/gm, '').replace(/\[\d+:\d+\]/g, ''),
      ps.replace(/Up .*$/gm, 'Up'),
    ].join('\n----\n');
  };

  beforeAll(async () => {
    let t = Date.now();
    const took = () => {
      const s = (Date.now() - t) / 1000;
      t = Date.now();
      return `${s.toFixed(1)} s`;
    };
    lab = await Lab.up(SPEC, { timeoutMs: LONG });
    const upLab = took();
    // Things the user made that ringgen must never touch: a container and a rule per host.
    // One lab call per host (each costs a round trip to the kernel lab's VM).
    await onHosts(LAST_HOSTS, (h) => lab.execAsync(h, ['sh', '-c', `docker run -d --name mine ${LAB_IMAGE} sleep 100000 && iptables -w -A FORWARD -s 203.0.113.7/32 -j DROP`], { check: true }));
    const planted = took();
    build(originalRing('first'));
    await upAll(['host1', 'host2', 'host3', 'host4']);
    console.log(`lab: Lab.up of ${SPEC.hosts.length} hosts ${upLab}, the user's container and rule on ${LAST_HOSTS.length} hosts ${planted}, up.sh on four hosts ${took()} (${LAB_HOSTS_AT_ONCE} at a time in the VM)`);
  }, LONG);

  labHooks(() => lab);
  // For the record, not a test: every BFD session that went down during the run (host2's, cut
  // in test 6, and those of the tunnels that test 4b changes are expected). Runs before the
  // teardown that labHooks registers (after-hooks run last-registered first).
  afterAll(() => {
    const downs = lab?.bfdDowns() ?? [];
    console.log(`lab: BFD sessions that went down during the run: ${downs.map((d) => `${d.host}/${d.iface}`).join(', ') || 'none'}`);
  });

  check('1. every container reaches every container of its subnet (ping and TCP), never the other subnet', async () => {
    const converge = await waitFor('the ring to forward', () => lab.answersAll(MEMBERS), 60_000);
    console.log(`lab: full ping matrix answered ${converge.toFixed(1)} s after the last up.sh`);
    const settled = Date.now() / 1000;
    lab.serveHttp(MEMBERS.filter((b) => b.name !== 'web'));
    await sleep(500);
    const faults = lab.matrixFaults(MEMBERS, (b) => (b.name === 'web' ? 80 : 8000));
    expect(faults, lab.disturbances(settled)).toEqual([]);
    const disturbed = lab.disturbances(settled);
    if (disturbed) console.warn(`lab: the matrix passed, disturbed: ${disturbed}`);
    // Even with a route through the host, the other subnet stays out of reach.
    const a = MEMBERS[0]!;
    inContainer(a, ['ip', 'route', 'add', '192.168.3.0/24', 'via', '192.168.2.1', 'dev', 'eth1']);
    expect(lab.isolated(a, '192.168.3.11')).toBe(true);
    expect(lab.isolated(a, '192.168.3.12')).toBe(true);
    inContainer(a, ['ip', 'route', 'del', '192.168.3.0/24']);
  }, LONG);

  check('1b. a broadcast on br0 is seen on br0 across the ring and not on br1', async () => {
    const capture = (bridge: string) => lab.execAsync('host4', ['timeout', '6', 'tcpdump', '-i', bridge, '-n', '-c', '1', 'arp and host 192.168.2.99'], { timeoutMs: 20_000 });
    const onBr0 = capture('br0');
    const onBr1 = capture('br1');
    await sleep(1500);
    ping(MEMBERS[0]!, '192.168.2.99');
    ping(MEMBERS[0]!, '192.168.2.99');
    const [seen, unseen] = await Promise.all([onBr0, onBr1]);
    expect(seen.stdout + seen.stderr).toMatch(/1 packet captured/);
    expect(unseen.stdout).not.toMatch(/192\.168\.2\.99/);
  }, LONG);

  check('2. a full-size packet with don\'t-fragment crosses the ring (and one byte more does not fit)', () => {
    const mtu = 1500 - 42;
    const a = MEMBERS[0]!;
    const far = MEMBERS[2]!;
    const r = ping(a, far.ip, ['-M', 'do', '-s', String(mtu - 28)]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(ping(a, far.ip, ['-M', 'do', '-s', String(mtu - 27)]).code).not.toBe(0);
    console.log(`lab: overlay MTU ${mtu} (${LAB_DATAPATH} datapath): a don't-fragment packet of ${mtu} bytes crosses host1 -> host3, one of ${mtu + 1} does not`);
  }, LONG);

  check('3. published ports answer from outside, also for a container on another host; rogue tunnels reach nothing', () => {
    const get = (ip: string, port: number) => lab.client(httpGet(ip, port), { timeoutMs: 20_000 });
    const remote = get('192.0.2.10', 8080);
    expect(remote.stdout, remote.stderr).toContain('hello-ring');
    const local = get('192.0.2.12', 8081);
    expect(local.stdout, local.stderr).toContain('hello-ring');
    // From the DNAT host itself too.
    const self = lab.exec('host1', httpGet('192.0.2.10', 8080));
    expect(self.stdout, self.stderr).toContain('hello-ring');
    // A host that is not a ring peer builds its own GRE tunnel to host1 and tries br0's VLAN.
    const rogue = [
      `ovs-vsctl add-br rbr -- set bridge rbr datapath_type=${LAB_DATAPATH}`,
      'ovs-vsctl add-port rbr gre0 -- set interface gre0 type=gre options:remote_ip=10.20.10.70',
      'ovs-vsctl add-port rbr rint tag=10 -- set interface rint type=internal',
      'ip addr add 192.168.2.99/24 dev rint && ip link set rint up',
      'sleep 1',
      'ping -c 3 -W 1 192.168.2.11',
    ].join(' && ');
    const dropped = () => ringDrops('host1', '(?:gre|47)');
    const before = dropped();
    expect(lab.shell('rogue', rogue, { timeoutMs: 30_000 }).code).not.toBe(0);
    if (LAB_DATAPATH === 'system') {
      // On the kernel datapath a tunnel packet goes through netfilter's INPUT before the kernel's
      // GRE receive hands it to Open vSwitch: ringgen's rule drops the non-peer's packets (its
      // counter rises by at least the three pings' requests). On the userspace datapath br-phy
      // takes eth1's packets before netfilter, and only Open vSwitch ignores them.
      const after = dropped();
      console.log(`lab: ringgen's GRE drop rule on host1 counted ${after - before} packet(s) from the non-peer`);
      expect(after - before).toBeGreaterThanOrEqual(3);
    }
  }, LONG);

  check('8. check.sh reports healthy, in text and JSON', async () => {
    await waitFor('check.sh healthy everywhere', () => ['host1', 'host2', 'host3', 'host4'].every((h) => script(h, 'check.sh', [], false).code === 0), 30_000);
    let json: { healthy?: boolean; checks: Array<{ check: string }> } = { checks: [] };
    await waitFor('check.sh --json healthy', () => {
      json = JSON.parse(script('host1', 'check.sh', ['--json'], false).stdout);
      return json.healthy === true;
    });
    expect(json).toMatchObject({ ring: 'ddbms', host: 'host1', healthy: true });
    expect(json.checks.map((c: { check: string }) => c.check)).toEqual(expect.arrayContaining(['tunnel gre0', 'tunnel gre3', 'container test1']));
  }, LONG);

  check('4a. up.sh run again changes nothing', async () => {
    const before = ['host1', 'host2', 'host3', 'host4'].map(snapshot);
    await upAll(['host1', 'host2', 'host3', 'host4']);
    const after = ['host1', 'host2', 'host3', 'host4'].map(snapshot);
    for (let i = 0; i < before.length; i++) expect(after[i], `host${i + 1}`).toBe(before[i]);
  }, LONG);

  check('4c. an uplink made afresh (as after a reboot) is an edge port at once: it forwards when up.sh ends', async () => {
    // Open vSwitch takes a new port's admin-edge setting too late; without up.sh's nudge the port
    // discards for 3 s (until auto-edge) and the host's containers on that bridge are cut off.
    lab.exec('host1', ['ip', 'link', 'del', 'br0-lb'], { check: true });
    script('host1', 'up.sh', ['network']);
    const state = lab.exec('host1', ['ovs-vsctl', 'get', 'port', 'br0-ov', 'rstp_status:rstp_port_state']).stdout.trim();
    expect(state).toBe('Forwarding');
    const took = await waitFor('host1 br0 reaches host2 again', () => ping(MEMBERS[0]!, MEMBERS[1]!.ip).code === 0, 10_000);
    console.log(`lab: host1's container answered ${took.toFixed(1)} s after its uplink was made again`);
    expect(took).toBeLessThan(slow(2));
  }, LONG);

  check('5. docker restart: eth1 comes back with the same IP with nobody running anything', async () => {
    const m = MEMBERS[1]!;
    lab.docker(m.host, ['restart', '-t', '1', m.name], { check: true });
    const took = await waitFor('eth1 back after docker restart', () => inContainer(m, ['ip', '-o', '-4', 'addr', 'show', 'dev', 'eth1']).stdout.includes(`${m.ip}/24`), 20_000);
    console.log(`lab: eth1 re-attached ${took.toFixed(1)} s after docker restart`);
    await waitFor('reachable again', () => ping(MEMBERS[0]!, m.ip).code === 0, 10_000);
  }, LONG);

  check('6 and 8. a host cut from the underlay: the rest keep reaching each other; check.sh names the tunnel; the ring heals', async () => {
    const a = MEMBERS[0]!; // host1 br0
    const b = MEMBERS[2]!; // host3 br0: the active path runs through host2
    const pinger = lab.execAsync(a.host, outagePing(pid(a), b.ip, slow(9), 0.02), { timeoutMs: 30_000 });
    await sleep(slow(2000));
    lab.cut('host2');
    await sleep(slow(3500));
    const broken = script('host1', 'check.sh', [], false);
    lab.restore('host2');
    const result = await pinger;
    const times = pingReplyTimes(result.stdout);
    expect(times.length).toBeGreaterThan(100);
    const worst = worstGap(times);
    console.log(`lab: worst gap between replies across cut and return of host2: ${worst.toFixed(3)} s (${times.length} replies; ${LAB_DATAPATH} datapath, BFD ${labRingOptions().bfd?.interval ?? 50} ms, bound ${failoverBound(3)} s)`);
    expect(worst).toBeLessThan(failoverBound(3));
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/FAIL\s+tunnel gre0\s/);
    expect(broken.stdout).not.toMatch(/FAIL\s+tunnel gre3\s/);
    await waitFor('host2 back in the ring', () => ping(a, '192.168.2.12').code === 0, 30_000);
    await waitFor('check.sh healthy again', () => script('host1', 'check.sh', [], false).code === 0, 30_000);
    // The watchers logged the failover: host3 moved its root port from gre1 (to host2) to the
    // blocked gre2, and back; host1's gre0 (to host2) went out of the tree.
    const watchLog = (h: string) => lab.readFile(join(stateDir(h), 'watch.log')) ?? '';
    expect(watchLog('host3')).toMatch(/spanning tree: port gre2 Alternate\/Discarding -> Root\/Forwarding/);
    expect(watchLog('host3')).toMatch(/spanning tree: port gre2 Root\/Forwarding -> Alternate\/Discarding/);
    expect(watchLog('host1')).toMatch(/spanning tree: port gre0 Designated\/Forwarding -> \w+\/Discarding/);
  }, LONG);

  check('4b. changing the ring (move a container, remove a tunnel, add a host) converges with nothing stale', async () => {
    build(originalRing('changed'));
    await upAll(['host1', 'host2', 'host3', 'host4', 'host5']);
    const names = (h: string) => lab.docker(h, ['ps', '-a', '--filter', 'label=ringgen.ring=ddbms', '--format', '{{.Names}}']).stdout.split('\n').filter(Boolean).sort();
    expect(names('host3')).toEqual(['probe', 'test1']);
    expect(names('host4')).toEqual(['test1', 'web']);
    for (const h of ['host2', 'host4']) expect(lab.exec(h, ['ovs-vsctl', 'list-ports', 'ovs0']).stdout).not.toMatch(/gre9/);
    expect(lab.exec('host5', ['ovs-vsctl', 'list-ports', 'ovs0']).stdout.split('\n').filter((p) => p.startsWith('gre')).sort()).toEqual(['gre3', 'gre4']);
    const moved = { host: 'host4', name: 'web', ip: '192.168.3.20', bridge: 'br1' };
    await waitFor('moved web reachable', () => ping(MEMBERS[3]!, moved.ip).code === 0, 60_000);
    const r = lab.client(httpGet('192.0.2.10', 8080), { timeoutMs: 20_000 });
    expect(r.stdout).toContain('hello-ring');
    expect(lab.exec('host3', ['iptables-save', '-t', 'nat']).stdout).not.toMatch(/--dport 8081/);
    await waitFor('host5 healthy', () => script('host5', 'check.sh', [], false).code === 0, 30_000);
  }, LONG);

  check('7. down.sh removes everything of ringgen and nothing else', async () => {
    const hosts = LAST_HOSTS;
    await onHosts(hosts, (h) => lab.execAsync(h, ['bash', join(outDir, h, 'down.sh')], { env: { RINGGEN_STATE_DIR: stateDir(h) }, timeoutMs: 300_000, check: true }));
    for (const h of hosts) {
      // What is left on the host, in one lab call (each costs a round trip to the kernel lab's VM).
      const [bridges = '', ports = '', links = '', rules = '', ps = '', state = '', dp = ''] = lab.shellParts(h, [
        'ovs-vsctl list-br',
        'ovs-vsctl --bare --columns=name find port external_ids:ringgen-ring=ddbms',
        'ip -o link',
        'iptables-save',
        "docker ps -a --format '{{.Names}} {{.State}}'",
        `ls '${stateDir(h)}'`,
        LAB_DATAPATH === 'system' ? 'ovs-dpctl show 2>&1' : 'true',
      ]);
      expect(bridges.trim(), h).toBe(LAB_DATAPATH === 'system' ? '' : 'br-phy');
      expect(ports.trim(), h).toBe('');
      for (const gone of ['br0', 'br1', 'br0-lb', 'br0-ov', 'vc-test1']) expect(links, h).not.toMatch(new RegExp(`\\d+: ${gone}[:@]`));
      expect(links).toMatch(/docker0/);
      expect(rules, h).not.toMatch(/RG-ddbms/);
      expect(rules, h).toMatch(/-A FORWARD -s 203\.0\.113\.7\/32 -j DROP/);
      expect(rules, h).toMatch(/:DOCKER /);
      expect(ps.trim().split('\n').sort(), h).toEqual(['mine running']);
      expect(state.trim()).not.toMatch(/watch\.pid/);
      if (LAB_DATAPATH === 'system') {
        const names = [...links.matchAll(/^\d+: ([^:@]+)/gm)].map((m) => m[1]!);
        const dpPorts = [...dp.matchAll(/^\s*port \d+: (\S+)/gm)].map((m) => m[1]!);
        console.log(`lab: after down.sh on ${h}: ovs-dpctl show: ${JSON.stringify(dp)}; links: ${names.join(' ')}`);
        // Left: the lab host's own devices (eth0/eth1, docker0, the user's container's veth), the
        // kernel's fallback tunnel devices (made in every namespace once ip_gre is loaded), and
        // Open vSwitch's datapath with only its own ports (ovs-system, its internal port, and a
        // tunnel vport such as gre_sys), which ovs-vswitchd keeps while it runs, not ringgen.
        const fallback = /^(lo|eth[01]|docker0|veth[0-9a-f]+|gre0|gretap0|erspan0|ip_vti0|ip6_vti0|ip6tnl0|ip6gre0|sit0|tunl0)$/;
        expect(names.filter((n) => !fallback.test(n) && !dpPorts.includes(n)), h).toEqual([]);
        expect(dpPorts.filter((p) => !/^(ovs-system|gre_sys|vxlan_sys_\d+)$/.test(p)), h).toEqual([]);
      }
    }
  }, LONG);
});
