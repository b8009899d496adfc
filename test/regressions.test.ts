/** Bugs found along the way, each pinned by a test that failed before its fix. */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load';
import { formatDiagnostics, style } from '../src/cli/terminal';
import { ring } from '../src/input/dsl';
import { buildRing, checkRing, type UncheckedInput } from '../src/pipeline';
import { readPrevious } from '../src/plan/manifest';
import { makePlan } from '../src/plan/plan';
import type { RingSpec } from '../src/input/spec';
import { writeOutput } from '../src/write/writer';
import { ringgen } from './cli-run';
import { dataBlock, dockerCreateArgs, requireTools, ROOT, run, tempDir, writeFiles } from './helpers';
import { formatPath } from '../src/diagnostics';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Builds a ring that must have no errors and writes it to a fresh folder. */
function written(r: Parameters<typeof buildRing>[0]): string {
  const out = buildRing(r);
  expect(out.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const dir = tempDir();
  dirs.push(dir);
  writeFiles(dir, out.files);
  return dir;
}

const three = (options: Parameters<typeof ring>[1] = {}) =>
  ring('reg', options).host('h1', { internal: '10.0.0.1' }).host('h2', { internal: '10.0.0.2' }).host('h3', { internal: '10.0.0.3' });

describe('regressions', () => {
  it('a host address that is not a string is a SCHEMA diagnostic, not an internal error (the --no-typecheck path)', () => {
    const r = ring('bad')
      .host('h1', { internal: 10 as unknown as string })
      .host('h2', { internal: '10.0.0.2' })
      .host('h3', { internal: '10.0.0.3' });
    const out = checkRing(r);
    expect(out.diagnostics.map((d) => d.code)).toContain('SCHEMA');
    expect(out.diagnostics.find((d) => d.code === 'SCHEMA')?.path).toEqual(['hosts', 'h1', 'internal']);
  });

  it('a ring with more containers than Open vSwitch learns by default gets a MAC table to fit them', () => {
    const big = ring('big', { datapath: 'netdev' }).host('h1', { internal: '10.0.0.1' }).host('h2', { internal: '10.0.0.2' }).host('h3', { internal: '10.0.0.3' });
    big.bridge('br0', { subnet: '10.64.0.0/16' });
    for (let i = 0; i < 8200; i++) big.container(`c${i}`, { host: `h${(i % 3) + 1}`, bridge: 'br0', ip: `10.64.${Math.floor((i + 10) / 250)}.${((i + 10) % 250) + 1}`, image: 'busybox:1' });
    const built = buildRing(big);
    expect(built.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const up = built.files.find((f) => f.path === 'h1/up.sh')!.content;
    // 8,200 containers + 3 hosts x 1 bridge x 2, with a quarter to spare, in steps of 1,024.
    expect(up).toContain('"mac-table-size"="11264"');
    const small = buildRing(ring('small').host('h1', { internal: '10.0.0.1' }).host('h2', { internal: '10.0.0.2' }).host('h3', { internal: '10.0.0.3' }));
    expect(small.files.find((f) => f.path === 'h1/up.sh')!.content).not.toContain('mac-table-size');
  }, 60_000);

  it('check.sh is shellcheck-clean with BFD off (802.1D rings have it off by default)', () => {
    if (!requireTools(['shellcheck'])) return;
    for (const options of [{ stp: 'stp' as const }, { bfd: false }]) {
      const dir = written(three(options));
      const r = run('shellcheck', ['-x', '--severity=style', join(dir, 'h1/check.sh')]);
      expect(r.stdout + r.stderr, JSON.stringify(options)).toBe('');
    }
  });

  it('up.sh is shellcheck-clean on a host with a single tunnel (a ring of two hosts, BFD on)', () => {
    if (!requireTools(['shellcheck'])) return;
    const dir = written(ring('reg').host('h1', { internal: '10.0.0.1' }).host('h2', { internal: '10.0.0.2' }));
    const r = run('shellcheck', ['-x', '--severity=style', join(dir, 'h1/up.sh')]);
    expect(r.stdout + r.stderr).toBe('');
  });

  it('a missing env file is reported with its path as data: never run, never breaking the script', () => {
    const dir = tempDir();
    dirs.push(dir);
    const marker = join(dir, 'pwned');
    for (const envFile of [`/nonexistent/$(touch ${marker}).env`, '/nonexistent/a"b $(id).env', "/nonexistent/it's `id`.env"]) {
      const out = buildRing(three().bridge('br0', { subnet: '192.168.7.0/24' }).container('c1', { host: 'h1', bridge: 'br0', ip: '192.168.7.20', image: 'busybox', envFile }));
      expect(out.diagnostics).toEqual([]);
      const up = out.files.find((f) => f.path === 'h1/up.sh')!.content;
      expect(run('bash', ['-n'], { input: up }).status, envFile).toBe(0);
      // die speaks on stderr, as the script's own does: container_hash's output is the hash.
      const script = `${up.replace(/\nmain "\$@"\n$/, '\n')}\ndie() { printf '%s\\n' "$*" >&2; exit 3; }\ncontainer_hash 0\n`;
      const r = run('bash', ['-c', script]);
      // (bash -c has no BASH_SOURCE, which the script's header notes on stderr.)
      expect(r.stderr.split('\n').filter((l) => l.startsWith('container ')), envFile).toEqual([`container c1: env file ${envFile} is missing on this host, or is not a regular readable file`]);
      expect(r.stdout, envFile).toBe('');
      expect(r.status).toBe(3);
    }
    expect(existsSync(marker)).toBe(false);
  });

  it('maps keyed by a bridge or variable called constructor or __proto__ are read, not refused or dropped', () => {
    const r = three().bridge('constructor', { subnet: '192.168.7.0/24' });
    r.host('h4', { internal: '10.0.0.4', bridgeAddresses: { constructor: '192.168.7.200' } });
    r.container('c1', { host: 'h1', bridge: 'constructor', ip: '192.168.7.20', image: 'busybox', env: JSON.parse('{"constructor": "a", "__proto__": "b"}') as Record<string, string> });
    const out = buildRing(r);
    expect(out.diagnostics).toEqual([]);
    expect(dataBlock(out.files.find((f) => f.path === 'h4/up.sh')!.content)).toMatch(/^ {2}'constructor 192\.168\.7\.200 24 /m);
    const create = dockerCreateArgs(out.files.find((f) => f.path === 'h1/up.sh')!.content).join(' ');
    expect(create).toContain('--env __proto__=b --env constructor=a');
    const bad = JSON.parse(JSON.stringify(r.toSpec())) as RingSpec;
    bad.containers![0]!.env = JSON.parse('{"__proto__": 1}') as Record<string, string>;
    expect(checkRing(bad).diagnostics.map((d) => `${d.code} ${formatPath(d.path)}`)).toEqual(['SCHEMA containers.h1/c1.env.__proto__']);
  });

  it('plan reads a build with a host named constructor (the manifest lists hosts by name)', () => {
    const r = ring('reg').host('constructor', { internal: '10.0.0.1' }).host('h2', { internal: '10.0.0.2' }).host('h3', { internal: '10.0.0.3' });
    const dir = written(r);
    const previous = readPrevious(dir);
    expect(previous.state).toBe('read');
    const plan = makePlan(previous, buildRing(r).files, dir);
    expect(plan.changed).toBe(false);
    expect(plan.hosts.map((h) => `${h.host} ${h.status}`)).toContain('constructor unchanged');
  });

  it("a container's gateway at its subnet's network or broadcast address is GATEWAY_INVALID", () => {
    for (const gateway of ['192.168.7.0', '192.168.7.255']) {
      const out = checkRing(three().bridge('br0', { subnet: '192.168.7.0/24' }).container('c1', { host: 'h1', bridge: 'br0', ip: '192.168.7.20', image: 'busybox', gateway }));
      expect(out.diagnostics.map((d) => `${d.code} ${formatPath(d.path)}`), gateway).toEqual(['GATEWAY_INVALID containers.h1/c1.gateway']);
    }
  });

  it('a VXLAN VNI outside 24 bits is refused (Open vSwitch would refuse every tunnel)', () => {
    for (const vni of [16777216, -1, 1.5]) {
      const out = checkRing(three({ tunnel: 'vxlan', vni }));
      expect(out.diagnostics.filter((d) => d.severity === 'error').length, String(vni)).toBeGreaterThan(0);
      expect(out.diagnostics.every((d) => formatPath(d.path) === 'options.vni' && d.hint.length > 0), String(vni)).toBe(true);
    }
    expect(checkRing(three({ tunnel: 'vxlan', vni: 16777215 })).diagnostics).toEqual([]);
    expect(checkRing(three({ tunnel: 'vxlan', vni: 0 })).diagnostics).toEqual([]);
  });

  it('free text with backslashes before quotes, typographic quotes or $(...) in the env file path is shellcheck-clean, and exact', () => {
    const command = ['ends in \\', '\\', "\\'", 'it\u2019s \u2018quoted\u2019', "\u2018'\\\u2019"];
    const envFile = '/etc/ringgen/`id` $(x) it\u2019s\\';
    const out = buildRing(three().bridge('br0', { subnet: '192.168.7.0/24' }).container('c1', { host: 'h1', bridge: 'br0', ip: '192.168.7.20', image: 'busybox', command, env: { K: 'v\\' }, envFile }));
    expect(out.diagnostics).toEqual([]);
    const up = out.files.find((f) => f.path === 'h1/up.sh')!.content;
    const args = dockerCreateArgs(up);
    expect(args.slice(args.indexOf('busybox') + 1)).toEqual(command);
    expect(args).toContain('K=v\\');
    expect(args).toContain(envFile);
    if (!requireTools(['shellcheck'])) return;
    const dir = written(three().bridge('br0', { subnet: '192.168.7.0/24' }).container('c1', { host: 'h1', bridge: 'br0', ip: '192.168.7.20', image: 'busybox', command, envFile }));
    const r = run('shellcheck', ['-x', '--severity=style', join(dir, 'h1/up.sh')]);
    expect(r.stdout + r.stderr).toBe('');
  });

  it('free text keeps its carriage returns and runs of blank lines (the renderer tidied them away inside quoted values)', () => {
    const command = ['sh', '-c', 'a\r\nb', 'x\n\n\n\ny', '\r', 'bell\x07 del\x7f esc\x1b[0m'];
    const env = { PEM: '-----BEGIN X-----\r\nabc\r\n\r\n\r\n-----END X-----\n\n\n' };
    const out = buildRing(three().bridge('br0', { subnet: '192.168.7.0/24' }).container('c1', { host: 'h1', bridge: 'br0', ip: '192.168.7.20', image: 'busybox', command, env }));
    expect(out.diagnostics).toEqual([]);
    const up = out.files.find((f) => f.path === 'h1/up.sh')!.content;
    const args = dockerCreateArgs(up);
    expect(args.slice(args.indexOf('busybox') + 1)).toEqual(command);
    expect(args).toContain(`PEM=${env.PEM}`);
  });

  it('a NUL character in free text is refused (bash will not run a script that holds one)', () => {
    const r = three()
      .bridge('br0', { subnet: '192.168.7.0/24' })
      .container('c1', { host: 'h1', bridge: 'br0', ip: '192.168.7.20', image: 'busybox', command: ['a\0b'], env: { K: '\0' }, envFile: '/e\0', volumes: [{ source: '/s', target: '/t\0' }] });
    const out = buildRing(r);
    expect(out.files).toEqual([]);
    expect(out.diagnostics.map((d) => `${d.code} ${formatPath(d.path)}`).sort()).toEqual([
      'COMMAND_INVALID containers.h1/c1.command[0]',
      'ENV_INVALID containers.h1/c1.env.K',
      'ENV_INVALID containers.h1/c1.envFile',
      'VOLUME_INVALID containers.h1/c1.volumes[0]',
    ]);
  });

  it('ring options that are not an object (an untyped config) are a SCHEMA diagnostic, not an internal error', () => {
    for (const options of [null, 'gre', 5]) {
      const r = ring('reg', options as never).host('h1', { internal: '10.0.0.1' });
      let out: ReturnType<typeof buildRing> | undefined;
      expect(() => (out = buildRing(r)), String(options)).not.toThrow();
      expect(out!.diagnostics.map((d) => `${d.code} ${formatPath(d.path)}`), String(options)).toEqual(['SCHEMA options']);
    }
  });

  it("a BFD interval out of range is refused with spanning tree off too (BFD runs on the tunnels either way)", () => {
    const two = ring('reg', { stp: 'off', bfd: { interval: 0 } }).host('h1', { internal: '10.0.0.1' }).host('h2', { internal: '10.0.0.2' });
    expect(checkRing(two).diagnostics.map((d) => `${d.code} ${formatPath(d.path)}`)).toContain('BFD_RANGE options.bfd.interval');
  });

  it('a root that is not a declared host is refused with spanning tree off too', () => {
    const two = ring('reg', { stp: 'off', root: 'nosuchhost' }).host('h1', { internal: '10.0.0.1' }).host('h2', { internal: '10.0.0.2' });
    expect(checkRing(two).diagnostics.map((d) => `${d.code} ${formatPath(d.path)}`)).toContain('REF_UNKNOWN options.root');
  });

  it('a .ring.json that starts with a byte order mark loads', () => {
    const dir = tempDir();
    dirs.push(dir);
    const file = join(dir, 'bom.ring.json');
    writeFileSync(file, `\uFEFF${JSON.stringify(three().toSpec())}`);
    const loaded = loadConfig(file);
    expect(loaded.diagnostics).toEqual([]);
    expect(checkRing(loaded.input!).diagnostics).toEqual([]);
  });

  it('a build that cannot land (a file where a host folder goes) writes nothing, and the CLI says so without a stack trace', () => {
    const r = three();
    const dir = written(r);
    const before = readFileSync(join(dir, 'h1/up.sh'), 'utf8');
    rmSync(join(dir, 'h3'), { recursive: true });
    writeFileSync(join(dir, 'h3'), 'mine\n');
    const files = buildRing(r.host('h4', { internal: '10.0.0.4' })).files;
    expect(() => writeOutput(dir, files)).toThrow(/h3 is in the way/);
    expect(readFileSync(join(dir, 'h1/up.sh'), 'utf8')).toBe(before);
    expect(existsSync(join(dir, 'h4'))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]);
    if (!existsSync(join(ROOT, 'dist/cli/main.js'))) throw new Error('dist/ is missing: run npm run build');
    writeFileSync(join(dir, 'ring.json'), JSON.stringify(three().toSpec()));
    writeFileSync(join(dir, 'afile'), '');
    const cli = ringgen(['build', 'ring.json', '--out', 'afile', '-q'], dir);
    expect(cli.status).toBe(2);
    expect(cli.stderr).toMatch(/cannot write into afile: .*nothing written/);
    expect(cli.stderr).not.toMatch(/internal error|\n\s+at /);
  });

  it('two volumes of a container on one target are refused (docker create would fail on the host)', () => {
    const volumes = [{ volume: 'a', target: '/data' }, { source: '/srv', target: '/data//./' }, { source: '/srv', target: '/other' }];
    const out = checkRing(three().bridge('br0', { subnet: '192.168.7.0/24' }).container('c1', { host: 'h1', bridge: 'br0', ip: '192.168.7.20', image: 'busybox', volumes }));
    expect(out.diagnostics.map((d) => `${d.code} ${formatPath(d.path)}`)).toEqual(['VOLUME_INVALID containers.h1/c1.volumes[1]']);
  });

  it('diagnostics print names from the ring file with their control characters escaped (no terminal escape sequences, one line each)', () => {
    const spec = JSON.parse(JSON.stringify(three().bridge('br0', { subnet: '192.168.7.0/24' }).toSpec())) as RingSpec;
    spec.hosts[0]!.name = 'h\u001b]0;pwned\u0007\u001b[2J';
    spec.containers = [{ name: 'c\nnext', host: 'x\u009b31m', bridge: 'br0', ip: '192.168.7.20', image: 'busybox' }];
    const text = formatDiagnostics(checkRing(spec).diagnostics, style(false));
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(text).toContain('h\\u001b]0;pwned\\u0007\\u001b[2J');
    for (const line of text.split('\n')) expect(line).toMatch(/^(error|warning|    hint: |      |\d+ error)/);
  });

  it("the Ansible group of a ring named all, ungrouped or like one of its hosts gets ringgen_ in front (the inventory did not parse, or the playbook reached one host)", () => {
    for (const name of ['all', 'ungrouped', 'h2']) {
      const files = buildRing(ring(name).host('h1', { internal: '10.0.0.1' }).host('h2', { internal: '10.0.0.2' }).host('h3', { internal: '10.0.0.3' })).files;
      const text = (p: string) => files.find((f) => f.path === p)!.content;
      expect(text('inventory.yml'), name).toContain(`\n    "ringgen_${name}":\n`);
      expect(text('deploy.yml'), name).toContain(`\n  hosts: "ringgen_${name}"\n`);
      if (!requireTools(['ansible-inventory'])) continue;
      const dir = written(ring(name).host('h1', { internal: '10.0.0.1' }).host('h2', { internal: '10.0.0.2' }).host('h3', { internal: '10.0.0.3' }));
      writeFileSync(join(dir, 'ansible.cfg'), '');
      const env = { ...process.env, ANSIBLE_CONFIG: join(dir, 'ansible.cfg'), ANSIBLE_HOME: dir, ANSIBLE_LOCAL_TEMP: join(dir, 'tmp') };
      const r = run('ansible-inventory', ['-i', 'inventory.yml', '--list'], { cwd: dir, env });
      expect(r.stderr, name).toBe('');
      expect((JSON.parse(r.stdout) as Record<string, { hosts?: string[] }>)[`ringgen_${name}`]?.hosts, name).toEqual(['h1', 'h2', 'h3']);
    }
    expect(buildRing(three()).files.find((f) => f.path === 'inventory.yml')!.content).toContain('\n    "reg":\n');
  });

  it('a builder that cannot become a plain spec (a Symbol for a name, a toSpec that throws) gives a SCHEMA diagnostic, not an internal error', () => {
    const inputs = [
      ring('reg').host(Symbol('h') as never, { internal: '10.0.0.1' }).host('h2', { internal: '10.0.0.2' }),
      three().tunnel('t', Symbol('a') as never, 'h1'),
      { toSpec: () => { throw new Error('boom'); } },
    ];
    for (const input of inputs) {
      let out: ReturnType<typeof buildRing> | undefined;
      expect(() => (out = buildRing(input as unknown as UncheckedInput))).not.toThrow();
      expect(out!.diagnostics.map((d) => `${d.code} ${formatPath(d.path)}`)).toEqual(['SCHEMA (root)']);
      expect(out!.diagnostics[0]!.hint.length).toBeGreaterThan(0);
    }
  });

  it('redundancy is checked on rings of more than 120 hosts too (losing the hub of 150 hosts leaves a line spanning tree cannot serve)', () => {
    const hub = ring('hub');
    for (let i = 0; i < 150; i++) hub.host(`h${i}`, { internal: `10.1.${i >> 6}.${(i & 63) + 1}` });
    for (let i = 2; i < 149; i++) hub.tunnel(`c${i}`, 'h0', `h${i}`);
    expect(checkRing(hub).diagnostics.map((d) => `${d.severity} ${d.code}`)).toEqual(['error RING_REDUNDANCY_LIMIT']);
  });

  it('host addresses and subnets in loopback, multicast, 0.0.0.0/8 or at 255.255.255.255 are refused', () => {
    const mk = (internal: string, subnet: string) => ring('reg').host('h1', { internal }).host('h2', { internal: '10.0.0.2' }).host('h3', { internal: '10.0.0.3' }).bridge('br0', { subnet });
    for (const internal of ['127.0.0.1', '0.0.0.0', '224.0.0.1', '239.1.2.3/24', '255.255.255.255']) {
      expect(checkRing(mk(internal, '192.168.1.0/24')).diagnostics.map((d) => `${d.code} ${formatPath(d.path)}`), internal).toEqual(['IP_INVALID hosts.h1.internal']);
    }
    for (const subnet of ['127.0.0.0/24', '0.0.0.0/24', '224.1.0.0/24', '192.0.0.0/2']) {
      expect(checkRing(mk('10.0.0.1', subnet)).diagnostics.map((d) => `${d.code} ${formatPath(d.path)}`), subnet).toEqual(['SUBNET_INVALID bridges.br0.subnet']);
    }
    expect(checkRing(mk('10.0.0.1', '169.254.1.0/24')).diagnostics).toEqual([]);
  });

  it('check.sh on the kernel datapath says when ovs-vswitchd has no upcall handler (Open vSwitch 3.1.0 started within 10 s of boot)', () => {
    // Found in the kernel lab: Debian 12's Open vSwitch 3.1.0 counts 0 CPUs in its first 10 s after
    // boot, starts no handler thread, and the kernel datapath loses every upcall: nothing forwards.
    const dir = written(three());
    const check = readFileSync(join(dir, 'h1/check.sh'), 'utf8');
    // Run on the kernel datapath only: the data block says which one the host has.
    expect(check).toMatch(/\n  if \[ "\$DATAPATH" != netdev \]; then check_upcalls; fi\n/);
    expect(dataBlock(check)).toMatch(/^readonly DATAPATH=system /m);
    expect(dataBlock(readFileSync(join(written(three({ datapath: 'netdev' })), 'h1/check.sh'), 'utf8'))).toMatch(/^readonly DATAPATH=netdev /m);
    const work = tempDir();
    dirs.push(work);
    // ovs-vswitchd stand-ins: a process whose only thread is named like OVS's handler threads, and one without.
    writeFileSync(join(work, 'ovs-appctl'), '#!/bin/sh\necho "system@ovs-system:"\necho "  lookups: hit:5 missed:$MISSED lost:$LOST"\n', { mode: 0o755 });
    const probe = (comm: string, missed: number, lost: number) => {
      const script = [
        `cp /bin/sleep ${work}/${comm}`,
        `${work}/${comm} 30 & pid=$!`,
        `echo $pid > ${work}/ovs-vswitchd.pid`,
        `src=$(cat ${join(dir, 'h1/check.sh')}); eval "\${src%'main "$@"'}"`,
        'check_upcalls; s=$?',
        'kill $pid',
        'exit $FAILED',
      ].join('\n');
      return run('bash', ['-c', script], { env: { ...process.env, PATH: `${work}:${process.env.PATH}`, OVS_RUNDIR: work, MISSED: String(missed), LOST: String(lost) } });
    };
    const none = probe('sleeper', 40, 40);
    expect(none.status).toBe(1);
    expect(none.stdout).toMatch(/^FAIL upcalls +ovs-vswitchd has no upcall handler thread: every new flow is lost \(lost 40 of 40\)/m);
    const lostAll = probe('handler12', 40, 40);
    expect(lostAll.status).toBe(1);
    expect(lostAll.stdout).toMatch(/^FAIL upcalls +the datapath lost every upcall \(40 of 40\)/m);
    const fine = probe('handler12', 40, 0);
    expect(fine.status, fine.stdout + fine.stderr).toBe(0);
    expect(fine.stdout).toMatch(/^ok +upcalls +1 handler thread\(s\), lost 0 of 40/m);
  });
});
