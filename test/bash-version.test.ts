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
import { ring } from '../src/input/dsl';
import { buildRing } from '../src/pipeline';
import { unguardedArrayExpansions } from './array-guards';
import { removeWritten, written, writtenOriginal } from './fixtures';
import { hasTool, run, tempDir } from './helpers';

const HOST_SCRIPTS = ['up.sh', 'down.sh', 'check.sh', 'install.sh', 'uninstall.sh'];
const VERSION_LINE = 'readonly BASH_MAJOR="${BASH_VERSINFO[0]}" BASH_MINOR="${BASH_VERSINFO[1]}"';

const dirs: string[] = [];
afterAll(() => {
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
  removeWritten();
});

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

const original = writtenOriginal();
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
      writeFileSync(faked, text.replace(VERSION_LINE, `readonly BASH_MAJOR=${major} BASH_MINOR=${minor}`));
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
        for (const o of unguardedArrayExpansions(text)) offenders.push(`${dir.endsWith('h1') ? 'lone' : 'host1'}/${s}:${o.line}: ${o.text}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});

/**
 * deploy.sh runs on the operator's machine, where macOS has bash 3.2: no bash that old runs here,
 * so every array expansion that can be empty is shown guarded, nothing newer than 3.2 is used, and
 * the paths that meet empty arrays run (to show they work, not what 3.2 would say).
 */
describe('deploy.sh on bash 3.2', () => {
  const deploy = join(original, 'deploy.sh');
  const text = readFileSync(deploy, 'utf8');
  const DEPLOY_CHECK = 'if [ "${BASH_VERSINFO[0]}" -lt 3 ] || { [ "${BASH_VERSINFO[0]}" -eq 3 ] && [ "${BASH_VERSINFO[1]}" -lt 2 ]; }; then';

  it('expands no array that can be empty without a guard (DONE, the extra ssh options, the hosts left)', () => {
    expect(unguardedArrayExpansions(text)).toEqual([]);
  });

  it('the scan finds unguarded expansions, in every form, and passes guarded ones', () => {
    const bad = ['A=()', 'f "${A[@]}"', 'echo "left: ${A[*]}"', 'B+=("${A[@]}")', 'rm "${A[@]/#/x/}"', 'for h in ${A[@]}; do :; done'];
    expect(unguardedArrayExpansions(bad.join('\n')).map((o) => o.line)).toEqual([2, 3, 4, 5, 6]);
    const good = ['A=()', 'L=(x y)', 'L+=(z)', 'f ${A[@]+"${A[@]}"} "${L[@]}"', 'echo "${A[*]:-none} ${#A[@]}"', '[ "${#A[@]}" -eq 0 ] || f "${A[@]}"'];
    expect(unguardedArrayExpansions(good.join('\n'))).toEqual([]);
  });

  it('uses nothing bash 3.2 lacks', () => {
    const newer: Array<[RegExp, string]> = [
      [/\b(declare|local|typeset) -[a-zA-Z]*[An]/, 'associative arrays, namerefs (4.0, 4.3)'],
      [/\b(mapfile|readarray|coproc)\b/, 'mapfile, coproc (4.0)'],
      [/\$\{[A-Za-z_][A-Za-z0-9_]*(\^|,)/, 'case conversion (4.0)'],
      [/\[\[ -v /, '[[ -v ]] (4.2)'],
      [/\|&|&>>|;;&|;&\s*$/, '|&, &>>, ;;&, ;& (4.0)'],
      [/\{[A-Za-z_][A-Za-z0-9_]*\}[<>]/, '{var}> (4.1)'],
      [/\[-[0-9]+\]\}/, 'negative subscripts (4.3)'],
      [/\bread\b[^\n]*-t [0-9]*\./, 'fractional read timeouts (4.0)'],
      [/\bprintf -v [A-Za-z_]+\[/, 'printf -v into an array element'],
      [/\$\{[A-Za-z_][A-Za-z0-9_]*@[QEPAa]\}/, '${x@Q} (4.4)'],
    ];
    const code = text.split('\n').filter((l) => !l.trimStart().startsWith('#'));
    for (const [pattern, what] of newer) expect(code.filter((l) => pattern.test(l)), what).toEqual([]);
  });

  it.each(['dash', 'busybox sh'].filter((sh) => hasTool(sh.split(' ')[0]!)))('run with %s, it stops at once saying it needs bash', (shell) => {
    const r = run('sh', ['-c', `exec ${shell} "$0" --dry-run`, deploy]);
    expect(r.stderr).toBe('deploy.sh needs bash 3.2 or later; run it with bash\n');
    expect(r.status).toBe(2);
  });

  it.each([
    ['2', '5', 'stops'],
    ['3', '1', 'stops'],
    ['3', '2', 'runs'],
    ['5', '2', 'runs'],
  ])('in bash %s.%s, it %s', (major, minor, outcome) => {
    expect(text.split(DEPLOY_CHECK).length).toBe(2);
    const faked = join(original, 'faked-deploy.sh');
    writeFileSync(faked, text.replace(DEPLOY_CHECK, DEPLOY_CHECK.replaceAll('"${BASH_VERSINFO[0]}"', major).replaceAll('"${BASH_VERSINFO[1]}"', minor)).replace(/this is bash \$\{BASH_VERSINFO\[0\]\}\.\$\{BASH_VERSINFO\[1\]\}/, `this is bash ${major}.${minor}`));
    const r = run('bash', [faked, '--help']);
    rmSync(faked);
    if (outcome === 'runs') {
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain('Runs on bash 3.2 or later');
    } else {
      expect(r.stderr).toBe(`deploy.sh needs bash 3.2 or later; this is bash ${major}.${minor}\n`);
      expect(r.status).toBe(2);
    }
  });

  it('runs where the arrays are empty: no extra ssh options, and a stop before any host is done', () => {
    const dir = tempDir();
    dirs.push(dir);
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    // ssh fails every check.sh: the rollout stops at its first host, with nothing done.
    writeFileSync(join(bin, 'ssh'), '#!/bin/sh\ncase "$*" in *check.sh*) exit 1 ;; esac\n');
    writeFileSync(join(bin, 'scp'), '#!/bin/sh\n');
    for (const t of ['ssh', 'scp']) chmodSync(join(bin, t), 0o755);
    const env = { PATH: `${bin}:/usr/bin:/bin`, RINGGEN_COPY: 'scp', RINGGEN_CHECK_TRIES: '1', RINGGEN_CHECK_DELAY: '0' };
    const dry = run('bash', [deploy, '--dry-run', 'host2'], { env });
    expect(dry.stderr).toContain('dry run: nothing was run');
    expect(dry.status).toBe(0);
    const stop = run('bash', [deploy, 'host2', 'host3'], { env });
    expect(stop.stderr).toContain('stopped at host2 (check.sh); done: none; not done: host2 host3');
    expect(stop.status).toBe(1);
  });
});
