/**
 * Running the `ringgen` command line from a test: as a user runs it (`node bin/ringgen.js`, a
 * process of its own, against the built dist/), or in this process through `main` with its
 * output captured.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { SpawnSyncReturns } from 'node:child_process';
import { main } from '../src/cli/main';
import { ROOT, run } from './helpers';

/** The command a checkout runs: `node bin/ringgen.js`. */
export const BIN = join(ROOT, 'bin/ringgen.js');

/** Throws unless dist/ is built (bin/ringgen.js runs dist/cli/main.js): call it from beforeAll. */
export function requireDist(): void {
  if (!existsSync(join(ROOT, 'dist/cli/main.js'))) throw new Error('dist/ is missing: run npm run build (npm test does)');
}

/** Runs `ringgen ARGS` in `cwd` (default: the checkout) without colour; `env` adds to the environment. */
export function ringgen(args: string[], cwd: string = ROOT, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return run(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', ...env } });
}

/** What `main` returned and printed: stdout and stderr as lines joined, the status lines a terminal would see. */
export interface InProcessRun {
  code: number;
  stdout: string;
  stderr: string;
  status: string[];
}

/** The CLI in this process, its output captured; `tty` gives it a terminal's status line. */
export async function ringgenInProcess(args: string[], opts: { tty?: boolean } = {}): Promise<InProcessRun> {
  const out: string[] = [];
  const err: string[] = [];
  const status: string[] = [];
  const code = await main(args, { out: (t) => out.push(t), err: (t) => err.push(t), color: false, ...(opts.tty ? { status: (l: string) => status.push(l) } : {}) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n'), status };
}
