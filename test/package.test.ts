/**
 * The package as a user gets it: packed, installed from the tarball (globally into a prefix of
 * its own, and into an empty folder), then run with no other step. Installs prefer npm's cache
 * (which `npm ci` filled with the packages; their registry documents may have to be fetched).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { packPackage, ROOT, run, tempDir } from './helpers';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown> & { scripts: Record<string, string>; files: string[] };
const npm = (args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) =>
  run('npm', [...args, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd, env: { ...process.env, NO_COLOR: '1', ...env } });

let tarball: string;
let packed: string[];

beforeAll(() => {
  // dist/ is built already: packed as it is, with the command line bundled as prepack bundles it.
  ({ tarball, files: packed } = packPackage(tempDir('ringgen-pack-')));
}, 120_000);

describe('the front page', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const frontPage = readme;

  it('opens with a Quick start: install, init, check, build, the rollout', () => {
    const quick = /## Quick start\n\n```sh\n([\s\S]*?)```/.exec(frontPage)?.[1] ?? '';
    const commands = quick.split('\n').filter(Boolean).map((l) => l.replace(/\s+#.*$/, ''));
    expect(commands).toEqual(['npm install -g ./ringgen-0.1.0.tgz'.replace('0.1.0', String(pkg.version)), 'ringgen init ring && cd ring', 'ringgen check', 'ringgen build', 'out/deploy.sh --initial']);
  });

  it('keeps the two set-up commands, and .ci/run runs the test command it names', () => {
    const block = /## Working on ringgen\n[\s\S]*?```sh\n([\s\S]*?)```/.exec(frontPage)?.[1] ?? '';
    const [example, tests] = block.split('\n').filter(Boolean).map((l) => l.replace(/\s+#.*$/, ''));
    expect(example).toBe('npm ci && npm run example');
    expect(tests).toMatch(/^npm ci && /);
    expect(pkg.scripts.example).toMatch(/examples\/original\.ring\.ts --out out$/);
    const ci = readFileSync(join(ROOT, '.ci/run'), 'utf8').trim().split('\n').filter((l) => l && !l.startsWith('#') && !l.startsWith('echo'));
    expect(ci.at(-1)).toBe(tests!.replace(/^npm ci && /, ''));
    expect(ci).toContain('npm ci --no-audit --no-fund');
    // The lab and the benchmarks live in their own documents, linked from here.
    for (const doc of ['docs/contributing.md', 'docs/lab.md', 'docs/benchmarks.md']) expect(frontPage).toContain(`](${doc})`);
    expect(frontPage).not.toMatch(/^#+ (The lab|Benchmarks|Project layout)/m);
  });

  it('stays a front door of a few screens; the reference lives in docs/, linked', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(160);
    for (const doc of ['docs/cli.md', 'docs/dsl.md', 'docs/hosts.md']) {
      expect(frontPage).toContain(`](${doc})`);
      expect(existsSync(join(ROOT, doc)), doc).toBe(true);
    }
  });

  it('every relative link of the documents resolves to a file of the checkout', () => {
    for (const doc of ['README.md', 'docs/cli.md', 'docs/dsl.md', 'docs/hosts.md']) {
      const text = readFileSync(join(ROOT, doc), 'utf8');
      const links = [...text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/.test(l));
      expect(links.length, doc).toBeGreaterThan(0);
      for (const l of links) expect(existsSync(join(ROOT, dirname(doc), l)), `${doc} -> ${l}`).toBe(true);
    }
  });
});

describe('the package', () => {
  it('ships what runs and what the README points at; nothing runs at install', () => {
    for (const f of ['LICENSE', 'README.md', 'package.json', 'bin/ringgen.js', 'dist/cli/main.js', 'dist/index.js', 'dist/index.d.ts', 'templates/up.sh.hbs', 'templates/lib/common.sh', 'templates/lib/up.sh', 'templates/init/ring.config.ts', 'examples/original.ring.ts']) {
      expect(packed, f).toContain(f);
    }
    expect(packed.some((f) => f.startsWith('test/') || f.startsWith('src/'))).toBe(false);
    // A tarball's install scripts run (or, with npm's allow-scripts, warn) where there is no tsc.
    for (const s of ['preinstall', 'install', 'postinstall', 'prepare']) expect(pkg.scripts[s], s).toBeUndefined();
    expect(pkg.scripts.prepack).toMatch(/npm run build && node scripts\/bundle\.js$/);
    // The command line in one file, beside what it loads from dist/ (and the library's files and typings).
    for (const f of ['dist/cli.bundle.js', 'dist/config/native.js', 'dist/code-cache.js', 'dist/emit/precompiled.js', 'dist/testing.js', 'dist/testing.d.ts', 'schema/ring.schema.json']) {
      expect(packed, f).toContain(f);
    }
    // ...made at pack time only: a checkout (and `npm run build`) runs tsc's dist/.
    expect(pkg.scripts.postpack).toBe('node scripts/bundle.js --remove');
    expect(readFileSync(join(ROOT, 'scripts/build-assets.js'), 'utf8')).toMatch(/rmSync\(join\(dist, 'cli\.bundle\.js'\)/);
    expect(pkg.keywords).toEqual(expect.arrayContaining(['open-vswitch', 'docker']));
    // Every relative link and picture of the README is a file in the package.
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/.test(l));
    expect(links.length).toBeGreaterThan(3);
    for (const l of links) expect(packed, `README link ${l}`).toContain(l.replace(/^\.\//, ''));
  });

  // Installing takes 10-15 s here with the cache warm; each ringgen run 1-3 s.
  it('installed globally from the tarball, ringgen runs with no other step: init, check, build, graph, plan; the example builds as committed', { timeout: 300_000 }, () => {
    const prefix = tempDir('ringgen-prefix-');
    const inst = npm(['install', '-g', '--prefix', prefix, tarball], prefix);
    expect(inst.status, inst.stderr).toBe(0);
    expect(inst.stderr).not.toMatch(/install-scripts|prepare/);
    const env = { ...process.env, NO_COLOR: '1', PATH: `${join(prefix, 'bin')}:${process.env.PATH}` };
    const work = tempDir();
    const ringgen = (args: string[], cwd: string) => run('ringgen', args, { cwd, env });
    const init = ringgen(['init', 'ring'], work);
    expect(init.status, init.stderr).toBe(0);
    expect(init.stdout).toMatch(/^ {2}cd ring\n {2}ringgen check\n {2}ringgen build$/m);
    const dir = join(work, 'ring');
    expect(ringgen(['check'], dir).status).toBe(0);
    const build = run('ringgen', ['build'], { cwd: dir, env: { ...env, RINGGEN_DEBUG: 'modules' } });
    expect(build.status, build.stderr).toBe(0);
    expect(build.stdout).toMatch(/next, the first rollout: out\/deploy\.sh --initial/);
    // What ran is the bundle: of ringgen's own files only bin/, the bundle and the three it loads
    // by path; zod and Handlebars' runtime are inside it; no compiler (the native one checked).
    const installed = join(prefix, 'lib/node_modules/ringgen/');
    const loaded = [...build.stderr.matchAll(/^ringgen: debug: module (.*)$/gm)].map((m) => m[1]!);
    const own = loaded.filter((f) => f.startsWith(installed)).map((f) => f.slice(installed.length));
    expect(own.filter((f) => !f.startsWith('node_modules/')).sort()).toEqual(['bin/ringgen.js', 'dist/cli.bundle.js', 'dist/code-cache.js', 'dist/config/native.js', 'dist/emit/precompiled.js']);
    const native = existsSync(join(installed, 'node_modules', `@typescript/typescript-${process.platform}-${process.arch}`));
    expect(loaded.filter((f) => (native ? /node_modules\/(zod|handlebars|ts-morph|@ts-morph|typescript)\// : /node_modules\/(zod|handlebars)\//).test(f))).toEqual([]);
    expect(Number(/^ringgen: debug: modules: (\d+) loaded$/m.exec(build.stderr)?.[1])).toBe(loaded.length);
    const help = ringgen(['--help'], dir);
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^ringgen <command> \[options\]/);
    expect(help.stdout).toMatch(/ringgen build \[file\]/);
    const version = ringgen(['--version'], dir);
    expect(version.stdout.trim()).toBe(String(pkg.version));
    expect(ringgen(['graph', '-o', 'ring.mmd'], dir).status).toBe(0);
    expect(readFileSync(join(dir, 'ring.mmd'), 'utf8')).toMatch(/flowchart LR/);
    const plan = ringgen(['plan', '--detailed-exitcode'], dir);
    expect(plan.status, plan.stdout + plan.stderr).toBe(0);
    const example = join(prefix, 'lib/node_modules/ringgen/examples/original.ring.ts');
    const ex = ringgen(['build', example, '--out', join(work, 'golden'), '-q'], work);
    expect(ex.status, ex.stderr).toBe(0);
    expect(readFileSync(join(work, 'golden/manifest.json'), 'utf8')).toBe(readFileSync(join(ROOT, 'out/manifest.json'), 'utf8'));
    expect(readFileSync(join(work, 'golden/host1/up.sh'), 'utf8')).toBe(readFileSync(join(ROOT, 'out/host1/up.sh'), 'utf8'));
  });

  it('installed into an empty folder, npx ringgen runs, and init says npx ringgen', { timeout: 300_000 }, () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'package.json'), '{ "private": true }\n');
    const inst = npm(['install', tarball], dir);
    expect(inst.status, inst.stderr).toBe(0);
    expect(readdirSync(join(dir, 'node_modules/.bin'))).toContain('ringgen');
    const npx = (args: string[], cwd: string) => run('npx', ['--prefer-offline', 'ringgen', ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } });
    const init = npx(['init', 'ring'], dir);
    expect(init.status, init.stderr).toBe(0);
    expect(init.stdout).toMatch(/^ {2}npx ringgen check\n {2}npx ringgen build$/m);
    expect(init.stdout).not.toMatch(/npm install --save-dev/);
    const build = npx(['build', '-q'], join(dir, 'ring'));
    expect(build.status, build.stderr).toBe(0);
    expect(existsSync(join(dir, 'ring/out/host1/up.sh'))).toBe(true);
    // ringgen/testing in a test of the user's: it runs, and its types resolve with either of TypeScript's module resolutions.
    const three = "ring('t').host('a', { internal: '10.0.0.1' }).host('b', { internal: '10.0.0.2' }).host('c', { internal: '10.0.0.3' })";
    const used = run('node', ['-e', `const { ring } = require('ringgen'); const t = require('ringgen/testing'); t.expectNoDiagnostics(${three}); console.log(Object.keys(t.synthFiles(${three})).length)`], { cwd: dir });
    expect(used.stderr).toBe('');
    expect(Number(used.stdout)).toBeGreaterThan(20);
    writeFileSync(join(dir, 'ring.test.ts'), `import { ring } from 'ringgen';\nimport { diagnosticCodes, synthFiles } from 'ringgen/testing';\nconst files: Record<string, string> = synthFiles(${three});\nexport const checked: [string | undefined, string[]] = [files['a/up.sh'], diagnosticCodes(${three})];\n`);
    for (const [module, resolution] of [['commonjs', 'node10'], ['node16', 'node16']] as const) {
      const tsc = run('node', [join(ROOT, 'node_modules/typescript/bin/tsc'), '--noEmit', '--strict', '--skipLibCheck', '--module', module, '--moduleResolution', resolution, 'ring.test.ts'], { cwd: dir });
      expect(tsc.stdout + tsc.stderr, resolution).toBe('');
      expect(tsc.status, resolution).toBe(0);
    }
  });
});
