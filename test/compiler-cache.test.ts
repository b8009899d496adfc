// The compiler's code cache (dist/config/typescript.cache, written by `npm run build`): used when
// it belongs to the compiler on disk, ignored when it does not, and never changes what a build
// says. `npm test` builds dist first.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ringgen } from './cli-run';

const ROOT = join(__dirname, '..');
const DIST = join(ROOT, 'dist', 'config');
// Inside the repository, so that the copy resolves ts-morph from node_modules as dist does.
// Laid out as dist is: the compiler's files in config/, here.js (which names that folder) beside it.
const COPY_ROOT = join(ROOT, 'node_modules', '.cache', 'ringgen-test-compiler-cache');
const COPY = join(COPY_ROOT, 'config');

/** Loads the compiler from `dir`'s compiler.js in a fresh process; prints whether the cache was used and the version. */
function load(dir: string): { used: string; version: string } {
  const r = spawnSync(process.execPath, ['-e', `const c = require(${JSON.stringify(join(dir, 'compiler.js'))}); const { ts } = c.compiler(); console.log(String(c.codeCacheUsed), ts.version, typeof ts.createProgram)`], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  const [used, version, fn] = r.stdout.trim().split(' ');
  expect(fn).toBe('function');
  return { used: used!, version: version! };
}

afterAll(() => rmSync(COPY_ROOT, { recursive: true, force: true }));

describe('the compiler code cache', () => {
  it('the build wrote it, and a build loads the compiler through it', () => {
    expect(existsSync(join(DIST, 'typescript.cache'))).toBe(true);
    expect(load(DIST).used).toBe('true');
  });

  it('a cache that V8 refuses, or one made from another compiler file, is not used, and the compiler still loads', () => {
    rmSync(COPY_ROOT, { recursive: true, force: true });
    mkdirSync(COPY, { recursive: true });
    copyFileSync(join(DIST, '..', 'here.js'), join(COPY_ROOT, 'here.js'));
    cpSync(join(DIST, 'lib'), join(COPY, 'lib'), { recursive: true });
    copyFileSync(join(DIST, 'compiler.js'), join(COPY, 'compiler.js'));
    copyFileSync(join(DIST, 'typescript.cache.for'), join(COPY, 'typescript.cache.for'));
    writeFileSync(join(COPY, 'typescript.cache'), Buffer.alloc(4096, 7));
    const version = load(DIST).version;
    expect(load(COPY)).toEqual({ used: 'false', version });
    copyFileSync(join(DIST, 'typescript.cache'), join(COPY, 'typescript.cache'));
    writeFileSync(join(COPY, 'typescript.cache.for'), 'typescript@0.0.0 typescript.js 1\n');
    expect(load(COPY)).toEqual({ used: 'undefined', version });
  });

  it('a config with a type error is reported the same, at its file and line, with the cache', () => {
    const dir = join(COPY, 'cfg');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'bad.ring.ts'), `import { ring } from ${JSON.stringify(ROOT)};\n\nexport default ring('r')\n  .host('h1', { internal: 42 });\n`);
    const r = ringgen(['build', join(dir, 'bad.ring.ts'), '--out', join(dir, 'out')]);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/bad\.ring\.ts:4/);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});
