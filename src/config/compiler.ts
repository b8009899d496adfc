/**
 * The TypeScript compiler that type-checks and transpiles configs: the one ts-morph bundles
 * (ringgen depends on ts-morph, not on typescript), loaded without ts-morph's own wrapper. It is
 * the costliest module ringgen loads, so it is loaded only for TypeScript configs, and alone:
 * the standard library files it needs come from dist/config/lib, which `npm run build` extracts
 * from ts-morph's embedded copy for the same compiler version. Without them (a stale or missing
 * dist, tests running the sources), ts-morph's 3 MB helper bundle that embeds them is loaded.
 *
 * Compiling the compiler's 9 MB of JavaScript is a sixth of a small build. `npm run build` also
 * writes V8's code cache for it (dist/config/typescript.cache, made after a type-check ran, so it
 * holds the functions a check uses); the compiler is then loaded through that cache. V8 refuses a
 * cache made by another V8 version or with other flags, and the compiler is compiled as usual.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import type * as TsMorphCommon from '@ts-morph/common';
import { HERE } from '../here';

export type Ts = typeof TsMorphCommon.ts;

/** The folder the standard library files appear in to the compiler (where ts-morph serves them from). */
export const LIB_FOLDER = '/node_modules/typescript/lib';
/** The `lib` setting configs are checked with. */
export const CONFIG_LIB = 'lib.es2022.d.ts';

const EXTRACTED = join(HERE, 'config', 'lib');
/** V8's code cache for the compiler, written by `npm run build`. */
export const CODE_CACHE = join(HERE, 'config', 'typescript.cache');

const fromTsMorph = (): NodeJS.Require => createRequire(require.resolve('ts-morph'));

/** The compiled compiler and its file, when ringgen compiled it itself (for its code cache). */
let script: { script: Script; file: string } | undefined;
/** Whether V8 took the code cache: undefined when there was none to give. */
export let codeCacheUsed: boolean | undefined;

/**
 * A CommonJS module object for a file, as Node's loader makes one: its name, and the
 * node_modules folders its requires search (Node's own, not public, way of listing them).
 */
export function moduleFor(file: string, parent?: Module): Module & { _compile(code: string, filename: string): void } {
  const mod = new Module(file, parent) as Module & { _compile(code: string, filename: string): void };
  mod.filename = file;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(dirname(file));
  return mod;
}

/**
 * Runs the compiler's file as Node's CommonJS loader would, through the code cache when there is
 * one, and registers it in the module cache under its own name, so that ts-morph, when a
 * diagnostic needs it, shares this copy instead of loading a second one.
 */
function loadScript(file: string, cache: Buffer | undefined): Ts {
  const source = readFileSync(file, 'utf8');
  const compiled = new Script(Module.wrap(source), { filename: file, cachedData: cache });
  script = { script: compiled, file };
  codeCacheUsed = cache ? !compiled.cachedDataRejected : undefined;
  const mod = moduleFor(file, module);
  (compiled.runInThisContext() as (...a: unknown[]) => void).call(mod.exports, mod.exports, createRequire(file), mod, file, dirname(file));
  mod.loaded = true;
  require.cache[file] = mod;
  return mod.exports as Ts;
}

/** What names the compiler's file for its code cache: the package it comes in, with its version, and its size. */
function identity(file: string): string {
  const pkg = join(dirname(file), '..', 'package.json');
  const version = existsSync(pkg) ? (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string; version?: string }) : {};
  return `${version.name ?? '?'}@${version.version ?? '?'} typescript.js ${statSync(file).size}\n`;
}

/** The compiler alone, from the file ts-morph's helper bundle loads it from; the whole bundle if that moved. */
function loadTs(opts: { forCache?: boolean } = {}): Ts {
  let file: string;
  try {
    file = createRequire(fromTsMorph().resolve('@ts-morph/common')).resolve('./typescript.js');
  } catch {
    return (fromTsMorph()('@ts-morph/common') as typeof TsMorphCommon).ts;
  }
  if (require.cache[file]) return require.cache[file]!.exports as Ts;
  const cache = !opts.forCache && existsSync(CODE_CACHE) && existsSync(`${CODE_CACHE}.for`) ? readFileSync(CODE_CACHE) : undefined;
  // The cache says which file it was made from; another file, no cache (V8 itself compares only
  // the source's length).
  const made = cache ? readFileSync(`${CODE_CACHE}.for`, 'utf8') : '';
  return loadScript(file, cache && made === identity(file) ? cache : undefined);
}

/**
 * V8's code cache of the compiler as loaded and used so far in this process, with the line that
 * names the file it belongs to; undefined when the compiler did not come through loadScript.
 */
export function compilerCodeCache(): { data: Buffer; madeFrom: string } | undefined {
  if (!script) return undefined;
  return { data: script.script.createCachedData(), madeFrom: identity(script.file) };
}

let embedded: Map<string, string> | undefined;
/** ts-morph's embedded library files, by file name. */
function embeddedLib(): Map<string, string> {
  embedded ??= new Map((fromTsMorph()('@ts-morph/common') as typeof TsMorphCommon).getLibFiles().map((f) => [f.fileName, f.text]));
  return embedded;
}

export interface Compiler {
  ts: Ts;
  /** Text of a standard library file (`lib.es5.d.ts`), undefined when there is no such file. */
  libFile(name: string): string | undefined;
}

let loaded: Compiler | undefined;

export function compiler(opts: { forCache?: boolean } = {}): Compiler {
  if (loaded) return loaded;
  const ts = loadTs(opts);
  const version = join(EXTRACTED, 'VERSION');
  const extracted = existsSync(version) && readFileSync(version, 'utf8').trim() === ts.version;
  const read = (name: string) =>
    extracted && /^lib\.[a-z0-9.]+\.d\.ts$/.test(name) && existsSync(join(EXTRACTED, name)) ? readFileSync(join(EXTRACTED, name), 'utf8') : embeddedLib().get(name);
  const texts = new Map<string, string | undefined>();
  loaded = {
    ts,
    libFile(name) {
      if (!texts.has(name)) texts.set(name, read(name));
      return texts.get(name);
    },
  };
  return loaded;
}

/**
 * The library files a config's type-check reads (CONFIG_LIB and every file it references), with
 * the compiler version they belong to: what the build writes into dist/config/lib.
 */
export function libFilesToExtract(): { version: string; files: Map<string, string> } {
  const ts = loadTs();
  const all = embeddedLib();
  const files = new Map<string, string>();
  const visit = (name: string) => {
    const text = all.get(name);
    if (text === undefined || files.has(name)) return;
    files.set(name, text);
    for (const ref of text.matchAll(/<reference\s+lib="([^"]+)"/g)) visit(`lib.${ref[1]!.toLowerCase()}.d.ts`);
  };
  visit(CONFIG_LIB);
  return { version: ts.version, files };
}

