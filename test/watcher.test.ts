/**
 * The watcher's spanning tree follower, run in bash on its own: which monitor lines count as a
 * change, and what an announcement runs. The lab runs it for real (bench:failover, ring tests).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ring } from '../src/dsl';
import { buildRing } from '../src/pipeline';
import { originalBuild } from './fixtures';
import { tempDir } from './helpers';

let upSh = '';

function fn(name: string): string {
  const m = upSh.match(new RegExp(`^${name}\\(\\) \\{\\n[\\s\\S]*?^\\}\\n`, 'm'));
  if (!m) throw new Error(`up.sh has no function ${name}`);
  return m[0];
}

function bash(script: string, env: Record<string, string> = {}): string {
  const r = spawnSync('bash', ['-c', script], { encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`bash failed: ${r.stderr}`);
  return r.stdout;
}

beforeAll(() => {
  upSh = originalBuild().files.find((f) => f.path === 'host1/up.sh')!.content;
});

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
    const out = bash(`${fn('tree_changed')}
log() { echo "log: $*"; }
declare -A TREE_STATE=()
while IFS= read -r line; do
  if tree_changed "$line"; then echo yes; else echo no; fi
done`.concat(` <<'EOF'\n${lines.join('\n')}\nEOF`));
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
    const funcs = ['watch_tree', 'tree_changed', ...(upSh.includes('read_monitor_line() {') ? ['read_monitor_line'] : [])].map(fn).join('');
    const r = spawnSync('timeout', ['6', 'bash', '-c', `${funcs}\nlog() { echo "log: $*"; }\nannounce_containers() { :; }\ncontainer_pids() { :; }\nwatch_tree`], {
      encoding: 'utf8',
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, STATE_DIR: dir },
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
    bash(`${fn('announce_containers')}\nannounce_containers 101 '202; rm -rf /' 303 ''`, { PATH: `${bin}:${process.env.PATH}` });
    const calls = bash(`sort ${join(dir, 'calls')}`).trim().split('\n');
    expect(calls).toEqual([
      'nsenter -t 101 -n ping -q -b -c 1 -W 0.01 -I eth1 255.255.255.255',
      'nsenter -t 303 -n ping -q -b -c 1 -W 0.01 -I eth1 255.255.255.255',
    ]);
  });

  it('the follower is generated only for rapid spanning tree', () => {
    expect(upSh).toMatch(/^watch_tree\(\) \{/m);
    expect(upSh).toMatch(/^\s+watch_tree &$/m);
    const stp = ring('legacy', { stp: 'stp' }).host('a1', { internal: '10.0.0.1' }).host('a2', { internal: '10.0.0.2' }).host('a3', { internal: '10.0.0.3' });
    stp.bridge('br0', { subnet: '192.168.9.0/24' }).container('web', { host: 'a1', bridge: 'br0', ip: '192.168.9.10', image: 'nginx:1' });
    const legacy = buildRing(stp).files.find((f) => f.path === 'a1/up.sh')!.content;
    expect(legacy).not.toMatch(/watch_tree/);
    expect(legacy).toMatch(/^watch_containers\(\) \{/m);
  });
});
