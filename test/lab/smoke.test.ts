/**
 * Smoke test of the lab itself (no ringgen output involved): three simulated
 * hosts come up with a working underlay, a working dockerd each, and an outside
 * client; `down` leaves nothing behind. Needs root and the lab packages (see
 * docs/lab.md); skips loudly without them, fails instead under CI=true.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { LAB_IMAGE, Lab, labAvailable, labLeftovers, labPrerequisites, type LabSpec } from './harness';
import { labHooks } from './hooks';

const SPEC: LabSpec = {
  prefix: 'rgls', // own prefix: does not disturb a lab someone runs by hand (rgl)
  hosts: [
    { name: 'host1', internal: '10.20.10.70/24', external: '192.0.2.10/24' },
    { name: 'host2', internal: '10.20.10.71/24', external: '192.0.2.11/24' },
    { name: 'host3', internal: '10.20.10.72/24' },
  ],
  client: '192.0.2.200/24',
};
const ip = (cidr: string | undefined) => (cidr ?? '').split('/')[0] ?? '';
const LONG = 300_000;

// Under CI a machine without the lab fails here, with the reason, instead of skipping.
it.runIf(process.env.CI === 'true')('lab prerequisites are installed (CI)', () => {
  expect(labPrerequisites().missing).toEqual([]);
});

describe.runIf(labAvailable('lab smoke'))('lab smoke', () => {
  let lab: Lab | undefined;
  const theLab = (): Lab => {
    if (!lab) throw new Error('lab did not come up (see beforeAll)');
    return lab;
  };

  beforeAll(async () => {
    lab = await Lab.up(SPEC);
  }, LONG);

  labHooks(() => lab);

  it('exports each host its own OVS and Docker environment', () => {
    const env = theLab().env('host2');
    expect(env.OVS_RUNDIR).toBe('/tmp/ringgen-lab/rgls/host2/ovs');
    expect(env.DOCKER_HOST).toBe('unix:///tmp/ringgen-lab/rgls/host2/docker.sock');
    const r = theLab().exec('host2', ['sh', '-c', 'ovs-vsctl br-exists br-phy && exit 7']);
    expect(r.code).toBe(7); // exit codes pass through
    // /sys is the host's own: scripts that test /sys/class/net/DEV see its devices
    const sys = theLab().exec('host2', ['ls', '/sys/class/net'], { check: true }).stdout.split('\n');
    expect(sys).toEqual(expect.arrayContaining(['br-phy', 'docker0', 'eth0', 'eth1']));
  });

  it('gives br-phy the internal address and no external_ids', () => {
    for (const h of SPEC.hosts) {
      const addr = theLab().exec(h.name, ['ip', '-br', 'addr', 'show', 'br-phy'], { check: true });
      expect(addr.stdout).toContain(h.internal);
      const ids = theLab().exec(h.name, ['ovs-vsctl', 'get', 'bridge', 'br-phy', 'external_ids'], { check: true });
      expect(ids.stdout.trim()).toBe('{}');
    }
  });

  it('connects every host to every other over the underlay (ICMP and TCP)', async () => {
    for (const from of SPEC.hosts) {
      for (const to of SPEC.hosts) {
        if (from === to) continue;
        theLab().exec(from.name, ['ping', '-c', '1', '-W', '2', ip(to.internal)], { check: true });
      }
    }
    // TCP too: a checksum problem would let ping through and stop TCP (lab-facts.md).
    const server = theLab().execAsync('host3', ['timeout', '10', 'busybox', 'nc', '-l', '-p', '7000'], {
      timeoutMs: 20_000,
    });
    await new Promise((r) => setTimeout(r, 500));
    theLab().exec('host1', ['busybox', 'nc', '-w', '3', ip(SPEC.hosts[2]?.internal), '7000'], {
      input: 'over-the-underlay\n',
      check: true,
    });
    expect((await server).stdout).toBe('over-the-underlay\n');
  }, LONG);

  it('runs containers on each host, reachable over docker0', () => {
    for (const h of SPEC.hosts) {
      // Docker 20.10 rejects one-character container names such as "x".
      theLab().docker(h.name, ['run', '-d', '--name', 'smoke1', LAB_IMAGE, 'sleep', '1000'], { check: true });
      const state = theLab().docker(h.name, ['container', 'inspect', '-f', '{{.State.Running}} {{.NetworkSettings.IPAddress}}', 'smoke1'], { check: true });
      const [running, addr] = state.stdout.trim().split(' ');
      expect(running).toBe('true');
      theLab().docker(h.name, ['exec', 'smoke1', 'ping', '-c', '1', '-W', '2', '172.17.0.1'], { check: true });
      theLab().exec(h.name, ['ping', '-c', '1', '-W', '2', addr ?? ''], { check: true });
    }
  }, LONG);

  it('lets the outside client reach external addresses and a published port', () => {
    for (const h of SPEC.hosts.filter((x) => x.external)) {
      theLab().client(['ping', '-c', '1', '-W', '2', ip(h.external)], { check: true });
    }
    theLab().docker('host1', ['run', '-d', '--name', 'web1', '-p', '8080:80', LAB_IMAGE, 'httpd', '-f', '-p', '80', '-h', '/var/www'], { check: true });
    // busybox wget, not curl (one package less); its -T option crashes (Debian's
    // busybox-static 1.35), hence `timeout`. Retries while httpd starts listening.
    const url = `http://${ip(SPEC.hosts[0]?.external)}:8080/`;
    const fetch = `for i in 1 2 3 4 5 6 7 8 9 10; do timeout 3 busybox wget -q -O - ${url} && exit 0; sleep 0.3; done; exit 1`;
    const page = theLab().client(['sh', '-c', fetch], { check: true });
    expect(page.stdout).toBe('ringgen-lab\n');
  }, LONG);

  it('cuts and restores a host underlay link', () => {
    const target = ip(SPEC.hosts[1]?.internal);
    theLab().cut('host2');
    expect(theLab().exec('host1', ['ping', '-c', '1', '-W', '1', target]).code).not.toBe(0);
    theLab().restore('host2');
    theLab().exec('host1', ['ping', '-c', '3', '-i', '0.5', '-w', '5', target], { check: true });
  }, LONG);

  it('dumps diagnostics', () => {
    const text = theLab().dump('host1');
    for (const part of ['ovs-vsctl show', 'ip -d -br link', 'iptables-save nat', 'docker ps -a', 'smoke1']) {
      expect(text).toContain(part);
    }
  });

  it('tears down without leaving namespaces, processes, mounts or cgroups', () => {
    theLab().down({ force: true });
    expect(labLeftovers('rgls')).toEqual([]);
    // and `down` is harmless when nothing is left
    expect(theLab().sh(['down', 'rgls']).code).toBe(0);
    lab = undefined;
  }, LONG);
});
