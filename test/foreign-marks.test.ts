/**
 * Foreign objects of ringgen's names that carry no interface alias, OVS external_ids or Docker label:
 * iptables chains (marked by a comment rule heading each), the state folder (its `owner` file),
 * the systemd units and the install folder (the do-not-edit header), and the watcher's process
 * (its whole command line). The scripts run for real in fresh namespaces (test/host-netns.ts), the
 * real iptables included; /etc/systemd/system, /usr/local/lib and /run are tmpfs mounts of the
 * run's own mount namespace.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { CAN_RUN, cleanUp, inNetns, original, RUN_LIMIT_MS } from './host-netns';

afterAll(cleanUp);

const CHAINS = ['filter RG-ddbms-FWD', 'filter RG-ddbms-IN', 'nat RG-ddbms-PRE', 'nat RG-ddbms-OUT', 'nat RG-ddbms-POST'];
/** Prints each chain of ring ddbms: `TABLE CHAIN: FIRST RULE`, or `TABLE CHAIN: absent`. */
const SHOW_CHAINS = `for c in ${CHAINS.map((c) => `'${c}'`).join(' ')}; do
  set -- $c; printf '%s %s: %s\\n' "$1" "$2" "$(iptables -w -t "$1" -S "$2" 2>/dev/null | sed -n 2p || true)"
done`;
/** Loads the previous version's chains: this host's rules without their marks. */
const OLD_CHAINS = `sed '/--comment/d' "$HOST/iptables.rules" | iptables-restore -w --noflush`;
const marked = (c: string) => `${c}: -A ${c.split(' ')[1]} -m comment --comment "ringgen:ddbms"`;

describe.runIf(CAN_RUN)('ownership marks on the host', { timeout: 3 * RUN_LIMIT_MS }, () => {
  describe('iptables chains', () => {
    it("up.sh puts ringgen's mark first in each chain, and takes its own chains again on the next run", () => {
      const out = inNetns(original(), `run_script "$HOST/up.sh" network; echo "up=$?"
run_script "$HOST/up.sh" network; echo "again=$?"
${SHOW_CHAINS}`);
      expect(out.stderr).not.toContain('error');
      expect(out.stdout).toContain('up=0\nagain=0\n');
      for (const c of CHAINS) expect(out.stdout).toContain(marked(c));
    });

    it('up.sh refuses a chain of its names that it did not make before changing anything; down.sh leaves it and the jump to it', () => {
      const out = inNetns(original(), `iptables -w -N RG-ddbms-FWD && iptables -w -A RG-ddbms-FWD -s 198.51.100.1/32 -j DROP && iptables -w -I FORWARD -j RG-ddbms-FWD
run_script "$HOST/up.sh" network; echo "up=$?"
run_script "$HOST/down.sh"; echo "down=$?"
iptables -w -S RG-ddbms-FWD; iptables -w -S FORWARD | grep RG-ddbms
${SHOW_CHAINS}`);
      expect(out.stdout).toContain('up=1\ndown=0\n-N RG-ddbms-FWD\n-A RG-ddbms-FWD -s 198.51.100.1/32 -j DROP\n-A FORWARD -j RG-ddbms-FWD\n');
      expect(out.stderr).toContain('error: iptables chain RG-ddbms-FWD (table filter) exists on this host but ringgen did not make it for ring ddbms (its first rule is not the comment "ringgen:ddbms"); rename the ring, or the chain on the host (iptables -t filter -E RG-ddbms-FWD NEW, after changing the rules that jump to it)');
      expect(out.stderr).toContain('leaving iptables chain RG-ddbms-FWD (table filter): ringgen did not make it for ring ddbms');
      // Refused before anything was made: no OVS bridge, no bridge, none of ringgen's chains.
      expect(out.calls).not.toContain('add-br');
      expect(out.stderr).not.toContain('creating');
      expect(out.stdout).toContain('filter RG-ddbms-IN: \n');
    });

    it('the previous version\'s unmarked chains are taken over, once, where its state folder shows it ran', () => {
      const out = inNetns(original(), `${OLD_CHAINS}
mkdir -p "$STATE" && : >"$STATE/lock" && : >"$STATE/watch.log"
run_script "$HOST/up.sh" network; echo "up=$?"
${SHOW_CHAINS}
ls "$STATE" | tr '\\n' ' '; echo; cat "$STATE/owner"
iptables -w -F RG-ddbms-IN && iptables -w -A RG-ddbms-IN -j ACCEPT
run_script "$HOST/up.sh" network; echo "again=$?"`);
      expect(out.stdout).toContain('up=0\n');
      for (const c of CHAINS) expect(out.stdout).toContain(marked(c));
      expect(out.stdout).toContain('\nlock owner watch.log \nringgen:ddbms\n');
      // Taken over once: an unmarked chain after that is someone else's.
      expect(out.stdout).toContain('again=1');
      expect(out.stderr).toContain('error: iptables chain RG-ddbms-IN (table filter) exists on this host but ringgen did not make it');
    });

    it('unmarked chains are refused where no state folder shows the previous version ran', () => {
      const out = inNetns(original(), `${OLD_CHAINS}
run_script "$HOST/up.sh" network; echo "up=$?"`);
      expect(out.stdout).toContain('up=1');
      for (const c of CHAINS) expect(out.stderr).toContain(`error: iptables chain ${c.split(' ')[1]} (table ${c.split(' ')[0]}) exists on this host but ringgen did not make it`);
    });

    it("down.sh removes the previous version's unmarked chains and their jumps where its state folder shows it ran", () => {
      const out = inNetns(original(), `${OLD_CHAINS} && iptables -w -I FORWARD -j RG-ddbms-FWD && iptables -w -t nat -I POSTROUTING -j RG-ddbms-POST
mkdir -p "$STATE" && : >"$STATE/lock"
run_script "$HOST/down.sh"; echo "down=$?"
iptables-save | grep -c RG-ddbms`);
      expect(out.stderr).not.toContain('error');
      expect(out.stdout).toContain('down=0\n0\n');
    });
  });

  describe('the state folder', () => {
    it.each([
      ['holds a file ringgen did not make', 'mkdir -p "$STATE" && echo mine >"$STATE/notes.txt"', 'state folder $STATE holds notes.txt, which ringgen did not make for ring ddbms (and no file owner names the ring): move the folder away, or set RINGGEN_STATE_DIR'],
      ['is marked for another ring', 'mkdir -p "$STATE" && echo ringgen:other >"$STATE/owner"', "state folder $STATE is not ringgen's for ring ddbms (its file owner says 'ringgen:other', not 'ringgen:ddbms'): move it away, or set RINGGEN_STATE_DIR"],
      ['is a symlink', 'mkdir -p "$STATE.real" && ln -s "$STATE.real" "$STATE"', "$STATE is not a folder (a symlink or a file): it is where ringgen keeps ring ddbms's state; move it away, or set RINGGEN_STATE_DIR"],
    ])('up.sh and down.sh refuse one that %s, and change nothing', (_what, make, message) => {
      const out = inNetns(original(), `${make}
run_script "$HOST/up.sh" network; echo "up=$?"
run_script "$HOST/down.sh"; echo "down=$?"
echo "state: $STATE"; ls -A "$STATE/" | tr '\\n' ' '; echo`);
      const state = /state: (.*)/.exec(out.stdout)![1]!;
      expect(out.stdout).toContain('up=1\ndown=1\n');
      expect(out.stderr).toContain(`error: ${message.replaceAll('$STATE', state)}`);
      expect(out.calls).not.toMatch(/add-br|del-/);
      expect(out.stdout).not.toMatch(/\b(lock|watch\.pid|unmarked-chains)\b/);
    });
  });

  /** Private tmpfs for the units, the install folder and /run (systemd "running"); systemctl succeeds and records. */
  const SYSTEMD = `mount -t tmpfs tmpfs /etc/systemd/system && mount -t tmpfs tmpfs /usr/local/lib && mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/system
systemctl() { echo "systemctl $*" >>"$CALLS"; }; export -f systemctl
UNITS=/etc/systemd/system; LIB=/usr/local/lib/ringgen/ddbms`;

  describe('install.sh and uninstall.sh', () => {
    it.each([
      ['a unit', '$UNITS/ringgen-ddbms-attach.service', '/etc/systemd/system/ringgen-ddbms-attach.service'],
      ['a file in the install folder', '$LIB/up.sh', '/usr/local/lib/ringgen/ddbms/up.sh'],
    ])('install.sh refuses to overwrite %s that ringgen did not write for the ring, before writing anything', (_what, path, shown) => {
      const out = inNetns(original(), `${SYSTEMD}
mkdir -p "$(dirname "${path}")" && printf '[Unit]\\nDescription=mine\\n' >"${path}"
run_script "$HOST/install.sh"; echo "install=$?"
cat "${path}"; ls -A "$UNITS" "$LIB" | tr '\\n' ' '`);
      expect(out.stdout).toContain('install=1\n[Unit]\nDescription=mine\n');
      expect(out.stderr).toContain(`error: not overwriting ${shown}: ringgen did not write them for ring ddbms (no do-not-edit header naming the ring); move them away, or rename the ring`);
      expect(out.calls).not.toContain('systemctl');
      expect(out.stdout).not.toMatch(/network\.service|check\.sh/);
    });

    it('install.sh replaces what a previous version of ringgen installed for the ring', () => {
      const out = inNetns(original(), `${SYSTEMD}
mkdir -p "$LIB" && printf '#!/usr/bin/env bash\\n# Generated by ringgen 0.0.1 for host old of ring ddbms. Do not edit:\\n' >"$LIB/up.sh"
printf '# Generated by ringgen 0.0.1 for host old of ring ddbms. Do not edit:\\n' >"$UNITS/ringgen-ddbms-network.service"
run_script "$HOST/install.sh"; echo "install=$?"
cmp "$HOST/up.sh" "$LIB/up.sh" && cmp "$HOST/ringgen-ddbms-network.service" "$UNITS/ringgen-ddbms-network.service" && echo same`);
      expect(out.stderr).not.toContain('error');
      expect(out.stdout).toContain('install=0\nsame');
    });

    it('uninstall.sh removes all of it, the state folder included', () => {
      const out = inNetns(original(), `${SYSTEMD}
run_script "$HOST/install.sh"; echo "install=$?"
run_script "$HOST/up.sh" network >/dev/null 2>&1; echo "up=$?"
run_script "$LIB/uninstall.sh"; echo "uninstall=$?"
echo "units: $(ls -A "$UNITS" | tr '\\n' ' ')"; echo "lib: $(ls -A /usr/local/lib | tr '\\n' ' ')"; [ -e "$STATE" ] || echo "no state folder"`);
      expect(out.stderr).not.toMatch(/error|leaving/);
      expect(out.stdout).toContain('install=0\nup=0\nuninstall=0\nunits: \nlib: \nno state folder\n');
      for (const unit of ['attach', 'containers', 'network']) expect(out.calls).toContain(`systemctl disable --now ringgen-ddbms-${unit}.service`);
    });

    it('uninstall.sh leaves, stops nothing of and says so: a unit ringgen did not write, other files in its folders', () => {
      const out = inNetns(original(), `${SYSTEMD}
run_script "$HOST/install.sh" >/dev/null 2>&1; echo "install=$?"
run_script "$HOST/up.sh" network >/dev/null 2>&1; echo "up=$?"
printf '[Unit]\\nDescription=mine\\n' >"$UNITS/ringgen-ddbms-attach.service"; echo mine >"$LIB/notes.txt"; echo mine >"$STATE/notes.txt"
run_script "$LIB/uninstall.sh"; echo "uninstall=$?"
ls -A "$UNITS" "$LIB" "$STATE" | tr '\\n' ' '`);
      expect(out.stdout).toContain('install=0\nup=0\nuninstall=0\n');
      // What is left (ls lists its folders in name order): the foreign unit, and each folder with only the foreign file.
      expect(out.stdout).toContain('/etc/systemd/system: ringgen-ddbms-attach.service  ');
      expect(out.stdout).toContain('/usr/local/lib/ringgen/ddbms: notes.txt ');
      expect(out.stdout).toMatch(/state: notes\.txt {2}/);
      expect(out.stderr).toMatch(/leaving \S*state: it holds files ringgen did not write for ring ddbms: notes\.txt\n/);
      expect(out.stderr).toContain('leaving /etc/systemd/system/ringgen-ddbms-attach.service: ringgen did not write it for ring ddbms (no do-not-edit header naming the ring)');
      expect(out.stderr).toContain('leaving /usr/local/lib/ringgen/ddbms: it holds files ringgen did not write for ring ddbms: notes.txt');
      expect(out.calls).not.toContain('disable --now ringgen-ddbms-attach.service');
      expect(out.calls).toContain('disable --now ringgen-ddbms-network.service');
    });

    it('uninstall.sh does not run a down.sh in the install folder that ringgen did not write', () => {
      const out = inNetns(original(), `${SYSTEMD}
run_script "$HOST/install.sh" >/dev/null 2>&1; echo "install=$?"
printf '#!/bin/sh\\necho RAN >>"$CALLS"\\n' >"$LIB/down.sh"
run_script "$LIB/uninstall.sh"; echo "uninstall=$?"
ls -A "$UNITS" | tr '\\n' ' '`);
      expect(out.stdout).toContain('install=0\nuninstall=1\nringgen-ddbms-attach.service ringgen-ddbms-containers.service ringgen-ddbms-network.service ');
      expect(out.stderr).toContain('error: not running /usr/local/lib/ringgen/ddbms/down.sh: ringgen did not write it for ring ddbms (no do-not-edit header naming the ring)');
      expect(out.calls).not.toMatch(/RAN|disable/);
    });

    it('uninstall.sh without a down.sh beside it or installed says so, and changes nothing', () => {
      const out = inNetns(original(), `${SYSTEMD}
lone=$(dirname "$CALLS")/lone; mkdir -p "$lone" && cp "$HOST/uninstall.sh" "$lone/"
run_script "$lone/uninstall.sh"; echo "uninstall=$?"`);
      expect(out.stdout).toContain('uninstall=1');
      expect(out.stderr).toMatch(/error: \S+\/lone\/down\.sh is missing: run the uninstall\.sh of a complete host folder \(or of \/usr\/local\/lib\/ringgen\/ddbms\)/);
      expect(out.calls).not.toContain('systemctl');
    });

    it('uninstall.sh stops with exit 3 when down.sh keeps an OVS bridge, leaving its files for a second run', () => {
      const out = inNetns(
        original(),
        `${SYSTEMD}
run_script "$HOST/install.sh" >/dev/null 2>&1; echo "install=$?"
run_script "$LIB/uninstall.sh"; echo "uninstall=$?"
ls -A "$UNITS" "$LIB" | tr '\\n' ' '`,
        'bridge ovs0 ddbms\nport mine ovs0 -\n',
      );
      expect(out.stdout).toContain('install=0\nuninstall=3\n');
      expect(out.stdout).toContain('ringgen-ddbms-network.service');
      expect(out.stdout).toContain('uninstall.sh');
      expect(out.stderr).toContain('down.sh did not finish (exit 3): the units are stopped and disabled, their files and /usr/local/lib/ringgen/ddbms stay; do what it said, then run uninstall.sh again');
      expect(out.stderr).not.toContain('uninstalled');
    });
  });

  describe("the watcher's process", () => {
    /** A process standing in for a watcher: bash running FOLDER/up.sh (a sleep) with the words given. */
    const fake = (words: string) => `other=$(dirname "$CALLS")/other; mkdir -p "$other"; echo 'sleep 60' >"$other/up.sh"
setsid bash "$other/up.sh" ${words} & w=$!
for _ in $(seq 100); do tr '\\0' ' ' <"/proc/$w/cmdline" | grep -q "^bash $other/up.sh" && break; sleep 0.1; done
mkdir -p "$STATE"`;
    const after = `run_script "$HOST/down.sh"; echo "down=$?"
sleep 0.2; if tr -d '\\0' <"/proc/$w/cmdline" 2>/dev/null | grep -q .; then echo alive; kill -- "-$w"; else echo stopped; fi`;

    it("down.sh stops the process its watch.pid names when the whole command line is that watcher's", () => {
      const out = inNetns(original(), `${fake('watch')}
printf '%s\\n%s\\n' "$w" "$other/up.sh" >"$STATE/watch.pid"
${after}`);
      expect(out.stdout).toContain('down=0\nstopped');
    });

    it.each([
      ["another ring's watcher (a pid file of the previous version)", 'watch', 'echo "$w" >"$STATE/watch.pid"'],
      ['a process whose command line only starts like the watcher\'s', 'watch now', 'printf \'%s\\n%s\\n\' "$w" "$other/up.sh" >"$STATE/watch.pid"'],
    ])('down.sh does not stop %s', (_what, words, pidFile) => {
      const out = inNetns(original(), `${fake(words)}
${pidFile}
${after}`);
      expect(out.stdout).toContain('down=0\nalive');
      expect(out.stderr).toMatch(/not stopping process \d+ of .*watch\.pid: it is not ring ddbms's watcher \(bash .*up\.sh watch\)/);
    });
  });
});
