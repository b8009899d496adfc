/**
 * The host scripts need bash 4.4 and say so before doing anything. No older bash runs here (this
 * machine has 5.2, and BASH_VERSINFO is read-only), so the check is proven three ways: the
 * generated scripts run under shells that are not bash (dash, busybox sh); they run in bash with
 * the version their check reads replaced by an older or newer one; and every array expansion
 * that could meet an empty array under `set -u` (an unbound variable before bash 4.4) is guarded.
 */
import { chmodSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ring } from '../src/dsl';
import { buildRing } from '../src/pipeline';
import { buildFile, EXAMPLES, hasTool, run, tempDir, writeFiles } from './helpers';

const HOST_SCRIPTS = ['up.sh', 'down.sh', 'check.sh', 'install.sh', 'uninstall.sh'];
const VERSION_LINE = 'require_bash "${BASH_VERSINFO[0]}" "${BASH_VERSINFO[1]}"';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function written(files: ReturnType<typeof buildRing>['files']): string {
  const dir = tempDir();
  dirs.push(dir);
  writeFiles(dir, files);
  return dir;
}

/** A PATH whose tools that act on a host only record that they were called. */
function stubPath(dir: string): { path: string; calls: string } {
  const bin = join(dir, 'stub-bin');
  mkdirSync(bin, { recursive: true });
  const calls = join(dir, 'calls');
  writeFileSync(calls, '');
  for (const tool of ['ip', 'ovs-vsctl', 'ovs-appctl', 'iptables', 'iptables-restore', 'docker', 'systemctl', 'nsenter', 'flock', 'id', 'install', 'sysctl', 'ethtool', 'ping']) {
    writeFileSync(join(bin, tool), `#!/bin/sh\necho "${tool} $*" >>'${calls}'\n`);
    chmodSync(join(bin, tool), 0o755);
  }
  return { path: `${bin}:/usr/bin:/bin`, calls };
}

const original = written(buildFile(EXAMPLES.find((f) => f.endsWith('original.ring.ts'))!).files);
const host1 = join(original, 'host1');

describe('bash version', () => {
  it('every host script checks the shell and bash version first: after its description, before set and anything else', () => {
    for (const s of HOST_SCRIPTS) {
      const lines = readFileSync(join(host1, s), 'utf8').split('\n');
      const code = lines.filter((l) => l !== '' && !l.startsWith('#'));
      expect(code[0], s).toBe('[ -n "${BASH_VERSION:-}" ] || { echo "ringgen: this script needs bash 4.4 or later; run it with bash" >&2; exit 1; }');
      expect(code.indexOf(VERSION_LINE), s).toBeLessThan(code.findIndex((l) => l.startsWith('set -')));
      expect(code.indexOf(VERSION_LINE), s).toBeGreaterThan(0);
    }
  });

  it.each(['dash', 'busybox sh'].filter((sh) => hasTool(sh.split(' ')[0]!)))('run with %s, every host script stops at once saying it needs bash', (shell) => {
    const { path, calls } = stubPath(original);
    for (const s of HOST_SCRIPTS) {
      const r = run('sh', ['-c', `exec ${shell} "$0"`, join(host1, s)], { env: { PATH: path } });
      expect(r.stderr, s).toBe('ringgen: this script needs bash 4.4 or later; run it with bash\n');
      expect(r.status, s).toBe(1);
    }
    expect(readFileSync(calls, 'utf8')).toBe('');
  });

  it.each([
    ['3', '2', 'stops'],
    ['4', '0', 'stops'],
    ['4', '3', 'stops'],
    ['4', '4', 'runs'],
    ['5', '0', 'runs'],
    ['10', '0', 'runs'],
  ])('in bash %s.%s, every host script %s', (major, minor, outcome) => {
    const { path, calls } = stubPath(original);
    for (const s of HOST_SCRIPTS) {
      const text = readFileSync(join(host1, s), 'utf8');
      expect(text.split(VERSION_LINE).length, s).toBe(2);
      // The script with the version its check reads replaced, in the host folder (it finds its files there).
      const faked = join(host1, `faked-${s}`);
      writeFileSync(faked, text.replace(VERSION_LINE, `require_bash ${major} ${minor}`));
      const r = run('bash', [faked, '--help'], { env: { PATH: path } });
      rmSync(faked);
      if (outcome === 'runs') {
        expect(r.stderr, s).toBe('');
        expect(r.status, s).toBe(0);
        expect(r.stdout, s).toContain(`  ${s}`);
      } else {
        expect(r.stderr, s).toBe(`ringgen: this script needs bash 4.4 or later; this is bash ${major}.${minor}\n`);
        expect(r.status, s).toBe(1);
        expect(r.stdout, s).toBe('');
      }
    }
    expect(readFileSync(calls, 'utf8')).toBe('');
  });

  it('no host script expands an array that can be empty without a guard (unbound under set -u before bash 4.4)', () => {
    // A host with no bridges, tunnels or containers (a ring of one) has every list empty.
    const lone = written(buildRing(ring('lone').host('h1', { internal: '10.0.0.1' })).files);
    const offenders: string[] = [];
    for (const dir of [host1, join(lone, 'h1')]) {
      for (const s of readdirSync(dir).filter((f) => HOST_SCRIPTS.includes(f))) {
        const text = readFileSync(join(dir, s), 'utf8');
        text.split('\n').forEach((line, i) => {
          if (line.trimStart().startsWith('#')) return;
          for (const m of line.matchAll(/(\$\{[A-Za-z_]+\[[@*]\]\+)?"\$\{([A-Za-z_]+)\[[@*]\]\}"/g)) {
            const name = m[2]!;
            if (m[1] !== undefined) continue; // ${A[@]+"${A[@]}"}
            if (line.includes(`[ "\${#${name}[@]}" -eq 0 ] ||`)) continue; // expanded only when not empty
            // An array assigned one non-empty literal, and only that, is never empty.
            const assigned = [...text.matchAll(new RegExp(`\\b${name}(\\+?)=\\(([^)]*)\\)`, 'g'))];
            if (assigned.length === 1 && assigned[0]![1] === '' && assigned[0]![2]!.trim() !== '') continue;
            offenders.push(`${dir.endsWith('h1') ? 'lone' : 'host1'}/${s}:${i + 1}: ${line.trim()}`);
          }
        });
      }
    }
    expect(offenders).toEqual([]);
  });
});
