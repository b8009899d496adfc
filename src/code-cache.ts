/**
 * V8's code cache for the modules the command line loads (ringgen's own and its dependencies'),
 * kept in the user's cache folder, so that a second run does not parse and compile them again.
 * bin/ringgen.js turns it on before it loads anything else.
 *
 * Node 22.1 and later do this themselves (`module.enableCompileCache`); on older versions the
 * CommonJS loader's compile step is replaced, as the widely used `v8-compile-cache` does, for the
 * files of installed packages only (a path with a `node_modules` folder, or ringgen's own files):
 * a ring file and whatever it requires from elsewhere are compiled by Node as always.
 *
 * The folder is `$RINGGEN_CODE_CACHE`, else `$XDG_CACHE_HOME/ringgen/code`, else
 * `~/.cache/ringgen/code`; `RINGGEN_CODE_CACHE=off` turns it off. It is used only when it is a
 * folder of the current user that nobody else can write to (V8 checks a cached entry against the
 * length of its source, not its text: an entry someone else planted could run their code).
 * An entry is named by a hash of the module's text, Node's version and the architecture, so an
 * updated file never meets an old entry; a rejected or missing entry is written at exit. Any
 * failure here only means no cache: the module is compiled as usual.
 */
import { createHash } from 'node:crypto';
import { closeSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import Module from 'node:module';
import { homedir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { Script } from 'node:vm';

const PACKAGE_ROOT = join(__dirname, '..');

/** The cache folder, made private when missing; undefined when it cannot be trusted or made. */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const chosen = env.RINGGEN_CODE_CACHE;
  if (chosen === 'off' || chosen === '0') return undefined;
  const base = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith('/') ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  const dir = chosen || join(base, 'ringgen', 'code');
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    const uid = process.getuid?.();
    if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o022) !== 0) return undefined;
    return dir;
  } catch {
    return undefined;
  }
}

interface Loader {
  _compile(content: string, filename: string): unknown;
  require(id: string): unknown;
  exports: unknown;
}
interface ModuleStatics {
  wrap(content: string): string;
  _resolveFilename(request: string, parent: unknown, isMain: boolean, options?: unknown): string;
  _resolveLookupPaths(request: string, parent: unknown): string[] | null;
  _extensions: unknown;
  _cache: unknown;
  enableCompileCache?: (dir?: string) => unknown;
}

/** Whether a file's code is cached: an installed package's, or ringgen's own. */
function cached(filename: string): boolean {
  return filename.includes(`${sep}node_modules${sep}`) || filename.startsWith(PACKAGE_ROOT + sep);
}

let enabled = false;

/** RINGGEN_DEBUG with `codecache` in it: a line at exit saying what the cache did. */
function debugLine(line: string): void {
  if (!/\bcodecache\b/.test(process.env.RINGGEN_DEBUG ?? '')) return;
  try {
    writeSync(2, `ringgen: debug: code cache: ${line}\n`);
  } catch {
    // stderr closed
  }
}

/** Turns the code cache on for the rest of the process (once; a second call does nothing). */
export function enableCodeCache(): void {
  if (enabled) return;
  enabled = true;
  const dir = codeCacheDir();
  if (!dir) {
    process.once('exit', () => debugLine(`not used (${process.env.RINGGEN_CODE_CACHE === 'off' || process.env.RINGGEN_CODE_CACHE === '0' ? 'RINGGEN_CODE_CACHE=off' : 'no private cache folder'})`));
    return;
  }
  const statics = Module as unknown as ModuleStatics;
  if (typeof statics.enableCompileCache === 'function') {
    try {
      statics.enableCompileCache(dir);
      process.once('exit', () => debugLine(`Node's own, in ${dir}`));
    } catch {
      // No cache, no harm.
    }
    return;
  }
  const proto = (Module as unknown as { prototype: Loader }).prototype;
  const original = proto._compile;
  const toWrite: { script: Script; file: string }[] = [];
  const salt = `${process.version}\0${process.arch}\0`;
  let used = 0;
  proto._compile = function compile(this: Loader, content: string, filename: string): unknown {
    if (!cached(filename)) return original.call(this, content, filename);
    // A `#!` line is allowed by Node's loader, not by V8 inside the wrapper.
    const source = content.startsWith('#!') ? `//${content}` : content;
    const file = join(dir, createHash('sha256').update(salt).update(source).digest('hex').slice(0, 40));
    let data: Buffer | undefined;
    try {
      data = readFileSync(file);
    } catch {
      data = undefined;
    }
    let script: Script;
    try {
      script = new Script(statics.wrap(source), { filename, cachedData: data });
    } catch {
      return original.call(this, content, filename);
    }
    if (data === undefined || script.cachedDataRejected) toWrite.push({ script, file });
    else used++;
    const mod = this;
    const localRequire = Object.assign((id: string) => mod.require(id), {
      resolve: Object.assign((request: string, options?: unknown) => statics._resolveFilename(request, mod, false, options), {
        paths: (request: string) => statics._resolveLookupPaths(request, mod),
      }),
      main: require.main,
      extensions: statics._extensions,
      cache: statics._cache,
    });
    const fn = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return fn.call(mod.exports, mod.exports, localRequire, mod, filename, dirname(filename));
  };
  process.once('exit', () => {
    let written = 0;
    for (const { script, file } of toWrite) {
      try {
        const data = script.createCachedData();
        const tmp = `${file}.${process.pid}.tmp`;
        const fd = openSync(tmp, 'wx', 0o600);
        try {
          writeSync(fd, data);
        } finally {
          closeSync(fd);
        }
        renameSync(tmp, file);
        written++;
      } catch {
        // A full disk or a race with another run: the next run writes it.
      }
    }
    debugLine(`${used} module(s) from ${dir}, ${toWrite.length} compiled, ${written} written`);
  });
}
