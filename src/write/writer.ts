/**
 * The only module that writes: the output folder, a picture of `graph`, and the new files of
 * `init`. A build takes the folder's lock, decides first what it may replace and remove
 * (`output-folder.ts`), writes aside, then swaps files in, manifest last. It never writes
 * through a symbolic link, never replaces a file it did not write unless forced, and removes
 * only files its own previous manifest lists that are still as it wrote them.
 */
import { chmodSync, closeSync, fchmodSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, realpathSync, renameSync, rmdirSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { find, FolderSnapshot, planFolder, type Obstacle } from './output-folder';
import type { GeneratedFile } from '../emit/templates';

/** The lock a build holds in the output folder: `<pid> <hostname>`. */
export const LOCK_FILE = '.ringgen.lock';

/**
 * Why a write did not happen or did not finish. `state` says what the folder holds now:
 * `unchanged`, `partial` (`placed` are new, `pending` still the previous build's or absent), or
 * `busy`: another build holds the folder's lock, and this one wrote nothing.
 */
export class OutputError extends Error {
  constructor(
    message: string,
    readonly state: 'unchanged' | 'partial' | 'busy',
    readonly placed: readonly string[] = [],
    readonly pending: readonly string[] = [],
    readonly obstacles: readonly Obstacle[] = [],
  ) {
    super(message);
  }
}

/** What `writeOutput` did besides writing the build's files. */
export interface WriteResult {
  /** Files of the previous build removed, and the folders that emptied with them. */
  removed: string[];
  removedDirs: string[];
  /** Files the previous manifest lists that were left in place, with the reason. */
  left: Array<{ path: string; why: string }>;
  /** Things in the way that `--force` replaced. */
  forced: Obstacle[];
  /** Files of the previous build that had been changed since it wrote them, now replaced. */
  edited: string[];
  /** Hosts of the previous build that the new one no longer has; `ring` is the previous ring's name. */
  goneHosts: Array<{ host: string; ring: string; folderRemoved: boolean }>;
  /** The pid of a build that died holding the lock, when its lock was cleared. */
  staleLock?: number;
}

/** How an output folder differs from a build (`compareOutput`): files changed, missing, or extra (listed by its manifest). */
export interface StaleReport {
  changed: string[];
  missing: string[];
  extra: string[];
}

/** What differs between the folder and a fresh build (for `build --check`); a link where a file goes counts as changed. */
export function compareOutput(outDir: string, files: readonly GeneratedFile[]): StaleReport {
  const report: StaleReport = { changed: [], missing: [], extra: [] };
  const folder = new FolderSnapshot(outDir);
  for (const f of files) {
    const found = folder.find(f.path);
    if (found.kind === 'absent') report.missing.push(f.path);
    else if (found.kind !== 'file') report.changed.push(f.path);
    else {
      const target = join(outDir, f.path);
      if (readFileSync(target, 'utf8') !== f.content || (lstatSync(target).mode & 0o777) !== f.mode) report.changed.push(f.path);
    }
  }
  report.extra = planFolder(outDir, files, folder).removable;
  return report;
}

/** Whether the folder differs from the build at all. */
export function isStale(r: StaleReport): boolean {
  return r.changed.length + r.missing.length + r.extra.length > 0;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the folder's lock (exclusive create); a lock whose process is gone on this machine is cleared. */
function lock(root: string, shown: string): { release(): void; stale?: number } {
  const path = join(root, LOCK_FILE);
  const mine = `${process.pid} ${hostname()}\n`;
  let stale: number | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(path, mine, { flag: 'wx', mode: 0o644 });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const held = find(root, LOCK_FILE).kind === 'file' ? readFileSync(path, 'utf8') : '';
    const m = /^(\d+) (\S+)\n$/.exec(held);
    if (!m || m[2] !== hostname() || alive(Number(m[1])) || attempt > 0) {
      const who = m ? `pid ${m[1]} on ${m[2]}` : 'unknown';
      throw new OutputError(
        `another ringgen build (${who}) is writing into ${shown}: run this one when it has finished (if none is running, remove ${shown}/${LOCK_FILE})`,
        'busy',
      );
    }
    // The build that held it has died; clear its lock, unless another build replaced it meanwhile.
    stale = Number(m[1]);
    if (readFileSync(path, 'utf8') === held) unlinkSync(path);
  }
  return {
    ...(stale !== undefined ? { stale } : {}),
    release() {
      try {
        if (find(root, LOCK_FILE).kind === 'file' && readFileSync(path, 'utf8') === mine) unlinkSync(path);
      } catch {
        /* the next build finds this pid gone and clears the lock */
      }
    },
  };
}

/**
 * Makes `rel` a real folder under root, one level at a time; a link on the way is replaced (the
 * planner allowed it). `known` holds the folders this build has already made or found real, so
 * each is looked at once (a ring of 2,000 hosts places 18,000 files into 2,000 folders).
 */
function realDir(root: string, rel: string, made: string[], known: Set<string>): void {
  if (rel === '.' || rel === '' || known.has(rel)) return;
  realDir(root, dirname(rel), made, known);
  const found = find(root, rel);
  if (found.kind !== 'dir') {
    if (found.kind === 'link') {
      unlinkSync(join(root, rel));
      made.push(`${rel} (was a symbolic link)`);
    }
    mkdirSync(join(root, rel));
    made.push(rel);
  }
  known.add(rel);
}

/**
 * Creates a file with this content and mode. The string is written as it is (`writeSync`
 * encodes it on the way), not first copied into a Buffer of its own as `writeFileSync` does: a
 * 2,000-host ring writes 220 MB, and those Buffers cost as much garbage collection again.
 */
function writeNew(path: string, content: string, mode: number): void {
  const fd = openSync(path, 'wx', mode);
  try {
    const written = writeSync(fd, content);
    // A short write (practically never, to a regular file) is finished from the bytes.
    if (written < Buffer.byteLength(content)) {
      const rest = Buffer.from(content).subarray(written);
      for (let at = 0; at < rest.length; ) at += writeSync(fd, rest, at);
    }
    // The mode as asked for, whatever the umask took from it at creation.
    fchmodSync(fd, mode);
  } finally {
    closeSync(fd);
  }
}

function tryRmdir(path: string): void {
  try {
    rmdirSync(path);
  } catch {
    /* not empty, or gone */
  }
}

function removeEmptyDirs(root: string, removed: readonly string[]): string[] {
  const dirs = new Set<string>();
  for (const p of removed) for (let d = dirname(p); d !== '.'; d = dirname(d)) dirs.add(d);
  const gone: string[] = [];
  for (const d of [...dirs].sort((a, b) => b.length - a.length)) {
    try {
      if (find(root, d).kind === 'dir' && readdirSync(join(root, d)).length === 0) {
        rmdirSync(join(root, d));
        gone.push(d);
      }
    } catch {
      /* not empty after all, or gone */
    }
  }
  return gone.sort();
}

/** Options of `writeOutput`. */
export interface WriteOptions {
  /** Replace files ringgen did not write and links that stand where the build writes. */
  force?: boolean;
  /** How to name the folder in messages (default: its path). */
  shown?: string;
}

/** Writes the build into outDir; when it cannot, throws an OutputError saying what the folder holds. */
export function writeOutput(outDir: string, files: readonly GeneratedFile[], opts: WriteOptions = {}): WriteResult {
  const shown = opts.shown ?? outDir;
  mkdirSync(outDir, { recursive: true });
  const root = realpathSync(outDir);
  const held = lock(root, shown);
  try {
    return writeLocked(root, files, opts.force ?? false, shown, held.stale);
  } finally {
    held.release();
  }
}

function writeLocked(root: string, files: readonly GeneratedFile[], force: boolean, shown: string, staleLock: number | undefined): WriteResult {
  const plan = planFolder(root, files);
  const blocking = plan.obstacles.filter((o) => !force || !o.forceable);
  if (blocking.length > 0) {
    const lines = blocking.map((o) => `${shown}/${o.path} is in the way: ${o.why}${o.forceable ? '; --force replaces it' : ''}`);
    throw new OutputError(lines.length === 1 ? lines[0]! : `\n  ${lines.join('\n  ')}`, 'unchanged', [], [], blocking);
  }
  const stage = join(root, `.ringgen-staging-${process.pid}`);
  rmSync(stage, { recursive: true, force: true });
  const indexed = files.map((f, i) => ({ f, staged: String(i) }));
  const ordered = [...indexed.filter((e) => e.f.path !== 'manifest.json'), ...indexed.filter((e) => e.f.path === 'manifest.json')];
  const placed: string[] = [];
  const made: string[] = [];
  try {
    mkdirSync(stage);
    // Flat: the staging folder holds one file per output file, named by its index, and no
    // folders, so neither making nor removing it costs a folder per host.
    for (const [i, f] of files.entries()) writeNew(join(stage, String(i)), f.content, f.mode);
  } catch (e) {
    rmSync(stage, { recursive: true, force: true });
    throw new OutputError(`${(e as Error).message} (while writing the new build aside)`, 'unchanged');
  }
  try {
    const known = new Set<string>();
    for (const { f, staged } of ordered) {
      realDir(root, dirname(f.path), made, known);
      renameSync(join(stage, staged), join(root, f.path));
      placed.push(f.path);
    }
  } catch (e) {
    const done = new Set(placed);
    const pending = ordered.map((e) => e.f.path).filter((p) => !done.has(p));
    // Folders this build made are removed again when nothing landed in them; a link --force replaced is gone, so that is a change.
    const untouched = placed.length === 0 && !made.some((d) => d.endsWith('(was a symbolic link)'));
    if (untouched) for (const d of made.reverse()) tryRmdir(join(root, d));
    throw new OutputError((e as Error).message, untouched ? 'unchanged' : 'partial', [...placed, ...made.filter((d) => d.endsWith('(was a symbolic link)'))], pending);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  const result: WriteResult = { removed: [], removedDirs: [], left: [...plan.left], forced: plan.obstacles, edited: plan.edited, goneHosts: [], ...(staleLock !== undefined ? { staleLock } : {}) };
  for (const p of plan.removable) {
    try {
      if (find(root, p).kind !== 'file') throw new Error('no longer a regular file');
      unlinkSync(join(root, p));
      result.removed.push(p);
    } catch (e) {
      result.left.push({ path: p, why: `could not remove it: ${(e as Error).message}` });
    }
  }
  result.removedDirs = removeEmptyDirs(root, result.removed);
  if (plan.previous.state === 'own') {
    const { record } = plan.previous;
    for (const host of record.hosts.keys()) {
      if (files.some((f) => f.path.startsWith(`${host}/`))) continue;
      if (![...record.files].some((p) => p.startsWith(`${host}/`))) continue;
      result.goneHosts.push({ host, ring: record.ring, folderRemoved: result.removedDirs.includes(host) });
    }
  }
  return result;
}

/**
 * Writes one file whole or not at all: written aside in the same folder, then renamed over the
 * target. A symbolic link at the target is never written through: it is refused, or with
 * `replaceLink` replaced by the file. `mayReplace` decides whether an existing regular file may go.
 */
export function writeFileAtomic(target: string, content: string, mode = 0o644, opts: { replaceLink?: boolean; mayReplace?: (existing: Buffer) => boolean } = {}): void {
  let st;
  try {
    st = lstatSync(target);
  } catch {
    /* absent */
  }
  if (st?.isSymbolicLink() && !opts.replaceLink) throw new Error(`${target} is a symbolic link (ringgen never writes through one); --force replaces the link`);
  if (st && !st.isSymbolicLink() && !st.isFile()) throw new Error(`${target} is in the way: it is not a regular file`);
  if (st?.isFile() && opts.mayReplace && !opts.mayReplace(readFileSync(target))) throw new Error(`${target} exists and ringgen did not write it; --force replaces it`);
  mkdirSync(dirname(target), { recursive: true });
  const aside = join(dirname(target), `.${basename(target)}.ringgen-${process.pid}.tmp`);
  rmSync(aside, { force: true });
  try {
    writeFileSync(aside, content, { flag: 'wx', mode });
    chmodSync(aside, mode);
    renameSync(aside, target);
  } finally {
    rmSync(aside, { force: true });
  }
}

/**
 * Creates new files in dir, never replacing one nor writing through a link (for `init`; the
 * caller checks first). When one cannot be created, those created before it are removed again.
 */
export function createFiles(dir: string, files: readonly GeneratedFile[]): void {
  mkdirSync(dir, { recursive: true });
  const created: string[] = [];
  try {
    for (const f of files) {
      writeFileSync(join(dir, f.path), f.content, { flag: 'wx', mode: f.mode });
      created.push(join(dir, f.path));
    }
  } catch (e) {
    for (const p of created) rmSync(p, { force: true });
    throw e;
  }
}
