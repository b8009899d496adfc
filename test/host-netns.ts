/**
 * Runs generated host scripts for real in a fresh network and mount namespace (real ip, iptables,
 * nsenter; Open vSwitch, Docker and systemd faked by test/host-stubs.sh), as test/foreign.test.ts
 * and test/foreign-marks.test.ts do. Everything the run makes disappears with its namespaces.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeWritten, written, writtenOriginal } from './fixtures';
import { requireTools, ROOT, tempDir } from './helpers';

const dirs: string[] = [];
/** Removes the folders made so far (call from afterAll). */
export const cleanUp = () => {
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
  removeWritten();
};

export const CAN_RUN = requireTools(['unshare', 'ip', 'iptables-restore', 'nsenter', 'mount'], true);

/** How long one run may take: up to about 45 s of work at a load of 13 on two cores (seen), with room above it. */
export const RUN_LIMIT_MS = 150_000;

/** A temporary folder holding a build's files (removed by cleanUp). */
export const folder = written;

/** host1 of the original's example: ring ddbms, bridges br0 and br1, container test1 on br0, tunnels gre0 and gre3. */
export const original = () => join(writtenOriginal(), 'host1');

export interface Outcome {
  stdout: string;
  stderr: string;
  calls: string;
  /** `links` output after the script: name, alias, master, state. */
  links: Map<string, { alias: string; master: string; state: string }>;
}

/**
 * Runs SCRIPT (bash, with host-stubs.sh sourced and HOST set to the host folder, STATE to the state
 * folder) in a new network and mount namespace owning 10.20.10.70, and lists the interfaces it leaves.
 */
export function inNetns(host: string, script: string, ovsDb = ''): Outcome {
  const dir = tempDir('ringgen-foreign-');
  dirs.push(dir);
  writeFileSync(join(dir, 'ovs.db'), ovsDb);
  writeFileSync(join(dir, 'calls'), '');
  const body = [
    'set -u',
    'mount -t sysfs sysfs /sys',
    `source ${JSON.stringify(join(ROOT, 'test/host-stubs.sh'))}`,
    'ip link set dev lo up && ip addr add 10.20.10.70/32 dev lo',
    script,
    'echo "-- links"',
    'links',
  ].join('\n');
  const state = join(dir, 'state');
  const env = { ...process.env, HOST: host, STATE: state, CALLS: join(dir, 'calls'), OVS_DB: join(dir, 'ovs.db'), RINGGEN_STATE_DIR: state, PATH: '/usr/sbin:/usr/bin:/sbin:/bin' };
  const r = spawnSync('unshare', ['--net', '--mount', 'bash', '-c', body], { encoding: 'utf8', env, timeout: RUN_LIMIT_MS });
  if (r.error) throw r.error;
  const [stdout, linkText = ''] = r.stdout.split('-- links\n');
  const links = new Map(
    linkText
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' '))
      .map(([name, alias, master, state]) => [name!, { alias: alias!, master: master!, state: state! }]),
  );
  return { stdout: stdout!, stderr: r.stderr, calls: readFileSync(join(dir, 'calls'), 'utf8'), links };
}
