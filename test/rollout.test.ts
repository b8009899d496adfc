/**
 * The rollout files: Ansible reads the inventory and playbook (and, with stub scripts and a
 * local connection, runs the playbook one host at a time); deploy.sh runs against stub
 * ssh/scp/rsync/sudo that act on folders. Nothing here touches a real host.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ring } from '../src/input/dsl';
import { buildRing } from '../src/pipeline';
import { yamlQuote } from '../src/emit/rollout';
import { requireTools, ROOT, run, tempDir, writeFiles } from './helpers';

const HOSTS = ['a', 'b', 'c', 'd'];

/** A ring of the first `count` hosts a-d, written to out/ in a new folder. */
function fixture(count = 4): string {
  const r = ring('pl-1').host('a', { internal: '10.9.0.1', external: '203.0.113.1' });
  for (const [i, h] of HOSTS.slice(1, count).entries()) r.host(h, { internal: `10.9.0.${i + 2}` });
  const out = buildRing(
    r.bridge('br0', { subnet: '192.168.60.0/24' }).container('web', { host: 'b', bridge: 'br0', ip: '192.168.60.10', image: 'busybox', publish: ['a:8080:80'] }),
  );
  expect(out.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const dir = tempDir();
  writeFiles(join(dir, 'out'), out.files);
  return dir;
}

/** Replaces each host's install.sh and check.sh by stubs that log; check.sh fails on `failOn`. */
function stubScripts(dir: string, log: string, failOn?: string): void {
  for (const h of HOSTS.filter((x) => existsSync(join(dir, 'out', x)))) {
    const write = (name: string, body: string) => {
      writeFileSync(join(dir, 'out', h, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(dir, 'out', h, name), 0o755);
    };
    write('install.sh', `echo "install ${h}" >> '${log}'`);
    write('check.sh', `echo "check ${h}" >> '${log}'\n${h === failOn ? 'echo "tunnel gre1 FAIL"; exit 1' : 'exit 0'}`);
  }
}

const logLines = (log: string) => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);

function ansibleEnv(dir: string): NodeJS.ProcessEnv {
  mkdirSync(join(dir, 'ansible'), { recursive: true });
  writeFileSync(join(dir, 'ansible/ansible.cfg'), '');
  return {
    ...process.env,
    ANSIBLE_CONFIG: join(dir, 'ansible/ansible.cfg'),
    ANSIBLE_HOME: join(dir, 'ansible'),
    ANSIBLE_LOCAL_TEMP: join(dir, 'ansible/tmp'),
    ANSIBLE_REMOTE_TEMP: join(dir, 'ansible/tmp'),
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_RETRY_FILES_ENABLED: '0',
    ANSIBLE_PYTHON_INTERPRETER: 'auto_silent',
  };
}

describe('Ansible inventory and playbook', () => {
  it('ansible-inventory reads every host with its addresses, in a group named after the ring', () => {
    if (!requireTools(['ansible-inventory'])) return;
    const dir = fixture();
    const r = run('ansible-inventory', ['-i', 'out/inventory.yml', '--list'], { cwd: dir, env: ansibleEnv(dir) });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const inv = JSON.parse(r.stdout);
    expect(inv.all.children).toContain('pl_1');
    expect(inv.pl_1.hosts).toEqual(['a', 'b', 'c', 'd']);
    expect(inv._meta.hostvars.a).toEqual({
      ansible_host: '10.9.0.1',
      ringgen_internal: '10.9.0.1',
      ringgen_external: '203.0.113.1',
      ringgen_ring: 'pl-1',
      ringgen_stage: '/var/cache/ringgen/pl-1',
    });
    expect(inv._meta.hostvars.d).toMatchObject({ ansible_host: '10.9.0.4', ringgen_external: null });
  });

  it.each(['all', 'ungrouped'])('a host named %s (a group Ansible defines itself) is HOST_NAME_RESERVED', (name) => {
    const out = buildRing(ring('r').host(name, { internal: '10.9.0.1' }).host('b', { internal: '10.9.0.2' }).host('c', { internal: '10.9.0.3' }).bridge('br0', { subnet: '192.168.60.0/24' }));
    expect(out.diagnostics.map((d) => [d.code, d.path])).toEqual([['HOST_NAME_RESERVED', ['hosts', name]]]);
    expect(out.files).toEqual([]);
  });

  it('in Ansible, each host name as a pattern reaches that host alone, and all and the group every host', () => {
    if (!requireTools(['ansible', 'ansible-inventory'])) return;
    // A ring named "all" (its group becomes ringgen_all) with hosts whose names come close to what Ansible treats specially.
    const names = ['localhost', 'all1', 'ungrouped-2', '0'];
    const r = ring('all');
    names.forEach((n, i) => r.host(n, { internal: `10.9.0.${i + 1}` }));
    const out = buildRing(r.bridge('br0', { subnet: '192.168.60.0/24' }));
    expect(out.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const dir = tempDir();
    writeFiles(join(dir, 'out'), out.files);
    const hosts = (pattern: string) => {
      const res = run('ansible', ['-i', 'out/inventory.yml', pattern, '--list-hosts'], { cwd: dir, env: ansibleEnv(dir) });
      expect(res.status, res.stderr).toBe(0);
      expect(res.stderr, pattern).toBe('');
      return res.stdout.trim().split('\n').slice(1).map((l) => l.trim()).sort();
    };
    for (const n of names) expect(hosts(n), n).toEqual([n]);
    expect(hosts('all')).toEqual([...names].sort());
  });

  it('the committed out/ passes ansible-playbook --syntax-check', () => {
    if (!requireTools(['ansible-playbook'])) return;
    const dir = tempDir();
    const r = run('ansible-playbook', ['--syntax-check', '-i', 'out/inventory.yml', 'out/deploy.yml'], { cwd: ROOT, env: ansibleEnv(dir) });
    expect(r.stderr).toBe('');
    expect(r.status, r.stdout).toBe(0);
  });

  it('YAML quoting reads back exactly, Ansible templates marked unsafe', () => {
    if (!requireTools(['ansible-inventory'])) return;
    const values = ['a"b', "it's", '\\x', '{{ lookup("pipe", "id") }}', '{% raw %}', 'line1\nline2', 'tab\there', 'ümlaut €', '😀', '\x7f\x85', '\u2028', '#x', ': c', '- d', '*alias', '&anchor', '!tag', '%x', '@x', '`x', 'yes', 'null', '~', '0x10', '1e3', ''];
    const dir = tempDir();
    const vars = values.map((v, i) => `          v${i}: ${yamlQuote(v)}`).join('\n');
    writeFileSync(join(dir, 'inv.yml'), `all:\n  hosts:\n    ${yamlQuote('h')}:\n${vars}\n`);
    const r = run('ansible-inventory', ['-i', 'inv.yml', '--list'], { cwd: dir, env: ansibleEnv(dir) });
    expect(r.status, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout)._meta.hostvars.h;
    values.forEach((v, i) => expect(got[`v${i}`], JSON.stringify(v)).toEqual(/\{[{%#]/.test(v) ? { __ansible_unsafe: v } : v));
  });

  // Ansible's copy costs seconds per file on a busy machine: three hosts of three files each.
  it('run locally with stub scripts: one host at a time, and the first unhealthy host stops the play', { timeout: 300_000 }, () => {
    if (!requireTools(['ansible-playbook'])) return;
    const dir = fixture(3);
    const log = join(dir, 'log');
    for (const h of ['a', 'b', 'c']) {
      for (const f of readdirSync(join(dir, 'out', h))) if (!['install.sh', 'check.sh', 'up.sh'].includes(f)) rmSync(join(dir, 'out', h, f));
    }
    stubScripts(dir, log, 'b');
    const args = (...extra: string[]) => [
      '-i', 'out/inventory.yml', 'out/deploy.yml',
      '-e', 'ansible_connection=local', '-e', 'ansible_become=false', '-e', 'ansible_python_interpreter={{ ansible_playbook_python }}',
      '-e', `ringgen_stage=${dir}/stage/{{ inventory_hostname }}`,
      '-e', 'ringgen_check_retries=1', '-e', 'ringgen_check_delay=0', ...extra,
    ];
    const r = run('ansible-playbook', args(), { cwd: dir, env: ansibleEnv(dir) });
    expect(r.status).not.toBe(0);
    expect(r.stdout).toMatch(/b is unhealthy after install\.sh/);
    const lines = logLines(log);
    expect(lines.slice(0, 3)).toEqual(['install a', 'check a', 'install b']);
    expect(lines.slice(3).every((l) => l === 'check b')).toBe(true);
    expect(existsSync(join(dir, 'stage/c'))).toBe(false);
    expect(readFileSync(join(dir, 'stage/a/up.sh'), 'utf8')).toBe(readFileSync(join(dir, 'out/a/up.sh'), 'utf8'));

    stubScripts(dir, log);
    writeFileSync(log, '');
    const first = run('ansible-playbook', args('-e', 'ringgen_initial=true'), { cwd: dir, env: ansibleEnv(dir) });
    expect(first.status, first.stdout).toBe(0);
    const order = logLines(log);
    expect(order.slice(0, 3).sort()).toEqual(['install a', 'install b', 'install c']);
    expect(order.slice(3).sort()).toEqual(['check a', 'check b', 'check c']);
  });

  // One play of three hosts: ~35 s on a busy machine (Ansible's start and its local connection).
  it('--tags uninstall: each host\'s uninstall.sh (installed copy first, else the staged one), one host at a time; the first failure stops the play', { timeout: 300_000 }, () => {
    if (!requireTools(['ansible-playbook'])) return;
    const dir = fixture(3);
    const log = join(dir, 'log');
    const stage = (h: string) => join(dir, 'stage', h);
    const installed = (h: string) => join(dir, 'installed', h);
    const script = (folder: string, body: string) => {
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, 'uninstall.sh'), `#!/bin/sh\n${body}\n`);
      chmodSync(join(folder, 'uninstall.sh'), 0o755);
    };
    // a: installed and staged (the installed copy runs); b: staged only, and fails; c: staged.
    script(installed('a'), `echo "installed a" >> '${log}'`);
    script(stage('a'), `echo "staged a" >> '${log}'`);
    script(stage('b'), `echo "staged b" >> '${log}'; exit 1`);
    script(stage('c'), `echo "staged c" >> '${log}'`);
    const args = [
      '-i', 'out/inventory.yml', 'out/deploy.yml', '--tags', 'uninstall',
      '-e', 'ansible_connection=local', '-e', 'ansible_become=false', '-e', 'ansible_python_interpreter={{ ansible_playbook_python }}',
      '-e', `ringgen_stage=${dir}/stage/{{ inventory_hostname }}`, '-e', `ringgen_install_dir=${dir}/installed/{{ inventory_hostname }}`,
    ];
    const r = run('ansible-playbook', args, { cwd: dir, env: ansibleEnv(dir) });
    expect(r.status).not.toBe(0);
    expect(logLines(log)).toEqual(['installed a', 'staged b']);
    expect(r.stdout).toMatch(/Run uninstall\.sh/);
    // Nothing of the install play ran: no host folder was copied.
    expect(existsSync(join(stage('a'), 'up.sh'))).toBe(false);
  });

  it('without --tags, the playbook installs and never uninstalls', () => {
    if (!requireTools(['ansible-playbook'])) return;
    const dir = tempDir();
    const r = run('ansible-playbook', ['--list-tasks', '-i', 'out/inventory.yml', 'out/deploy.yml'], { cwd: ROOT, env: ansibleEnv(dir) });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Run install\.sh/);
    expect(r.stdout).not.toMatch(/Run uninstall\.sh/);
    const u = run('ansible-playbook', ['--list-tasks', '--tags', 'uninstall', '-i', 'out/inventory.yml', 'out/deploy.yml'], { cwd: ROOT, env: ansibleEnv(dir) });
    expect(u.status, u.stderr).toBe(0);
    expect(u.stdout).toMatch(/Run uninstall\.sh/);
    expect(u.stdout).not.toMatch(/Run install\.sh/);
  });
});

/** Stub ssh, scp, rsync and sudo: each "host" is a folder under fake/ named after the ssh target. */
function fakeBin(dir: string): NodeJS.ProcessEnv {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  const tool = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/usr/bin/env bash\nset -euo pipefail\necho "${name} $*" >> "$FAKE_CALLS"\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  const opts = 'while [ "$#" -gt 0 ]; do case "$1" in -o|-e) shift 2 ;; -*) shift ;; *) break ;; esac; done';
  tool('ssh', `${opts}\nmkdir -p "$FAKE_ROOT/$1"\ncd "$FAKE_ROOT/$1"\nshift\nexec bash -c "$*"`);
  tool('scp', `${opts}\ndest=\${@: -1}\nhost=\${dest%%:*}\nmkdir -p "$FAKE_ROOT/$host/\${dest#*:}"\ncp -p "\${@:1:$#-1}" "$FAKE_ROOT/$host/\${dest#*:}"`);
  tool('rsync', `${opts}\nhost=\${2%%:*}\nmkdir -p "$FAKE_ROOT/$host/\${2#*:}"\ncp -pR "$1." "$FAKE_ROOT/$host/\${2#*:}"`);
  tool('sudo', '[ "$1" = -n ] && shift\nexec "$@"');
  return { ...process.env, PATH: `${bin}:${process.env.PATH}`, FAKE_ROOT: join(dir, 'fake'), FAKE_CALLS: join(dir, 'calls'), RINGGEN_CHECK_DELAY: '0', RINGGEN_CHECK_TRIES: '2' };
}

describe('deploy.sh', () => {
  const deploy = (dir: string, args: string[], env: NodeJS.ProcessEnv = {}) => run('bash', [join(dir, 'out/deploy.sh'), ...args], { cwd: dir, env: { ...fakeBin(dir), ...env } });

  it('--dry-run prints every command and runs none', () => {
    const dir = fixture();
    const r = deploy(dir, ['--dry-run', 'c', 'a'], { RINGGEN_COPY: 'scp' });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('+ ssh -o BatchMode=yes -o ConnectTimeout=10 10.9.0.3 mkdir\\ -p\\ -m\\ 700\\ .ringgen/pl-1');
    expect(lines[1]).toMatch(/^\+ scp -q -p .* \S+\/out\/c\/check\.sh .* 10\.9\.0\.3:\.ringgen\/pl-1\/$/);
    expect(lines.filter((l) => l.includes('install.sh\\;')).map((l) => l.split(' ')[6])).toEqual(['10.9.0.3', '10.9.0.1']);
    expect(existsSync(join(dir, 'calls'))).toBe(false);
    expect(r.stderr).toMatch(/dry run: nothing was run/);
  });

  it('one host at a time; stops at the first unhealthy host and says what is left', () => {
    const dir = fixture();
    const log = join(dir, 'log');
    stubScripts(dir, log, 'b');
    const r = deploy(dir, [], { RINGGEN_COPY: 'scp', RINGGEN_SSH_USER: 'ops' });
    expect(r.status).not.toBe(0);
    expect(logLines(log)).toEqual(['install a', 'check a', 'install b', 'check b', 'check b']);
    expect(r.stderr).toContain('tunnel gre1 FAIL');
    expect(r.stderr).toMatch(/stopped at b \(check\.sh\); done: a; not done: b c d/);
    expect(readFileSync(join(dir, 'fake/ops@10.9.0.1/.ringgen/pl-1/up.sh'), 'utf8')).toBe(readFileSync(join(dir, 'out/a/up.sh'), 'utf8'));
    expect(existsSync(join(dir, 'fake/ops@10.9.0.3'))).toBe(false);
  });

  it('named hosts in the given order, over rsync; --initial installs all before checking', () => {
    const dir = fixture();
    const log = join(dir, 'log');
    stubScripts(dir, log);
    const r = deploy(dir, ['d', 'a'], { RINGGEN_COPY: 'rsync' });
    expect(r.status, r.stderr).toBe(0);
    expect(logLines(log)).toEqual(['install d', 'check d', 'install a', 'check a']);
    expect(readFileSync(join(dir, 'calls'), 'utf8')).toMatch(/^rsync -a -e ssh -o BatchMode=yes -o ConnectTimeout=10 \S+\/out\/d\/ 10\.9\.0\.4:\.ringgen\/pl-1\/$/m);
    expect(existsSync(join(dir, 'fake/10.9.0.4/.ringgen/pl-1/iptables.rules'))).toBe(true);
    writeFileSync(log, '');
    const i = deploy(dir, ['--initial', 'a', 'b', 'c'], { RINGGEN_COPY: 'scp' });
    expect(i.status, i.stderr).toBe(0);
    expect(logLines(log)).toEqual(['install a', 'install b', 'install c', 'check a', 'check b', 'check c']);
  });

  it('--uninstall: each host\'s uninstall.sh as root, one at a time; stops at the first that fails and says what is left', () => {
    // The installed copy would come first: none may exist on this machine for the fixture's ring.
    expect(existsSync('/usr/local/lib/ringgen/pl-1')).toBe(false);
    const dir = fixture();
    const log = join(dir, 'log');
    stubScripts(dir, log);
    for (const h of HOSTS) {
      writeFileSync(join(dir, 'out', h, 'uninstall.sh'), `#!/bin/sh\necho "uninstall ${h} $(pwd)" >> '${log}'\n${h === 'c' ? 'exit 1' : ''}\n`);
      chmodSync(join(dir, 'out', h, 'uninstall.sh'), 0o755);
    }
    expect(deploy(dir, ['--initial'], { RINGGEN_COPY: 'scp', RINGGEN_SSH_USER: 'ops' }).status).toBe(0);
    writeFileSync(log, '');
    const dry = deploy(dir, ['--uninstall', '--dry-run', 'b'], { RINGGEN_SSH_USER: 'ops' });
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/^\+ ssh -o BatchMode=yes -o ConnectTimeout=10 ops@10\.9\.0\.2 if\\ \\\[\\ -x\\ \/usr\/local\/lib\/ringgen\/pl-1\/uninstall\.sh/);
    expect(readFileSync(log, 'utf8')).toBe('');
    const r = deploy(dir, ['--uninstall'], { RINGGEN_SSH_USER: 'ops' });
    expect(r.status).not.toBe(0);
    expect(logLines(log)).toEqual(['a', 'b', 'c'].map((h) => `uninstall ${h} ${join(dir, `fake/ops@10.9.0.${HOSTS.indexOf(h) + 1}`)}`));
    expect(r.stderr).toMatch(/stopped at c \(uninstall\.sh\); done: a b; not done: c d/);
    writeFileSync(log, '');
    const rest = deploy(dir, ['--uninstall', 'd'], { RINGGEN_SSH_USER: 'ops' });
    expect(rest.status, rest.stderr).toBe(0);
    expect(logLines(log)).toEqual([`uninstall d ${join(dir, 'fake/ops@10.9.0.4')}`]);
    expect(rest.stderr).toMatch(/uninstalled: d/);
    // A host with nothing of the ring: nothing to do, not a failure.
    rmSync(join(dir, 'fake/ops@10.9.0.4/.ringgen'), { recursive: true });
    const none = deploy(dir, ['--uninstall', 'd'], { RINGGEN_SSH_USER: 'ops' });
    expect(none.status, none.stderr).toBe(0);
    expect(none.stderr).toMatch(/nothing of the ring is installed here/);
  });

  it('--help lists --uninstall', () => {
    const dir = fixture();
    const r = deploy(dir, ['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/deploy\.sh --uninstall \[--dry-run\] \[HOST\.\.\.\]/);
    expect(r.stdout).toMatch(/RINGGEN_CHECK_TRIES/);
  });

  it('bad input: exit 2 and nothing run', () => {
    const dir = fixture();
    for (const [args, env, message] of [
      [['nope'], {}, /unknown host: nope \(ring pl-1 has: a b c d\)/],
      [['--force'], {}, /unknown option: --force/],
      [['--uninstall', '--initial'], {}, /--initial is for installing; it does not go with --uninstall/],
      [['--uninstall', 'nope'], {}, /unknown host: nope/],
      [[], { RINGGEN_STAGE: 'x; rm -rf ~' }, /RINGGEN_STAGE may hold only/],
      [[], { RINGGEN_COPY: 'ftp' }, /RINGGEN_COPY must be rsync or scp/],
      [[], { RINGGEN_CHECK_TRIES: '0' }, /RINGGEN_CHECK_TRIES/],
    ] as const) {
      const r = deploy(dir, [...args], { ...env });
      expect(r.status, JSON.stringify(args)).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(existsSync(join(dir, 'calls'))).toBe(false);
  });
});
