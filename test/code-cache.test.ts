// V8's code cache of the command line's modules (src/code-cache.ts), turned on by bin/ringgen.js:
// written by a first run, taken by the next, refused in a folder others can write to, and never
// in the way (a broken entry is compiled again and rewritten). `npm test` builds dist first.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { codeCacheDir } from '../src/code-cache';
import { ROOT } from './helpers';

const work = mkdtempSync(join(tmpdir(), 'ringgen-code-cache-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** `ringgen check` of the original example through bin/ringgen.js, with the cache in `dir`. */
function check(dir: string): { status: number | null; stdout: string; debug: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'ringgen.js'), 'check', join(ROOT, 'examples', 'original.ring.ts')], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', RINGGEN_DEBUG: 'codecache', RINGGEN_CODE_CACHE: dir },
  });
  return { status: r.status, stdout: r.stdout, debug: r.stderr.split('\n').filter((l) => l.startsWith('ringgen: debug: code cache')).join('\n') };
}

/** The three counts of the debug line: taken from the cache, compiled, written. */
function counts(debug: string): [number, number, number] {
  const m = /(\d+) module\(s\) from .*, (\d+) compiled, (\d+) written/.exec(debug);
  if (!m) throw new Error(`no code cache line in: ${debug}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

const NODE_OWN = typeof (require('node:module') as { enableCompileCache?: unknown }).enableCompileCache === 'function';

describe.skipIf(NODE_OWN)('the code cache on a Node without its own', () => {
  it('a first run compiles and writes every module; a second takes them all and writes none; the output is the same', () => {
    const dir = join(work, 'fresh');
    const first = check(dir);
    expect(first.status, first.debug).toBe(0);
    const [fromCache, compiled, written] = counts(first.debug);
    expect(fromCache).toBe(0);
    // ringgen's own modules, yargs, zod, Handlebars' runtime: well over fifty files.
    expect(compiled).toBeGreaterThan(50);
    expect(written).toBe(compiled);
    expect(readdirSync(dir).length).toBe(written);
    const second = check(dir);
    expect(second.status).toBe(0);
    expect(counts(second.debug)).toEqual([compiled, 0, 0]);
    expect(second.stdout).toBe(first.stdout);
  }, 120_000);

  it('a broken entry is not taken: the module is compiled as usual and the entry written again', () => {
    const dir = join(work, 'broken');
    const [, compiled] = counts(check(dir).debug);
    for (const name of readdirSync(dir)) {
      const size = readFileSync(join(dir, name)).length;
      writeFileSync(join(dir, name), Buffer.alloc(size, 0x41));
    }
    const r = check(dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/ring is consistent/);
    expect(counts(r.debug)).toEqual([0, compiled, compiled]);
    expect(counts(check(dir).debug)).toEqual([compiled, 0, 0]);
  }, 120_000);
});

describe('the cache folder', () => {
  it('is refused when others can write to it, or when it is a file; off turns it off', () => {
    const open = join(work, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    expect(codeCacheDir({ RINGGEN_CODE_CACHE: open })).toBeUndefined();
    const r = check(open);
    expect(r.status).toBe(0);
    expect(r.debug).toMatch(/not used \(no private cache folder\)/);
    expect(readdirSync(open)).toEqual([]);
    writeFileSync(join(work, 'file'), '');
    expect(codeCacheDir({ RINGGEN_CODE_CACHE: join(work, 'file') })).toBeUndefined();
    expect(codeCacheDir({ RINGGEN_CODE_CACHE: 'off' })).toBeUndefined();
    expect(check('off').debug).toMatch(/not used \(RINGGEN_CODE_CACHE=off\)/);
  }, 120_000);

  it('is made private when missing, under XDG_CACHE_HOME by default', () => {
    const dir = codeCacheDir({ XDG_CACHE_HOME: join(work, 'xdg') });
    expect(dir).toBe(join(work, 'xdg', 'ringgen', 'code'));
    const mode = spawnSync('stat', ['-c', '%a', dir!], { encoding: 'utf8' }).stdout.trim();
    expect(mode).toBe('700');
  });
});
