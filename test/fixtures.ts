/**
 * The rings the tests share: the examples (ring files and their committed output) and the
 * original's four hosts, built once per test file, and temporary folders holding a build.
 */
import { rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { exampleFiles, exampleOutput, ORIGINAL_EXAMPLE } from '../scripts/examples';
import { loadConfig } from '../src/config/load';
import { buildRing, type BuildOutcome } from '../src/pipeline';
import { ROOT, tempDir, writeFiles } from './helpers';

/** Every example ring file (`examples/*.ring.ts`, `examples/*.ring.json`), absolute, sorted. */
export const EXAMPLES = exampleFiles().map((f) => join(ROOT, f));

/** The original's four hosts: GRE ring host1-host4, br0 and br1, a test1 container on each host. */
export const ORIGINAL = join(ROOT, ORIGINAL_EXAMPLE);

/**
 * The folder holding an example's committed output, absolute: `out/` for the original (what
 * `npm run example` builds), `examples/<name>.out/` for the others (`npm run examples` builds
 * them all; scripts/examples.ts).
 */
export const exampleOutputDir = (example: string): string => join(ROOT, exampleOutput(relative(ROOT, example)));

/** Loads a ring file as the CLI does and builds it in memory. */
export function buildFile(file: string): BuildOutcome {
  const loaded = loadConfig(file);
  if (loaded.input === undefined) throw new Error(`cannot load ${file}: ${JSON.stringify(loaded.diagnostics)}`);
  return buildRing(loaded.input);
}

let original: BuildOutcome | undefined;
/** The original's build, made once per test file (loading it type-checks the file). Do not change it. */
export function originalBuild(): BuildOutcome {
  original ??= buildFile(ORIGINAL);
  return original;
}

const folders: string[] = [];

/** A new temporary folder holding `files` as a build writes them; `removeWritten` removes them all. */
export function written(files: BuildOutcome['files'], prefix?: string): string {
  const dir = tempDir(prefix);
  folders.push(dir);
  writeFiles(dir, files);
  return dir;
}

/** A new temporary folder holding the original's build (a fresh copy each call). */
export const writtenOriginal = (): string => written(originalBuild().files);

/** Removes every folder `written` made so far (call it from afterAll). */
export function removeWritten(): void {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
}
