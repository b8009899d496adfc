/**
 * The kernel lab: the lab's rings run on Open vSwitch's kernel datapath, ringgen's default, inside a
 * QEMU VM that boots Debian's own kernel (this machine's kernel has no OVS module) on this
 * machine's userspace (test/lab/vm.sh). The ring files run here, in a vitest of their own at this
 * machine's speed, with LAB_DATAPATH=system and LAB_VM_PORT: the harness sends every command to
 * the VM's agent (`vm.sh serve`), so only the lab's own commands run emulated. This file asserts
 * on that vitest's JSON report and exit code; a failure prints its log, which holds the lab's dump
 * of every host. Needs root, qemu-system-x86 and the prepared kernel (`bash test/lab/vm.sh
 * prepare`); skips loudly elsewhere, fails under CI=true.
 *
 * Two sizes (KERNEL_LAB_RINGS):
 * - `ci` (the default; `npm test` runs it): ring.test.ts with LAB_RING_CHECKS=ci, the original's
 *   four hosts over GRE and its tests 1 (matrix, TCP, isolation), 2 (overlay MTU), 3 (published
 *   ports, a non-peer's GRE dropped by ringgen's rule), 7 (down.sh), up.sh and down.sh on two hosts
 *   at a time (about 7-10 minutes here); then ipsec.test.ts, the same four hosts with IPsec on
 *   every tunnel (a pre-shared key), without its tests 4, 8 and 8b (each an up.sh on every host):
 *   about 15-20 minutes more.
 * - `full`: every test of ring.test.ts (the original's ring, changed, cut, restarted),
 *   ipsec.test.ts (with certificates too) and vxlan.test.ts (six hosts, VXLAN, a chord, then the
 *   same ring with IPsec and certificates), one host at a time.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labPrerequisites } from './harness';

const VM_SH = join(__dirname, 'vm.sh');
const REPO = join(__dirname, '..', '..');
/** The VM runs 5-20x slower than this machine (pure emulation): its lab scales waits and bounds by this. */
const SLOWDOWN = process.env.KERNEL_LAB_SLOWDOWN ?? '5';
/**
 * BFD interval of the rings in the VM. At ringgen's 50 ms a session is declared down after 150 ms
 * without a packet, which emulated switches miss (docs/lab.md, "The kernel lab"); at 300 ms every
 * tunnel still flapped while the VM ran four up.sh on a busy machine (flap counts near 30 in two
 * minutes). 1000 ms (down after 3 s) is what the runs since use; a real fault of the datapath
 * still shows at any interval, and the ring test prints every BFD session that went down.
 */
const BFD_INTERVAL = process.env.KERNEL_LAB_BFD_INTERVAL ?? '1000';
const RINGS = process.env.KERNEL_LAB_RINGS ?? 'ci';
if (RINGS !== 'ci' && RINGS !== 'full') throw new Error(`KERNEL_LAB_RINGS must be ci or full, not '${RINGS}'`);
const CI_RINGS = RINGS === 'ci';
const FILES = (process.env.KERNEL_LAB_FILES ?? (CI_RINGS ? 'test/lab/ring.test.ts test/lab/ipsec.test.ts' : 'test/lab/ring.test.ts test/lab/ipsec.test.ts test/lab/vxlan.test.ts')).split(/\s+/).filter(Boolean);
/** The tests LAB_RING_CHECKS=ci leaves in ring.test.ts (their numbers). */
const CI_TESTS = ['1', '2', '3', '7'];
/** The tests LAB_RING_CHECKS=ci leaves in ipsec.test.ts. */
const CI_IPSEC_TESTS = ['1', '2', '3', '5', '6', '7', '9'];
/** QEMU is killed after this long (vm.sh's VM_TIMEOUT): a hung run in CI ends within CI's budget. */
const VM_TIMEOUT_S = Number(process.env.KERNEL_LAB_TIMEOUT ?? (CI_RINGS ? '3600' : '7200'));
/**
 * Hosts whose up.sh/down.sh run at once in the VM (LAB_HOSTS_AT_ONCE): two in the CI run (the VM
 * has two CPUs), one in the full run, whose outage figures want a quiet VM.
 */
const AT_ONCE = process.env.KERNEL_LAB_AT_ONCE ?? (CI_RINGS ? '2' : '1');
/** The ring files' environment in the VM's run. */
const RUN_ENV: Record<string, string> = {
  LAB_DATAPATH: 'system',
  LAB_SLOWDOWN: SLOWDOWN,
  LAB_BFD_INTERVAL: BFD_INTERVAL,
  LAB_HOSTS_AT_ONCE: AT_ONCE,
  ...(CI_RINGS ? { LAB_RING_CHECKS: 'ci' } : {}),
  // One ring file: the VM powers off after it, no lab.sh down there. With more, each lab goes down
  // before the next file's comes up (a lab left up keeps its switches, dockerds and BFD sessions
  // busy on the VM's two CPUs beside the next one).
  ...(FILES.length === 1 ? { LAB_VM_NO_DOWN: '1' } : {}),
};

/** This process's environment without the variables of the vitest it runs in (the child is a vitest of its own). */
const withoutVitest = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv => Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('VITEST') && k !== 'TEST'));

/** What the VM needs besides the lab's own prerequisites. */
export function kernelLabMissing(): string[] {
  const missing = labPrerequisites().missing;
  const r = spawnSync('bash', [VM_SH, 'available'], { encoding: 'utf8' });
  if (r.status !== 0) missing.push(r.stdout.trim() || r.stderr.trim() || 'vm.sh available failed');
  return [...new Set(missing)];
}

function kernelLabAvailable(): boolean {
  if (process.env.LAB_DATAPATH === 'system') return false; // already inside the VM
  const missing = kernelLabMissing();
  if (missing.length === 0) return true;
  if (process.env.CI === 'true') return true;
  const line = '!'.repeat(78);
  console.warn(
    `\n${line}\n!! KERNEL LAB SKIPPED: ${missing.join('; ')}\n` +
      `!! Needs root, apt-get install --no-install-recommends qemu-system-x86, and\n` +
      `!! bash test/lab/vm.sh prepare. Under CI=true this fails instead of skipping.\n${line}\n`,
  );
  return false;
}

interface VitestReport {
  success: boolean;
  numTotalTests: number;
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  testResults: Array<{ name: string; status: string; message?: string; assertionResults: Array<{ title: string; status: string; duration?: number; failureMessages: string[] }> }>;
}

describe.runIf(kernelLabAvailable())('kernel lab: the rings on the kernel datapath, in a VM', () => {
  let share = '';
  let rc = -1;
  let seconds = 0;
  let bootSeconds = 0;
  let vmRc = -1;
  let report: VitestReport | undefined;
  let runLog = '';
  const tail = (s: string, n: number) => s.split('\n').slice(-n).join('\n');

  beforeAll(async () => {
    const missing = kernelLabMissing();
    if (missing.length) throw new Error(`the kernel lab cannot run here (CI=true): ${missing.join('; ')}`);
    share = mkdtempSync('/tmp/ringgen-vm-share-');
    const start = Date.now();
    const vm = spawn('bash', [VM_SH, 'serve', share], {
      cwd: REPO,
      env: { ...process.env, VM_TIMEOUT: String(VM_TIMEOUT_S) },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const vmDone = new Promise<number>((resolve) => vm.on('close', (code) => resolve(code ?? 125)));
    let vmExited = false;
    void vmDone.then(() => (vmExited = true));
    const portFile = join(share, 'port');
    while (!existsSync(portFile) && !vmExited && Date.now() - start < 600_000) await new Promise((r) => setTimeout(r, 500));
    const port = existsSync(portFile) ? readFileSync(portFile, 'utf8').trim() : '';
    bootSeconds = (Date.now() - start) / 1000;
    if (port) {
      // The ring files' own vitest, here; their commands go to the VM.
      rc = await new Promise<number>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          [join(REPO, 'node_modules/vitest/vitest.mjs'), 'run', '--no-file-parallelism', '--reporter=default', '--reporter=json', `--outputFile=${join(share, 'report.json')}`, ...FILES],
          {
            cwd: REPO,
            env: { ...withoutVitest(process.env), ...RUN_ENV, LAB_VM_PORT: port, LAB_VM_SHARE: share },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        const timer = setTimeout(() => child.kill('SIGTERM'), VM_TIMEOUT_S * 1000);
        const keep = (d: Buffer, to: NodeJS.WriteStream) => {
          runLog += d.toString('utf8');
          to.write(d);
        };
        child.stdout.on('data', (d: Buffer) => keep(d, process.stdout));
        child.stderr.on('data', (d: Buffer) => keep(d, process.stderr));
        child.on('error', reject);
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve(code ?? 125);
        });
      });
    } else {
      runLog = `the VM's agent did not answer within ${bootSeconds.toFixed(0)} s`;
    }
    writeFileSync(join(share, 'stop'), '0\n');
    const vmTimer = setTimeout(() => vm.kill('SIGTERM'), 120_000);
    vmRc = await vmDone;
    clearTimeout(vmTimer);
    seconds = (Date.now() - start) / 1000;
    if (existsSync(join(share, 'report.json'))) report = JSON.parse(readFileSync(join(share, 'report.json'), 'utf8')) as VitestReport;
    // The figures the lab printed, for the record.
    const figures = runLog.split('\n').filter((l) => /^lab( vxlan)?[ :(]/.test(l));
    // A host lost, with and without IPsec, side by side when the run measured both.
    const gaps = figures.filter((l) => /worst gap between replies .*across cut and return of host2/.test(l));
    if (gaps.length > 1) figures.push('host loss, clear and encrypted, in this run:', ...gaps.map((l) => `  ${l}`));
    const durations = (report?.testResults ?? []).flatMap((f) => f.assertionResults.map((a) => `  ${a.status} ${((a.duration ?? 0) / 1000).toFixed(1)} s  ${a.title}`));
    console.log(
      `kernel lab (${RINGS}): VM run took ${seconds.toFixed(0)} s (agent answered after ${bootSeconds.toFixed(0)} s), ring files exit code ${rc}, VM ${vmRc}\n` +
        `${figures.join('\n')}\n${durations.join('\n')}`,
    );
  }, (VM_TIMEOUT_S + 900) * 1000);

  afterAll(() => {
    if (share && process.env.LAB_KEEP !== '1') rmSync(share, { recursive: true, force: true });
  });

  const why = () => {
    const console = existsSync(join(share, 'console.log')) ? readFileSync(join(share, 'console.log'), 'utf8') : '';
    const progress = existsSync(join(share, 'progress.log')) ? readFileSync(join(share, 'progress.log'), 'utf8') : '';
    return `ring files on the kernel datapath (exit ${rc}):\n${tail(runLog, 4000)}\n--- VM progress ---\n${tail(progress, 10)}\n--- console tail ---\n${tail(console, 40)}`;
  };

  it('the VM booted Debian\'s kernel, ran the lab on the kernel datapath and wrote a report', () => {
    expect(report, why()).toBeDefined();
    const console = existsSync(join(share, 'console.log')) ? readFileSync(join(share, 'console.log'), 'utf8') : '';
    expect(console, why()).toMatch(/vm-init: up .* kernel \d/);
  });

  it.each(FILES)('every test of %s passed on the kernel datapath', (file) => {
    const result = report?.testResults.find((r) => r.name.endsWith(file));
    expect(result, why()).toBeDefined();
    const failed = result!.assertionResults.filter((a) => a.status !== 'passed');
    if (failed.length || result!.status !== 'passed') console.error(why());
    expect(failed.map((a) => `${a.title}: ${a.status} ${a.failureMessages.join('\n').slice(0, 2000)}`)).toEqual([]);
    expect(result!.assertionResults.length).toBeGreaterThan(0);
    // The CI run's subset is what it says: the tests 1, 2, 3 and 7 of the ring file, all of them,
    // and those of the IPsec file.
    const numbers = result!.assertionResults.map((a) => a.title.split('.')[0]);
    if (CI_RINGS && file.endsWith('ring.test.ts')) expect(numbers).toEqual(CI_TESTS);
    if (CI_RINGS && file.endsWith('ipsec.test.ts')) expect(numbers).toEqual(CI_IPSEC_TESTS);
    expect(result!.status, result!.message).toBe('passed');
  });

  it('the VM exited 0 and nothing of it is left', () => {
    expect(rc, why()).toBe(0);
    expect(vmRc, why()).toBe(0);
    expect(report?.success).toBe(true);
    const qemu = spawnSync('pgrep', ['-f', `mount_tag=share.*path=${share}|path=${share},mount_tag=share`], { encoding: 'utf8' });
    expect(qemu.stdout.trim(), 'a QEMU of this run still runs').toBe('');
    // This run's temporary directory (vm.sh writes its path to the share), not any other run's.
    const runTmp = existsSync(join(share, 'run-tmp')) ? readFileSync(join(share, 'run-tmp'), 'utf8').trim() : '';
    expect(runTmp, 'vm.sh wrote no run-tmp to the share').toMatch(/^\/tmp\/ringgen-vm\.\w+$/);
    expect(existsSync(runTmp), `vm.sh left its temporary directory ${runTmp}`).toBe(false);
  });
});
