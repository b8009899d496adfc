/** Shared test helpers: temp folders, running programs, and tool detection (the rings are in fixtures.ts, the CLI in cli-run.ts). */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { afterAll } from 'vitest';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { BuildOutcome } from '../src/pipeline';

export const ROOT = join(__dirname, '..');

const made: string[] = [];

/** A new temporary folder, removed when the test file that made it ends. */
export function tempDir(prefix = 'ringgen-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of made.splice(0)) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // A folder a test made unremovable (as another user) stays; it is in the system's temp folder.
    }
  }
});

export function writeFiles(dir: string, files: BuildOutcome['files']): void {
  for (const f of files) {
    const target = join(dir, f.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, f.content);
    chmodSync(target, f.mode);
  }
}

export function run(cmd: string, args: string[], opts: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { encoding: 'utf8', ...opts });
}

export function hasTool(name: string): boolean {
  return run('sh', ['-c', `command -v ${name}`]).status === 0;
}

export const IS_ROOT = process.getuid?.() === 0;
export const IN_CI = process.env.CI === 'true';

/** A test that needs tools: skips loudly on a laptop, fails in CI. */
export function requireTools(tools: string[], needsRoot = false): boolean {
  const missing = tools.filter((t) => !hasTool(t));
  const reason = [...(missing.length ? [`missing ${missing.join(', ')}`] : []), ...(needsRoot && !IS_ROOT ? ['not root'] : [])];
  if (reason.length === 0) return true;
  if (IN_CI) throw new Error(`CI=true but this test cannot run: ${reason.join('; ')}`);
  console.warn(`\n*** SKIPPING: ${reason.join('; ')} ***\n`);
  return false;
}

/**
 * The arguments the first `docker create` line of an up.sh passes to docker, exactly as bash
 * splits them: the line runs in bash with a `docker` function that prints each argument.
 */
export function dockerCreateArgs(up: string): string[] {
  const line = /docker create [\s\S]*? >\/dev\/null\n/.exec(up)![0].replace(/>\/dev\/null\n$/, '');
  const res = run('bash', ['-c', `docker() { printf '%s\\0' "$@"; }\nwant=HASH\n${line}\n`]);
  if (res.status !== 0) throw new Error(`the docker create line failed in bash: ${res.stderr}`);
  return res.stdout.split('\0').slice(0, -1);
}
