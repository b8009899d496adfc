/**
 * `ringgen init`: a commented starting ring (`ring.config.ts`) and, when the folder has none, a
 * `tsconfig.json` so an editor type-checks it. Pure apart from reading: the CLI writes.
 */
import { existsSync, lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import type { GeneratedFile } from '../emit/templates';
import { shellQuote } from '../emit/shell';
import { HERE } from '../here';

const INIT_DIR = join(HERE, '..', 'templates', 'init');

/** The ring file `init` writes. */
export const CONFIG_FILE = 'ring.config.ts';

/** What `ringgen init` would write into a folder (`planInit`), or why it refuses. */
export interface InitPlan {
  /** Files to create (paths relative to the folder). */
  files: GeneratedFile[];
  /** Files left alone because the folder already has them. */
  kept: string[];
  /** Why nothing may be written, when something is in the way. */
  refusal?: string;
  /** Whether `import ... from 'ringgen'` already resolves from the folder (for editor types). */
  ringgenResolves: boolean;
  /** How to run this ringgen from the folder: `ringgen`, `npx ringgen` or `node <path of its bin>`. */
  command: string;
}

const SELF_BIN = join(HERE, '..', 'bin', 'ringgen.js');

const realOrNone = (path: string) => {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
};

/**
 * The command a user types in `dir` to run this ringgen: `ringgen` when that name on the PATH is
 * this one (a global install), `npx ringgen` when the folder (or one above it) has it installed,
 * else this one's bin by its path (a checkout, or `npx` of a package the folder does not have).
 * A `node_modules/.bin` on the PATH is npm's, there only while `npx` or `npm run` runs.
 */
export function ringgenCommand(dir: string, env: NodeJS.ProcessEnv = process.env): string {
  const self = realOrNone(SELF_BIN) ?? SELF_BIN;
  for (const p of (env.PATH ?? '').split(delimiter)) {
    if (p && !/[\\/]node_modules[\\/]\.bin[\\/]?$/.test(p) && realOrNone(join(p, 'ringgen')) === self) return 'ringgen';
  }
  if (resolvesRinggen(dir)) return 'npx ringgen';
  return `node ${shellQuote(self)}`;
}

function resolvesRinggen(dir: string): boolean {
  try {
    // From a file in the folder: resolved from ringgen's own code, the package's `exports` would
    // let its name resolve to itself wherever the folder is.
    createRequire(join(dir, 'ring.config.ts')).resolve('ringgen/package.json');
    return true;
  } catch {
    return false;
  }
}

/** Whether anything, a dangling symbolic link included, has the name (existsSync follows links). */
function taken(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** What `init` would write into `dir` (which need not exist yet). */
export function planInit(dir: string): InitPlan {
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    return { files: [], kept: [], refusal: `${dir} exists and is not a folder`, ringgenResolves: false, command: 'ringgen' };
  }
  const config = join(dir, CONFIG_FILE);
  if (taken(config)) {
    return { files: [], kept: [], refusal: `${config} already exists; move it away or choose another folder`, ringgenResolves: false, command: 'ringgen' };
  }
  const files: GeneratedFile[] = [{ path: CONFIG_FILE, content: readFileSync(join(INIT_DIR, CONFIG_FILE), 'utf8'), mode: 0o644 }];
  const kept: string[] = [];
  if (taken(join(dir, 'tsconfig.json'))) kept.push('tsconfig.json');
  else files.push({ path: 'tsconfig.json', content: readFileSync(join(INIT_DIR, 'tsconfig.json'), 'utf8'), mode: 0o644 });
  return { files, kept, ringgenResolves: resolvesRinggen(dir), command: ringgenCommand(dir) };
}
