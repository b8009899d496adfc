/**
 * The units, proven: host3 is a booted machine (systemd as PID 1 under systemd-nspawn, Debian's
 * Open vSwitch and Docker services). install.sh runs there; then the machine really reboots
 * (powered off, its network namespace deleted and made again bare, booted) and its part of the
 * ring must come back with nobody running anything. host1 and host2 are ordinary lab hosts.
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ring } from '../../src/input/dsl';
import { buildRing } from '../../src/pipeline';
import { LAB_IMAGE, Lab, labAvailable, waitFor, type LabSpec } from './harness';
import { labHooks } from './hooks';

const LONG = 600_000;
const RING = 'boot';
const INSTALLED = `/usr/local/lib/ringgen/${RING}`;
const UNITS = [`ringgen-${RING}-network.service`, `ringgen-${RING}-containers.service`, `ringgen-${RING}-attach.service`];

const SPEC: LabSpec = {
  prefix: 'rgb',
  hosts: [
    { name: 'host1', internal: '10.20.30.1/24' },
    { name: 'host2', internal: '10.20.30.2/24' },
    { name: 'host3', internal: '10.20.30.3/24', boot: true },
  ],
};

const C = {
  c1: { host: 'host1', name: 'c1', ip: '192.168.7.11' },
  c2: { host: 'host2', name: 'c2', ip: '192.168.7.12' },
  c3: { host: 'host3', name: 'c3', ip: '192.168.7.13' },
};

function bootRing() {
  const r = ring(RING, { tunnel: 'gre', datapath: 'netdev' });
  for (const h of SPEC.hosts) r.host(h.name, { internal: h.internal.split('/')[0]! });
  r.bridge('br0', { subnet: '192.168.7.0/24' });
  for (const c of Object.values(C)) r.container(c.name, { host: c.host, bridge: 'br0', ip: c.ip, image: LAB_IMAGE });
  return r;
}

describe.runIf(labAvailable('lab boot'))('lab: a booted host (systemd) installs its part and survives a real reboot', () => {
  let lab: Lab;
  let outDir: string;
  const check3 = () => lab.exec('host3', [`${INSTALLED}/check.sh`], { timeoutMs: 60_000 });
  const reaches = (from: (typeof C)[keyof typeof C], to: string) => lab.ping(from, to).code === 0;
  /** What a user checks on the booted host: the ring's OVS ports, its rules, the container's eth1. */
  const state3 = () => ({
    ports: lab.exec('host3', ['ovs-vsctl', 'list-ports', 'ovs0']).stdout.split('\n').filter(Boolean).sort(),
    chains: lab.exec('host3', ['iptables-save']).stdout.split('\n').filter((l) => l.startsWith(':RG-')).map((l) => l.split(' ')[0]).sort(),
    eth1: lab.inContainer(C.c3, ['ip', '-o', '-4', 'addr', 'show', 'dev', 'eth1']).stdout.includes(`${C.c3.ip}/24`),
  });

  beforeAll(async () => {
    lab = await Lab.up(SPEC, { timeoutMs: LONG });
    const out = buildRing(bootRing());
    expect(out.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    outDir = lab.writeRing(out.files);
    await Promise.all(
      ['host1', 'host2'].map((h) =>
        lab.execAsync(h, ['bash', join(outDir, h, 'up.sh')], { env: { RINGGEN_STATE_DIR: join(lab.dir, h, 'ringgen-state') }, timeoutMs: 300_000, check: true }),
      ),
    );
    // The operator copies host3's folder onto host3 and runs install.sh there.
    cpSync(join(outDir, 'host3'), join(lab.machineRoot('host3'), 'root', 'ringgen-host3'), { recursive: true });
  }, LONG);

  labHooks(() => lab);

  it('install.sh on the booted host enables the units and joins it to the ring', async () => {
    const r = lab.exec('host3', ['/root/ringgen-host3/install.sh'], { timeoutMs: 300_000 });
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    for (const unit of UNITS) {
      expect(lab.exec('host3', ['systemctl', 'is-enabled', unit]).stdout.trim(), unit).toBe('enabled');
      expect(lab.exec('host3', ['systemctl', 'is-active', unit]).stdout.trim(), unit).toBe('active');
    }
    await waitFor('c1 -> c3 and c3 -> c2', () => reaches(C.c1, C.c3.ip) && reaches(C.c3, C.c2.ip), 60_000);
    await waitFor('check.sh healthy on host3', () => check3().code === 0, 60_000);
    const s = state3();
    expect(s.ports).toEqual(expect.arrayContaining(['br0-ov', 'gre1', 'gre2']));
    expect(s.chains.length).toBeGreaterThan(0);
    expect(s.eth1).toBe(true);
  }, LONG);

  it('after a real reboot the bridges, tunnels, rules and the container come back by themselves', async () => {
    const before = state3();
    // Something only the old namespace has: if it is still there after the reboot, nothing was wiped.
    lab.exec('host3', ['ip', 'link', 'add', 'oldboot0', 'type', 'veth', 'peer', 'name', 'oldboot1'], { check: true });
    const started = Date.now();
    lab.reboot('host3');
    const booted = (Date.now() - started) / 1000;
    expect(lab.exec('host3', ['ip', 'link', 'show', 'oldboot0']).code, 'the namespace was made again').not.toBe(0);
    const back = await waitFor('c1 -> c3 and c3 -> c2 after the reboot', () => reaches(C.c1, C.c3.ip) && reaches(C.c3, C.c2.ip), 120_000);
    console.log(`lab: host3 rebooted (power off + boot) in ${booted.toFixed(1)} s; its container answered across the ring ${back.toFixed(1)} s after boot`);
    await waitFor('check.sh healthy on host3 after the reboot', () => check3().code === 0, 60_000);
    expect(state3()).toEqual(before);
    for (const unit of UNITS) expect(lab.exec('host3', ['systemctl', 'is-active', unit]).stdout.trim(), unit).toBe('active');
  }, LONG);

  it('docker restart on the booted host: the attach unit puts eth1 back', async () => {
    lab.docker('host3', ['restart', '-t', '1', C.c3.name], { check: true });
    const took = await waitFor('eth1 back on c3', () => state3().eth1, 30_000);
    console.log(`lab: eth1 re-attached by the systemd unit ${took.toFixed(1)} s after docker restart`);
    await waitFor('c1 -> c3 again', () => reaches(C.c1, C.c3.ip), 30_000);
  }, LONG);

  it('uninstall.sh removes the units and every trace of the ring from the booted host', () => {
    const r = lab.exec('host3', [`${INSTALLED}/uninstall.sh`], { timeoutMs: 300_000 });
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    for (const unit of UNITS) expect(lab.exec('host3', ['test', '-e', `/etc/systemd/system/${unit}`]).code, unit).not.toBe(0);
    expect(lab.exec('host3', ['test', '-e', INSTALLED]).code).not.toBe(0);
    expect(lab.exec('host3', ['ovs-vsctl', 'br-exists', 'ovs0']).code).not.toBe(0);
    expect(lab.exec('host3', ['iptables-save']).stdout).not.toMatch(/RG-/);
    expect(lab.docker('host3', ['ps', '-a', '--format', '{{.Names}}']).stdout.split('\n')).not.toContain(C.c3.name);
    // The host's own network configuration is not ringgen's: it stays.
    expect(lab.exec('host3', ['ovs-vsctl', 'br-exists', 'br-phy']).code).toBe(0);
  }, LONG);
});
