/**
 * The only module that writes: the output folder, and the new files of `init`. New files are
 * written aside first, then swapped in, manifest last; files the previous manifest lists and
 * the new build no longer has are removed; anything ringgen did not write is left alone.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { GeneratedFile } from './render/render';

function previousFiles(outDir: string): string[] {
  try {
    const manifest = JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8')) as { files?: unknown };
    return Array.isArray(manifest.files) ? manifest.files.filter((f): f is string => typeof f === 'string' && !f.includes('..')) : [];
  } catch {
    return [];
  }
}

export interface StaleReport {
  changed: string[];
  missing: string[];
  extra: string[];
}

/** What differs between the folder and a fresh build (for `build --check`). */
export function compareOutput(outDir: string, files: readonly GeneratedFile[]): StaleReport {
  const report: StaleReport = { changed: [], missing: [], extra: [] };
  const wanted = new Set(files.map((f) => f.path));
  for (const f of files) {
    const target = join(outDir, f.path);
    if (!existsSync(target)) report.missing.push(f.path);
    else if (readFileSync(target, 'utf8') !== f.content || (statSync(target).mode & 0o777) !== f.mode) report.changed.push(f.path);
  }
  report.extra = previousFiles(outDir).filter((p) => !wanted.has(p) && existsSync(join(outDir, p)));
  return report;
}

export function isStale(r: StaleReport): boolean {
  return r.changed.length + r.missing.length + r.extra.length > 0;
}

function removeEmptyDirs(outDir: string, paths: readonly string[]): void {
  const dirs = [...new Set(paths.map((p) => dirname(p)).filter((d) => d !== '.'))].sort((a, b) => b.length - a.length);
  for (const d of dirs) {
    const full = join(outDir, d);
    try {
      if (readdirSync(full).length === 0) rmdirSync(full);
    } catch {
      /* already gone or not empty */
    }
  }
}

/** Writes one file whole or not at all: written aside in the same folder, then renamed over the target. */
export function writeFileAtomic(target: string, content: string, mode = 0o644): void {
  mkdirSync(dirname(target), { recursive: true });
  const aside = join(dirname(target), `.${basename(target)}.ringgen-${process.pid}.tmp`);
  try {
    writeFileSync(aside, content);
    chmodSync(aside, mode);
    renameSync(aside, target);
  } finally {
    rmSync(aside, { force: true });
  }
}

/** Throws, before anything is written, when a file of the build cannot land: a folder on its path is a file, or it is a folder. */
function checkLanding(outDir: string, files: readonly GeneratedFile[]): void {
  const checked = new Set<string>();
  for (const f of files) {
    let dir = outDir;
    for (const part of f.path.split('/').slice(0, -1)) {
      dir = join(dir, part);
      if (checked.has(dir)) continue;
      checked.add(dir);
      if (existsSync(dir) && !statSync(dir).isDirectory()) throw new Error(`${dir} is in the way: it should be a folder`);
    }
    const target = join(outDir, f.path);
    if (existsSync(target) && statSync(target).isDirectory()) throw new Error(`${target} is in the way: it is a folder`);
  }
}

/** Writes the build into outDir; when it cannot, throws and leaves outDir as it was. */
export function writeOutput(outDir: string, files: readonly GeneratedFile[]): void {
  mkdirSync(outDir, { recursive: true });
  checkLanding(outDir, files);
  const stage = join(outDir, `.ringgen-staging-${process.pid}`);
  rmSync(stage, { recursive: true, force: true });
  try {
    for (const f of files) {
      const target = join(stage, f.path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, f.content);
      chmodSync(target, f.mode);
    }
    const old = previousFiles(outDir);
    const ordered = [...files.filter((f) => f.path !== 'manifest.json'), ...files.filter((f) => f.path === 'manifest.json')];
    for (const f of ordered) {
      const target = join(outDir, f.path);
      mkdirSync(dirname(target), { recursive: true });
      renameSync(join(stage, f.path), target);
    }
    const wanted = new Set(files.map((f) => f.path));
    const gone = old.filter((p) => !wanted.has(p));
    for (const p of gone) rmSync(join(outDir, p), { force: true });
    removeEmptyDirs(outDir, gone);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** Creates new files in dir, never replacing one (for `init`); the caller checks first. */
export function createFiles(dir: string, files: readonly GeneratedFile[]): void {
  mkdirSync(dir, { recursive: true });
  for (const f of files) {
    writeFileSync(join(dir, f.path), f.content, { flag: 'wx', mode: f.mode });
  }
}
