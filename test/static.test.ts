/** Every generated file of every example passes bash -n, shellcheck, iptables-restore --test and systemd-analyze verify. */
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ring } from '../src/input/dsl';
import { buildRing } from '../src/pipeline';
import { buildFile, EXAMPLES, ORIGINAL, removeWritten, written } from './fixtures';
import { requireTools, run, tempDir } from './helpers';

const dirs: string[] = [];
afterAll(() => {
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
  removeWritten();
});

function built(example: string): { dir: string; hosts: string[] } {
  const out = buildFile(example);
  expect(out.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return { dir: written(out.files), hosts: out.model!.hosts.map((h) => h.name) };
}

/** A root with the machine's own systemd units plus the files install.sh would place. */
function stagedRoot(hostDir: string, ring: string): string {
  const root = tempDir('ringgen-root-');
  dirs.push(root);
  mkdirSync(join(root, 'usr/lib/systemd'), { recursive: true });
  cpSync('/lib/systemd/system', join(root, 'usr/lib/systemd/system'), { recursive: true });
  symlinkSync('usr/lib', join(root, 'lib'));
  mkdirSync(join(root, 'etc/systemd/system'), { recursive: true });
  const install = join(root, 'usr/local/lib/ringgen', ring);
  mkdirSync(install, { recursive: true });
  for (const f of readdirSync(hostDir)) {
    cpSync(join(hostDir, f), join(f.endsWith('.service') ? join(root, 'etc/systemd/system') : install, f));
  }
  return root;
}

describe.each(EXAMPLES.map((e) => [basename(e), e]))('%s', (_name, example) => {
  const { dir, hosts } = built(example);
  const scripts = [...hosts.flatMap((h) => readdirSync(join(dir, h)).filter((f) => f.endsWith('.sh')).map((f) => join(dir, h, f))), join(dir, 'deploy.sh')];

  it('every script parses with bash -n', () => {
    for (const s of scripts) expect(run('bash', ['-n', s]).status, s).toBe(0);
  });

  // shellcheck reads every script of the example at once: 8-13 s on a busy 2-core machine.
  it('every script is shellcheck-clean', { timeout: 120_000 }, () => {
    if (!requireTools(['shellcheck'])) return;
    const r = run('shellcheck', ['-x', '--severity=style', ...scripts]);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('every script\'s --help prints its own description and usage, not the do-not-edit header', () => {
    for (const s of scripts) {
      const text = readFileSync(s, 'utf8').split('\n');
      // The description: the comment block after the header's lone "#", up to the first code line.
      const start = text.indexOf('#') + 1;
      const end = text.findIndex((l, i) => i >= start && !l.startsWith('#'));
      const want = text.slice(start, end).map((l) => l.replace(/^# ?/, ''));
      expect(want.length, s).toBeGreaterThan(0);
      const r = run('bash', [s, '--help']);
      expect(r.status, s).toBe(0);
      expect(r.stdout.trimEnd().split('\n'), s).toEqual(want);
      expect(r.stdout, s).not.toMatch(/Do not edit|ringgen build` again/);
      // ... and a usage line: the script's name, indented.
      expect(r.stdout.split('\n').some((l) => l.startsWith(`  ${basename(s)}`)), s).toBe(true);
    }
  });

  it('every iptables.rules loads with iptables-restore --test in a fresh network namespace', () => {
    if (!requireTools(['iptables-restore', 'unshare'], true)) return;
    for (const h of hosts) {
      const rules = join(dir, h, 'iptables.rules');
      const r = run('unshare', ['-n', 'sh', '-c', `iptables-restore -w --test --noflush < "$1"`, 'sh', rules]);
      expect(r.stderr, rules).toBe('');
      expect(r.status, rules).toBe(0);
    }
  });

  it('every host\'s units pass systemd-analyze verify against a staged root', () => {
    if (!requireTools(['systemd-analyze'])) return;
    if (!existsSync('/lib/systemd/system/multi-user.target')) throw new Error('no systemd unit files on this machine to stage');
    for (const h of hosts) {
      const ring = readdirSync(join(dir, h)).find((f) => f.endsWith('-network.service'))!.replace(/^ringgen-|-network\.service$/g, '');
      const root = stagedRoot(join(dir, h), ring);
      const units = readdirSync(join(root, 'etc/systemd/system')).map((u) => `/etc/systemd/system/${u}`);
      const r = run('systemd-analyze', ['verify', `--root=${root}`, ...units]);
      expect(r.stdout + r.stderr, h).toBe('');
      expect(r.status, h).toBe(0);
    }
  });
});

/** Lines of a host script that read a file other than through read_bounded (a size and a time limit). */
function unboundedReads(text: string): string[] {
  const body = /^read_bounded\(\) \{\n[\s\S]*?\n\}$/m.exec(text)?.[0] ?? '';
  return text
    .replace(body, '')
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('#'))
    .filter((l) => /\bhead -c\b|(^|[|;&({]|\$\(|\bthen|\bdo)\s*cat\b/.test(l));
}

describe('reads of host data', () => {
  const { dir, hosts } = built(ORIGINAL);
  // A container with an env file: up.sh digests it.
  const withEnv = buildRing(
    ring('reads').host('h1', { internal: '10.0.0.1' }).host('h2', { internal: '10.0.0.2' }).host('h3', { internal: '10.0.0.3' })
      .bridge('br0', { subnet: '192.168.7.0/24' })
      .container('c1', { host: 'h1', bridge: 'br0', ip: '192.168.7.20', image: 'busybox', envFile: '/etc/c1.env' }),
  );
  const envDir = written(withEnv.files);

  it('every host script reads files through read_bounded (a regular file, a size, 10 s), the env file and /proc included', () => {
    const folders = [...hosts.map((h) => join(dir, h)), join(envDir, 'h1')];
    expect(readFileSync(join(envDir, 'h1', 'up.sh'), 'utf8')).toContain('env_file_digest() {');
    for (const folder of folders) {
      for (const s of readdirSync(folder).filter((f) => f.endsWith('.sh'))) {
        const text = readFileSync(join(folder, s), 'utf8');
        expect(text, s).toContain('read_bounded() {');
        expect(unboundedReads(text), `${folder}/${s}`).toEqual([]);
      }
    }
  });

  it('the scan finds a read that bypasses read_bounded', () => {
    const lib = 'read_bounded() {\n  timeout 10 head -c "$max" -- "$file"\n}\n';
    expect(unboundedReads(lib)).toEqual([]);
    expect(unboundedReads(`${lib}digest=$(timeout 10 head -c 1048576 -- "$file" | sha256sum)\npid=$(cat "$f")\n  case $(cat "$comm") in x) ;; esac\n`)).toHaveLength(3);
  });
});

describe('the static checks can fail', () => {
  it('systemd-analyze verify fails when the installed script is missing from the staged root', () => {
    if (!requireTools(['systemd-analyze'])) return;
    const { dir, hosts } = built(ORIGINAL);
    const ring = readdirSync(join(dir, hosts[0]!)).find((f) => f.endsWith('-network.service'))!.replace(/^ringgen-|-network\.service$/g, '');
    const root = stagedRoot(join(dir, hosts[0]!), ring);
    rmSync(join(root, 'usr/local/lib/ringgen', ring, 'up.sh'));
    const unit = readdirSync(join(root, 'etc/systemd/system'))[0]!;
    expect(run('systemd-analyze', ['verify', `--root=${root}`, `/etc/systemd/system/${unit}`]).status).not.toBe(0);
  });

  it('iptables-restore --test rejects a broken rule', () => {
    if (!requireTools(['iptables-restore', 'unshare'], true)) return;
    const r = run('unshare', ['-n', 'iptables-restore', '--test', '--noflush'], { input: '*filter\n:X - [0:0]\n-A X -p nosuchproto -j ACCEPT\nCOMMIT\n' });
    expect(r.status).not.toBe(0);
  });
});
