/**
 * The work a build does per host and per file, counted rather than timed (`npm run bench:build`
 * times a 2,000-host ring): each host's view is made once, the build's own manifest is not parsed
 * back, and planning the output folder reads each folder once instead of looking up every path.
 */
import { mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ring } from '../src/input/dsl';
import { find, FolderSnapshot, planFolder } from '../src/write/output-folder';
import { buildRing } from '../src/pipeline';
import { hostView } from '../src/emit/host-view';
import { parseManifest, recordOfBuild } from '../src/plan/manifest';
import { writeOutput } from '../src/write/writer';
import { run, tempDir } from './helpers';

/** Counts the calls of the file system's look-ups; every call is the real one. */
const calls = vi.hoisted(() => ({ lstat: 0, readdir: 0 }));
vi.mock('node:fs', async (original) => {
  const real = await original<typeof import('node:fs')>();
  return {
    ...real,
    lstatSync: (...args: Parameters<typeof real.lstatSync>) => {
      calls.lstat++;
      return real.lstatSync(...args);
    },
    readdirSync: (...args: Parameters<typeof real.readdirSync>) => {
      calls.readdir++;
      return real.readdirSync(...args);
    },
  };
});
vi.mock('../src/emit/host-view', async (original) => {
  const real = await original<typeof import('../src/emit/host-view')>();
  return { ...real, hostView: vi.fn(real.hostView) };
});
afterEach(() => {
  vi.restoreAllMocks();
});

const HOSTS = 30;

function wide(hosts = HOSTS) {
  const r = ring('wide');
  for (let h = 1; h <= hosts; h++) r.host(`host${h}`, { internal: `10.20.0.${h}` });
  r.bridge('br0', { subnet: '10.200.0.0/16' });
  for (let h = 1; h <= hosts; h++) r.container('app', { host: `host${h}`, bridge: 'br0', ip: `10.200.1.${h}`, image: 'nginx:1.27' });
  // Two hubs, as in the benchmark's 2,000-host ring: any host is two hops from the root, also after a loss.
  for (let h = 3; h <= hosts; h++) {
    if (h !== hosts) r.tunnel(`a${h}`, 'host1', `host${h}`);
    if (h !== 3) r.tunnel(`b${h}`, 'host2', `host${h}`);
  }
  return r;
}

/** One build, shared by the tests (the first counts the views it makes). */
let shared: ReturnType<typeof buildRing> | undefined;
function built() {
  if (!shared) {
    vi.mocked(hostView).mockClear();
    shared = buildRing(wide());
  }
  return shared;
}

describe('the work of a build', () => {
  it('makes each host view once, for its files and for its summary in the manifest', () => {
    shared = undefined;
    const { diagnostics, files } = built();
    expect(diagnostics).toEqual([]);
    expect(files.length).toBeGreaterThan(HOSTS * 9);
    expect(vi.mocked(hostView)).toHaveBeenCalledTimes(HOSTS);
  });

  it('reads its own manifest back from the data it was made from, the same as parsing its text', () => {
    const { files } = built();
    const manifest = files.find((f) => f.path === 'manifest.json')!;
    const parse = vi.spyOn(JSON, 'parse');
    const record = recordOfBuild(files);
    expect(parse.mock.calls.filter(([text]) => text === manifest.content)).toHaveLength(0);
    parse.mockRestore();
    const parsed = parseManifest(manifest.content, record.read);
    if ('error' in parsed) throw new Error(parsed.error);
    expect(parsed.ignored).toEqual([]);
    expect(record).toEqual(parsed.record);
    expect(record.hosts.get('host1')!.summary!.tunnels.length).toBe(HOSTS - 1);
    // A manifest changed after the build is its text again.
    const edited = files.map((f) => (f === manifest ? { ...f, content: manifest.content.replace('"ring": "wide"', '"ring": "edited"') } : f));
    expect(recordOfBuild(edited).ring).toBe('edited');
  });

  it('plans an output folder with a read per folder, not a look-up per path and folder on its way', () => {
    const { files } = built();
    const fresh = tempDir();
    calls.lstat = calls.readdir = 0;
    let plan = planFolder(fresh, files);
    expect(plan.obstacles).toEqual([]);
    // The root's listing, and one look-up of each name it lacks (a host's folder, a top-level file):
    // a look-up per path would be ten times that.
    expect(calls.readdir + calls.lstat).toBeLessThanOrEqual(HOSTS + 10);
    writeOutput(fresh, files);
    calls.lstat = calls.readdir = 0;
    plan = planFolder(fresh, files);
    expect(plan.obstacles).toEqual([]);
    expect(plan.edited).toEqual([]);
    // The root, each host's folder, and manifest.json (readPrevious); none per file.
    expect(calls.readdir).toBeLessThanOrEqual(HOSTS + 1);
    expect(calls.lstat).toBeLessThanOrEqual(5);
  });

  it('writes each file from its text, without a Buffer copy of it, with its mode and content', () => {
    const { files } = built();
    const dir = tempDir();
    const from = vi.spyOn(Buffer, 'from');
    writeOutput(dir, files);
    const contents = new Set(files.map((f) => f.content));
    expect(from.mock.calls.filter(([value]) => typeof value === 'string' && contents.has(value))).toHaveLength(0);
    from.mockRestore();
    for (const f of files) {
      expect(readFileSync(join(dir, f.path), 'utf8'), f.path).toBe(f.content);
      expect(statSync(join(dir, f.path)).mode & 0o777, f.path).toBe(f.mode);
    }
  });

  it('sees what find sees: files, folders, links on the way, special files, files where a folder goes', () => {
    const root = tempDir();
    mkdirSync(join(root, 'a/b'), { recursive: true });
    writeFileSync(join(root, 'a/f'), '');
    writeFileSync(join(root, 'a/b/g'), '');
    symlinkSync('b', join(root, 'a/l'));
    symlinkSync('nowhere', join(root, 'dangling'));
    expect(run('mkfifo', [join(root, 'a/p')]).status).toBe(0);
    const paths = ['a', 'a/f', 'a/b', 'a/b/g', 'a/b/none', 'a/l', 'a/l/g', 'a/p', 'a/p/x', 'a/f/x', 'dangling', 'dangling/x', 'none', 'none/x', 'a/b/g/x/y'];
    const snapshot = new FolderSnapshot(root);
    for (const p of paths) expect(snapshot.find(p), p).toEqual(find(root, p));
  });
});
