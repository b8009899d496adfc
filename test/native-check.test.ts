// The fast path of a TypeScript ring file (src/config/native.ts): TypeScript 7's native compiler
// checks and emits it, from the package as a user installs it (packed, then installed from the
// tarball into an empty folder), and the in-process check takes over when the binary is absent,
// fails or says something unexpected. `npm test` builds dist first.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastNative, MAX_NATIVE_NESTING, nativeCheck, nestingDepth, parseDiagnostics } from '../src/config/native';
import { packPackage, ROOT } from './helpers';

const PLATFORM_PACKAGE = `@typescript/typescript-${process.platform}-${process.arch}`;
const HAS_BINARY = existsSync(join(ROOT, 'node_modules', PLATFORM_PACKAGE, 'lib', 'tsc'));

let work = '';
/** node_modules/ringgen of the installed tarball. */
let installed = '';

function sh(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}): ${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'ringgen-native-'));
  // dist is built already; the tarball holds it as `npm pack` makes it, the command line bundled.
  const { tarball: tgz } = packPackage(work);
  const app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), '{ "name": "app", "private": true }\n');
  const install = (mode: string) => sh('npm', ['install', mode, '--ignore-scripts', '--no-audit', '--no-fund', '--silent', tgz], app);
  try {
    install('--offline');
  } catch {
    // A fresh npm cache (CI's, after `npm ci`) lacks the registry's metadata of the dependencies.
    install('--prefer-offline');
  }
  installed = join(app, 'node_modules', 'ringgen');
  mkdirSync(join(work, 'ring'));
  cpSync(join(ROOT, 'examples', 'original.ring.ts'), join(work, 'ring', 'ring.config.ts'));
  writeFileSync(join(work, 'ring', 'parts.ts'), "export const image: string = 'ubuntu';\n");
  const example = readFileSync(join(ROOT, 'examples', 'original.ring.ts'), 'utf8');
  // The original, its first image from another file; and with a type error that changes nothing at run time.
  writeFileSync(join(work, 'ring', 'imports.ring.ts'), `import { image } from './parts';\n${example.replace("image: 'ubuntu'", 'image')}`);
  writeFileSync(join(work, 'ring', 'typo.ring.ts'), `${example}\nconst unused: number = 'x';\n`);
  writeFileSync(join(work, 'ring', 'bad.ring.ts'), "import { ring } from 'ringgen';\n\nexport default ring('r')\n  .host('h1', { internal: 42 });\n");
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/**
 * `ringgen build` of the installed package, in process through its command line's bundle (what
 * bin/ringgen.js runs; dist/cli.bundle.js), reporting which
 * checker ran (RINGGEN_DEBUG) and whether the JavaScript compiler or ts-morph was loaded.
 */
function build(file: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): { status: number | null; out: string; debug: string; loaded: string[]; dir: string } {
  const out = join(work, 'out', String(Math.random()).slice(2));
  const script = [
    `require(${JSON.stringify(join(installed, 'dist', 'cli.bundle.js'))}).main(${JSON.stringify(['build', file, '--out', out, ...args])}).then((code) => {`,
    "  const loaded = Object.keys(require.cache).filter((k) => /typescript\\.js$|ts-morph/.test(k)).map((k) => k.slice(k.lastIndexOf('node_modules/') + 13));",
    "  process.stderr.write('\\nLOADED ' + JSON.stringify(loaded) + '\\n');",
    '  process.exitCode = code;',
    '});',
  ].join('\n');
  const r = spawnSync(process.execPath, ['-e', script], { cwd: join(work, 'ring'), encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', RINGGEN_DEBUG: 'typecheck', ...env } });
  const loaded = JSON.parse(/^LOADED (.*)$/m.exec(r.stderr)?.[1] ?? 'null') as string[];
  return { status: r.status, out: r.stdout + r.stderr.replace(/^LOADED .*$/m, ''), debug: r.stderr.split('\n').filter((l) => l.startsWith('ringgen: debug:')).join('\n'), loaded, dir: out };
}

describe.skipIf(!HAS_BINARY)('the native compiler, from an installed package', () => {
  it('the tarball installed the binary for this platform', () => {
    expect(existsSync(join(work, 'app', 'node_modules', PLATFORM_PACKAGE, 'lib', 'tsc'))).toBe(true);
  });

  it('checks and emits a clean ring file: the JavaScript compiler and ts-morph are never loaded, and the output is the golden one', () => {
    const r = build(join(work, 'ring', 'ring.config.ts'));
    expect(r.status, r.out).toBe(0);
    expect(r.debug).toMatch(/native compiler used: TypeScript 7\.\d+\.\d+, 0 type error\(s\)/);
    expect(r.loaded).toEqual([]);
    for (const f of ['host1/up.sh', 'host3/iptables.rules', 'deploy.sh', 'ring.svg']) {
      expect(readFileSync(join(r.dir, f), 'utf8'), f).toBe(readFileSync(join(ROOT, 'out', f), 'utf8'));
    }
  });

  it('the files a ring file imports come out of the same native run', () => {
    const r = build(join(work, 'ring', 'imports.ring.ts'));
    expect(r.status, r.out).toBe(0);
    expect(r.debug).toMatch(/native compiler used: .*, 2 file\(s\) emitted/);
    expect(r.loaded).toEqual([]);
  });

  it('a type error is reported at its file and line, worded by the in-process check, and nothing is written', () => {
    const r = build(join(work, 'ring', 'bad.ring.ts'));
    expect(r.status).not.toBe(0);
    expect(r.debug).toMatch(/native compiler used: .*, 1 type error\(s\)/);
    expect(r.out).toMatch(/bad\.ring\.ts:4:\d+/);
    expect(r.out).toMatch(/TS2322/);
  });

  it('--no-typecheck emits natively without checking: a type error does not stop the build', () => {
    const checked = build(join(work, 'ring', 'typo.ring.ts'));
    expect(checked.status).not.toBe(0);
    expect(checked.out).toMatch(/TS2322/);
    expect(checked.out).toMatch(/typo\.ring\.ts:18:\d+/);
    const r = build(join(work, 'ring', 'typo.ring.ts'), ['--no-typecheck']);
    expect(r.status, r.out).toBe(0);
    expect(r.debug).toMatch(/native compiler used: .*, no type-check/);
    expect(r.out).not.toMatch(/TS2322/);
    expect(r.loaded).toEqual([]);
  });
});

/**
 * The installed package's bin/ringgen.js, as a user runs it, with a TMPDIR of its own (the native
 * compiler's folders are made there, so what a run leaves behind can be counted).
 */
function bin(args: string[]): { status: number | null; out: string; debug: string; left: string[]; modules: string[] } {
  const tmp = mkdtempSync(join(work, 'tmp-'));
  const r = spawnSync(process.execPath, [join(installed, 'bin', 'ringgen.js'), ...args], {
    cwd: join(work, 'ring'),
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', RINGGEN_DEBUG: 'typecheck modules', TMPDIR: tmp },
  });
  const debug = r.stderr.split('\n').filter((l) => l.startsWith('ringgen: debug:'));
  const modules = debug.filter((l) => l.startsWith('ringgen: debug: module ')).map((l) => l.slice('ringgen: debug: module '.length));
  return { status: r.status, out: r.stdout + r.stderr, debug: debug.filter((l) => !l.startsWith('ringgen: debug: module')).join('\n'), left: readdirSync(tmp), modules };
}

describe.skipIf(!HAS_BINARY)('the type-check started before the command line loads (bin/ringgen.js)', () => {
  it('a build takes the early run\'s answer, and leaves no folder of it behind', () => {
    const r = bin(['build', 'ring.config.ts', '--out', join(work, 'out', 'early'), '-q']);
    expect(r.status, r.out).toBe(0);
    expect(r.debug).toMatch(/native compiler used: TypeScript 7\.\d+\.\d+, started early, 0 type error\(s\)/);
    expect(r.left).toEqual([]);
    expect(readFileSync(join(work, 'out', 'early', 'host1', 'up.sh'), 'utf8')).toBe(readFileSync(join(ROOT, 'out', 'host1', 'up.sh'), 'utf8'));
  });

  it('what runs is the bundle, and a clean build loads no compiler: not TypeScript, not ts-morph, not Handlebars\' own', () => {
    const r = bin(['build', 'ring.config.ts', '--out', join(work, 'out', 'modules'), '-q']);
    expect(r.status, r.out).toBe(0);
    expect(r.modules).toContain(join(installed, 'dist', 'cli.bundle.js'));
    expect(r.modules).not.toContain(join(installed, 'dist', 'cli', 'main.js'));
    expect(r.modules.filter((f) => /typescript|ts-morph|handlebars|zod/.test(f))).toEqual([]);
    // ringgen's own: bin/ringgen.js, the bundle, and the three files it loads by path.
    expect(r.modules.filter((f) => f.startsWith(installed)).length).toBe(5);
    const bad = bin(['build', 'bad.ring.ts', '--out', join(work, 'out', 'modules-bad'), '-q']);
    expect(bad.status).toBe(1);
    // A type error is worded by the in-process check: the compiler loads then, from the bundle too.
    expect(bad.modules.some((f) => f.endsWith('@ts-morph/common/dist/typescript.js'))).toBe(true);
  });

  it('the default file, a file after an option\'s value, and --no-typecheck are guessed as the command line reads them', () => {
    const dflt = bin(['check']);
    expect(dflt.status, dflt.out).toBe(0);
    expect(dflt.debug).toMatch(/started early, 0 type error\(s\)/);
    const dashed = bin(['check', '--format', 'json', 'typo.ring.ts']);
    expect(dashed.status).toBe(1);
    expect(dashed.debug).toMatch(/started early, 1 type error\(s\)/);
    const unchecked = bin(['check', '--no-typecheck', 'typo.ring.ts']);
    expect(unchecked.status, unchecked.out).toBe(0);
    expect(unchecked.debug).toMatch(/started early, no type-check/);
    for (const r of [dflt, dashed, unchecked]) expect(r.left).toEqual([]);
  });

  it('a wrong guess is dropped: the check runs again with the options the command line parsed', () => {
    // `--typecheck=false` is not among the guessed spellings: the early run checks, the CLI does not.
    const r = bin(['check', '--typecheck=false', 'typo.ring.ts']);
    expect(r.status, r.out).toBe(0);
    expect(r.debug).toMatch(/native compiler used: TypeScript [\d.]+, no type-check/);
    expect(r.debug).not.toMatch(/started early/);
    expect(r.out).not.toMatch(/TS2322/);
    expect(r.left).toEqual([]);
  });

  it('a usage error ends the early run: exit 2, nothing left in TMPDIR', () => {
    const r = bin(['build', 'ring.config.ts', '--ouput', 'x']);
    expect(r.status).toBe(2);
    expect(r.out).toMatch(/ouput/);
    expect(r.left).toEqual([]);
    expect(existsSync(join(work, 'ring', 'x'))).toBe(false);
  });
});

describe('falling back to the in-process check', () => {
  const withBinary = <T>(exe: string | undefined, f: () => T): T => {
    const before = process.env.RINGGEN_NATIVE_TSC;
    if (exe === undefined) delete process.env.RINGGEN_NATIVE_TSC;
    else process.env.RINGGEN_NATIVE_TSC = exe;
    try {
      return f();
    } finally {
      if (before === undefined) delete process.env.RINGGEN_NATIVE_TSC;
      else process.env.RINGGEN_NATIVE_TSC = before;
    }
  };
  const types = join(ROOT, 'dist', 'index.d.ts');

  it('a binary that fails, dies, or says what the parser does not know is not taken at its word', () => {
    const fake = join(work, 'fake-tsc');
    for (const body of ['exit 1', 'echo "something else entirely"; exit 2', 'echo "error TS5023: Unknown compiler option"; exit 2', 'kill -9 $$', 'exit 0', 'echo "x.ts(1,1): error TS1005: oops" >&2; exit 0']) {
      writeFileSync(fake, `#!/bin/sh\n${body}\n`);
      chmodSync(fake, 0o755);
      // `exit 0` with no output emitted nothing for the file: not a clean check either.
      expect(withBinary(fake, () => nativeCheck(join(work, 'ring', 'bad.ring.ts'), { check: true, types })), body).toBeUndefined();
      expect(lastNative?.used, body).toBe(false);
    }
    expect(withBinary('off', () => nativeCheck(join(work, 'ring', 'bad.ring.ts'), { check: true, types }))).toBeUndefined();
    expect(lastNative?.reason).toMatch(/RINGGEN_NATIVE_TSC=off/);
  });

  it.skipIf(!HAS_BINARY)('a file nested too deeply for the native compiler (its time grows with the cube of the depth) goes to the in-process check', () => {
    const deep = join(work, 'ring', 'deep.ts');
    writeFileSync(deep, `export default ${'['.repeat(MAX_NATIVE_NESTING + 1)}${']'.repeat(MAX_NATIVE_NESTING + 1)};\n`);
    expect(withBinary(undefined, () => nativeCheck(deep, { check: true, types }))).toBeUndefined();
    expect(lastNative?.reason).toMatch(/nests brackets 401 deep/);
    writeFileSync(deep, `export default ${'['.repeat(50)}${']'.repeat(50)};\n`);
    expect(withBinary(undefined, () => nativeCheck(deep, { check: true, types }))?.diagnostics).toEqual([]);
  });

  it('a failing binary: the build still type-checks, in process, and reports the error at its line', () => {
    const fake = join(work, 'failing-tsc');
    writeFileSync(fake, '#!/bin/sh\nexit 3\n');
    chmodSync(fake, 0o755);
    const bad = build(join(work, 'ring', 'bad.ring.ts'), [], { RINGGEN_NATIVE_TSC: fake });
    expect(bad.debug).toMatch(/native compiler not used: .*exited 3/);
    expect(bad.out).toMatch(/bad\.ring\.ts:4:\d+/);
    expect(bad.status).not.toBe(0);
  });

  it('a missing binary: a clean build goes through the compiler in process', () => {
    const good = build(join(work, 'ring', 'ring.config.ts'), [], { RINGGEN_NATIVE_TSC: join(work, 'no-such-tsc') });
    expect(good.status, good.out).toBe(0);
    expect(good.debug).toMatch(/native compiler not used: .*no-such-tsc does not exist/);
    expect(good.loaded).toContain('@ts-morph/common/dist/typescript.js');
  });

  describe('an install without the platform package (no binary for the platform)', () => {
    const pkg = () => join(work, 'app', 'node_modules', PLATFORM_PACKAGE);
    beforeAll(() => {
      if (existsSync(pkg())) renameSync(pkg(), `${pkg()}.moved`);
    });
    afterAll(() => {
      if (existsSync(`${pkg()}.moved`)) renameSync(`${pkg()}.moved`, pkg());
    });

    it('builds a clean ring file', () => {
      const good = build(join(work, 'ring', 'ring.config.ts'));
      expect(good.status, good.out).toBe(0);
      expect(good.debug).toMatch(/native compiler not used: .* is not installed/);
    });

    it('reports a type error at its file and line', () => {
      const bad = build(join(work, 'ring', 'bad.ring.ts'));
      expect(bad.status).not.toBe(0);
      expect(bad.out).toMatch(/bad\.ring\.ts:4:\d+/);
    });

    it('--no-typecheck still skips the check', () => {
      const unchecked = build(join(work, 'ring', 'typo.ring.ts'), ['--no-typecheck']);
      expect(unchecked.status, unchecked.out).toBe(0);
      expect(unchecked.out).not.toMatch(/TS2322/);
    });
  });
});

describe('reading the native compiler output', () => {
  it('located errors, with their chained details, relative to the folder it ran in', () => {
    const text = "../r/a.ts(4,39): error TS2322: Type 'number' is not assignable to type 'string'.\n  The expected type comes from property 'internal'.\n";
    expect(parseDiagnostics(text, '/w/x')).toEqual([
      { file: '/w/r/a.ts', line: 4, column: 39, code: 2322, text: "Type 'number' is not assignable to type 'string'.\n  The expected type comes from property 'internal'." },
    ]);
    expect(parseDiagnostics('', '/w')).toEqual([]);
  });

  it('anything else is not understood (undefined): an error without a place, a crash, a warning', () => {
    expect(parseDiagnostics('error TS5023: Unknown compiler option', '/w')).toBeUndefined();
    expect(parseDiagnostics('panic: runtime error\ngoroutine 1', '/w')).toBeUndefined();
    expect(parseDiagnostics('  indented first line', '/w')).toBeUndefined();
  });

  it('bracket nesting is measured over the whole text', () => {
    expect(nestingDepth("ring('r').host('h', { a: [1, [2]] })")).toBe(4);
    expect(nestingDepth(')))((')).toBe(2);
  });
});

describe('templates', () => {
  it('a build loads Handlebars runtime only: the rollout templates are precompiled too', () => {
    const script = [
      `require(${JSON.stringify(join(ROOT, 'dist', 'cli', 'main.js'))}).main(['build', ${JSON.stringify(join(ROOT, 'examples', 'original.ring.ts'))}, '--out', ${JSON.stringify(join(tmpdir(), `ringgen-tpl-${process.pid}`))}, '--quiet']).then((code) => {`,
      "  console.log(JSON.stringify({ code, compiler: Object.keys(require.cache).filter((k) => /handlebars\\/dist\\/cjs\\/handlebars\\/compiler|source-map/.test(k)).length }));",
      '});',
    ].join('\n');
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    rmSync(join(tmpdir(), `ringgen-tpl-${process.pid}`), { recursive: true, force: true });
    expect(JSON.parse(r.stdout), r.stderr).toEqual({ code: 0, compiler: 0 });
    expect(readFileSync(join(ROOT, 'dist', 'emit', 'precompiled.js'), 'utf8')).toMatch(/rollout: \{/);
  });
});
