/**
 * The examples and their committed output: `out/` for examples/original.ring.ts (what
 * `npm run example` builds, and the CLI's default folder), `examples/<name>.out/` for every other
 * `examples/<name>.ring.ts` or `.ring.json`.
 *
 * `npm run examples` (after the build) rebuilds every one of them with `ringgen build`;
 * `tsx scripts/examples.ts --check` writes nothing and exits 3 when one is stale (as
 * `ringgen build --check` does). test/golden.test.ts checks them all.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The checkout. */
export const ROOT = join(__dirname, '..');

/** The example that is the original's four hosts; its output is the top-level `out/`. */
export const ORIGINAL_EXAMPLE = 'examples/original.ring.ts';

const RING_FILE = /\.ring\.(ts|json)$/;

/** Every example ring file, relative to the checkout, sorted. */
export function exampleFiles(): string[] {
  return readdirSync(join(ROOT, 'examples'))
    .filter((f) => RING_FILE.test(f))
    .sort()
    .map((f) => `examples/${f}`);
}

/** The folder, relative to the checkout, that holds the committed output of an example (given relative to the checkout). */
export function exampleOutput(example: string): string {
  return example === ORIGINAL_EXAMPLE ? 'out' : example.replace(RING_FILE, '.out');
}

/** Runs `ringgen build` (with `--check`: compares only) on every example; returns the worst exit code. */
export function buildExamples(check: boolean): number {
  let worst = 0;
  for (const file of exampleFiles()) {
    const args = [join(ROOT, 'bin/ringgen.js'), 'build', file, '--out', exampleOutput(file), ...(check ? ['--check'] : ['--quiet'])];
    const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
    const code = r.status ?? 2;
    if (!check && code === 0) console.log(`${file} -> ${exampleOutput(file)}/`);
    worst = Math.max(worst, code);
  }
  return worst;
}

if (require.main === module) process.exitCode = buildExamples(process.argv.includes('--check'));
