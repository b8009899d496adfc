/**
 * The strict command line: a usage error exits 2 before anything is read, printed or written;
 * `--help` shows examples and exit codes; `--strict`, `build --format json`, the next steps that
 * `build` and `init` print, and the status line of a long build (a terminal only).
 */
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ringgenCommand } from '../src/cli/init';
import { ring } from '../src/input/dsl';
import { requireDist, ringgen, ringgenInProcess } from './cli-run';
import { ROOT, run, tempDir } from './helpers';

const spawnCli = ringgen;

beforeAll(requireDist);

const cli = ringgenInProcess;

/** A plain spec of hosts h1..hN; `docker` puts the bridge inside docker0's subnet (a warning). */
function spec(dir: string, n = 3, docker = false): string {
  const r = ring('w');
  for (let i = 1; i <= n; i++) r.host(`h${i}`, { internal: `10.0.0.${i}` });
  const file = join(dir, 'ring.json');
  writeFileSync(file, JSON.stringify(r.bridge('br0', { subnet: docker ? '172.17.5.0/24' : '192.168.7.0/24' }).toSpec()));
  return file;
}

describe('usage errors exit 2 before anything runs', () => {
  // Every command given a good ring file and an output path in a fresh folder: a run that went
  // ahead would print a picture or diagnostics, or write into the folder.
  const cases: Array<[string, (f: string, d: string) => string[], RegExp]> = [
    ['build: misspelt option', (f, d) => ['build', f, '--out', join(d, 'out'), '--ouput', 'x'], /Unknown argument: ouput/],
    ['build: --out ""', (f) => ['build', f, '--out', ''], /--out needs a path, not an empty string/],
    ['build: --out without a value', (f) => ['build', f, '--out'], /--out needs a path/],
    ['build: --out twice', (f, d) => ['build', f, '--out', join(d, 'a'), '--out', join(d, 'b')], /--out given more than once/],
    ['build: a switch given a value', (f, d) => ['build', f, '--out', join(d, 'out'), '--quiet=maybe'], /--quiet is a switch: it takes no value \(got "maybe"\)/],
    ['build: a bad --format', (f, d) => ['build', f, '--out', join(d, 'out'), '--format', 'yaml'], /--format must be one of text, json \(got "yaml"\)/],
    ['build: a second file', (f, d) => ['build', f, join(d, 'other.json'), '--out', join(d, 'out')], /Unknown argument/],
    ['build: words after --', (f, d) => ['build', f, '--out', join(d, 'out'), '--', 'x'], /unexpected argument after --: x/],
    ['build: an empty file name', (_f, d) => ['build', '', '--out', join(d, 'out')], /FILE needs a value, not an empty string/],
    ['init: an option it does not have', (_f, d) => ['init', join(d, 'new'), '--force'], /Unknown argument: force/],
    ['init: an empty folder name', () => ['init', ''], /DIR needs a value, not an empty string/],
    ['graph: a format it does not draw', (f) => ['graph', f, '-f', 'png'], /--format must be one of svg, mermaid, dot \(got "png"\)/],
    ['graph: --out of a picture format it does not draw', (f, d) => ['graph', f, '-o', join(d, 'ring.png')], /ringgen draws svg, mermaid or dot, not png/],
    ['graph: --out of another format than --format', (f, d) => ['graph', f, '-o', join(d, 'ring.dot'), '-f', 'svg'], /names a dot file, but --format is svg/],
    ['graph: --out that names no format', (f, d) => ['graph', f, '-o', join(d, 'ring')], /cannot tell the format .* or give --format/],
    ['check: --format without a value', (f) => ['check', f, '--format'], /--format needs one of text, json/],
    ['check: --strict given a value', (f) => ['check', f, '--strict=yes'], /--strict is a switch/],
    ['plan: a bad --format', (f, d) => ['plan', f, '--out', join(d, 'out'), '--format', 'yaml'], /--format must be one of text, json/],
    ['plan: --detailed-exitcode given a value', (f, d) => ['plan', f, '--out', join(d, 'out'), '--detailed-exitcode=2'], /--detailed-exitcode is a switch/],
  ];

  it.each(cases)('%s', async (_name, args, message) => {
    const dir = tempDir();
    const file = spec(dir);
    // In the folder: a run that went ahead with a default (out/, ring.config.ts) stays in it.
    const cwd = process.cwd();
    process.chdir(dir);
    const r = await cli(args(file, dir)).finally(() => process.chdir(cwd));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/\nrun ringgen (\w+ )?--help for usage$/);
    expect(readdirSync(dir)).toEqual(['ring.json']);
  });

  it('the same through the real process: nothing written, exit 2', () => {
    const dir = tempDir();
    spec(dir);
    const r = spawnCli(['build', 'ring.json', '--ouput', 'x'], dir);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(readdirSync(dir)).toEqual(['ring.json']);
    const i = spawnCli(['init', '--force'], dir);
    expect(i.status).toBe(2);
    expect(readdirSync(dir)).toEqual(['ring.json']);
  });
});

describe('--help', () => {
  it.each(['init', 'build', 'plan', 'check', 'graph'])('%s --help shows an example and the exit codes', (command) => {
    const r = spawnCli([command, '--help'], tempDir());
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`Examples:\\n  ringgen ${command}`));
    expect(r.stdout).toMatch(/Exit codes:\n  0  .*\n(  [1-4]  .*\n)*  2  usage error/);
  });
});

describe('--strict', () => {
  it('check: warnings pass without it, fail (exit 1) with it', async () => {
    const dir = tempDir();
    const file = spec(dir, 3, true);
    const plain = await cli(['check', file]);
    expect(plain.code).toBe(0);
    expect(plain.stderr).toMatch(/warning SUBNET_DOCKER_DEFAULT/);
    const strict = await cli(['check', file, '--strict']);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/ring is consistent \(--strict: 1 warning\(s\) fail\)/);
    expect((await cli(['check', file, '--strict', '--format', 'json'])).code).toBe(1);
  });

  it('build: warnings fail with it and nothing is written', async () => {
    const dir = tempDir();
    const file = spec(dir, 3, true);
    const strict = await cli(['build', file, '--out', join(dir, 'out'), '--strict']);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/nothing written \(--strict: 1 warning\(s\) fail\)$/);
    expect(existsSync(join(dir, 'out'))).toBe(false);
    expect((await cli(['build', file, '--out', join(dir, 'out'), '-q'])).code).toBe(0);
    expect(existsSync(join(dir, 'out/h1/up.sh'))).toBe(true);
  });
});

describe('build --format json and the next step', () => {
  it('one JSON object: written, removed (with the hosts that left), kept, warnings, and the next step', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    const first = await cli(['build', spec(dir, 4, true), '--out', out, '--format', 'json']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toBe('');
    const a = JSON.parse(first.stdout);
    expect(a).toMatchObject({ ok: true, ring: 'w', out, errors: [], removed: [], removedHosts: [], kept: [], replaced: [], error: null });
    expect(a.warnings.map((d: { code: string }) => d.code)).toEqual(['SUBNET_DOCKER_DEFAULT']);
    expect(a.written).toContain('h4/up.sh');
    expect(a.written).toContain('manifest.json');
    expect(a.next).toMatchObject({ kind: 'initial', command: `${out}/deploy.sh --initial` });
    const second = JSON.parse((await cli(['build', spec(dir, 3), '--out', out, '--format', 'json'])).stdout);
    expect(second.removedHosts).toEqual([{ host: 'h4', folderRemoved: true }]);
    expect(second.removed).toContain('h4/up.sh');
    expect(second.written).not.toContain('h4/up.sh');
    expect(second.warnings).toEqual([]);
    expect(second.next).toMatchObject({ kind: 'hosts', hosts: ['h1', 'h2', 'h3'], command: `${out}/deploy.sh h1 h2 h3` });
    const bad = await cli(['build', join(dir, 'missing.json'), '--out', out, '--format', 'json']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, written: [], errors: [expect.objectContaining({ code: 'CONFIG_LOAD' })] });
  });

  it('text: the first build says deploy.sh --initial, a later one names the changed hosts, then none', () => {
    const dir = tempDir();
    spec(dir, 4);
    const first = spawnCli(['build', 'ring.json'], dir);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout.trimEnd().split('\n').at(-1)).toMatch(/^next, the first rollout: out\/deploy\.sh --initial /);
    spec(dir, 3);
    const second = spawnCli(['build', 'ring.json'], dir);
    expect(second.stdout).toMatch(/^removed out\/h4\/: host h4 left the ring/m);
    expect(second.stdout.trimEnd().split('\n').at(-1)).toMatch(/^next, roll out the 3 changed host\(s\), one at a time: out\/deploy\.sh h1 h2 h3;/);
    expect(spawnCli(['build', 'ring.json'], dir).stdout.trimEnd().split('\n').at(-1)).toBe('next: nothing to roll out, no host changed');
    // Off a terminal, no status line reaches stderr.
    expect(first.stderr + second.stderr).toBe('');
  });

  it('a terminal sees the steps of a build on a status line, cleared before the summary', async () => {
    const dir = tempDir();
    const r = await cli(['build', spec(dir), '--out', join(dir, 'out')], { tty: true });
    expect(r.code).toBe(0);
    expect(r.status.filter((l) => l !== '')).toEqual([
      `ringgen: loading ${join(dir, 'ring.json')}`,
      'ringgen: checking the ring and rendering its files',
      `ringgen: comparing with the previous build in ${join(dir, 'out')}`,
      `ringgen: writing 32 files into ${join(dir, 'out')}`,
    ]);
    expect(r.status.at(-1)).toBe('');
  });
});

describe('init: the next step works as printed', () => {
  const printedSteps = (stdout: string) => {
    const lines = stdout.split('\n');
    const from = lines.findIndex((l) => /^next: edit .*, then run:$/.test(l));
    expect(from, stdout).toBeGreaterThanOrEqual(0);
    const steps: string[] = [];
    for (const l of lines.slice(from + 1)) {
      if (!l.startsWith('  ')) break;
      steps.push(l.trim());
    }
    return steps;
  };

  // Three runs of ringgen, two of them type-checking: 18 s at a load of 4 on two cores.
  it('init DIR, then the printed commands, as a user pastes them, build DIR/out', { timeout: 120_000 }, () => {
    const dir = tempDir();
    const r = spawnCli(['init', 'my ring'], dir);
    expect(r.status, r.stderr).toBe(0);
    const steps = printedSteps(r.stdout);
    expect(steps[0]).toBe("cd 'my ring'");
    expect(steps.slice(1).map((s) => s.split(' ').at(-1))).toEqual(['check', 'build']);
    const pasted = run('bash', ['-euc', steps.join('\n')], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
    expect(pasted.status, pasted.stderr).toBe(0);
    expect(existsSync(join(dir, 'my ring/out/host1/up.sh'))).toBe(true);
    expect(readdirSync(dir)).toEqual(['my ring']);
  });

  it('names the command by how ringgen is installed: on the PATH, in the folder (npx), else by its path', () => {
    const dir = tempDir();
    expect(ringgenCommand(dir, { PATH: '/nonexistent' })).toBe(`node ${join(ROOT, 'bin/ringgen.js')}`);
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    symlinkSync(join(ROOT, 'bin/ringgen.js'), join(bin, 'ringgen'));
    expect(ringgenCommand(dir, { PATH: `/nonexistent:${bin}` })).toBe('ringgen');
    // npx puts the folder's node_modules/.bin on the PATH of what it runs, not of the user's shell.
    const npmBin = join(dir, 'node_modules/.bin');
    mkdirSync(npmBin, { recursive: true });
    symlinkSync(join(ROOT, 'bin/ringgen.js'), join(npmBin, 'ringgen'));
    expect(ringgenCommand(join(dir, 'elsewhere'), { PATH: npmBin })).toBe(`node ${join(ROOT, 'bin/ringgen.js')}`);
    const project = join(dir, 'project');
    mkdirSync(join(project, 'node_modules'), { recursive: true });
    symlinkSync(ROOT, join(project, 'node_modules/ringgen'));
    expect(ringgenCommand(join(project, 'ring'), { PATH: '/nonexistent' })).toBe('npx ringgen');
  });
});
