/**
 * The lab on a larger ring: six hosts joined by VXLAN, two subnets, published ports, a chord.
 * Checks reachability (ping and TCP), isolation, MTU, published ports, health, teardown. On the
 * kernel datapath (the kernel lab's full run) the same ring is then built again with IPsec on
 * every tunnel (certificates: a CA, each host's own) and checked again: matrix with nothing in clear on the underlay,
 * the MTU less ESP, the chord's failover, whose figures are printed beside the clear ring's of the
 * same run; down.sh then also leaves no IPsec of ringgen's.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ring } from '../../src/input/dsl';
import { ESP_OVERHEAD, tunnelOverhead } from '../../src/model/options';
import { buildRing } from '../../src/pipeline';
import { LAB_DATAPATH, LAB_IMAGE, Lab, failoverBound, httpGet, labAvailable, labRingOptions, onHosts, outagePing, pingReplyTimes, sleep, slow, waitFor, worstSilence, type LabSpec } from './harness';
import { labHooks } from './hooks';

const LONG = slow(600_000);
const HOSTS = ['n1', 'n2', 'n3', 'n4', 'n5', 'n6'];
const SPEC: LabSpec = {
  prefix: 'rgv',
  hosts: HOSTS.map((name, i) => ({ name, internal: `10.30.0.${11 + i}/24`, ...(i % 2 === 0 ? { external: `198.51.100.${11 + i}/24` } : {}) })),
  client: '198.51.100.200/24',
};

/**
 * The encrypted phase uses certificates (the four-host ring of ipsec.test.ts uses a pre-shared
 * key): the same paths on every host, each host's own certificate and key there.
 */
const KEY_DIR = '/tmp/ringgen-lab/rgv-keys';
const CERTS = { ca: `${KEY_DIR}/ca.pem`, cert: `${KEY_DIR}/host.pem`, key: `${KEY_DIR}/host.key` };
/** Where up.sh links the ring's CA for strongSwan. */
const CA_LINK = '/etc/ipsec.d/cacerts/ringgen-dc.pem';
/** The security associations in `ip xfrm state`'s output, as `src dst spi`: not the kernel's requests for one (SPI 0). */
const realSas = (state: string) =>
  [...state.matchAll(/^src (\S+) dst (\S+)\n\s+proto esp spi (0x[0-9a-f]+)/gm)].filter((m) => !/^0x0+$/.test(m[3]!)).map((m) => `${m[1]} ${m[2]} ${m[3]}`);
/** Open vSwitch has IPsec on the kernel datapath only: the encrypted phase runs there. */
const ENCRYPTED = LAB_DATAPATH === 'system';

function sixRing(ipsec?: typeof CERTS) {
  const r = ring('dc', { tunnel: 'vxlan', ...labRingOptions(), ...(ipsec ? { ipsec } : {}) });
  HOSTS.forEach((name, i) => r.host(name, { internal: `10.30.0.${11 + i}`, ...(i % 2 === 0 ? { external: `198.51.100.${11 + i}` } : {}) }));
  r.bridge('app', { subnet: '172.20.1.0/24' }).bridge('db', { subnet: '172.20.2.0/24' }).tunnel('vxchord', 'n1', 'n4');
  HOSTS.forEach((host, i) => r.container('cx', { host, bridge: i % 2 === 0 ? 'app' : 'db', ip: i % 2 === 0 ? `172.20.1.${50 + i}` : `172.20.2.${50 + i}`, image: LAB_IMAGE }));
  r.container('c2', { host: 'n2', bridge: 'app', ip: '172.20.1.70', image: LAB_IMAGE, publish: ['n5:8080:8000'] });
  r.container('c2', { host: 'n5', bridge: 'db', ip: '172.20.2.70', image: LAB_IMAGE, publish: ['8081:8000'] });
  return r;
}

describe.runIf(labAvailable('lab vxlan'))('lab: six hosts, VXLAN, two subnets', () => {
  let lab: Lab;
  let outDir: string;
  const members: Array<{ host: string; name: string; ip: string; bridge: string }> = [];
  let tunnels: Array<{ name: string; a: string; b: string }> = [];
  const env = (h: string) => ({ RINGGEN_STATE_DIR: join(lab.dir, h, 'ringgen-state') });
  const ping = (m: { host: string; name: string }, ip: string, extra: string[] = []) => lab.ping(m, ip, extra);

  beforeAll(async () => {
    lab = await Lab.up(SPEC, { timeoutMs: LONG });
    const out = buildRing(sixRing());
    expect(out.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    outDir = lab.writeRing(out.files);
    tunnels = out.model!.tunnels;
    for (const c of out.model!.containers) members.push({ host: c.spec.host, name: c.name, ip: c.spec.ip, bridge: c.spec.bridge });
    await onHosts(HOSTS, (h) => lab.execAsync(h, ['bash', join(outDir, h, 'up.sh')], { env: env(h), timeoutMs: 300_000, check: true }));
  }, LONG);

  labHooks(() => lab);

  it('every container reaches its subnet on every host (ping and TCP) and never the other subnet', async () => {
    const start = Date.now();
    while (!lab.answersAll(members)) {
      if (Date.now() - start > slow(90_000)) throw new Error('ring did not converge in 90 s');
      await sleep(500);
    }
    console.log(`lab vxlan (${LAB_DATAPATH} datapath): full ping matrix answered ${((Date.now() - start) / 1000).toFixed(1)} s after the last up.sh`);
    const settled = Date.now() / 1000;
    lab.serveHttp(members);
    await sleep(500);
    const faults = lab.matrixFaults(members);
    expect(faults, lab.disturbances(settled)).toEqual([]);
    const disturbed = lab.disturbances(settled);
    if (disturbed) console.warn(`lab vxlan: the matrix passed, disturbed: ${disturbed}`);
  }, LONG);

  it('a full-size packet with DF crosses the ring (overlay MTU 1446)', () => {
    const [a, b] = members.filter((m) => m.bridge === 'app' && (m.host === 'n1' || m.host === 'n3'));
    expect(ping(a!, b!.ip, ['-M', 'do', '-s', String(1446 - 28)]).code).toBe(0);
    expect(ping(a!, b!.ip, ['-M', 'do', '-s', String(1446 - 27)]).code).not.toBe(0);
  }, LONG);

  it('ports published on n5 reach the container on n2 and the one on n5 from outside', () => {
    const r = lab.client(httpGet('198.51.100.15', 8080), { timeoutMs: 20_000 });
    expect(r.stdout, r.stderr).toMatch(/hello-/);
    const own = lab.client(httpGet('198.51.100.15', 8081), { timeoutMs: 20_000 });
    expect(own.stdout, own.stderr).toMatch(/hello-/);
  }, LONG);

  /**
   * The chord n1-n4 carries the ring when n2 and n6 are lost at once, and the ring heals when they
   * return; the worst gaps of each, as printed.
   */
  const chordFailover = async (label: string): Promise<{ loss: string; back: string }> => {
    // Left: n1, n3, n4, n5, joined only through n4 (n1-n4 chord, n4-n3, n4-n5). n1 reaches n3 and
    // n5 through n2 and n6 while every host is up, so both paths move to the chord.
    const from = members.find((m) => m.host === 'n1' && m.name === 'cx')!;
    const targets = members.filter((m) => m.bridge === 'app' && (m.host === 'n3' || m.host === 'n5'));
    const db = [members.find((m) => m.host === 'n5' && m.name === 'c2')!, members.find((m) => m.host === 'n4' && m.name === 'cx')!] as const;
    expect(targets).toHaveLength(2);
    const flows = [...targets.map((t) => [from, t] as const), db];
    const gaps = async (run: () => void) => {
      const pids = flows.map(([a]) => lab.containerPid(a.host, a.name));
      const pingers = flows.map(([a, b], i) =>
        lab
          .execAsync(a.host, outagePing(pids[i]!, b.ip, slow(6)), { timeoutMs: 30_000 })
          .then((r) => ({ r, end: Date.now() / 1000 })),
      );
      await sleep(slow(1500));
      run();
      return (await Promise.all(pingers)).map(({ r, end }) => {
        const times = pingReplyTimes(r.stdout);
        expect(times.length).toBeGreaterThan(200);
        // Replies that stopped for good (the process ends ~6 s after it started, its last reply
        // should come within a few hundredths of that; allow for a busy machine).
        return end - times[times.length - 1]! > slow(1.5) ? { gap: Infinity, lost: Infinity } : worstSilence(r.stdout);
      });
    };
    const show = (s: Array<{ gap: number; lost: number }>) => s.map((g) => `${g.gap.toFixed(3)} (${g.lost} lost)`).join(' / ');
    // A trial that misses the target is run again (three at most) when the lab, not the ring, was
    // at fault, and says why: a BFD session between two hosts that stayed up went down (nothing
    // of the failover does that; a switch starved of CPU for 150 ms does: six userspace switches
    // and dockerds share two cores here), or the worst silence lost few requests (the pinger or
    // the machine stood still: a network outage loses the requests sent during it, here one every
    // 10-20 ms).
    const stayed = (h: string) => h !== 'n2' && h !== 'n6';
    const stood = (s: { gap: number; lost: number }) => Number.isFinite(s.gap) && s.lost * 0.01 < s.gap / 4;
    for (let trial = 1; ; trial++) {
      const t0 = Date.now() / 1000;
      const loss = await gaps(() => {
        lab.cut('n2');
        lab.cut('n6');
      });
      console.log(`lab vxlan (${label}): n2 and n6 lost at once: worst gaps ${show(loss)} s (n1->n3, n1->n5, n5->n4)`);
      const back = await gaps(() => {
        lab.restore('n2');
        lab.restore('n6');
      });
      console.log(`lab vxlan (${label}): n2 and n6 back: worst gaps ${show(back)} s`);
      // Losing the two hosts is the case the chord is for: the failover target holds. Their return
      // moves two paths back at once; it is printed and only bounded loosely (0.46 s seen in CI).
      const missed = [...loss.filter((g) => g.gap >= failoverBound(0.3)), ...back.filter((g) => g.gap >= failoverBound(1.5))];
      const downs = lab.bfdDownsAmong(t0, tunnels, stayed);
      const why = [
        ...(downs.length ? [`BFD between hosts that stayed up went down: ${downs.map((d) => `${d.host}/${d.iface}`).join(', ')}`] : []),
        ...(missed.some(stood) ? ['a silence over the target lost few requests'] : []),
      ].join('; ');
      if (missed.length && why && trial < 3) {
        console.warn(`lab vxlan (${label}): trial ${trial} disturbed (${why}); running it again`);
        await sleep(3000);
        continue;
      }
      if (why) console.warn(`lab vxlan (${label}): trial ${trial}: ${why}`);
      for (const g of loss) expect(g.gap).toBeLessThan(failoverBound(0.3));
      for (const g of back) expect(g.gap).toBeLessThan(failoverBound(1.5));
      return { loss: show(loss), back: show(back) };
    }
  };
  /** The clear ring's figures, printed again beside the encrypted ring's. */
  let clearFailover: { loss: string; back: string } | undefined;

  it('the chord n1-n4 carries the ring when n2 and n6 are lost at once; the ring heals when they return', async () => {
    clearFailover = await chordFailover('clear');
  }, LONG);

  // Defined on the kernel datapath only (not a skipped test on the userspace one).
  if (ENCRYPTED) {
    it('encrypted (IPsec with certificates, kernel datapath): the same ring forwards, nothing crosses the underlay in clear, the MTU is less ESP, the chord still carries it', async () => {
      lab.shell('n1', `mkdir -p '${KEY_DIR}'`, { check: true });
      await lab.certify(HOSTS, CERTS);
      for (const h of HOSTS) lab.ipsec(h, 'start');
      const out = buildRing(sixRing(CERTS));
      expect(out.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      outDir = lab.writeRing(out.files);
      await onHosts(HOSTS, (h) => lab.execAsync(h, ['bash', join(outDir, h, 'up.sh')], { env: env(h), timeoutMs: 300_000, check: true }));
      const took = await waitFor('the encrypted ring to forward', () => lab.answersAll(members), 180_000);
      console.log(`lab vxlan (IPsec): full ping matrix answered ${took.toFixed(1)} s after the last up.sh`);
      for (const h of HOSTS) {
        const sas = [...lab.exec(h, ['ip', 'xfrm', 'state']).stdout.matchAll(/^\s+proto esp spi (0x[0-9a-f]+)/gm)].filter((m) => !/^0x0+$/.test(m[1]!));
        // Two peers (three on n1 and n4, the chord's ends), an SA each way.
        expect(sas.length, h).toBeGreaterThanOrEqual(h === 'n1' || h === 'n4' ? 6 : 4);
      }
      // The HTTP servers again: those of the first test did not answer after the rebuild in the first
      // run (connection refused: the packets arrived, nothing listened).
      lab.serveHttp(members);
      await sleep(500);
      // A capture on n1's underlay during the matrix: anything between the hosts but ESP and IKE.
      const clear = lab.execAsync('n1', ['timeout', String(Math.ceil(slow(20))), 'tcpdump', '-i', 'eth1', '-n', '-p', '-l', 'ip and net 10.30.0.0/24 and not esp and not (udp port 500 or udp port 4500) and not icmp'], { timeoutMs: slow(20) * 1000 + 60_000 });
      await sleep(slow(2000));
      expect(lab.matrixFaults(members)).toEqual([]);
      const clearLines = (await clear).stdout.split('\n').filter((l) => /^\d\d:\d\d/.test(l));
      console.log(`lab vxlan (IPsec): on n1's underlay during the matrix: ${clearLines.length} packet(s) in clear`);
      expect(clearLines, clearLines.slice(0, 10).join('\n')).toEqual([]);
      const mtu = 1500 - tunnelOverhead('vxlan') - ESP_OVERHEAD;
      const [a, b] = members.filter((m) => m.bridge === 'app' && (m.host === 'n1' || m.host === 'n3'));
      expect(ping(a!, b!.ip, ['-M', 'do', '-s', String(mtu - 28)]).code).toBe(0);
      // ringgen's MTU counts ESP's worst case (padding to 4 bytes, UDP encapsulation behind a NAT):
      // without a NAT up to 8 bytes more may fit (the four-host GRE ring fits exactly), 9 never do.
      let largest = mtu;
      while (largest < mtu + 9 && ping(a!, b!.ip, ['-M', 'do', '-s', String(largest + 1 - 28)]).code === 0) largest++;
      console.log(`lab vxlan (IPsec): overlay MTU ${mtu}: a don't-fragment packet of ${mtu} bytes crosses n1 -> n3; the largest that crosses is ${largest}`);
      expect(largest).toBeLessThanOrEqual(mtu + 8);
      const encrypted = await chordFailover('IPsec');
      console.log(`lab vxlan: chord failover, same run: clear ring: lost ${clearFailover?.loss ?? '(not run)'}, back ${clearFailover?.back ?? '(not run)'}; encrypted: lost ${encrypted.loss}, back ${encrypted.back} s`);
    }, LONG);
  }

  it('check.sh is healthy on every host; down.sh leaves nothing of ringgen', async () => {
    for (const h of HOSTS) {
      let ok = false;
      for (let i = 0; i < slow(30) && !ok; i++) {
        ok = lab.exec(h, ['bash', join(outDir, h, 'check.sh')], { env: env(h) }).code === 0;
        if (!ok) await sleep(1000);
      }
      expect(ok, lab.exec(h, ['bash', join(outDir, h, 'check.sh')], { env: env(h) }).stdout).toBe(true);
    }
    for (const h of HOSTS) lab.exec(h, ['bash', join(outDir, h, 'down.sh')], { env: env(h), check: true });
    for (const h of HOSTS) {
      expect(lab.exec(h, ['ovs-vsctl', 'list-br']).stdout.trim()).toBe(LAB_DATAPATH === 'system' ? '' : 'br-phy');
      expect(lab.exec(h, ['iptables-save']).stdout).not.toMatch(/RG-dc/);
      expect(lab.docker(h, ['ps', '-aq']).stdout.trim()).toBe('');
      if (ENCRYPTED) {
        // The tunnels went with the OVS bridge, and the monitor removed their IPsec: no security
        // association and no policy of traffic (strongSwan's own socket bypass policies stay). An
        // entry with SPI 0 is the kernel's request for one (a packet met a trap policy just before
        // it went); the kernel drops it by itself within 30 s, it is no SA.
        const [state = '', policy = ''] = lab.shellParts(h, ['ip xfrm state', 'ip xfrm policy']);
        expect(realSas(state), h).toEqual([]);
        expect(policy.match(/^\s+dir (?:in|out|fwd) /gm)?.length ?? 0, `${h}: ${policy}`).toBe(0);
        expect(lab.exec(h, ['test', '-L', CA_LINK]).code, `${h}: ${CA_LINK} is still there`).not.toBe(0);
      }
      if (LAB_DATAPATH === 'system') {
        const dp = lab.exec(h, ['ovs-dpctl', 'show']);
        const names = [...lab.exec(h, ['ip', '-o', 'link']).stdout.matchAll(/^\d+: ([^:@]+)/gm)].map((m) => m[1]).join(' ');
        console.log(`lab vxlan: after down.sh on ${h}: ovs-dpctl show: ${JSON.stringify(dp.stdout + dp.stderr)}; links: ${names}`);
      }
    }
  }, LONG);
});
