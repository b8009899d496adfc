/**
 * The TypeScript compiler that type-checks and transpiles configs: the one ts-morph bundles
 * (ringgen depends on ts-morph, not on typescript), loaded without ts-morph's own wrapper. It is
 * the costliest module ringgen loads, so it is loaded only for TypeScript configs, and alone:
 * the standard library files it needs come from dist/config/lib, which `npm run build` extracts
 * from ts-morph's embedded copy for the same compiler version. Without them (a stale or missing
 * dist, tests running the sources), ts-morph's 3 MB helper bundle that embeds them is loaded.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as TsMorphCommon from '@ts-morph/common';

export type Ts = typeof TsMorphCommon.ts;

/** The folder the standard library files appear in to the compiler (where ts-morph serves them from). */
export const LIB_FOLDER = '/node_modules/typescript/lib';
/** The `lib` setting configs are checked with. */
export const CONFIG_LIB = 'lib.es2022.d.ts';

const EXTRACTED = join(__dirname, 'lib');

const fromTsMorph = (): NodeJS.Require => createRequire(require.resolve('ts-morph'));

/** The compiler alone, from the file ts-morph's helper bundle loads it from; the whole bundle if that moved. */
function loadTs(): Ts {
  try {
    return createRequire(fromTsMorph().resolve('@ts-morph/common'))('./typescript.js') as Ts;
  } catch {
    return (fromTsMorph()('@ts-morph/common') as typeof TsMorphCommon).ts;
  }
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

export function compiler(): Compiler {
  if (loaded) return loaded;
  const ts = loadTs();
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

