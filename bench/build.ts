/**
 * Build speed: times `ringgen build FILE --out DIR` as a whole process (node start, CLI,
 * type-check, checks, rendering, writing) on the original's example and on 40-host rings
 * (the longest ring one spanning tree serves) with 25, 250 and 1,000 containers per host, and on
 * a ring of 2,000 hosts with two hubs.
 * The ring files are written into a temp folder the way a user writes a big ring: a
 * `.ring.ts` file with `ring()` and `for` loops, importing from 'ringgen'.
 *
 *   npm run bench:build                          # 5 trials (3 for 40,000 containers)
 *   npm run bench:build -- --trials 3
 *   npm run bench:build -- --baseline DIR        # also time the ringgen in DIR, interleaved, and print ratios
 *   npm run bench:build -- --installed --only seed   # ringgen as a user has it: packed, installed offline
 *
 * With --installed, this checkout (and the baseline, when it is a checkout) is packed (`npm pack`)
 * and installed from the tarball into an empty folder (`npm install --offline`), as a user installs
 * it, and that copy is timed: no lockfile pins what the dependencies resolve to there.
 * --only LABELS (comma-separated: seed, 1000, 10000, 40000, 2000-hosts) runs only those cases.
 * Every seed trial also times `node -e 0` (node's own start) beside it, and the seed's median is
 * printed as a ratio of that: the figure moves less with the machine's load than seconds do.
 *
 * Each ringgen keeps V8's code cache (src/code-cache.ts) in its own folder of the bench, warmed
 * by an untimed first run, as a user's second build finds it.
 *
 * Peak memory is the child's maximum resident set size, and CPU the child's user + system
 * seconds, from GNU time (`/usr/bin/time`, Debian package `time`). With --baseline, the ratios
 * are the baseline's median over this checkout's (above 1: this checkout is faster). The last
 * line is the summary:
 *   build: seed <s>s, 1000 containers <s>s, 10000 containers <s>s, 40000 containers <s>s, 2000 hosts <s>s (<r>x the seed)
 * The 2,000-host ring (two hubs carry it, see wideRingSource) must build, picture included, in at
 * most 20 times the seed's time in the same run; the line before the summary prints the ratio.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
const GNU_TIME = '/usr/bin/time';
const HOSTS = 40;
const BRIDGES = 4;

interface Case {
  label: string;
  containers: number;
  file: string;
  trials: number;
}

interface Sample {
  seconds: number;
  /** Peak RSS in MiB, when GNU time is there. */
  rssMiB: number | undefined;
  /** User + system CPU seconds of the child (steadier than wall time on a busy machine), when GNU time is there. */
  cpu: number | undefined;
}

/** A 40-host ring written as a user would: loops over hosts, bridges and containers. */
export function ringSource(perHost: number): string {
  return `// ${HOSTS} hosts, ${BRIDGES} bridges (/16 each), ${perHost} containers per host.
import { ring } from 'ringgen';

const HOSTS = ${HOSTS};
const BRIDGES = ${BRIDGES};
const PER_HOST = ${perHost};

const r = ring('bench', { tunnel: 'gre' });
for (let h = 1; h <= HOSTS; h++) {
  r.host(\`host\${h}\`, { internal: \`10.20.0.\${h}\`, external: \`198.51.100.\${h}\` });
}
for (let b = 0; b < BRIDGES; b++) {
  r.bridge(\`br\${b}\`, { subnet: \`10.\${100 + b}.0.0/16\` });
}
for (let h = 1; h <= HOSTS; h++) {
  for (let i = 0; i < PER_HOST; i++) {
    // Containers start at .100 of each /16; hosts take .1 to .40.
    const n = 100 + (h - 1) * Math.ceil(PER_HOST / BRIDGES) + Math.floor(i / BRIDGES);
    const b = i % BRIDGES;
    r.container(\`app\${i}\`, {
      host: \`host\${h}\`,
      bridge: \`br\${b}\`,
      ip: \`10.\${100 + b}.\${n >> 8}.\${n & 255}\`,
      image: 'nginx:1.27',
      command: ['nginx', '-g', 'daemon off;'],
      env: { ROLE: 'web', INDEX: String(i) },
      gateway: 'host',
      ...(i % 50 === 0 ? { publish: [\`\${8000 + i}:80\`] } : {}),
    });
  }
}

export default r;
`;
}

/** Hosts of the wide ring: more than one spanning tree serves as a plain ring, so two hubs carry it. */
export const WIDE_HOSTS = 2000;

/**
 * A ring of `hosts` hosts that one spanning tree can serve: the ring, plus chords from host1 and
 * host2 to every other host (any host is at most two hops from the root, also after a loss), one
 * container per host. Its picture has a card per host around a circle of some 60,000 px.
 */
export function wideRingSource(hosts: number): string {
  return `// ${hosts} hosts in a ring, with chords from host1 and host2 to every other host; a container per host.
import { ring } from 'ringgen';

const HOSTS = ${hosts};
const ip = (i: number) => \`10.\${20 + (i >> 16)}.\${(i >> 8) & 255}.\${i & 255}\`;

const r = ring('wide', { tunnel: 'gre' });
for (let h = 1; h <= HOSTS; h++) r.host(\`host\${h}\`, { internal: ip(h) });
r.bridge('br0', { subnet: '10.200.0.0/16' });
for (let h = 1; h <= HOSTS; h++) {
  r.container('app', { host: \`host\${h}\`, bridge: 'br0', ip: \`10.200.\${128 + (h >> 8)}.\${h & 255}\`, image: 'nginx:1.27' });
}
for (let h = 3; h <= HOSTS; h++) {
  if (h !== HOSTS) r.tunnel(\`a\${h}\`, 'host1', \`host\${h}\`);
  if (h !== 3) r.tunnel(\`b\${h}\`, 'host2', \`host\${h}\`);
}

export default r;
`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** One `ringgen build` run in a fresh output folder; throws when the build fails. */
function runOnce(bin: string, file: string, work: string): Sample {
  const out = join(work, 'out');
  const rssFile = join(work, 'rss');
  rmSync(out, { recursive: true, force: true });
  rmSync(rssFile, { force: true });
  const withTime = existsSync(GNU_TIME);
  const argv = [bin, 'build', file, '--out', out];
  const [cmd, args] = withTime ? [GNU_TIME, ['-f', '%M %U %S', '-o', rssFile, process.execPath, ...argv]] : [process.execPath, argv];
  const start = performance.now();
  // The code cache (src/code-cache.ts) in the bench's own folder, warmed by the untimed first run.
  const env = { ...process.env, NO_COLOR: '1', RINGGEN_CODE_CACHE: join(work, 'code-cache') };
  const r = spawnSync(cmd, args, { cwd: work, encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024 });
  const seconds = (performance.now() - start) / 1000;
  if (r.status !== 0) throw new Error(`ringgen build ${file} failed (exit ${r.status}):\n${r.stderr}`);
  if (!existsSync(join(out, 'manifest.json'))) throw new Error(`ringgen build ${file} wrote no manifest`);
  const [kib, user, sys] = withTime ? (readFileSync(rssFile, 'utf8').trim().split('\n').pop() ?? '').split(' ').map(Number) : [];
  const known = (x: number | undefined): x is number => x !== undefined && Number.isFinite(x);
  return { seconds, rssMiB: known(kib) ? kib / 1024 : undefined, cpu: known(user) && known(sys) ? user + sys : undefined };
}

/** `node -e 0`: node's own start, timed beside the seed. */
function nodeStart(): number {
  const start = performance.now();
  const r = spawnSync(process.execPath, ['-e', '0']);
  if (r.status !== 0) throw new Error('node -e 0 failed');
  return (performance.now() - start) / 1000;
}

/**
 * Packs a checkout and installs the tarball into an empty folder with no network, as a user
 * installs it; returns the installed copy's folder (node_modules/ringgen).
 */
export function installFromTarball(checkout: string, work: string, name: string): string {
  const dir = join(work, name);
  mkdirSync(join(dir, 'app'), { recursive: true });
  const run = (cmd: string, args: string[], cwd: string) => {
    const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} in ${cwd} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  const packed = run('npm', ['pack', '--silent', '--pack-destination', dir, checkout], dir).trim().split('\n').pop()!;
  writeFileSync(join(dir, 'app', 'package.json'), '{ "name": "bench-app", "private": true }\n');
  const install = (mode: string) => run('npm', ['install', mode, '--no-audit', '--no-fund', '--silent', join(dir, packed)], join(dir, 'app'));
  try {
    install('--offline');
  } catch (e) {
    // npm's cache lacks a dependency: this once, npm may fetch it (ringgen itself never does).
    console.warn(`warning: an offline install failed (${String(e).split('\n')[0]}); installing with --prefer-offline`);
    install('--prefer-offline');
  }
  return join(dir, 'app', 'node_modules', 'ringgen');
}

const CASE_KEYS = ['seed', '1000', '10000', '40000', '2000-hosts'];

function parseArgs(argv: string[]): { trials: number | undefined; baseline: string | undefined; keep: boolean; installed: boolean; only: string[] | undefined } {
  let trials: number | undefined;
  let baseline: string | undefined;
  let keep = false;
  let installed = false;
  let only: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--trials') trials = Number(argv[++i]);
    else if (a === '--baseline') baseline = resolve(argv[++i] ?? '');
    else if (a === '--keep') keep = true;
    else if (a === '--installed') installed = true;
    else if (a === '--only') only = (argv[++i] ?? '').split(',');
    else throw new Error(`unknown argument ${a} (use --trials N, --baseline DIR, --installed, --only ${CASE_KEYS.join(',')}, --keep)`);
  }
  if (trials !== undefined && !(Number.isInteger(trials) && trials > 0)) throw new Error('--trials needs a positive integer');
  const unknown = only?.filter((k) => !CASE_KEYS.includes(k));
  if (unknown?.length) throw new Error(`--only: unknown case ${unknown.join(', ')} (cases: ${CASE_KEYS.join(', ')})`);
  return { trials, baseline, keep, installed, only };
}

const fmt = (s: number) => s.toFixed(2);
const fmtMiB = (xs: Array<number | undefined>) => (xs.every((x) => x !== undefined) ? `${Math.round(median(xs as number[]))} MiB` : 'n/a');
const fmtCpu = (xs: Array<number | undefined>) => (xs.every((x) => x !== undefined) ? `${fmt(median(xs as number[]))} s` : 'n/a');

function main(): void {
  const { trials, baseline, keep, installed, only } = parseArgs(process.argv.slice(2));
  const wanted = (key: string) => !only || only.includes(key);
  for (const dir of [ROOT, baseline]) {
    if (dir && !existsSync(join(dir, 'dist', 'cli', 'main.js'))) throw new Error(`${dir}: dist/ is missing, run npm run build there first`);
  }
  if (!existsSync(GNU_TIME)) console.warn(`warning: ${GNU_TIME} is missing (Debian package "time"): no peak memory figures`);
  const work = mkdtempSync(join(tmpdir(), 'ringgen-bench-'));
  const packageOf = (dir: string, name: string) => (installed && existsSync(join(dir, 'package.json')) ? installFromTarball(dir, work, name) : dir);
  const bin = join(packageOf(ROOT, 'current'), 'bin', 'ringgen.js');
  const baseBin = baseline ? join(packageOf(baseline, 'baseline'), 'bin', 'ringgen.js') : undefined;
  const cases: Case[] = wanted('seed') ? [{ label: 'seed', containers: 4, file: join(ROOT, 'examples', 'original.ring.ts'), trials: trials ?? 5 }] : [];
  for (const perHost of [25, 250, 1000]) {
    if (!wanted(String(HOSTS * perHost))) continue;
    const file = join(work, `ring-${HOSTS}x${perHost}.ring.ts`);
    writeFileSync(file, ringSource(perHost));
    cases.push({ label: `${HOSTS * perHost} containers`, containers: HOSTS * perHost, file, trials: trials ?? (perHost >= 1000 ? 3 : 5) });
  }
  if (wanted('2000-hosts')) {
    const wideFile = join(work, `ring-${WIDE_HOSTS}-hosts.ring.ts`);
    writeFileSync(wideFile, wideRingSource(WIDE_HOSTS));
    cases.push({ label: `${WIDE_HOSTS} hosts`, containers: WIDE_HOSTS, file: wideFile, trials: trials ?? 3 });
  }
  console.log(`ringgen build benchmark: node ${process.version}, ${bin}${baseBin ? ` (baseline ${baseBin})` : ''}${installed ? ', installed from tarballs' : ''}; ring files in ${work}; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const medians = new Map<string, number>();
  const nodeTimes: number[] = [];
  const baseSeed: number[] = [];
  const rows: string[] = [];
  const header = baseBin
    ? '| case | containers | trials | wall min | wall median | CPU median | peak RSS | baseline wall median | baseline CPU median | baseline RSS | wall ratio | CPU ratio |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |'
    : '| case | containers | trials | wall min | wall median | CPU median | peak RSS |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |';
  try {
    for (const c of cases) {
      // One untimed run each, so both read the files from a warm cache.
      runOnce(bin, c.file, work);
      if (baseBin) runOnce(baseBin, c.file, work);
      const mine: Sample[] = [];
      const base: Sample[] = [];
      for (let t = 0; t < c.trials; t++) {
        if (c.label === 'seed') nodeTimes.push(nodeStart());
        mine.push(runOnce(bin, c.file, work));
        if (baseBin) base.push(runOnce(baseBin, c.file, work));
      }
      if (c.label === 'seed') baseSeed.push(...base.map((s) => s.seconds));
      const times = mine.map((s) => s.seconds);
      const med = median(times);
      medians.set(c.label, med);
      const name = c.label === 'seed' ? 'seed (examples/original.ring.ts)' : c.label === `${WIDE_HOSTS} hosts` ? `${WIDE_HOSTS} hosts x 1, two hubs` : `${HOSTS} hosts x ${c.containers / HOSTS}`;
      let row = `| ${name} | ${c.containers} | ${c.trials} | ${fmt(Math.min(...times))} s | ${fmt(med)} s | ${fmtCpu(mine.map((s) => s.cpu))} | ${fmtMiB(mine.map((s) => s.rssMiB))} |`;
      if (baseBin) {
        const baseMed = median(base.map((s) => s.seconds));
        const cpuRatio = mine.every((s) => s.cpu) && base.every((s) => s.cpu) ? `${(median(base.map((s) => s.cpu!)) / median(mine.map((s) => s.cpu!))).toFixed(2)}x` : 'n/a';
        row += ` ${fmt(baseMed)} s | ${fmtCpu(base.map((s) => s.cpu))} | ${fmtMiB(base.map((s) => s.rssMiB))} | ${(baseMed / med).toFixed(2)}x | ${cpuRatio} |`;
      }
      rows.push(row);
      console.error(`  ${c.label}: ${times.map(fmt).join(' ')} s`);
    }
  } finally {
    if (!keep) rmSync(work, { recursive: true, force: true });
  }
  console.log('');
  console.log(header);
  for (const r of rows) console.log(r);
  console.log('');
  const m = (label: string) => (medians.has(label) ? `${fmt(medians.get(label)!)}s` : 'not run');
  if (medians.has('seed')) {
    const node = median(nodeTimes);
    const seed = medians.get('seed')!;
    const vsBase = baseSeed.length ? `, baseline ${fmt(median(baseSeed))}s (${(median(baseSeed) / node).toFixed(1)}x node -e 0; ${(median(baseSeed) / seed).toFixed(2)}x the seed)` : '';
    console.log(`seed ${fmt(seed)}s beside node -e 0 ${fmt(node)}s: ${(seed / node).toFixed(1)}x node's start${vsBase}; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  }
  if (medians.has('40000 containers') && medians.has('10000 containers')) {
    console.log(`ratio 40000/10000 containers: ${(medians.get('40000 containers')! / medians.get('10000 containers')!).toFixed(2)}`);
  }
  const wide = medians.has(`${WIDE_HOSTS} hosts`) && medians.has('seed') ? medians.get(`${WIDE_HOSTS} hosts`)! / medians.get('seed')! : undefined;
  if (wide !== undefined) console.log(`ratio ${WIDE_HOSTS} hosts/seed: ${wide.toFixed(2)} (at most 20)`);
  console.log(`build: seed ${m('seed')}, 1000 containers ${m('1000 containers')}, 10000 containers ${m('10000 containers')}, 40000 containers ${m('40000 containers')}, ${WIDE_HOSTS} hosts ${m(`${WIDE_HOSTS} hosts`)}${wide !== undefined ? ` (${wide.toFixed(1)}x the seed)` : ''}`);
}

if (require.main === module) main();
