/**
 * Foreign objects on a host: the generated up.sh and down.sh meet interfaces, OVS ports and
 * containers with the names ringgen wants that ringgen did not make, and leave them alone, saying
 * what to rename. They run for real in a fresh network namespace (real ip, iptables, nsenter, a
 * real process standing in for a container), with Open vSwitch, Docker and systemd faked by
 * test/host-stubs.sh.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ring } from '../src/input/dsl';
import { buildRing } from '../src/pipeline';
import { CAN_RUN, cleanUp, folder, inNetns, original, RUN_LIMIT_MS } from './host-netns';

afterAll(cleanUp);

describe.runIf(CAN_RUN)('foreign objects on the host', { timeout: 3 * RUN_LIMIT_MS }, () => {
  it.each([
    ['br0-lb', 'ip link add name br0-lb type veth peer name theirs'],
    ['br0-ov', 'ip link add name br0-ov type bridge'],
  ])("up.sh refuses a foreign interface with the name of a bridge's uplink (%s), and down.sh leaves it", (name, make) => {
    const host = original();
    const out = inNetns(host, `${make} && ip link set dev ${name} alias mine
run_script "$HOST/up.sh" network; echo "up=$?"
run_script "$HOST/down.sh"; echo "down=$?"`);
    expect(out.stdout, make).toContain('up=1');
    expect(out.stdout, make).toContain('down=0');
    expect(out.stderr, make).toContain(`error: interface ${name} exists on this host but ringgen did not make it for ring ddbms (its alias is 'mine', not 'ringgen:ddbms'); ringgen names the uplink of bridge br0 br0-lb/br0-ov: rename bridge br0 in the ring, or the interface on the host`);
    // Untouched by up.sh (no alias, no master, not brought up), and still there after down.sh ...
    expect(out.links.get(name), make).toEqual({ alias: 'mine', master: '-', state: 'DOWN' });
    // ... which removed what ringgen made (br0, created before the uplink was refused).
    expect(out.stderr, make).toContain('creating bridge br0');
    expect(out.links.has('br0'), make).toBe(false);
    expect(out.stderr, make).toContain('removing interface br0\n');
  });

  it.each(['vc-test1', 'vt-test1'])("up.sh attach refuses a foreign interface with the name of a container's veth (%s), and down.sh leaves it", (name) => {
    const host = original();
    const out = inNetns(host, `ip link add name ${name} type bridge && ip link set dev ${name} alias mine
unshare --net --mount sh -c 'mount -t sysfs sysfs /sys; exec sleep 60' & container=$!
sleep 0.2
export DOCKER_INSPECT="$container ddbms"
run_script "$HOST/up.sh" network; echo "network=$?"
run_script "$HOST/up.sh" attach test1; echo "attach=$?"
run_script "$HOST/down.sh"; echo "down=$?"
kill "$container"`);
    expect(out.stdout, name).toContain('network=0');
    expect(out.stdout, name).toContain('attach=1');
    expect(out.stdout, name).toContain('down=0');
    expect(out.stderr, name).toContain(`error: interface ${name} exists on this host but ringgen did not make it for ring ddbms (its alias is 'mine', not 'ringgen:ddbms'); ringgen names the veth of container test1 vc-test1/vt-test1: rename container test1 in the ring, or the interface on the host`);
    expect(out.links.get(name), name).toEqual({ alias: 'mine', master: '-', state: 'DOWN' });
    expect(out.links.has('br0'), name).toBe(false);
  });

  it('up.sh attach attaches a container of the ring for real (veth, eth1 with its address), and down.sh removes the veth', () => {
    const out = inNetns(original(), `unshare --net --mount sh -c 'mount -t sysfs sysfs /sys; exec sleep 60' & container=$!
sleep 0.2
export DOCKER_INSPECT="$container ddbms"
run_script "$HOST/up.sh" network; echo "network=$?"
run_script "$HOST/up.sh" attach test1; echo "attach=$?"
echo "eth1: $(nsenter -t "$container" -n ip -o -4 addr show dev eth1 | awk '{print $4}')"
links | grep '^vc-test1 '
run_script "$HOST/down.sh"; echo "down=$?"
kill "$container"`);
    expect(out.stderr).not.toContain('error');
    expect(out.stdout).toContain('network=0\nattach=0\neth1: 192.168.2.11/24\nvc-test1 ringgen:ddbms br0 UP\ndown=0');
    expect([...out.links.keys()].sort()).toEqual(['lo']);
  });

  it('attaches of one container at once (the watcher and the containers unit at boot) wait for each other: each succeeds, one veth', () => {
    const out = inNetns(original(), `unshare --net --mount sh -c 'mount -t sysfs sysfs /sys; exec sleep 60' & container=$!
sleep 0.2
export DOCKER_INSPECT="$container ddbms"
run_script "$HOST/up.sh" network; echo "network=$?"
for i in 1 2 3 4; do run_script "$HOST/up.sh" attach test1 >/dev/null 2>"$RINGGEN_STATE_DIR/err$i" & done
fails=0; for job in $(jobs -p); do [ "$job" = "$container" ] || wait "$job" || fails=$((fails + 1)); done
echo "failed=$fails"; cat "$RINGGEN_STATE_DIR"/err* >&2
echo "eth1: $(nsenter -t "$container" -n ip -o -4 addr show dev eth1 | awk '{print $4}')"
links | grep '^vc-test1 '
kill "$container"`);
    expect(out.stderr).not.toContain('error');
    expect(out.stdout).toContain('network=0\nfailed=0\neth1: 192.168.2.11/24\nvc-test1 ringgen:ddbms br0 UP');
  });

  it("up.sh attach refuses a container whose eth1 ringgen did not make (a second Docker network), and leaves it", () => {
    const out = inNetns(original(), `unshare --net --mount sh -c 'mount -t sysfs sysfs /sys; ip link add eth1 type bridge; ip link set dev eth1 alias mine; exec sleep 60' & container=$!
for _ in $(seq 100); do nsenter -t "$container" -n ip -o link show dev eth1 2>/dev/null | grep -q 'alias mine' && break; sleep 0.1; done
export DOCKER_INSPECT="$container ddbms"
run_script "$HOST/up.sh" network; echo "network=$?"
run_script "$HOST/up.sh" attach test1; echo "attach=$?"
echo "eth1: $(nsenter -t "$container" -n ip -o link show dev eth1 | grep -o 'alias .*')"
kill "$container"`);
    expect(out.stdout).toContain('network=0\nattach=1\neth1: alias mine');
    expect(out.stderr).toContain('error: container test1 has an eth1 that ringgen did not make (no alias ringgen:ddbms; a second Docker network?): not attaching it; disconnect that network (docker network disconnect), or rename the interface in the container');
    expect(out.links.has('vc-test1')).toBe(false);
  });

  it('up.sh attach refuses a running container of the name that ringgen did not create, and touches nothing', () => {
    const out = inNetns(original(), `unshare --net --mount sh -c 'mount -t sysfs sysfs /sys; exec sleep 60' & container=$!
sleep 0.2
run_script "$HOST/up.sh" network; echo "network=$?"
DOCKER_INSPECT="$container otherring" run_script "$HOST/up.sh" attach test1; echo "attach=$?"
echo "eth1: $(nsenter -t "$container" -n ip -o link show | grep -c eth1)"
kill "$container"`);
    expect(out.stdout).toContain('network=0\nattach=1\neth1: 0');
    expect(out.stderr).toContain('error: container test1 is running but ringgen did not create it for ring ddbms (no label ringgen.ring=ddbms): not attaching it');
    expect(out.links.has('vc-test1')).toBe(false);
  });

  it('up.sh refuses a foreign interface with the name of the OVS bridge, and does not bring it up', () => {
    const out = inNetns(original(), `ip link add name ovs0 type bridge
run_script "$HOST/up.sh" network; echo "up=$?"`);
    expect(out.stdout).toContain('up=1');
    expect(out.stderr).toContain('error: interface ovs0 exists on this host and is not an OVS bridge; rename options.ovsBridge in the ring, or the interface on the host');
    expect(out.links.get('ovs0')).toEqual({ alias: '-', master: '-', state: 'DOWN' });
    expect(out.calls).not.toContain('add-br');
  });

  it.each([
    ['gre0', 'rename tunnel gre0 in the ring, or the port'],
    ['br1-ov', 'ringgen names the uplink of bridge br1 br1-ov: rename bridge br1 in the ring, or the port'],
  ])("up.sh refuses an OVS port with a tunnel's or an uplink's name (%s) that ringgen did not make, even on its own bridge", (port, hint) => {
    const out = inNetns(original(), `run_script "$HOST/up.sh" network; echo "up=$?"`, `bridge ovs0 ddbms\nport ${port} ovs0 -\n`);
    expect(out.stdout, port).toContain('up=1');
    expect(out.stderr, port).toContain(`error: OVS port ${port} exists on bridge ovs0 but ringgen did not make it for ring ddbms (no external_ids:ringgen-ring=ddbms); ${hint}`);
    expect(out.calls, port).not.toMatch(new RegExp(`add-port ovs0 ${port}\\b`));
  });

  it("down.sh removes ringgen's ports but keeps its OVS bridge while a port someone added by hand is on it, and exits 3 saying so", () => {
    const out = inNetns(original(), `run_script "$HOST/down.sh"; echo "down=$?"`, 'bridge ovs0 ddbms\nport gre0 ovs0 ddbms\nport mine ovs0 -\nbridge other -\nport theirs other -\n');
    expect(out.stdout).toContain('down=3');
    expect(out.stderr).toContain('ring ddbms removed from this host, except what it kept: OVS bridge ovs0 (see above)');
    expect(out.stderr).not.toContain('ring ddbms removed from this host\n');
    expect(out.calls).toContain('ovs-vsctl --if-exists del-port gre0\n');
    expect(out.calls).not.toMatch(/del-br|del-port (mine|theirs)/);
    expect(out.stderr).toContain('keeping OVS bridge ovs0: it holds ports ringgen did not make (mine); move or remove them (ovs-vsctl del-port) and run this again');
  });

  it('bridges named like words ip parses (help, up, a, dev) are made and removed as named', () => {
    const r = ring('kw').host('h1', { internal: '10.20.10.70' }).host('h2', { internal: '10.20.10.71' }).host('h3', { internal: '10.20.10.72' });
    ['help', 'up', 'a', 'dev'].forEach((name, i) => r.bridge(name, { subnet: `192.168.${10 + i}.0/24` }));
    const built = buildRing(r);
    expect(built.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const out = inNetns(join(folder(built.files), 'h1'), `run_script "$HOST/up.sh" network; echo "up=$?"
links | sort | grep ringgen:kw
run_script "$HOST/down.sh"; echo "down=$?"`);
    expect(out.stderr).not.toContain('error');
    expect(out.stdout).toContain('up=0');
    expect(out.stdout).toContain('down=0');
    for (const name of ['help', 'up', 'a', 'dev']) {
      expect(out.stdout, name).toContain(`\n${name} ringgen:kw - UP\n`);
      expect(out.stdout, name).toContain(`\n${name}-lb ringgen:kw ${name} UP\n`);
    }
    expect([...out.links.keys()].sort()).toEqual(['lo']);
  });
});
