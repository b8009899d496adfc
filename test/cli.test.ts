/** The CLI as a user runs it: exit codes, formats, nothing written on bad input, configs anywhere. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync, symlinkSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ring } from '../src/input/dsl';
import { BIN, requireDist, ringgen } from './cli-run';
import { tempDir } from './helpers';

const cli = ringgen;

beforeAll(requireDist);

const GOOD = `import { ring } from 'ringgen';
export default ring('r1')
  .host('a', { internal: '10.9.0.1', external: '203.0.113.1' })
  .host('b', { internal: '10.9.0.2' })
  .host('c', { internal: '10.9.0.3' })
  .bridge('br0', { subnet: '192.168.50.0/24' })
  .container('web', { host: 'b', bridge: 'br0', ip: '192.168.50.10', image: 'busybox', publish: ['a:8080:80'] });
`;

describe('ringgen CLI', () => {
  it('builds a config that lives outside the project, with no node_modules, and says which tunnel is blocked', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'ring.config.ts'), GOOD);
    const r = cli(['build'], dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/spanning tree \(rstp\): root a; blocks gre1 \(b-c\)/);
    expect(existsSync(join(dir, 'out/a/up.sh'))).toBe(true);
    expect(existsSync(join(dir, 'out/manifest.json'))).toBe(true);
  });

  it('check --format json prints an array of diagnostics with locations, exit 1 on errors', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'bad.ts'), GOOD.replace("ip: '192.168.50.10'", "ip: '192.168.51.10'"));
    const r = cli(['check', 'bad.ts', '--format', 'json'], dir);
    expect(r.status).toBe(1);
    const diags = JSON.parse(r.stdout);
    expect(diags).toEqual([
      expect.objectContaining({ code: 'CONTAINER_IP_OUTSIDE', severity: 'error', path: ['containers', 'b/web', 'ip'], pathText: 'containers.b/web.ip', location: { file: join(dir, 'bad.ts'), line: 7, column: 49 } }),
    ]);
    expect(diags[0].values).toEqual({ container: 'web', ip: '192.168.51.10', bridge: 'br0', subnet: '192.168.50.0/24' });
  });

  it('a ring with errors writes nothing', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'bad.ts'), GOOD.replace("'10.9.0.2'", "'10.9.0.1'"));
    const r = cli(['build', 'bad.ts', '--out', 'o'], dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/bad\.ts:4:\d+: error IP_DUPLICATE at hosts\.b\.internal/);
    expect(existsSync(join(dir, 'o'))).toBe(false);
  });

  it('TypeScript type errors are diagnostics with file:line, exit 1', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 't.ts'), GOOD.replace("ring('r1')", "ring('r1', { tunel: 'gre' })"));
    const r = cli(['check', 't.ts'], dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/t\.ts:2:\d+: error CONFIG_TYPE .*'tunel' does not exist/);
  });

  it('a config that throws is a CONFIG_LOAD diagnostic', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 't.ts'), `import { ring } from 'ringgen';\nthrow new Error('boom');\nexport default ring('x');\n`);
    const r = cli(['check', 't.ts'], dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/error CONFIG_LOAD .*boom/);
  });

  it('accepts a plain JSON spec', () => {
    const dir = tempDir();
    const spec = {
      name: 'j',
      hosts: [
        { name: 'a', internal: '10.1.0.1', tunnels: [{ name: 't1', peer: 'b', remote: '10.1.0.2' }, { name: 't3', peer: 'c', remote: '10.1.0.3' }] },
        { name: 'b', internal: '10.1.0.2', tunnels: [{ name: 't1', peer: 'a', remote: '10.1.0.1' }, { name: 't2', peer: 'c', remote: '10.1.0.3' }] },
        { name: 'c', internal: '10.1.0.3', tunnels: [{ name: 't2', peer: 'b', remote: '10.1.0.2' }, { name: 't3', peer: 'a', remote: '10.1.0.9' }] },
      ],
      bridges: [{ name: 'br0', subnet: '192.168.9.0/24' }],
    };
    writeFileSync(join(dir, 'ring.json'), JSON.stringify(spec, null, 2));
    const r = cli(['check', 'ring.json', '--format', 'json'], dir);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).map((d: { code: string; pathText: string }) => `${d.code} ${d.pathText}`)).toEqual(['TUNNEL_REMOTE_MISMATCH hosts.c.tunnels.t3.remote']);
  });

  // Three builds through the CLI: 8 s here, 20 s at a load of 10 on two cores.
  it('build --check exits 3 when the output is stale and 0 when fresh', { timeout: 120_000 }, () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'ring.config.ts'), GOOD);
    expect(cli(['build', '--check'], dir).status).toBe(3);
    expect(cli(['build', '-q'], dir).status).toBe(0);
    expect(cli(['build', '--check'], dir).status).toBe(0);
    writeFileSync(join(dir, 'out/a/up.sh'), 'tampered');
    expect(cli(['build', '--check'], dir).status).toBe(3);
  });

  it('rebuilding removes files it wrote before and no longer writes, and keeps files it never wrote', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'ring.config.ts'), GOOD);
    expect(cli(['build', '-q'], dir).status).toBe(0);
    writeFileSync(join(dir, 'out/notes.txt'), 'mine');
    mkdirSync(join(dir, 'out/c/extra'), { recursive: true });
    writeFileSync(join(dir, 'ring.config.ts'), GOOD.replace(".host('c', { internal: '10.9.0.3' })", ".host('d', { internal: '10.9.0.3' })"));
    expect(cli(['build', '-q'], dir).status).toBe(0);
    expect(existsSync(join(dir, 'out/c/up.sh'))).toBe(false);
    expect(existsSync(join(dir, 'out/d/up.sh'))).toBe(true);
    expect(readFileSync(join(dir, 'out/notes.txt'), 'utf8')).toBe('mine');
    expect(existsSync(join(dir, 'out/c/extra'))).toBe(true);
  });

  it('usage errors exit 2; --help works everywhere', () => {
    expect(cli(['frobnicate']).status).toBe(2);
    expect(cli(['build', '--bogus-flag']).status).toBe(2);
    expect(cli([]).status).toBe(2);
    for (const args of [['--help'], ['build', '--help'], ['check', '--help']]) {
      const r = cli(args);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/ringgen/);
    }
  });

  it('a missing config file is an error, exit 1', () => {
    const r = cli(['check', 'nope.ts'], tempDir());
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/not found/);
  });
});

/** A plain spec of hosts h1..hN (JSON: no type-check, quick). */
function spec(dir: string, n: number): string {
  const r = ring('w');
  for (let i = 1; i <= n; i++) r.host(`h${i}`, { internal: `10.0.0.${i}` });
  writeFileSync(join(dir, 'ring.json'), JSON.stringify(r.bridge('br0', { subnet: '192.168.7.0/24' }).toSpec()));
  return 'ring.json';
}

describe('ringgen build and the output folder', () => {
  it('prints what it removed: a host folder that went gets one line reminding to run its uninstall.sh', () => {
    const dir = tempDir();
    expect(cli(['build', spec(dir, 4), '-q'], dir).status).toBe(0);
    const r = cli(['build', spec(dir, 3), '-q'], dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('removed out/h4/: host h4 left the ring; it is still set up until you run its uninstall.sh there (installed in /usr/local/lib/ringgen/w/)\n');
    expect(existsSync(join(dir, 'out/h4'))).toBe(false);
  });

  it('an old manifest that lists a folder: the build lands, keeps the folder and says so (it said "nothing written" after writing)', () => {
    const dir = tempDir();
    expect(cli(['build', spec(dir, 3), '-q'], dir).status).toBe(0);
    mkdirSync(join(dir, 'out/notes'));
    writeFileSync(join(dir, 'out/notes/todo'), 'mine\n');
    const manifest = JSON.parse(readFileSync(join(dir, 'out/manifest.json'), 'utf8'));
    manifest.files.push('notes');
    writeFileSync(join(dir, 'out/manifest.json'), JSON.stringify(manifest));
    const r = cli(['build', spec(dir, 4), '-q'], dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('kept out/notes, which the previous build wrote and this one does not: not a regular file\n');
    expect(r.stderr).not.toMatch(/nothing written/);
    expect(readFileSync(join(dir, 'out/notes/todo'), 'utf8')).toBe('mine\n');
    expect(existsSync(join(dir, 'out/h4/up.sh'))).toBe(true);
  });

  it("refuses to replace files it did not write (exit 2, each named, --force offered, nothing written); --force replaces them and says so", () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'out'));
    writeFileSync(join(dir, 'out/deploy.sh'), 'my deploy\n');
    const r = cli(['build', spec(dir, 3)], dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^ringgen: cannot write into out: out\/deploy\.sh is in the way: a file ringgen did not write: .*; --force replaces it; nothing written \(out is as it was\)$/m);
    expect(readdirSync(join(dir, 'out'))).toEqual(['deploy.sh']);
    const f = cli(['build', spec(dir, 3), '-q', '--force'], dir);
    expect(f.status, f.stderr).toBe(0);
    expect(f.stdout).toMatch(/^replaced out\/deploy\.sh \(--force\): a file ringgen did not write/);
    expect(readFileSync(join(dir, 'out/deploy.sh'), 'utf8')).toMatch(/Generated by ringgen/);
  });

  it('graph --out replaces only a picture ringgen drew; a file of its own or a link needs --force, which replaces the link, not its target', () => {
    const dir = tempDir();
    const file = spec(dir, 3);
    writeFileSync(join(dir, 'notes.md'), 'mine\n');
    const r = cli(['graph', file, '--out', 'notes.md', '-f', 'mermaid'], dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/notes\.md exists and ringgen did not write it; --force replaces it; nothing written/);
    expect(readFileSync(join(dir, 'notes.md'), 'utf8')).toBe('mine\n');
    expect(cli(['graph', file, '--out', 'ring.svg'], dir).status).toBe(0);
    expect(cli(['graph', file, '--out', 'ring.svg'], dir).status).toBe(0);
    symlinkSync('notes.md', join(dir, 'link.svg'));
    const l = cli(['graph', file, '--out', 'link.svg'], dir);
    expect(l.status).toBe(2);
    expect(l.stderr).toMatch(/link\.svg is a symbolic link/);
    expect(cli(['graph', file, '--out', 'link.svg', '--force'], dir).status).toBe(0);
    expect(readFileSync(join(dir, 'notes.md'), 'utf8')).toBe('mine\n');
    expect(readFileSync(join(dir, 'link.svg'), 'utf8')).toMatch(/^<\?xml/);
  });
});

describe('output to a pipe is complete', () => {
  // A reader that starts late, as a busy `jq` may: the pipe (64 KiB) fills before ringgen ends, so
  // whatever ringgen had not written yet when it exited would be lost. Both streams into one pipe.
  const piped = (args: string[], cwd: string) =>
    spawnSync('bash', ['-c', 'node "$0" "$@" 2>&1 | { sleep 1; cat; }; exit "${PIPESTATUS[0]}"', BIN, ...args], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } });
  const big = () => {
    const dir = tempDir();
    const hosts = Array.from({ length: 300 }, (_, i) => ({ name: `Bad_${i}`, internal: '10.0.0.1', tunnels: [] }));
    writeFileSync(join(dir, 'big.json'), JSON.stringify({ name: 'big', hosts, bridges: [] }));
    return dir;
  };

  it('check --format json: diagnostics well over 64 KiB parse whole', () => {
    const r = piped(['check', 'big.json', '--format', 'json'], big());
    expect(r.status).toBe(1);
    expect(r.stdout.length).toBeGreaterThan(4 * 64 * 1024);
    expect(JSON.parse(r.stdout)).toHaveLength(900);
  });

  it('check as text: the diagnostics end with their count line', () => {
    const r = piped(['check', 'big.json'], big());
    expect(r.status).toBe(1);
    expect(r.stdout.length).toBeGreaterThan(2 * 64 * 1024);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('600 error(s), 300 warning(s)');
  });

  it('plan --format json of a ring with many containers parses whole', () => {
    const dir = tempDir();
    const ip = (i: number) => `192.168.${48 + Math.floor((i + 10) / 250)}.${((i + 10) % 250) + 2}`;
    const containers = Array.from({ length: 400 }, (_, i) => `.container('c${i}', { host: 'b', bridge: 'br0', ip: '${ip(i)}', image: 'busybox' })`);
    writeFileSync(join(dir, 'many.ts'), GOOD.replace("'192.168.50.0/24'", "'192.168.48.0/22'").replace(/\.container\('web'[^\n]*\n/, `${containers.join('\n')};\n`));
    const plan = piped(['plan', 'many.ts', '--format', 'json', '--no-typecheck'], dir);
    expect(plan.status, plan.stdout.slice(0, 2000)).toBe(0);
    expect(plan.stdout.length).toBeGreaterThan(64 * 1024);
    expect(JSON.parse(plan.stdout).changed).toBe(true);
  });

  it('a ring file that leaves a timer running does not keep ringgen alive', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'timer.js'), 'setInterval(() => {}, 1000);\nmodule.exports = {};\n');
    const r = spawnSync('node', [BIN, 'check', 'timer.js'], { cwd: dir, encoding: 'utf8', timeout: 20_000 });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(1);
  });
});
