/**
 * What up.sh reads on a host is bounded: an env file that is not a regular file (a FIFO, a
 * device such as /dev/zero, a folder) or is too big is refused at once, with the lock taken and
 * before docker creates anything. The generated `up.sh containers` runs for real in bash, with
 * stub tools on PATH (docker, ip, iptables, nsenter...) that record their calls; the real
 * `timeout`, `head`, `stat`, `sha256sum` and `flock` run. Each run sits under `timeout`, which
 * kills its whole process group, so a script that does hang is stopped and leaves nothing behind:
 * that is a guard, the assertions are on the exit status and the message.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ring } from '../src/input/dsl';
import { buildRing } from '../src/pipeline';
import { requireTools, tempDir, writeFiles } from './helpers';

const root = tempDir('ringgen-reads-');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const STUBS: Record<string, string> = {
  id: 'echo 0',
  ip: 'case "$*" in "-o -4 addr show") echo "2: eth1    inet 10.0.0.1/24 brd 10.0.0.255 scope global eth1" ;; esac',
  docker: 'echo "docker $*" >>"$CALLS"; case "$1 $2" in "container inspect") exit 1 ;; esac',
  nsenter: 'echo "nsenter $*" >>"$CALLS"',
  iptables: 'exit 0',
  'iptables-restore': 'cat >/dev/null',
  sysctl: 'echo 1',
  setsid: 'echo "setsid $*" >>"$CALLS"',
  systemctl: 'exit 1',
};

let count = 0;

/** Builds a one-container ring whose env file is `envFile`, and runs its `up.sh containers` with the stubs. */
function upContainers(envFile: string): { status: number | null; stderr: string; calls: string[] } {
  const dir = join(root, String(count++));
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const [name, body] of Object.entries(STUBS)) {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  const r = ring('reads')
    .host('h1', { internal: '10.0.0.1' })
    .host('h2', { internal: '10.0.0.2' })
    .host('h3', { internal: '10.0.0.3' })
    .bridge('br0', { subnet: '192.168.7.0/24' })
    .container('c1', { host: 'h1', bridge: 'br0', ip: '192.168.7.20', image: 'busybox', envFile });
  const out = buildRing(r);
  expect(out.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  writeFiles(join(dir, 'out'), out.files);
  const calls = join(dir, 'calls');
  const run = spawnSync('timeout', ['-k', '2', '30', 'bash', join(dir, 'out', 'h1', 'up.sh'), 'containers'], {
    encoding: 'utf8',
    timeout: 40_000,
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, CALLS: calls, RINGGEN_STATE_DIR: join(dir, 'state') },
  });
  return { status: run.status, stderr: run.stderr, calls: existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : [] };
}

const created = (calls: string[]) => calls.some((c) => c.startsWith('docker create '));

describe('up.sh reads of host data', () => {
  const tools = requireTools(['bash', 'timeout', 'flock', 'mkfifo', 'sha256sum', 'stat']);

  it.skipIf(!tools)('a regular env file is hashed and passed to docker create (the stubs are enough for a whole run)', () => {
    const file = join(root, 'good.env');
    writeFileSync(file, 'KEY=value\n');
    const r = upContainers(file);
    expect(r.stderr).toContain('containers up: 1 container(s)');
    expect(r.status).toBe(0);
    const create = r.calls.find((c) => c.startsWith('docker create '));
    expect(create).toMatch(/^docker create --label ringgen\.hash=[0-9a-f]{16}-[0-9a-f]{16} /);
    expect(create).toContain(`--env-file ${file}`);
  });

  it.skipIf(!tools)('a FIFO as env file is refused at once, before docker creates anything', () => {
    const fifo = join(root, 'secrets.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const r = upContainers(fifo);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`container c1: env file ${fifo} is missing on this host, or is not a regular readable file`);
    expect(created(r.calls)).toBe(false);
  });

  it.skipIf(!tools)('/dev/zero, a link to it, or a folder as env file is refused', () => {
    const link = join(root, 'zero.env');
    spawnSync('ln', ['-sf', '/dev/zero', link]);
    for (const file of ['/dev/zero', link, root]) {
      const r = upContainers(file);
      expect(r.status, file).toBe(1);
      expect(r.stderr, file).toContain(`env file ${file} is missing on this host, or is not a regular readable file`);
      expect(created(r.calls), file).toBe(false);
    }
  });

  it.skipIf(!tools)('an env file over 1 MiB is refused, not read', () => {
    const big = join(root, 'big.env');
    writeFileSync(big, `K=${'x'.repeat(1024 * 1024)}\n`);
    const r = upContainers(big);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`env file ${big} has 1048579 bytes; at most 1 MiB (1048576 bytes) is taken`);
    expect(created(r.calls)).toBe(false);
  });
});

describe('up.sh waits on the host daemons for a bounded time', () => {
  it.skipIf(!requireTools(['bash']))('ovs-vsctl, docker and iptables run under a time limit, docker create under a longer one', () => {
    const up = buildRing(ring('reads').host('h1', { internal: '10.0.0.1' }).host('h2', { internal: '10.0.0.2' }).host('h3', { internal: '10.0.0.3' }).bridge('br0', { subnet: '192.168.7.0/24' })).files.find((f) => f.path === 'h1/up.sh')!.content;
    const block = /^if type -P timeout [\s\S]*?^fi$/m.exec(up)![0];
    const bin = join(root, 'wrap-bin');
    mkdirSync(bin, { recursive: true });
    // The stub timeout prints what it was asked to run; the tools only need to exist.
    for (const [name, body] of Object.entries({ timeout: 'echo "timeout $*"', docker: 'echo "bare docker $*"', 'ovs-vsctl': 'echo "ovs-vsctl $*"', iptables: 'exit 0', 'iptables-restore': 'exit 0' })) {
      writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    }
    const r = spawnSync('bash', ['-c', `${block}\ndocker ps -q\ndocker create --name x busybox\novs-vsctl br-exists ovs0\novs-vsctl --timeout=5 show\niptables -w -n -L FORWARD\niptables-restore -w --noflush </dev/null\ncommand -v docker >/dev/null && echo docker-found`], {
      encoding: 'utf8',
      timeout: 20_000,
      env: { ...process.env, PATH: `${bin}:/usr/bin:/bin` },
    });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toEqual([
      'timeout --foreground 120 docker ps -q',
      'timeout --foreground 1800 docker create --name x busybox',
      'ovs-vsctl --timeout=120 br-exists ovs0',
      'ovs-vsctl --timeout=5 show',
      'timeout --foreground 120 iptables -w -n -L FORWARD',
      'timeout --foreground 120 iptables-restore -w --noflush',
      'docker-found',
    ]);
    // Without the tool installed, no wrapper hides that it is missing.
    const bash = spawnSync('sh', ['-c', 'command -v bash'], { encoding: 'utf8' }).stdout.trim();
    const bare = spawnSync(bash, ['-c', `${block}\ncommand -v docker || echo no-docker`], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, PATH: join(root, 'nothing') } });
    expect(bare.stdout.trim()).toBe('no-docker');
  });
});
