/**
 * A power outage: every host of the ring is a booted machine (systemd under systemd-nspawn, as in
 * boot.test.ts), installed with install.sh; then all of them go down and come back at once, each
 * with a network namespace made again bare. Nobody runs anything: the units must bring the whole
 * ring back, with every host starting cold at the same time (tunnels whose peers are still
 * booting, BFD and spanning tree from scratch everywhere).
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ring } from '../../src/input/dsl';
import { buildRing } from '../../src/pipeline';
import { LAB_IMAGE, Lab, labAvailable, waitFor, type LabSpec } from './harness';
import { labHooks } from './hooks';

const LONG = 600_000;
const RING = 'outage';
const INSTALLED = `/usr/local/lib/ringgen/${RING}`;

const SPEC: LabSpec = {
  prefix: 'rgo',
  hosts: [1, 2, 3].map((i) => ({ name: `host${i}`, internal: `10.20.40.${i}/24`, boot: true })),
};

const MEMBERS = SPEC.hosts.map((h, i) => ({ host: h.name, name: `c${i + 1}`, ip: `192.168.8.${11 + i}` }));

function outageRing() {
  const r = ring(RING, { tunnel: 'gre', datapath: 'netdev' });
  for (const h of SPEC.hosts) r.host(h.name, { internal: h.internal.split('/')[0]! });
  r.bridge('br0', { subnet: '192.168.8.0/24' });
  for (const m of MEMBERS) r.container(m.name, { host: m.host, bridge: 'br0', ip: m.ip, image: LAB_IMAGE });
  return r;
}

describe.runIf(labAvailable('lab outage'))('lab: the whole ring loses power and comes back by itself', () => {
  let lab: Lab;
  const allReach = () => MEMBERS.every((a) => MEMBERS.every((b) => a === b || lab.ping(a, b.ip).code === 0));
  const healthy = () => SPEC.hosts.every((h) => lab.exec(h.name, [`${INSTALLED}/check.sh`], { timeoutMs: 60_000 }).code === 0);

  beforeAll(async () => {
    lab = await Lab.up(SPEC, { timeoutMs: LONG });
    const out = buildRing(outageRing());
    expect(out.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const outDir = lab.writeRing(out.files);
    for (const h of SPEC.hosts) cpSync(join(outDir, h.name), join(lab.machineRoot(h.name), 'root', `ringgen-${h.name}`), { recursive: true });
  }, LONG);

  labHooks(() => lab);

  it('install.sh on every host makes the ring', async () => {
    const runs = await Promise.all(SPEC.hosts.map((h) => lab.execAsync(h.name, [`/root/ringgen-${h.name}/install.sh`], { timeoutMs: 300_000 })));
    runs.forEach((r, i) => expect(r.code, `${SPEC.hosts[i]!.name}: ${r.stdout}\n${r.stderr}`).toBe(0));
    await waitFor('every container reaches every other', allReach, 60_000);
    await waitFor('check.sh healthy on every host', healthy, 60_000);
  }, LONG);

  it('after all hosts lose power together and boot again, the ring comes back with nobody running anything', async () => {
    const started = Date.now();
    // All at once: each host is powered off, its namespace deleted and made again, and booted.
    await Promise.all(SPEC.hosts.map((h) => lab.shAsync(['reboot', h.name], { check: true, timeoutMs: 300_000 })));
    const booted = (Date.now() - started) / 1000;
    const back = await waitFor('every container reaches every other after the outage', allReach, 180_000);
    console.log(`lab: all ${SPEC.hosts.length} hosts rebooted together in ${booted.toFixed(1)} s; every container reached every other ${back.toFixed(1)} s after the last boot`);
    await waitFor('check.sh healthy on every host after the outage', healthy, 60_000);
    for (const h of SPEC.hosts) {
      const ports = lab.exec(h.name, ['ovs-vsctl', 'list-ports', 'ovs0']).stdout.split('\n').filter(Boolean);
      expect(ports, h.name).toContain('br0-ov');
      expect(lab.exec(h.name, ['ovs-vsctl', 'get', 'port', 'br0-ov', 'rstp_status:rstp_port_state']).stdout.trim(), h.name).toBe('Forwarding');
    }
  }, LONG);
});
