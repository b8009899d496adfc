/**
 * The generated iptables rules, loaded for real into a throwaway network namespace that stands
 * in for a host (root only; no Open vSwitch, no Docker): a client outside, the host routing, a
 * container behind the host's bridge. Published ports must answer, also with `egressNat: false`;
 * egress must be masqueraded, or dropped with `egressNat: false`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ring } from '../src/input/dsl';
import { buildRing } from '../src/pipeline';
import { requireTools, tempDir } from './helpers';

const P = `rgnt${process.pid % 100000}`;
const NS = { client: `${P}-c`, host: `${P}-h`, box: `${P}-k` };
const CLIENT = '192.0.2.99';
const HOST_EXT = '192.0.2.10';
const BOX = '192.168.3.20';
const HOST_BR = '192.168.3.1';

const sh = (args: string[], input?: string) => spawnSync(args[0]!, args.slice(1), { encoding: 'utf8', input, timeout: 20_000 });
const must = (args: string[], input?: string) => {
  const r = sh(args, input);
  if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  return r;
};
const inNs = (ns: string, args: string[], input?: string) => must(['ip', 'netns', 'exec', ns, ...args], input);

/** A TCP server in a namespace that answers every connection with the peer's address. */
function server(ns: string, port: number): ChildProcess {
  const code = `require('net').createServer((s) => { s.end('you are ' + s.remoteAddress.replace('::ffff:', '') + '\\n'); }).listen(${port}, () => console.log('ready'));`;
  return spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
}
async function ready(p: ChildProcess): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('server did not start')), 10_000);
    p.stdout!.on('data', () => { clearTimeout(t); resolve(); });
  });
}
/** Connects from a namespace; the server's answer, or '' when nothing came within 2 s. */
function connect(ns: string, ip: string, port: number): string {
  const code = `const s = require('net').connect(${port}, '${ip}'); let d = ''; s.on('data', (b) => (d += b)); s.on('end', () => { console.log(d.trim()); process.exit(0); }); s.on('error', () => process.exit(1)); setTimeout(() => process.exit(2), 2000);`;
  const r = sh(['ip', 'netns', 'exec', ns, process.execPath, '-e', code]);
  return r.status === 0 ? r.stdout.trim() : '';
}

function rules(egressNat: boolean): string {
  const r = ring('nt', { egressNat })
    .host('host1', { internal: '10.20.10.70', external: HOST_EXT })
    .host('host2', { internal: '10.20.10.71' })
    .host('host3', { internal: '10.20.10.72' })
    .bridge('br1', { subnet: '192.168.3.0/24' })
    .container('web', { host: 'host1', bridge: 'br1', ip: BOX, image: 'busybox', publish: ['8080:80'] });
  const out = buildRing(r);
  expect(out.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const file = join(tempDir(), 'iptables.rules');
  writeFileSync(file, out.files.find((f) => f.path === 'host1/iptables.rules')!.content);
  return file;
}

/** Where up.sh jumps into ringgen's chains: table, built-in chain, ringgen's chain. */
const JUMPS = [
  ['filter', 'FORWARD', 'RG-nt-FWD'],
  ['nat', 'PREROUTING', 'RG-nt-PRE'],
  ['nat', 'OUTPUT', 'RG-nt-OUT'],
  ['nat', 'POSTROUTING', 'RG-nt-POST'],
] as const;

/** Loads host1's rules into the host namespace, as up.sh does (own chains refilled, one jump each). */
function load(egressNat: boolean): void {
  const file = rules(egressNat);
  for (const [table, chain, ours] of JUMPS) sh(['ip', 'netns', 'exec', NS.host, 'iptables', '-w', '-t', table, '-D', chain, '-j', ours]);
  inNs(NS.host, ['iptables-restore', '-w', '--noflush', file]);
  inNs(NS.host, ['iptables', '-w', '-P', 'FORWARD', 'DROP']);
  for (const [table, chain, ours] of JUMPS) inNs(NS.host, ['iptables', '-w', '-t', table, '-I', chain, '1', '-j', ours]);
  inNs(NS.host, ['conntrack', '-F']);
}

const cleanup = () => {
  for (const ns of Object.values(NS)) sh(['ip', 'netns', 'del', ns]);
};

describe.runIf(requireTools(['ip', 'iptables', 'iptables-restore', 'conntrack'], true))('generated iptables rules in a namespace', () => {
  const servers: ChildProcess[] = [];

  beforeAll(async () => {
    cleanup();
    for (const ns of Object.values(NS)) {
      must(['ip', 'netns', 'add', ns]);
      inNs(ns, ['ip', 'link', 'set', 'lo', 'up']);
    }
    // client eth0 <-> host eth0 (outside); host br1 (a bridge, as on a host) <-> box eth1.
    must(['ip', 'link', 'add', `${P}a`, 'netns', NS.client, 'type', 'veth', 'peer', 'name', `${P}b`, 'netns', NS.host]);
    must(['ip', 'link', 'add', `${P}c`, 'netns', NS.box, 'type', 'veth', 'peer', 'name', `${P}d`, 'netns', NS.host]);
    inNs(NS.client, ['ip', 'link', 'set', `${P}a`, 'name', 'eth0']);
    inNs(NS.host, ['ip', 'link', 'set', `${P}b`, 'name', 'eth0']);
    inNs(NS.box, ['ip', 'link', 'set', `${P}c`, 'name', 'eth1']);
    inNs(NS.host, ['ip', 'link', 'add', 'br1', 'type', 'bridge']);
    inNs(NS.host, ['ip', 'link', 'set', `${P}d`, 'master', 'br1', 'up']);
    inNs(NS.client, ['ip', 'addr', 'add', `${CLIENT}/24`, 'dev', 'eth0']);
    inNs(NS.host, ['ip', 'addr', 'add', `${HOST_EXT}/24`, 'dev', 'eth0']);
    inNs(NS.host, ['ip', 'addr', 'add', `${HOST_BR}/24`, 'dev', 'br1']);
    inNs(NS.box, ['ip', 'addr', 'add', `${BOX}/24`, 'dev', 'eth1']);
    for (const [ns, dev] of [[NS.client, 'eth0'], [NS.host, 'eth0'], [NS.host, 'br1'], [NS.box, 'eth1']] as const) inNs(ns, ['ip', 'link', 'set', dev, 'up']);
    inNs(NS.box, ['ip', 'route', 'add', 'default', 'via', HOST_BR]);
    inNs(NS.host, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    servers.push(server(NS.box, 80), server(NS.client, 9000));
    await Promise.all(servers.map(ready));
  }, 60_000);

  afterAll(() => {
    for (const s of servers) s.kill();
    cleanup();
  });

  it('with egress NAT (the default): the published port answers, with the host as the source; egress leaves as the host', () => {
    load(true);
    expect(connect(NS.client, HOST_EXT, 8080)).toBe(`you are ${HOST_BR}`);
    expect(connect(NS.box, CLIENT, 9000)).toBe(`you are ${HOST_EXT}`);
  });

  it('with egressNat: false the published port still answers, and egress is dropped', () => {
    load(false);
    expect(connect(NS.client, HOST_EXT, 8080)).toBe(`you are ${HOST_BR}`);
    expect(connect(NS.box, CLIENT, 9000)).toBe('');
  });
});
