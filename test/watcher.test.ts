/**
 * The watcher's spanning tree follower, run in bash from the library file itself
 * (templates/lib/up.sh, sourced after a small data block): which monitor lines count as a change,
 * and what an announcement runs. The lab runs it for real (bench:failover, ring tests).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ring } from '../src/input/dsl';
import { buildRing } from '../src/pipeline';
import { originalBuild } from './fixtures';
import { dataBlock, tempDir } from './helpers';
import { sample, withLibrary } from './host-lib';

/** The library of up.sh (common.sh, owned.sh, up.sh) with a sample host's data, then SCRIPT. */
const lib = (script: string, data = sample()) => withLibrary(data, ['common', 'owned', 'up'], script);

function bash(script: string, env: Record<string, string> = {}): string {
  const r = spawnSync('bash', ['-c', script], { encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`bash failed: ${r.stderr}`);
  return r.stdout;
}

describe('watcher: spanning tree follower', () => {
  it('a port counts as changed on its first report and when its role or state changes, not when only counters do; changes after the first are logged', () => {
    const lines = [
      'row,action,name,rstp_status',
      '5f01,initial,ovs0,{}',
      '50f5,initial,gre0,"{rstp_port_role=Designated, rstp_port_state=Discarding, rstp_rx_count=""3""}"',
      '50f5,old,,"{rstp_port_role=Designated, rstp_port_state=Discarding, rstp_rx_count=""3""}"',
      ',new,gre0,"{rstp_port_role=Designated, rstp_port_state=Discarding, rstp_rx_count=""4""}"',
      ',new,gre0,"{rstp_port_role=Root, rstp_port_state=Forwarding, rstp_rx_count=""5""}"',
      ',new,gre3,"{rstp_designated_bridge_id=""8.000.025247000004"", rstp_port_role=Alternate, rstp_port_state=Discarding}"',
      ',new,gre0,"{rstp_port_role=Root, rstp_port_state=Forwarding, rstp_tx_count=""9""}"',
    ];
    const out = bash(lib(`log() { echo "log: $*"; }
declare -A TREE_STATE=()
while IFS= read -r line; do
  if tree_changed "$line"; then echo yes; else echo no; fi
done`.concat(` <<'EOF'\n${lines.join('\n')}\nEOF`)));
    expect(out.trim().split('\n')).toEqual(['no', 'no', 'yes', 'no', 'no', 'log: spanning tree: port gre0 Designated/Discarding -> Root/Forwarding', 'yes', 'yes', 'no']);
  });

  it('a monitor line that arrives in two parts, further apart than the follower waits, is still one change (a busy or slow host)', () => {
    const dir = tempDir();
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    // The second change of a burst comes in two writes 0.3 s apart: the follower reads the rest of
    // a burst with a 0.02 s limit, which ends in the middle of that line.
    writeFileSync(
      join(bin, 'ovsdb-client'),
      [
        '#!/bin/bash',
        `printf '%s\n' 'row,action,name,rstp_status' '1,initial,gre0,"{rstp_port_role=Designated, rstp_port_state=Discarding}"' '2,initial,gre3,"{rstp_port_role=Designated, rstp_port_state=Forwarding}"'`,
        'sleep 0.3',
        `printf '%s\n' ',new,gre0,"{rstp_port_role=Root, rstp_port_state=Forwarding}"'`,
        `printf '%s' ',new,gre3,"{rstp_port_role=Alt'`,
        'sleep 0.3',
        `printf '%s\n' 'ernate, rstp_port_state=Discarding}"'`,
        'sleep 30',
        '',
      ].join('\n'),
    );
    chmodSync(join(bin, 'ovsdb-client'), 0o755);
    const data = sample();
    data.scalars.DEFAULT_STATE_DIR = dir;
    const r = spawnSync('timeout', ['6', 'bash', '-c', lib('log() { echo "log: $*"; }\nannounce_containers() { :; }\ncontainer_pids() { :; }\nwatch_tree', data)], {
      encoding: 'utf8',
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, RINGGEN_STATE_DIR: '' },
    });
    expect(r.stdout.trim().split('\n')).toEqual([
      'log: spanning tree: port gre0 Designated/Discarding -> Root/Forwarding',
      'log: spanning tree: port gre3 Designated/Forwarding -> Alternate/Discarding',
    ]);
  }, 30_000);

  it('an announcement sends one broadcast from each container process given, and ignores anything not a process id', () => {
    const dir = tempDir();
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'nsenter'), `#!/bin/sh\necho "nsenter $*" >>"${join(dir, 'calls')}"\n`);
    chmodSync(join(bin, 'nsenter'), 0o755);
    bash(lib(`announce_containers 101 '202; rm -rf /' 303 ''`), { PATH: `${bin}:${process.env.PATH}` });
    const calls = bash(`sort ${join(dir, 'calls')}`).trim().split('\n');
    expect(calls).toEqual([
      'nsenter -t 101 -n ping -q -b -c 1 -W 0.01 -I eth1 255.255.255.255',
      'nsenter -t 303 -n ping -q -b -c 1 -W 0.01 -I eth1 255.255.255.255',
    ]);
  });

  it('the watcher starts the follower only for rapid spanning tree, as the data block says', () => {
    const dir = tempDir();
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    // docker events ends at once: each pass of the watcher sleeps 2 s; one pass is enough.
    writeFileSync(join(bin, 'docker'), '#!/bin/sh\nexit 1\n');
    for (const tool of ['nsenter', 'ip']) writeFileSync(join(bin, tool), '#!/bin/sh\nexit 0\n');
    for (const tool of ['docker', 'nsenter', 'ip']) chmodSync(join(bin, tool), 0o755);
    const watch = (stp: string) => {
      const data = sample();
      data.scalars.STP = stp;
      data.scalars.DEFAULT_STATE_DIR = dir;
      const r = spawnSync('timeout', ['1', 'bash', '-c', lib('watch_tree() { echo follower; }\nattach_by_name() { :; }\nwatch_containers', data)], {
        encoding: 'utf8',
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, RINGGEN_STATE_DIR: '' },
      });
      return r.stdout.trim();
    };
    expect(watch('rstp')).toBe('follower');
    expect(watch('stp')).toBe('');
    expect(watch('off')).toBe('');
    // What the generated scripts say: rstp for the original, stp for a ring that asks for it.
    expect(dataBlock(originalBuild().files.find((f) => f.path === 'host1/up.sh')!.content)).toMatch(/^readonly DATAPATH=system STP=rstp /m);
    const stp = ring('legacy', { stp: 'stp' }).host('a1', { internal: '10.0.0.1' }).host('a2', { internal: '10.0.0.2' }).host('a3', { internal: '10.0.0.3' });
    stp.bridge('br0', { subnet: '192.168.9.0/24' }).container('web', { host: 'a1', bridge: 'br0', ip: '192.168.9.10', image: 'nginx:1' });
    const legacy = buildRing(stp).files.find((f) => f.path === 'a1/up.sh')!.content;
    expect(dataBlock(legacy)).toMatch(/^readonly DATAPATH=system STP=stp /m);
  }, 30_000);
});
