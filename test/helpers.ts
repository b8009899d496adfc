/** Shared test helpers: temp folders, running programs, and tool detection (the rings are in fixtures.ts, the CLI in cli-run.ts). */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
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

/**
 * The package as `npm pack` makes it, without building again: a copy of what it ships
 * (package.json's `files`), with the command line bundled into it as prepack bundles it
 * (scripts/bundle.js), packed with no scripts. dist/ must be built; the checkout's dist/ is left
 * as it is (other tests run it meanwhile). Returns the tarball and the files in it.
 */
export function packPackage(dest: string): { tarball: string; files: string[] } {
  if (!existsSync(join(ROOT, 'dist/cli/main.js'))) throw new Error('dist/ is missing: run npm run build (npm test does)');
  const stage = tempDir('ringgen-stage-');
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
  for (const f of ['package.json', ...pkg.files]) if (existsSync(join(ROOT, f))) cpSync(join(ROOT, f), join(stage, f), { recursive: true });
  const bundled = run(process.execPath, [join(ROOT, 'scripts', 'bundle.js'), '--out', join(stage, 'dist')]);
  if (bundled.status !== 0) throw new Error(`scripts/bundle.js failed: ${bundled.stderr}`);
  const r = run('npm', ['pack', '--ignore-scripts', '--json', '--offline', '--loglevel=error', '--pack-destination', dest], { cwd: stage });
  if (r.status !== 0) throw new Error(`npm pack failed: ${r.stderr}`);
  const [info] = JSON.parse(r.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  return { tarball: join(dest, info!.filename), files: info!.files.map((f) => f.path) };
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
 * The data block of a generated host script: from its `# Host ...` line to the library's first
 * line (`# The library: ...`), which it holds as the last line.
 */
export function dataBlock(script: string): string {
  const lines = script.split('\n');
  const start = lines.findIndex((l) => /^# Host \S+ of ring \S+: /.test(l));
  const end = lines.findIndex((l, i) => i > start && l.startsWith('# The library: '));
  if (start < 0 || end < 0) throw new Error('no data block in this script');
  return lines.slice(start, end + 1).join('\n');
}

/**
 * The arguments an up.sh passes to docker for its first container (`create --label
 * ringgen.hash=HASH ...`), exactly as bash splits them: its data block runs in bash, which prints
 * each word of the container's `docker create` arguments.
 */
export function dockerCreateArgs(up: string): string[] {
  const res = run('bash', ['-c', `${dataBlock(up)}\nprintf '%s\\0' create --label ringgen.hash=HASH "\${C0_CREATE[@]}"\n`]);
  if (res.status !== 0) throw new Error(`the data block failed in bash: ${res.stderr}`);
  return res.stdout.split('\0').slice(0, -1);
}
