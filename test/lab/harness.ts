/**
 * Test-side wrapper around `test/lab/lab.sh`: brings a lab of simulated Docker
 * hosts up and down and runs commands in it. See docs/lab.md.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFiles } from '../helpers';

/** Absolute path of the bash harness. */
export const LAB_SH = join(__dirname, 'lab.sh');

/** The image every lab host has: busybox with sh, ping, nc, ip, httpd...; CMD is `sh`. */
export const LAB_IMAGE = 'ringgen-lab/busybox:1';

/**
 * The datapath the lab's rings run on: `system` (the kernel module) when LAB_DATAPATH=system, as
 * in the kernel lab's VM (`test/lab/vm.sh`; lab.sh then puts the underlay address on eth1 instead
 * of an OVS bridge br-phy), else `netdev` (userspace: this machine's kernel has no OVS module).
 */
export const LAB_DATAPATH: 'system' | 'netdev' = process.env.LAB_DATAPATH === 'system' ? 'system' : 'netdev';

/**
 * How many times slower than this machine the lab runs: LAB_SLOWDOWN (the kernel lab's VM, in pure
 * emulation, sets it), 1 elsewhere. Waits, command timeouts and time bounds are multiplied by it:
 * functional checks keep their meaning, time figures from a slow machine are only upper bounds.
 */
export const LAB_SLOWDOWN = Math.max(1, Number(process.env.LAB_SLOWDOWN ?? '1') || 1);

/** A time bound or wait (ms or s) scaled by LAB_SLOWDOWN. */
export const slow = (t: number): number => t * LAB_SLOWDOWN;

/**
 * The BFD interval (ms) the lab's rings use: LAB_BFD_INTERVAL when set, else ringgen's default
 * (50). The kernel lab's VM sets it: emulation runs 5-20x slower, and BFD at 50 ms (down after
 * 150 ms without a packet) then misses its deadlines and tunnels between healthy hosts flap.
 */
export const LAB_BFD_INTERVAL: number | undefined = process.env.LAB_BFD_INTERVAL ? Number(process.env.LAB_BFD_INTERVAL) : undefined;

/** The ring options every lab ring adds: the lab's datapath and, when set, its BFD interval. */
export function labRingOptions(): { datapath: 'system' | 'netdev'; bfd?: { interval: number } } {
  return { datapath: LAB_DATAPATH, ...(LAB_BFD_INTERVAL ? { bfd: { interval: LAB_BFD_INTERVAL } } : {}) };
}

/** A failover bound (s) measured with BFD at 50 ms, scaled to the lab's BFD interval and slowness. */
export const failoverBound = (s: number): number => slow(s) * Math.max(1, (LAB_BFD_INTERVAL ?? 50) / 50);

export interface LabHostSpec {
  name: string;
  /** Internal (underlay) address with prefix length, put on br-phy. */
  internal: string;
  /** External address with prefix length, put on eth0 (outside bridge). */
  external?: string;
  /**
   * A booted host: systemd as PID 1 under systemd-nspawn in the host's namespace, with Debian's
   * Open vSwitch and Docker services (the lab starts no daemons for it). Commands run inside it.
   */
  boot?: boolean;
  /** false: no dockerd on this host (one that only runs Open vSwitch, as the ring test's rogue). */
  docker?: boolean;
}

export interface LabSpec {
  /** 1-8 of a-z0-9; namespaces are PREFIX-HOST, PREFIX-ul, PREFIX-out, PREFIX-cl. */
  prefix?: string;
  hosts: LabHostSpec[];
  /** Address of the outside client namespace, on the same bridge as the externals. */
  client?: string;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to the command's stdin. */
  input?: string;
  /** Kill the command after this long (times LAB_SLOWDOWN; the result then has code 124). Default 120 s. */
  timeoutMs?: number;
  /** Extra environment variables. */
  env?: Record<string, string>;
  cwd?: string;
  /** Throw (with stdout/stderr in the message) when the exit code is not 0. */
  check?: boolean;
}

export interface Prerequisites {
  ok: boolean;
  missing: string[];
}

const TOOLS = ['ovsdb-server', 'ovs-vswitchd', 'ovs-vsctl', 'dockerd', 'iptables', 'ethtool', 'nsenter'];

function onPath(tool: string): boolean {
  return (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin')
    .split(':')
    .concat(['/usr/sbin', '/sbin'])
    .some((dir) => existsSync(join(dir, tool)));
}

/** What a lab needs on this machine: root, OVS, dockerd, iptables, ethtool, busybox-static. */
export function labPrerequisites(): Prerequisites {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root');
  for (const tool of TOOLS) if (!onPath(tool)) missing.push(tool);
  if (!existsSync('/bin/busybox')) missing.push('/bin/busybox (busybox-static)');
  if (!existsSync('/usr/bin/docker')) missing.push('/usr/bin/docker (docker.io client)');
  return { ok: missing.length === 0, missing };
}

/**
 * True when lab tests can run here. Otherwise warns loudly and returns false,
 * except under CI (CI=true), where it returns true so the tests run and fail:
 * a CI machine without the lab is a broken CI machine, not a reason to skip.
 */
export function labAvailable(suite: string): boolean {
  const pre = labPrerequisites();
  if (pre.ok) return true;
  if (process.env.CI === 'true') return true;
  const line = '!'.repeat(78);
  console.warn(
    `\n${line}\n!! LAB TESTS SKIPPED (${suite}): missing ${pre.missing.join(', ')}\n` +
      `!! Install: apt-get install openvswitch-switch docker.io iptables busybox-static ethtool\n` +
      `!! and run as root. Under CI=true these tests fail instead of skipping.\n${line}\n`,
  );
  return false;
}

function describeFailure(what: string, r: RunResult): string {
  const tail = (s: string) => s.split('\n').slice(-40).join('\n');
  return `${what} exited ${r.code}\n--- stdout ---\n${tail(r.stdout)}\n--- stderr ---\n${tail(r.stderr)}`;
}

/**
 * The kernel lab's VM, when the harness drives it (`vm.sh serve`): LAB_VM_PORT is the port of its
 * command agent on 127.0.0.1 (test/lab/vm-agent.sh), LAB_VM_SHARE a folder at the same path here
 * and in the VM. Every command then runs in the VM; the test runner stays on this machine, at full
 * speed (node under the VM's emulation took minutes to start and competed with the switches).
 */
export const LAB_VM: { port: number; share: string } | undefined =
  process.env.LAB_VM_PORT && process.env.LAB_VM_SHARE ? { port: Number(process.env.LAB_VM_PORT), share: process.env.LAB_VM_SHARE } : undefined;

/**
 * How many hosts `onHosts` runs at once in the kernel lab's VM: LAB_HOSTS_AT_ONCE (1-9), default 1.
 * Four up.sh at once under emulation on a busy machine pushed the VM's load to 16: BFD flapped on
 * every tunnel (flap counts near 30 in two minutes at 300 ms) and a docker command of up.sh passed
 * its 120 s bound. The VM has two CPUs: the kernel lab's CI run uses 2.
 */
export const LAB_HOSTS_AT_ONCE = Math.min(9, Math.max(1, Number(process.env.LAB_HOSTS_AT_ONCE ?? '1') || 1));

/**
 * Runs fn for each host: all at once, as on real hosts, except in the kernel lab's VM, where
 * LAB_HOSTS_AT_ONCE run at a time (in the order given: each group starts when the one before ended).
 */
export async function onHosts<T>(hosts: string[], fn: (host: string) => Promise<T>): Promise<T[]> {
  if (!LAB_VM) return Promise.all(hosts.map(fn));
  const out: T[] = [];
  for (let i = 0; i < hosts.length; i += LAB_HOSTS_AT_ONCE) out.push(...(await Promise.all(hosts.slice(i, i + LAB_HOSTS_AT_ONCE).map(fn))));
  return out;
}

/** A word for bash: single-quoted. Only the harness's own commands go through it (no generated script). */
const shq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The client end of the agent: sends the request on stdin, prints the answer (bash's /dev/tcp). */
const VM_CLIENT = 'exec 3<>"/dev/tcp/127.0.0.1/$0" || exit 125; cat >&3; cat <&3';

/**
 * A command as the VM's agent runs it: in the same folder, with the lab's variables (not this
 * machine's whole environment) and its time limit in the VM, so a command that hangs there ends
 * there too. Returns the client's argv and its stdin.
 */
function vmRequest(vm: { port: number }, argv: string[], env: NodeJS.ProcessEnv, opts: RunOptions): { argv: string[]; input: string } {
  const vars = Object.entries({ ...env, ...opts.env }).filter(
    ([k, v]) => v !== undefined && /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) && !k.startsWith('LAB_VM_') && (k.startsWith('LAB_') || opts.env?.[k] !== undefined || process.env[k] !== v),
  );
  const seconds = Math.ceil(slow(opts.timeoutMs ?? 120_000) / 1000);
  // Variables as assignments before exec (no env process: each costs 50-200 ms under emulation).
  const script = [
    `cd ${shq(opts.cwd ?? process.cwd())} || exit 126`,
    `${vars.map(([k, v]) => `${k}=${shq(v!)} `).join('')}exec timeout -k 10 ${seconds} ${argv.map(shq).join(' ')}`,
  ].join('\n');
  // One line each, for printf's %b in the agent.
  const line = (t: string) => t.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\0/g, '\\0000');
  return { argv: ['bash', '-c', VM_CLIENT, String(vm.port)], input: `${line(script)}\n${line(opts.input ?? '')}\n` };
}

/** The agent's answer ("CODE ERRBYTES" line, stderr, then stdout to the end), or code 125 when there was none. */
function vmAnswer(raw: Buffer, clientErr: string, killed: boolean): RunResult {
  const nl = raw.indexOf(10);
  const head = nl < 0 ? null : /^(\d+) (\d+)$/.exec(raw.subarray(0, nl).toString('utf8'));
  if (!head) {
    return { code: killed ? 124 : 125, stdout: '', stderr: `the kernel lab VM's agent gave no answer${killed ? ' in time' : ''}: ${clientErr.trim()}` };
  }
  const err = Number(head[2]);
  return {
    code: Number(head[1]),
    stderr: raw.subarray(nl + 1, nl + 1 + err).toString('utf8'),
    stdout: raw.subarray(nl + 1 + err).toString('utf8'),
  };
}

function runSync(argv: string[], env: NodeJS.ProcessEnv, opts: RunOptions = {}): RunResult {
  const [file, ...args] = argv;
  if (file === undefined) throw new Error('empty command');
  if (LAB_VM) {
    const req = vmRequest(LAB_VM, argv, env, opts);
    const r = spawnSync(req.argv[0]!, req.argv.slice(1), { input: req.input, timeout: slow(opts.timeoutMs ?? 120_000) + 60_000, killSignal: 'SIGKILL', maxBuffer: 256 * 1024 * 1024 });
    const result = vmAnswer(r.stdout ?? Buffer.alloc(0), String(r.stderr ?? ''), r.signal !== null);
    if (opts.check && result.code !== 0) throw new Error(describeFailure(argv.join(' '), result));
    return result;
  }
  const r = spawnSync(file, args, {
    encoding: 'utf8',
    input: opts.input,
    timeout: slow(opts.timeoutMs ?? 120_000),
    killSignal: 'SIGKILL',
    env: { ...env, ...opts.env },
    cwd: opts.cwd,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error && !r.signal) throw r.error;
  const result = { code: r.signal ? 124 : (r.status ?? 125), stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  if (opts.check && result.code !== 0) throw new Error(describeFailure(argv.join(' '), result));
  return result;
}

function runAsync(argv: string[], env: NodeJS.ProcessEnv, opts: RunOptions = {}): Promise<RunResult> {
  const [file, ...args] = argv;
  if (file === undefined) return Promise.reject(new Error('empty command'));
  if (LAB_VM) {
    const req = vmRequest(LAB_VM, argv, env, opts);
    return new Promise((resolve, reject) => {
      const child = spawn(req.argv[0]!, req.argv.slice(1));
      const out: Buffer[] = [];
      let err = '';
      let killed = false;
      const timer = setTimeout(() => {
        killed = true;
        child.kill('SIGKILL');
      }, slow(opts.timeoutMs ?? 120_000) + 60_000);
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on('close', () => {
        clearTimeout(timer);
        const result = vmAnswer(Buffer.concat(out), err, killed);
        if (opts.check && result.code !== 0) reject(new Error(describeFailure(argv.join(' '), result)));
        else resolve(result);
      });
      child.stdin.end(req.input);
    });
  }
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: { ...env, ...opts.env }, cwd: opts.cwd });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, slow(opts.timeoutMs ?? 120_000));
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const result = { code: timedOut ? 124 : (code ?? 125), stdout, stderr };
      if (opts.check && result.code !== 0) reject(new Error(describeFailure(argv.join(' '), result)));
      else resolve(result);
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** A container on a lab host. */
export interface ContainerRef {
  host: string;
  name: string;
}

/** A container of a lab ring, with its address and bridge: what the reachability matrix needs. */
export interface LabMember extends ContainerRef {
  ip: string;
  bridge: string;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until fn() holds; resolves to the seconds it took, throws after timeoutMs. */
export async function waitFor(what: string, fn: () => boolean, timeoutMs = 30_000): Promise<number> {
  const start = Date.now();
  timeoutMs = slow(timeoutMs);
  while (Date.now() - start < timeoutMs) {
    if (fn()) return (Date.now() - start) / 1000;
    await sleep(200);
  }
  throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
}

/** The replies in the output of `ping -D`: when each came (seconds since the epoch) and its sequence number. */
export function pingReplies(out: string): Array<{ at: number; seq: number }> {
  return [...out.matchAll(/^\[(\d+\.\d+)\] \d+ bytes from .*icmp_seq=(\d+)/gm)].map((m) => ({ at: Number(m[1]), seq: Number(m[2]) }));
}

/** Reply times (seconds since the epoch) in the output of `ping -D`. */
export function pingReplyTimes(out: string): number[] {
  return pingReplies(out).map((r) => r.at);
}

/**
 * The outage in a run of reply times: the longest silence between consecutive replies. With a
 * window, only replies from a second before `from` up to `to` count, and the silence from the last
 * of them to `to` counts too (replies that never came back); no reply at all is the whole window.
 */
export function worstGap(times: number[], window?: { from: number; to: number }): number {
  const inWindow = window ? times.filter((t) => t >= window.from - 1 && t <= window.to) : times;
  let worst = 0;
  for (let i = 1; i < inWindow.length; i++) worst = Math.max(worst, inWindow[i]! - inWindow[i - 1]!);
  if (!window) return worst;
  const last = inWindow[inWindow.length - 1];
  if (last === undefined) return window.to - window.from;
  return Math.max(worst, window.to - last);
}

/**
 * The longest silence between consecutive replies of a `ping -D` run, with the number of requests
 * between those two replies that got no answer. A network outage loses every request sent during
 * it (about gap / interval of them); a silence with few lost requests is the pinger or the whole
 * machine not running for that long, not the network.
 */
export function worstSilence(out: string): { gap: number; lost: number } {
  const replies = pingReplies(out);
  let worst = { gap: 0, lost: 0 };
  for (let i = 1; i < replies.length; i++) {
    const gap = replies[i]!.at - replies[i - 1]!.at;
    if (gap > worst.gap) worst = { gap, lost: Math.max(0, replies[i]!.seq - replies[i - 1]!.seq - 1) };
  }
  return worst;
}

/**
 * `ping` arguments for an outage measurement from a container: timestamps, `-O` for unanswered
 * requests, `interval` seconds apart for `seconds`. A count, not a deadline: with `-w`, iputils
 * ping exits at its first error (an ARP failure during a long outage), which ends it early.
 */
export function outagePing(pid: string, to: string, seconds: number, interval = 0.01): string[] {
  return ['nsenter', '-t', pid, '-n', 'ping', '-D', '-n', '-O', '-i', String(interval), '-c', String(Math.round(seconds / interval)), to];
}

/** A BFD session that went down, as a host's `ovs-vswitchd.log` records it. */
export interface BfdDown {
  host: string;
  iface: string;
  /** Epoch seconds. */
  at: number;
}

/** The `IFACE: BFD state change: up->...` lines of an ovs-vswitchd log: sessions that went down. */
export function bfdDownsIn(log: string): Array<{ iface: string; at: number }> {
  return [...log.matchAll(/^(\d{4}-\d\d-\d\dT[\d:.]+Z)\|\d+\|bfd(?:\([^)]*\))?\|INFO\|(\S+): BFD state change: up->/gm)].map((m) => ({
    iface: m[2]!,
    at: Date.parse(m[1]!) / 1000,
  }));
}

/** `bash -c` command that sends an HTTP/1.0 GET with bash's /dev/tcp and prints the reply. */
export function httpGet(ip: string, port: number): string[] {
  return ['bash', '-c', `exec 3<>/dev/tcp/${ip}/${port} && printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3 && timeout 5 cat <&3`];
}

/** A running lab. Create with `Lab.up(spec)`, always end with `down()`. */
export class Lab {
  private constructor(
    readonly spec: LabSpec,
    readonly prefix: string,
    /** LAB_DIR: per-host OVS run dirs, Docker roots and sockets, logs. */
    readonly dir: string,
  ) {}

  /** Environment that every lab.sh call gets: pins this lab's prefix and directory. */
  private get labEnv(): NodeJS.ProcessEnv {
    return { ...process.env, LAB_PREFIX: this.prefix, LAB_DIR: this.dir };
  }

  /**
   * Brings a lab up (after removing whatever an earlier run of the same prefix
   * left). On failure it tears the lab down again, unless LAB_KEEP=1.
   */
  static async up(spec: LabSpec, opts: { labDir?: string; timeoutMs?: number } = {}): Promise<Lab> {
    const prefix = spec.prefix ?? 'rgl';
    const lab = new Lab(spec, prefix, opts.labDir ?? `/tmp/ringgen-lab/${prefix}`);
    // In the kernel lab's VM, lab.sh reads the spec from the share (the same path there).
    const tmp = mkdtempSync(join(LAB_VM?.share ?? tmpdir(), 'ringgen-lab-spec-'));
    const file = join(tmp, 'spec.json');
    writeFileSync(file, JSON.stringify({ ...spec, prefix }));
    try {
      const r = await runAsync(['bash', LAB_SH, 'up', file], lab.labEnv, { timeoutMs: opts.timeoutMs ?? 240_000 });
      if (r.code !== 0) {
        const dumps = spec.hosts.map((h) => lab.dump(h.name)).join('\n');
        let downError = '';
        try {
          lab.down();
        } catch (e) {
          downError = `\nand lab.sh down failed too: ${String(e)}`;
        }
        throw new Error(`${describeFailure('lab.sh up', r)}\n${dumps}${downError}`);
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    return lab;
  }

  get hosts(): string[] {
    return this.spec.hosts.map((h) => h.name);
  }

  host(name: string): LabHostSpec {
    const h = this.spec.hosts.find((x) => x.name === name);
    if (!h) throw new Error(`no host ${name} in lab ${this.prefix}`);
    return h;
  }

  /** Runs `lab.sh ARGS...` synchronously. */
  sh(args: string[], opts: RunOptions = {}): RunResult {
    return runSync(['bash', LAB_SH, ...args], this.labEnv, opts);
  }

  /** Runs `lab.sh ARGS...` without blocking the event loop. */
  shAsync(args: string[], opts: RunOptions = {}): Promise<RunResult> {
    return runAsync(['bash', LAB_SH, ...args], this.labEnv, opts);
  }

  /** Runs CMD in the host's network namespace with OVS_RUNDIR, DOCKER_HOST... set. */
  exec(host: string, cmd: string[], opts: RunOptions = {}): RunResult {
    return this.sh(['exec', host, ...cmd], opts);
  }

  /** `exec` that does not block: for a ping that runs while a link is cut. */
  execAsync(host: string, cmd: string[], opts: RunOptions = {}): Promise<RunResult> {
    return this.shAsync(['exec', host, ...cmd], opts);
  }

  /** Shell snippet in the host: `lab.sh exec HOST sh -c SCRIPT`. */
  shell(host: string, script: string, opts: RunOptions = {}): RunResult {
    return this.exec(host, ['sh', '-c', script], opts);
  }

  /**
   * Several shell commands in the host in one call (each call costs 1-2 s in the kernel lab's VM):
   * their stdouts, in order (a failing command leaves its part, maybe empty, and the rest run).
   */
  shellParts(host: string, commands: string[], opts: RunOptions = {}): string[] {
    const mark = '==== ringgen-lab part ====';
    const out = this.shell(host, commands.join(`; echo '${mark}'; `), opts).stdout;
    const parts = out.split(`${mark}\n`);
    if (parts.length !== commands.length) throw new Error(`${host}: ${commands.length} commands gave ${parts.length} parts:\n${out}`);
    return parts;
  }

  /** `docker ARGS...` against the host's own dockerd. */
  docker(host: string, args: string[], opts: RunOptions = {}): RunResult {
    return this.exec(host, ['docker', ...args], opts);
  }

  /** A container's main process id (its network namespace), via the host's dockerd. */
  containerPid(host: string, name: string): string {
    return this.docker(host, ['container', 'inspect', '-f', '{{.State.Pid}}', name], { check: true }).stdout.trim();
  }

  /** Runs a host tool (iputils ping, ip, bash) inside a container's network namespace. */
  inContainer(c: ContainerRef, cmd: string[], timeoutMs = 30_000): RunResult {
    // lab.sh keeps the container's pid between calls: no `docker inspect` per ping.
    return this.sh(['cexec', c.host, c.name, ...cmd], { timeoutMs });
  }

  /** One ping (1 s timeout) from a container. */
  ping(from: ContainerRef, to: string, extra: string[] = []): RunResult {
    return this.inContainer(from, ['ping', '-c', '1', '-W', '1', ...extra, to]);
  }

  /** Pings that `reaches` had to send again: when (epoch seconds) and "from -> to". */
  readonly retriedPings: Array<{ at: number; what: string }> = [];

  /**
   * Whether a container reaches an address: a ping, sent up to `tries` times. A packet lost to a
   * moment of a busy lab (a BFD session missing three packets while six switches share two cores)
   * is not a lost path; every retry is recorded in `retriedPings`, so a test can print them.
   */
  reaches(from: ContainerRef, to: string, tries = 3): boolean {
    for (let i = 0; i < tries; i++) {
      if (this.ping(from, to).code === 0) return true;
      this.retriedPings.push({ at: Date.now() / 1000, what: `${from.host}/${from.name} -> ${to}` });
    }
    return false;
  }

  /**
   * Whether a container does not reach an address: no reply to two pings, 0.2 s apart.
   */
  isolated(from: ContainerRef, to: string): boolean {
    return this.inContainer(from, ['ping', '-c', '2', '-i', '0.2', '-W', '1', to]).code !== 0;
  }

  /**
   * What disturbed the lab since `since` (epoch seconds), for a test to print: pings `reaches`
   * sent again, and BFD sessions that went down. Empty when nothing did.
   */
  disturbances(since: number): string {
    const parts: string[] = [];
    const retried = this.retriedPings.filter((r) => r.at >= since).map((r) => r.what);
    if (retried.length) parts.push(`${retried.length} ping(s) sent again (${[...new Set(retried)].join(', ')})`);
    const downs = this.bfdDowns(since);
    if (downs.length) parts.push(`BFD went down ${downs.map((d) => `${d.host}/${d.iface} at +${(d.at - since).toFixed(1)} s`).join(', ')}`);
    return parts.join('; ');
  }

  /**
   * Starts busybox httpd on port 8000 in each member, serving `hello-<hostname>`, for the TCP
   * checks of `matrixFaults`.
   */
  serveHttp(members: ContainerRef[]): void {
    for (const m of members) this.docker(m.host, ['exec', '-d', m.name, 'sh', '-c', 'mkdir -p /w && echo hello-$(hostname) > /w/index.html && httpd -p 8000 -h /w'], { check: true });
  }

  /** Whether every member answers one ping from every other member of its bridge (stops at the first silence). */
  answersAll(members: LabMember[]): boolean {
    if (LAB_VM) {
      // One call per member in the kernel lab's VM (each costs 1-2 s there), its pings in a row.
      return members.every((a) => {
        const to = members.filter((b) => b !== a && b.bridge === a.bridge).map((b) => b.ip);
        const script = to.map((ip) => `ping -c 1 -W 1 ${shq(ip)} >/dev/null 2>&1 || exit 1`).join('\n');
        return to.length === 0 || this.inContainer(a, ['sh', '-c', script], 60_000).code === 0;
      });
    }
    return members.every((a) => members.every((b) => b === a || b.bridge !== a.bridge || this.ping(a, b.ip).code === 0));
  }

  /**
   * The reachability matrix: every member reaches every other member of its bridge (`reaches`, and
   * an HTTP GET answered with 200 OK when they are on different hosts, on `port(to)`), and no
   * member of another bridge (`isolated`). Returns what failed, [] when nothing did.
   */
  matrixFaults(members: LabMember[], port: (to: LabMember) => number = () => 8000): string[] {
    if (LAB_VM) return this.matrixFaultsBatched(members, port);
    const faults: string[] = [];
    for (const a of members) {
      for (const b of members) {
        if (a === b) continue;
        const pair = `${a.host}/${a.name} -> ${b.host}/${b.name}`;
        if (a.bridge !== b.bridge) {
          if (!this.isolated(a, b.ip)) faults.push(`${pair}: reaches another bridge`);
        } else if (!this.reaches(a, b.ip)) {
          faults.push(`${pair}: no ping reply`);
        } else if (a.host !== b.host) {
          const r = this.inContainer(a, httpGet(b.ip, port(b)));
          if (!/200 OK/.test(r.stdout)) faults.push(`${pair}: no HTTP answer ${r.stderr.trim()}`);
        }
      }
    }
    return faults;
  }

  /**
   * `matrixFaults` with one call per member (the kernel lab's VM, where each call costs 1-2 s
   * against 0.07 s here): the same checks, in the same order, run by one bash in the member's
   * network namespace (this machine's tools, as `inContainer`): up to three pings per peer of its
   * bridge (a retry lands in `retriedPings`), an HTTP GET (bash's /dev/tcp, 10 s at most) to a
   * peer on another host, two pings 0.2 s apart to a member of another bridge.
   */
  private matrixFaultsBatched(members: LabMember[], port: (to: LabMember) => number): string[] {
    const faults: string[] = [];
    for (const a of members) {
      const lines: string[] = [];
      const others = members.filter((b) => b !== a);
      others.forEach((b, i) => {
        const ip = shq(b.ip);
        if (a.bridge !== b.bridge) {
          lines.push(`ping -c 2 -i 0.2 -W 1 ${ip} >/dev/null 2>&1 && echo "${i} reaches"`);
          return;
        }
        lines.push(`ok=; for try in 1 2 3; do if ping -c 1 -W 1 ${ip} >/dev/null 2>&1; then ok=1; break; fi; echo "${i} retry"; done`);
        lines.push(`[ -n "$ok" ] || echo "${i} noping"`);
        if (a.host !== b.host) {
          const get = `exec 3<>/dev/tcp/$0/$1 && printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3 && cat <&3`;
          lines.push(`if [ -n "$ok" ]; then r=$(timeout 10 bash -c ${shq(get)} ${ip} ${port(b)} 2>&1); case $r in *"200 OK"*) ;; *) echo "${i} nohttp $(printf %s "$r" | head -c 200 | tr '\\n' ' ')" ;; esac; fi`);
        }
      });
      lines.push('exit 0');
      const r = this.inContainer(a, ['bash', '-c', lines.join('\n')], 30_000 + 10_000 * others.length);
      if (r.code !== 0) faults.push(`${a.host}/${a.name}: the matrix's checks exited ${r.code}: ${r.stderr.trim()}`);
      for (const line of r.stdout.split('\n')) {
        const m = /^(\d+) (\w+) ?(.*)$/.exec(line);
        const b = m ? others[Number(m[1])] : undefined;
        if (!m || !b) continue;
        const pair = `${a.host}/${a.name} -> ${b.host}/${b.name}`;
        if (m[2] === 'retry') this.retriedPings.push({ at: Date.now() / 1000, what: `${a.host}/${a.name} -> ${b.ip}` });
        else if (m[2] === 'reaches') faults.push(`${pair}: reaches another bridge`);
        else if (m[2] === 'noping') faults.push(`${pair}: no ping reply`);
        else if (m[2] === 'nohttp') faults.push(`${pair}: no HTTP answer ${m[3] ?? ''}`.trim());
      }
    }
    return faults;
  }

  /**
   * BFD sessions that went down since `since` on tunnels between two hosts for which `stayed` holds:
   * nothing of a failover makes those go down, only a switch starved of CPU (the lab's machine).
   */
  bfdDownsAmong(since: number, tunnels: Array<{ name: string; a: string; b: string }>, stayed: (host: string) => boolean): BfdDown[] {
    return this.bfdDowns(since).filter((d) => tunnels.some((t) => t.name === d.iface && (t.a === d.host || t.b === d.host) && stayed(t.a) && stayed(t.b)));
  }

  /** BFD sessions that went down on the lab's namespace hosts since `since` (epoch seconds). */
  bfdDowns(since = 0): BfdDown[] {
    return this.hosts.flatMap((host) => {
      const log = this.readFile(join(this.dir, host, 'ovs', 'ovs-vswitchd.log'));
      if (log === undefined) return [];
      return bfdDownsIn(log)
        .filter((d) => d.at >= since)
        .map((d) => ({ host, ...d }));
    });
  }

  /** A file of the lab (in the VM's memory when the harness drives the kernel lab's VM); undefined when missing. */
  readFile(path: string): string | undefined {
    if (!LAB_VM) return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
    const r = runSync(['cat', '--', path], this.labEnv, { timeoutMs: 30_000 });
    return r.code === 0 ? r.stdout : undefined;
  }

  /** Runs CMD in the outside client namespace. */
  client(cmd: string[], opts: RunOptions = {}): RunResult {
    return this.sh(['client', ...cmd], opts);
  }

  clientAsync(cmd: string[], opts: RunOptions = {}): Promise<RunResult> {
    return this.shAsync(['client', ...cmd], opts);
  }

  /** The variables `lab.sh env HOST` exports, as an object. */
  env(host: string): Record<string, string> {
    const out = this.sh(['env', host], { check: true }).stdout;
    const vars: Record<string, string> = {};
    for (const m of out.matchAll(/([A-Z_]+)='([^']*)'/g)) {
      if (m[1] !== undefined && m[2] !== undefined) vars[m[1]] = m[2];
    }
    return vars;
  }

  /** Takes the host's underlay link down (from the underlay bridge side). */
  cut(host: string): void {
    this.sh(['cut', host], { check: true });
  }

  /** Powers a booted host off, recreates its network namespace bare, and boots it again. */
  reboot(host: string): void {
    this.sh(['reboot', host], { check: true, timeoutMs: 300_000 });
  }

  /** Where a booted host's root file system is mounted (write files into it to put them on its disk). */
  machineRoot(host: string): string {
    return join(this.dir, host, 'machine', 'root');
  }

  restore(host: string): void {
    this.sh(['restore', host], { check: true });
  }

  /**
   * IPsec certificates for `hosts`, as an operator would lay them out: a CA and, for each host, an
   * RSA key and a certificate whose common name (followed by an organisation) and subjectAltName
   * are the host's name, made here with openssl (in the VM key generation is slow). The CA is put
   * at `paths.ca` and each host sees its own certificate and key at `paths.cert` and `paths.key`
   * (bound in its mount namespace; do this before the host's IPsec starts, so its daemons see
   * them). `from` is the host that writes the shared files (they live in the lab's folder).
   */
  async certify(hosts: string[], paths: { ca: string; cert: string; key: string }, from = hosts[0]!): Promise<void> {
    const dir = mkdtempSync(join(LAB_VM?.share ?? tmpdir(), 'ringgen-lab-certs-'));
    const ssl = (args: string[]) => {
      const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
    };
    const store = join(paths.cert, '..', 'certs');
    try {
      ssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '7', '-subj', '/CN=ringgen lab CA']);
      for (const h of hosts) {
        ssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${h}.key`, '-out', `${h}.csr`, '-subj', `/O=ringgen lab/CN=${h}`, '-addext', `subjectAltName=DNS:${h}`]);
        ssl(['x509', '-req', '-in', `${h}.csr`, '-copy_extensions', 'copy', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${h}.pem`, '-days', '7']);
      }
      this.shell(from, `mkdir -p '${store}' && cp '${dir}'/*.pem '${dir}'/*.key '${store}/' && chmod 600 '${store}/'*.key && cp '${store}/ca.pem' '${paths.ca}' && : >'${paths.cert}' && : >'${paths.key}'`, { check: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    await onHosts(hosts, (h) => this.execAsync(h, ['sh', '-c', `mount --bind '${store}/${h}.pem' '${paths.cert}' && mount --bind '${store}/${h}.key' '${paths.key}'`], { check: true }));
  }

  /** Starts or stops the host's IPsec: Open vSwitch's ovs-monitor-ipsec and its strongSwan (`lab.sh ipsec`). */
  ipsec(host: string, action: 'start' | 'stop'): void {
    this.sh(['ipsec', host, action], { check: true, timeoutMs: 120_000 });
  }

  /** Diagnostics for a failure report (never throws). */
  dump(host: string): string {
    const r = this.sh(['dump', host], { timeoutMs: 60_000 });
    return r.stdout + r.stderr;
  }

  dumpAll(): string {
    return this.hosts.map((h) => this.dump(h)).join('\n');
  }

  /** Writes a build's files into this lab's `ring-out` folder, emptied first; returns the folder. */
  writeRing(files: Parameters<typeof writeFiles>[1]): string {
    // The VM's LAB_DIR is in its own memory; the share is at the same path on both sides.
    const dir = LAB_VM ? join(LAB_VM.share, `${this.prefix}-ring-out`) : join(this.dir, 'ring-out');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFiles(dir, files);
    return dir;
  }

  /** Stops and removes everything of this lab; safe to call twice. Keeps it with LAB_KEEP=1. */
  down(opts: { force?: boolean } = {}): void {
    if (process.env.LAB_KEEP === '1' && !opts.force) {
      console.warn(`LAB_KEEP=1: lab ${this.prefix} left up; remove with: bash ${LAB_SH} down ${this.prefix}`);
      return;
    }
    // The kernel lab's CI run (LAB_VM_NO_DOWN=1): the VM powers off after its only ring file, and
    // its namespaces, daemons and tmpfs end with it; a lab.sh down there costs a minute of emulation.
    if (LAB_VM && process.env.LAB_VM_NO_DOWN === '1' && !opts.force) return;
    this.sh(['down', this.prefix], { check: true, timeoutMs: 120_000 });
  }

  /** What of this lab still exists (namespaces, processes, mounts, cgroups, dir); [] when clean. */
  leftovers(): string[] {
    return labLeftovers(this.prefix, this.dir);
  }
}

/** Traces of a lab with this prefix and directory; [] when none. */
export function labLeftovers(prefix: string, dir = `/tmp/ringgen-lab/${prefix}`): string[] {
  const found: string[] = [];
  const netns = existsSync('/run/netns') ? readdirSync('/run/netns') : [];
  for (const ns of netns) if (ns.startsWith(`${prefix}-`)) found.push(`namespace ${ns}`);
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue; // exited meanwhile
    }
    if (cmdline.includes(`${dir}/`)) found.push(`process ${pid}: ${cmdline.trim()}`);
  }
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const target = line.split(' ')[4];
    if (target !== undefined && (target === dir || target.startsWith(`${dir}/`))) found.push(`mount ${target}`);
  }
  const cgroupRoot = '/sys/fs/cgroup';
  if (existsSync(cgroupRoot)) {
    for (const ctl of readdirSync(cgroupRoot)) {
      let entries: string[] = [];
      try {
        entries = readdirSync(join(cgroupRoot, ctl));
      } catch {
        continue;
      }
      for (const e of entries) if (e.startsWith(`${prefix}-`)) found.push(`cgroup ${ctl}/${e}`);
    }
  }
  if (existsSync(dir)) found.push(`directory ${dir}`);
  return found;
}
