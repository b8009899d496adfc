/**
 * The output folder: a build never loses a file ringgen did not write. It removes only what its
 * own manifest proves it wrote, never follows a symbolic link, refuses files in the way unless
 * forced, takes a lock, and says what a failure part-way left.
 */
import * as fs from 'node:fs';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { writeFailure } from '../src/cli/main';
import { ring } from '../src/input/dsl';
import { buildRing } from '../src/pipeline';
import { readPrevious } from '../src/plan/manifest';
import { makePlan } from '../src/plan/plan';
import { compareOutput, LOCK_FILE, OutputError, writeOutput } from '../src/write/writer';
import { run, tempDir } from './helpers';

/** A rename that fails on one target, to break a build part-way; every other call is the real one. */
const failRename = vi.hoisted(() => ({ on: undefined as string | undefined }));
vi.mock('node:fs', async (original) => {
  const real = await original<typeof import('node:fs')>();
  return {
    ...real,
    renameSync: (from: fs.PathLike, to: fs.PathLike) => {
      if (failRename.on && String(to).endsWith(failRename.on)) throw Object.assign(new Error(`EIO: i/o error, rename '${String(to)}'`), { code: 'EIO' });
      return real.renameSync(from, to);
    },
  };
});
afterEach(() => {
  failRename.on = undefined;
});

function ringOf(hosts: string[]) {
  const r = ring('w');
  hosts.forEach((h, i) => r.host(h, { internal: `10.0.0.${i + 1}` }));
  return r.bridge('br0', { subnet: '192.168.7.0/24' });
}

function files(hosts = ['h1', 'h2', 'h3', 'h4']) {
  const out = buildRing(ringOf(hosts));
  expect(out.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return out.files;
}

/** A folder holding a build of four hosts, written by the writer. */
function built(): string {
  const dir = tempDir();
  writeOutput(dir, files());
  return dir;
}

const read = (p: string) => readFileSync(p, 'utf8');
const thrown = (f: () => unknown): OutputError => {
  try {
    f();
  } catch (e) {
    return e as OutputError;
  }
  throw new Error('expected a throw');
};

describe('what a build removes', () => {
  it("a manifest.json ringgen did not write is in the way, and the files it lists are never removed, even with --force", () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'docs'));
    writeFileSync(join(dir, 'notes.txt'), 'mine\n');
    writeFileSync(join(dir, 'docs/a.md'), 'mine\n');
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ name: 'my app', files: ['notes.txt', 'docs/a.md'] }));
    const e = thrown(() => writeOutput(dir, files()));
    expect(e).toBeInstanceOf(OutputError);
    expect(e.state).toBe('unchanged');
    expect(e.message).toMatch(/manifest\.json is in the way: .*not ringgen's.*--force replaces it/);
    expect(e.message).toContain(`the folder's manifest.json is not ringgen's (it has no "generator": "ringgen")`);
    expect(readdirSync(dir).sort()).toEqual(['docs', 'manifest.json', 'notes.txt']);
    const r = writeOutput(dir, files(), { force: true });
    expect(r.forced.map((o) => o.path)).toEqual(['manifest.json']);
    expect(r.removed).toEqual([]);
    expect(read(join(dir, 'notes.txt'))).toBe('mine\n');
    expect(read(join(dir, 'docs/a.md'))).toBe('mine\n');
    expect(JSON.parse(read(join(dir, 'manifest.json'))).generator).toBe('ringgen');
  });

  it('a host that left: its files and folder go, and are reported; the folder stays when it holds other files', () => {
    const dir = built();
    writeFileSync(join(dir, 'h3/notes.txt'), 'mine\n');
    const r = writeOutput(dir, files(['h1', 'h2']));
    expect(r.goneHosts).toEqual([
      { host: 'h3', ring: 'w', folderRemoved: false },
      { host: 'h4', ring: 'w', folderRemoved: true },
    ]);
    expect(r.removedDirs).toEqual(['h4']);
    // Every file the build wrote for h4 (its scripts, units, rules and lib.sh).
    const h4 = files(['h1', 'h2', 'h3', 'h4']).filter((f) => f.path.startsWith('h4/')).length;
    expect(h4).toBeGreaterThan(5);
    expect(r.removed.filter((p) => p.startsWith('h4/')).length).toBe(h4);
    expect(existsSync(join(dir, 'h4'))).toBe(false);
    expect(readdirSync(join(dir, 'h3'))).toEqual(['notes.txt']);
    expect(r.left).toEqual([]);
  });

  it('a symbolic link inside the folder is never followed for a delete: the file outside stays, the link is left and reported', () => {
    const dir = built();
    const outside = tempDir();
    writeFileSync(join(outside, 'precious'), 'outside\n');
    fs.rmSync(join(dir, 'h4/up.sh'));
    symlinkSync(join(outside, 'precious'), join(dir, 'h4/up.sh'));
    mkdirSync(join(outside, 'h3'));
    writeFileSync(join(outside, 'h3/down.sh'), 'outside\n');
    fs.rmSync(join(dir, 'h3'), { recursive: true });
    symlinkSync(join(outside, 'h3'), join(dir, 'h3'));
    const r = writeOutput(dir, files(['h1', 'h2']));
    expect(read(join(outside, 'precious'))).toBe('outside\n');
    expect(read(join(outside, 'h3/down.sh'))).toBe('outside\n');
    expect(readlinkSync(join(dir, 'h4/up.sh'))).toBe(join(outside, 'precious'));
    expect(r.left).toContainEqual({ path: 'h4/up.sh', why: 'it is a symbolic link' });
    expect(r.left).toContainEqual({ path: 'h3/down.sh', why: 'h3 is a symbolic link' });
    expect(r.removed.some((p) => p.startsWith('h3/'))).toBe(false);
  });

  it('a file changed since ringgen wrote it is kept (its hash differs); a path the manifest gives outside the folder is never touched', () => {
    const dir = built();
    const outside = tempDir();
    writeFileSync(join(outside, 'x'), 'outside\n');
    writeFileSync(join(dir, 'h4/up.sh'), `${read(join(dir, 'h4/up.sh'))}# my change\n`);
    const manifest = JSON.parse(read(join(dir, 'manifest.json')));
    manifest.files.push(`../${outside.split('/').pop()}/x`, join(outside, 'x'));
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const r = writeOutput(dir, files(['h1', 'h2', 'h3']));
    expect(r.left).toContainEqual({ path: 'h4/up.sh', why: 'changed since ringgen wrote it' });
    expect(r.left.filter((l) => l.why === 'not a plain path inside the folder').length).toBe(2);
    expect(existsSync(join(dir, 'h4/up.sh'))).toBe(true);
    expect(existsSync(join(dir, 'h4/down.sh'))).toBe(false);
    expect(read(join(outside, 'x'))).toBe('outside\n');
  });

  it('a folder of the previous build in format 1 (no hashes) is still read: files with the header go, others stay; plan reads it too', () => {
    const dir = built();
    const manifest = JSON.parse(read(join(dir, 'manifest.json')));
    delete manifest.format;
    delete manifest.sha256;
    writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    writeFileSync(join(dir, 'h4/up.sh'), 'echo not from ringgen\n');
    const previous = readPrevious(dir);
    expect(previous.state).toBe('read');
    const plan = makePlan(previous, files(['h1', 'h2', 'h3']), dir);
    expect(plan.hosts.find((h) => h.host === 'h4')!.status).toBe('removed');
    const r = writeOutput(dir, files(['h1', 'h2', 'h3']));
    expect(r.left).toEqual([{ path: 'h4/up.sh', why: "it does not carry ringgen's header" }]);
    // All of h4's files but the one without the header.
    const h4 = files(['h1', 'h2', 'h3', 'h4']).filter((f) => f.path.startsWith('h4/')).length;
    expect(r.removed.filter((p) => p.startsWith('h4/')).length).toBe(h4 - 1);
    expect(JSON.parse(read(join(dir, 'manifest.json'))).format).toBe(2);
  });
});

describe('what a build writes', () => {
  it('a file it did not write where it writes is refused before anything is written, naming it and --force; --force replaces it', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'deploy.sh'), 'my deploy\n');
    writeFileSync(join(dir, 'inventory.yml'), 'my inventory\n');
    const e = thrown(() => writeOutput(dir, files(), { shown: 'out' }));
    expect(e.message).toContain("out/deploy.sh is in the way: a file ringgen did not write: ringgen has not built into this folder before (it has no manifest.json); --force replaces it");
    expect(e.message).toContain('out/inventory.yml is in the way');
    expect(readdirSync(dir).sort()).toEqual(['deploy.sh', 'inventory.yml']);
    expect(read(join(dir, 'deploy.sh'))).toBe('my deploy\n');
    writeOutput(dir, files(), { force: true });
    expect(read(join(dir, 'deploy.sh'))).toMatch(/Generated by ringgen/);
  });

  it('a file added beside a previous build, where the new build writes, is refused too', () => {
    const dir = built();
    const before = read(join(dir, 'manifest.json'));
    mkdirSync(join(dir, 'h5'));
    writeFileSync(join(dir, 'h5/up.sh'), 'mine\n');
    const e = thrown(() => writeOutput(dir, files(['h1', 'h2', 'h3', 'h4', 'h5'])));
    expect(e.message).toMatch(/h5\/up\.sh is in the way: .*previous manifest does not list it/);
    expect(read(join(dir, 'manifest.json'))).toBe(before);
    expect(readdirSync(join(dir, 'h5'))).toEqual(['up.sh']);
  });

  it('writes never follow a symbolic link: a host folder or a file that is a link is refused; --force replaces the link itself', () => {
    const dir = tempDir();
    const outside = tempDir();
    writeFileSync(join(outside, 'precious'), 'outside\n');
    symlinkSync(outside, join(dir, 'h1'));
    symlinkSync(join(outside, 'precious'), join(dir, 'deploy.sh'));
    const e = thrown(() => writeOutput(dir, files()));
    expect(e.message).toMatch(/h1 is in the way: a symbolic link \(ringgen never writes through one\); --force replaces it/);
    expect(e.message).toMatch(/deploy\.sh is in the way: a symbolic link/);
    expect(readdirSync(dir).sort()).toEqual(['deploy.sh', 'h1']);
    writeOutput(dir, files(), { force: true });
    expect(readdirSync(outside)).toEqual(['precious']);
    expect(read(join(outside, 'precious'))).toBe('outside\n');
    expect(lstatSync(join(dir, 'h1')).isDirectory()).toBe(true);
    expect(lstatSync(join(dir, 'deploy.sh')).isFile()).toBe(true);
  });

  it('the output folder itself may be a link: the build lands in the folder it names', () => {
    const real = tempDir();
    const dir = join(tempDir(), 'out');
    symlinkSync(real, dir);
    writeOutput(dir, files());
    expect(existsSync(join(real, 'h1/up.sh'))).toBe(true);
  });

  it('build --check does not take a link for a file, nor count a foreign manifest\'s files as its own', () => {
    const dir = built();
    const outside = tempDir();
    fs.renameSync(join(dir, 'h1/up.sh'), join(outside, 'up.sh'));
    symlinkSync(join(outside, 'up.sh'), join(dir, 'h1/up.sh'));
    expect(compareOutput(dir, files()).changed).toEqual(['h1/up.sh']);
    const foreign = tempDir();
    writeFileSync(join(foreign, 'mine.txt'), 'x');
    writeFileSync(join(foreign, 'manifest.json'), JSON.stringify({ files: ['mine.txt'] }));
    expect(compareOutput(foreign, files()).extra).toEqual([]);
  });

  it('plan reads no file through a link', () => {
    const dir = built();
    const outside = tempDir();
    writeFileSync(join(outside, 'secret'), 'outside\n');
    fs.rmSync(join(dir, 'h1/iptables.rules'));
    symlinkSync(join(outside, 'secret'), join(dir, 'h1/iptables.rules'));
    const previous = readPrevious(dir);
    expect(previous.state === 'read' && previous.record.read('h1/iptables.rules')).toBe(undefined);
  });
});

describe('the lock', () => {
  it('a second build while one holds the lock refuses, naming it, and writes nothing', () => {
    const dir = tempDir();
    writeFileSync(join(dir, LOCK_FILE), `${process.pid} ${hostname()}\n`);
    const e = thrown(() => writeOutput(dir, files(), { shown: 'out' }));
    expect(e.state).toBe('busy');
    expect(writeFailure(e, 'out')).toMatch(/^ringgen: another ringgen build .*; nothing written$/);
    expect(e.message).toBe(`another ringgen build (pid ${process.pid} on ${hostname()}) is writing into out: run this one when it has finished (if none is running, remove out/${LOCK_FILE})`);
    expect(readdirSync(dir)).toEqual([LOCK_FILE]);
  });

  it('the lock of a build that died is cleared; a build leaves no lock behind, also when refused', () => {
    const dir = tempDir();
    const dead = run('sh', ['-c', 'echo $$']).stdout.trim();
    writeFileSync(join(dir, LOCK_FILE), `${dead} ${hostname()}\n`);
    const r = writeOutput(dir, files());
    expect(r.staleLock).toBe(Number(dead));
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    writeFileSync(join(dir, 'ring.svg'), 'mine');
    fs.rmSync(join(dir, 'manifest.json'));
    expect(() => writeOutput(dir, files())).toThrow(/in the way/);
    expect(readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]);
  });
});

describe('a failure part-way', () => {
  it('says which files are new and which still old, and never "nothing written"', () => {
    const dir = built();
    const oldManifest = read(join(dir, 'manifest.json'));
    const now = buildRing(ringOf(['h1', 'h2', 'h3', 'h4']).bridge('br1', { subnet: '192.168.8.0/24' })).files;
    failRename.on = '/h2/up.sh';
    const e = thrown(() => writeOutput(dir, now));
    expect(e).toBeInstanceOf(OutputError);
    expect(e.state).toBe('partial');
    expect(e.placed).toContain('h1/up.sh');
    expect(e.pending).toContain('h2/up.sh');
    expect(e.pending.at(-1)).toBe('manifest.json');
    expect(read(join(dir, 'manifest.json'))).toBe(oldManifest);
    expect(read(join(dir, 'h1/up.sh'))).toBe(now.find((f) => f.path === 'h1/up.sh')!.content);
    const text = writeFailure(e, 'out');
    expect(text).not.toMatch(/nothing written/);
    expect(text).toMatch(/half updated\. New: .*out\/h1\/up\.sh/);
    expect(text).toMatch(/Still the previous build's \(or missing\): .*out\/h2\/up\.sh.*out\/manifest\.json\./);
    expect(readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('a failure before the first file is replaced leaves the folder as it was, and says so', () => {
    const dir = tempDir();
    failRename.on = '/deploy.sh';
    const e = thrown(() => writeOutput(dir, files()));
    expect(e.state).toBe('unchanged');
    expect(readdirSync(dir)).toEqual([]);
    expect(writeFailure(e, 'out')).toMatch(/nothing written \(out is as it was\)/);
  });

  it('a link --force replaced before the failure is a change: the folder is not called unchanged', () => {
    const dir = tempDir();
    const outside = tempDir();
    symlinkSync(outside, join(dir, 'h1'));
    failRename.on = '/h1/check.sh';
    const e = thrown(() => writeOutput(dir, files().filter((f) => f.path.startsWith('h1/')), { force: true }));
    expect(e.state).toBe('partial');
    expect(e.placed).toEqual(['h1 (was a symbolic link)']);
    expect(readdirSync(outside)).toEqual([]);
  });
});
