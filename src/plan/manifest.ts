/**
 * Reading a build back: `manifest.json` (checked, never trusted) and the files it lists. Both
 * sides of a plan go through here: the folder on disk and the build in memory.
 */
import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { PATTERNS } from '../model/naming';
import type { GeneratedFile } from '../emit/templates';
import { readSchema, summaryCopy, summarySchema, type HostSummary, type Manifest } from './manifest-schema';

export { MANIFEST_FORMAT, type Manifest } from './manifest-schema';

/** A relative path of the output folder: plain segments, no `..`, nothing absolute. */
export const SAFE_PATH = /^(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/;

export interface BuildRecord {
  ring: string;
  version: string;
  tunnel?: string;
  stp?: string;
  root?: string | null;
  blocked: string[];
  overlayMtu?: number;
  /** Host names in manifest order; each with its structured summary when the manifest has one. */
  hosts: Map<string, { summary?: HostSummary }>;
  /** The manifest's format: 1 for manifests written before formats were numbered. */
  format: number;
  /** Every file of the build, by relative path (manifest.json included). */
  files: Set<string>;
  /** SHA-256 (hex) of each file's content as written, manifest.json aside; empty in format 1. */
  hashes: Map<string, string>;
  /** Content and mode of a file of the build, undefined when absent. */
  read(path: string): { content: string; mode: number } | undefined;
}

export type Parsed = { record: BuildRecord; ignored: string[] } | { error: string };

/** What a manifest holds, as its schema reads it (of any format). */
export type ManifestData = z.infer<typeof readSchema>;

/** Parses manifest text; `read` supplies the files it lists. */
export function parseManifest(text: string, read: BuildRecord['read']): Parsed {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { error: `not JSON (${(e as Error).message})` };
  }
  const m = readSchema.safeParse(json);
  if (!m.success) return { error: `not a ringgen manifest (${m.error.issues.map((i) => `${i.path.join('.') || 'top'}: ${i.message}`).join('; ')})` };
  return recordOf(m.data, read, (entry) => {
    const s = summarySchema.safeParse(entry);
    return s.success ? s.data : undefined;
  });
}

/** The record of checked manifest data; `summaryOf` reads a host's summary from its entry, when it has one. */
function recordOf(d: Omit<ManifestData, 'hosts'> & { hosts: Record<string, unknown> }, read: BuildRecord['read'], summaryOf: (entry: unknown) => HostSummary | undefined): { record: BuildRecord; ignored: string[] } {
  const ignored: string[] = [];
  const hosts = new Map<string, { summary?: HostSummary }>();
  for (const [name, entry] of Object.entries(d.hosts)) {
    if (!PATTERNS.host.test(name)) {
      ignored.push(`host ${JSON.stringify(name)}`);
      continue;
    }
    const summary = summaryOf(entry);
    hosts.set(name, summary ? { summary } : {});
  }
  const files = new Set<string>();
  for (const f of d.files) {
    if (SAFE_PATH.test(f)) files.add(f);
    else ignored.push(`file ${JSON.stringify(f)}`);
  }
  const hashes = new Map(Object.entries(d.sha256 ?? {}).filter(([p]) => files.has(p)));
  const record: BuildRecord = {
    ring: d.ring,
    version: d.version,
    format: d.format ?? 1,
    hashes,
    blocked: (d.blocked ?? []).map((b) => `${b.tunnel} (${b.between.join('-')})`),
    hosts,
    files,
    read,
    ...(d.tunnel !== undefined ? { tunnel: d.tunnel } : {}),
    ...(d.stp !== undefined ? { stp: d.stp } : {}),
    ...(d.root !== undefined ? { root: d.root } : {}),
    ...(d.overlayMtu !== undefined ? { overlayMtu: d.overlayMtu } : {}),
  };
  return { record, ignored };
}

/** What each manifest file a build made was made from, while its text is unchanged. */
const madeFrom = new WeakMap<GeneratedFile, { content: string; data: Manifest }>();

/** The `manifest.json` of a build, from its data; reading the build back (`recordOfBuild`) then takes the data, not the text. */
export function manifestFile(data: Manifest): GeneratedFile {
  const file: GeneratedFile = { path: 'manifest.json', content: `${JSON.stringify(data, null, 2)}\n`, mode: 0o644 };
  madeFrom.set(file, { content: file.content, data });
  return file;
}

/** The build in memory, read back like a folder. */
export function recordOfBuild(files: readonly GeneratedFile[]): BuildRecord {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const read = (p: string) => byPath.get(p);
  const file = byPath.get('manifest.json')!;
  const made = madeFrom.get(file);
  // A manifest this process made (and nobody changed since) is its data: a 2,000-host ring's is
  // 6 MB of JSON, which need not be parsed and checked again. Its summaries are copied field by
  // field, as the schema's parse would.
  if (made && made.content === file.content) return recordOf(made.data, read, (entry) => summaryCopy(entry as HostSummary)).record;
  const parsed = parseManifest(file.content, read);
  if ('error' in parsed) throw new Error(`ringgen's own manifest does not parse: ${parsed.error}`);
  return parsed.record;
}

/** Whether every folder on the way to `p` inside `dir` is a real folder and `p` a regular file: no symbolic link is followed. */
export function isPlainFile(dir: string, p: string): boolean {
  let at = dir;
  const parts = p.split('/');
  for (const [i, part] of parts.entries()) {
    at = join(at, part);
    let st;
    try {
      st = lstatSync(at);
    } catch {
      return false;
    }
    if (i === parts.length - 1 ? !st.isFile() : !st.isDirectory()) return false;
  }
  return true;
}

/** Reads a file of the output folder; a path that is not plain, or leads through a symbolic link, reads as absent. */
export function folderReader(outDir: string): BuildRecord['read'] {
  return (p) => {
    if (!SAFE_PATH.test(p) || !isPlainFile(outDir, p)) return undefined;
    const full = join(outDir, p);
    return { content: readFileSync(full, 'utf8'), mode: lstatSync(full).mode & 0o777 };
  };
}

/** The build an output folder holds, read back from its manifest (`readPrevious`), or why there is none. */
export type Previous =
  | { state: 'none' }
  | { state: 'unreadable'; reason: string }
  | { state: 'read'; record: BuildRecord; ignored: string[] };

/** The previous build in outDir, as far as its manifest tells. */
export function readPrevious(outDir: string): Previous {
  const path = join(outDir, 'manifest.json');
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return { state: 'none' };
  }
  if (!st.isFile()) return { state: 'unreadable', reason: st.isSymbolicLink() ? 'manifest.json is a symbolic link (ringgen never writes one)' : 'manifest.json is not a regular file' };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return { state: 'unreadable', reason: (e as Error).message };
  }
  const parsed = parseManifest(text, folderReader(outDir));
  return 'error' in parsed ? { state: 'unreadable', reason: parsed.error } : { state: 'read', ...parsed };
}
