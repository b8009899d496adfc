/**
 * View-models: everything a host's templates print, resolved, sorted and already in
 * the form the shell line needs. Templates only lay it out.
 */
import { createHash } from 'node:crypto';
import type { DiagnosticPath } from '../diagnostics';
import { macForIp } from '../model/ip';
import { tunnelsOf, type ContainerModel, type HostModel, type RingModel } from '../model/model';
import type { StpResult } from '../model/stp';
import { csvField, ovsMap } from './shell';

export interface TunnelView {
  name: string;
  peer: string;
  remote: string;
  /** Spanning tree path cost. */
  cost: number;
  /** `ovs-vsctl` arguments after `--may-exist add-port BRIDGE NAME`. */
  settings: string[];
  blocked: boolean;
}

export interface BridgeView {
  name: string;
  address: string;
  prefix: number;
  cidr: string;
  mac: string;
  vlan: number;
  uplinkLinux: string;
  uplinkOvs: string;
  portSettings: string[];
}

export interface ContainerView {
  name: string;
  fn: string;
  bridge: string;
  ip: string;
  prefix: number;
  mac: string;
  mtu: number;
  hostVeth: string;
  tmpVeth: string;
  gateway: string;
  envFile: string;
  hash: string;
  createArgs: string[];
  /** createArgs by the field of the spec each part comes from (the data block prints a part a line). */
  createParts: string[][];
}

export interface HostView {
  ring: string;
  host: string;
  version: string;
  internalIp: string;
  externalIp: string;
  ovsBridge: string;
  datapath: string;
  netdev: boolean;
  stpMode: string;
  /** Rapid spanning tree: the watcher announces containers when a port changes role. */
  rstp: boolean;
  bridgeSettings: string[];
  /** RSTP timers that need their own ordered transactions (max-age over 28). */
  timerDance: { maxAge: number; forwardDelay: number } | undefined;
  tunnelType: string;
  /** The VXLAN network identifier ('' for GRE). */
  vni: string;
  /** BFD's interval in ms ('' when BFD is off). */
  bfdInterval: string;
  tunnels: TunnelView[];
  bridges: BridgeView[];
  containers: ContainerView[];
  /** Some container reads an env file on this host. */
  hasEnvFiles: boolean;
  peers: Array<{ name: string; ip: string }>;
  needsDocker: boolean;
  needsForwarding: boolean;
  owner: string;
  chains: { fwd: string; input: string; tx: string; pre: string; out: string; post: string };
  /** IPsec on the tunnels: its mode and the files on the host it reads ('' each when off). */
  ipsec: { mode: '' | 'psk' | 'cert'; psk: string; ca: string; cert: string; key: string };
  units: { network: string; containers: string; attach: string };
  stateDir: string;
  installDir: string;
  /** The files install.sh copies to installDir (and uninstall.sh removes from it). */
  installFiles: string[];
  desiredLinks: string[];
  desiredPorts: string[];
  rules: RulesView;
  bfd: boolean;
  egressNat: boolean;
  overlayMtu: number;
  blockedNote: string;
}

export interface RulesView {
  forward: string[];
  input: string[];
  /** What leaves this host: with IPsec, no tunnel packet to a peer in clear. */
  tx: string[];
  pre: string[];
  out: string[];
  post: string[];
}

function stableHash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}

const OVS_DEFAULT_MAC_TABLE = 8192;

function bridgeSettings(m: RingModel, h: HostModel): string[] {
  const o = m.opts;
  const other: Record<string, string | number> = {};
  if (o.stp === 'rstp') {
    Object.assign(other, { 'rstp-priority': h.priority, 'rstp-address': h.stpAddress, 'rstp-max-age': o.maxAge, 'rstp-forward-delay': o.forwardDelay });
  } else if (o.stp === 'stp') {
    Object.assign(other, { 'stp-priority': h.priority, 'stp-system-id': h.stpAddress, 'stp-max-age': o.maxAge, 'stp-forward-delay': o.forwardDelay, 'stp-hello-time': o.helloTime });
  }
  // Open vSwitch learns at most 8,192 MAC addresses per bridge by default, and every bridge of
  // the ring learns every container (and each host's bridges and uplinks): make room past that.
  const macs = m.containers.length + m.hosts.length * m.bridges.length * 2;
  if (macs > OVS_DEFAULT_MAC_TABLE) other['mac-table-size'] = Math.ceil((macs * 1.25) / 1024) * 1024;
  return [
    `datapath_type=${o.datapath}`,
    `stp_enable=${o.stp === 'stp'}`,
    `rstp_enable=${o.stp === 'rstp'}`,
    `other_config=${ovsMap(other)}`,
    `external_ids=${ovsMap({ 'ringgen-ring': m.name })}`,
  ];
}

/**
 * What stands in a tunnel's settings for its pre-shared key, which up.sh reads from the key file
 * on the host (the key is never in the output): the library's tunnel_settings puts `$PSK` there.
 */
export const PSK_ON_HOST = '$PSK';

function tunnelSettings(m: RingModel, name: string, peer: string, remote: string, cost: number): string[] {
  const o = m.opts;
  const options: Record<string, string | number> = { remote_ip: remote };
  if (o.tunnel === 'vxlan') options.key = o.vni;
  // Open vSwitch's IPsec: a pre-shared key, or the peer's certificate name (its host name).
  if (o.ipsec?.mode === 'psk') options.psk = PSK_ON_HOST;
  if (o.ipsec?.mode === 'cert') options.remote_name = peer;
  const bfd: Record<string, string | number> = o.bfdInterval === undefined ? { enable: 'false' } : { enable: 'true', min_rx: o.bfdInterval, min_tx: o.bfdInterval, decay_min_rx: 0 };
  const portOther: Record<string, string | number> = o.stp === 'stp' ? { 'stp-path-cost': cost } : o.stp === 'rstp' ? { 'rstp-path-cost': cost, 'rstp-port-admin-edge': 'false', 'rstp-port-auto-edge': 'false' } : {};
  return [
    '--', 'set', 'interface', name, `type=${o.tunnel}`, `options=${ovsMap(options)}`, `bfd=${ovsMap(bfd)}`,
    '--', 'set', 'port', name, `other_config=${ovsMap(portOther)}`, `external_ids=${ovsMap({ 'ringgen-ring': m.name })}`,
  ];
}

function uplinkSettings(m: RingModel, port: string, vlan: number): string[] {
  const other: Record<string, string> = m.opts.stp === 'rstp' ? { 'rstp-port-admin-edge': 'true', 'rstp-port-auto-edge': 'true' } : {};
  return ['--', 'set', 'port', port, `tag=${vlan}`, `other_config=${ovsMap(other)}`, `external_ids=${ovsMap({ 'ringgen-ring': m.name })}`];
}

/** One part of a container's `docker create` arguments, with the path of the spec field it comes from (`[]` for ringgen's own). */
export interface CreateArgPart {
  field: DiagnosticPath;
  args: string[];
}

/**
 * The arguments after `docker create --label ringgen.hash=...`, by the field of the container's
 * spec each comes from: the rule that keeps command lines under the kernel's limits names them.
 */
export function createArgParts(m: RingModel, host: HostModel, c: ContainerModel): CreateArgPart[] {
  const parts: CreateArgPart[] = [{ field: [], args: ['--name', c.name, '--label', `ringgen.ring=${m.name}`, '--label', `ringgen.host=${host.name}`] }];
  const own = parts[0]!.args;
  if (c.tty) own.push('--tty');
  if (c.interactive) own.push('--interactive');
  own.push('--restart', c.restart);
  own.push('--network', c.network);
  if (c.hostname) parts.push({ field: ['hostname'], args: ['--hostname', c.hostname] });
  for (const key of Object.keys(c.env).sort()) parts.push({ field: ['env', key], args: ['--env', `${key}=${c.env[key]}`] });
  if (c.envFile) parts.push({ field: ['envFile'], args: ['--env-file', c.envFile] });
  c.volumes.forEach((v, i) => {
    const fields = 'source' in v ? ['type=bind', `source=${v.source}`] : ['type=volume', `source=${v.volume}`];
    fields.push(`target=${v.target}`);
    if (v.readonly) fields.push('readonly');
    parts.push({ field: ['volumes', i], args: ['--mount', fields.map(csvField).join(',')] });
  });
  parts.push({ field: ['image'], args: ['--', c.image] });
  c.command.forEach((word, i) => parts.push({ field: ['command', i], args: [word] }));
  return parts;
}

/**
 * What `up.sh` puts before the container's own arguments on its `docker create` line: the words
 * of the command and the hash label, the longest it can be (with an env file, the hash is
 * `<settings>-<file contents>`, 33 characters).
 */
export const DOCKER_CREATE_PREFIX = ['docker', 'create', '--label', `ringgen.hash=${'0'.repeat(33)}`] as const;

function containerView(m: RingModel, host: HostModel, c: ContainerModel, index: number): ContainerView {
  const bridge = m.bridgeByName.get(c.bridge)!;
  // The image and the command after it make one part (one line of the data block).
  const parts: string[][] = [];
  for (const p of createArgParts(m, host, c)) {
    if (p.field[0] === 'command') parts[parts.length - 1]!.push(...p.args);
    else parts.push([...p.args]);
  }
  const args = parts.flat();
  const gw = c.gateway;
  return {
    name: c.name,
    fn: `c${index}`,
    bridge: bridge.name,
    ip: c.ip!.ip,
    prefix: bridge.net!.prefix,
    mac: macForIp(c.ip!.int, 0x52),
    mtu: c.mtu,
    hostVeth: c.veth[0],
    tmpVeth: c.veth[1],
    gateway: gw?.ip ?? '',
    envFile: c.envFile ?? '',
    // The gateway as its number, as the hash of every earlier build has it.
    hash: stableHash({ args, mtu: c.mtu, ip: c.ip!.ip, bridge: bridge.name, gw: gw?.int }),
    createArgs: args,
    createParts: parts,
  };
}

function rulesView(m: RingModel, h: HostModel, chains: HostView['chains']): RulesView {
  const names = m.bridges.map((b) => b.name);
  const forward: string[] = [];
  for (const b of names) forward.push(`-i ${b} -o ${b} -j ACCEPT`);
  for (const a of names) for (const b of names) if (a !== b) forward.push(`-i ${a} -o ${b} -j DROP`);
  for (const b of names) {
    forward.push(`-o ${b} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);
    forward.push(`-o ${b} -m conntrack --ctstate DNAT -j ACCEPT`);
    forward.push(`-o ${b} -j DROP`);
  }
  // Out of a subnet: accepted (and masqueraded) with egress NAT; without, only what answers a
  // published port (the reply of a connection the host DNATed in) leaves.
  for (const b of names) {
    if (!m.opts.egressNat) forward.push(`-i ${b} -m conntrack --ctstate DNAT -j ACCEPT`);
    forward.push(`-i ${b} -j ${m.opts.egressNat ? 'ACCEPT' : 'DROP'}`);
  }
  const input: string[] = [];
  const tx: string[] = [];
  const me = h.internal!.ip;
  const proto = m.opts.tunnel === 'gre' ? '-p gre' : '-p udp --dport 4789';
  // Every tunnel end's remote is its peer's internal IP (the checks see to it).
  const peers = [...new Set(tunnelsOf(m, h.name).map((t) => m.hostByName.get(t.a === h.name ? t.b : t.a)!.internal!.ip))].sort();
  if (m.opts.ipsec) {
    // ESP and IKE only from the peers; a tunnel packet only when it came inside ESP (decrypted,
    // it passes INPUT a second time, with its IPsec policy), so a forged clear one reaches
    // nothing; and none leaves for a peer in clear, not even before its security association
    // is up (then strongSwan's policy holds it back; without one, this rule drops it).
    const ike = '-p udp -m multiport --dports 500,4500';
    for (const p of peers) {
      input.push(`-s ${p}/32 -d ${me}/32 -p esp -j ACCEPT`, `-s ${p}/32 -d ${me}/32 ${ike} -j ACCEPT`);
      input.push(`-s ${p}/32 -d ${me}/32 ${proto} -m policy --dir in --pol ipsec --proto esp -j ACCEPT`);
      tx.push(`-d ${p}/32 ${proto} -m policy --dir out --pol none -j DROP`);
    }
    input.push(`-d ${me}/32 ${proto} -j DROP`, `-d ${me}/32 -p esp -j DROP`, `-d ${me}/32 ${ike} -j DROP`);
  } else {
    for (const p of peers) input.push(`-s ${p}/32 -d ${me}/32 ${proto} -j ACCEPT`);
    input.push(`-d ${me}/32 ${proto} -j DROP`);
  }
  const pre: string[] = [];
  const post: string[] = [];
  const publishes = h.published.map(({ container: c, publish: p }) => ({ c, p }));
  publishes.sort((x, y) => x.p.proto.localeCompare(y.p.proto) || x.p.hostPort - y.p.hostPort);
  for (const { c, p } of publishes) {
    const target = { ip: c.ip!.ip, bridge: c.bridge };
    const ext = h.external!.ip;
    pre.push(`-d ${ext}/32 -p ${p.proto} -m ${p.proto} --dport ${p.hostPort} -j DNAT --to-destination ${target.ip}:${p.containerPort}`);
    const snat = h.bridgeAddress.get(target.bridge)!.ip;
    post.push(`-o ${target.bridge} -d ${target.ip}/32 -p ${p.proto} -m ${p.proto} --dport ${p.containerPort} -m conntrack --ctstate DNAT -j SNAT --to-source ${snat}`);
  }
  for (const b of names) post.push(`-o ${b} -j RETURN`);
  if (m.opts.egressNat) for (const b of m.bridges) post.push(`-s ${b.net!.cidr} -j MASQUERADE`);
  // Each chain's first rule is ringgen's mark: a comment that matches every packet and does
  // nothing, which up.sh and down.sh look for before they flush or delete a chain of that name.
  const mark = `-m comment --comment "${ownerMark(m.name)}"`;
  const prefix = (chain: string, rules: string[]) => [mark, ...rules].map((r) => `-A ${chain} ${r}`);
  return {
    forward: prefix(chains.fwd, forward),
    input: prefix(chains.input, input),
    tx: prefix(chains.tx, tx),
    pre: prefix(chains.pre, pre),
    out: prefix(chains.out, pre),
    post: prefix(chains.post, post),
  };
}

function ipsecView(m: RingModel): HostView['ipsec'] {
  const i = m.opts.ipsec;
  if (i === undefined) return { mode: '', psk: '', ca: '', cert: '', key: '' };
  return i.mode === 'psk' ? { mode: 'psk', psk: i.psk, ca: '', cert: '', key: '' } : { mode: 'cert', psk: '', ca: i.ca, cert: i.cert, key: i.key };
}

/** What marks an object on a host as ringgen's for ring RING: an interface alias, the state folder's `owner` file, the comment rule heading each iptables chain (a ring name needs no quoting). */
export function ownerMark(ring: string): string {
  return `ringgen:${ring}`;
}

const blockedSets = new WeakMap<StpResult, Set<string>>();

/** The blocked tunnels as `a\nb\nname` keys, made once per election (every host asks). */
function blockedSet(stp: StpResult): Set<string> {
  let set = blockedSets.get(stp);
  if (!set) blockedSets.set(stp, (set = new Set(stp.blocked.map((t) => `${t.a}\n${t.b}\n${t.name}`))));
  return set;
}

/** The first peer of each IP, in order (a hub of a wide ring has thousands). */
function uniqueByIp(peers: Array<{ name: string; ip: string }>): Array<{ name: string; ip: string }> {
  const seen = new Set<string>();
  return peers.filter((p) => !seen.has(p.ip) && seen.add(p.ip));
}

export function hostView(m: RingModel, h: HostModel, stp: StpResult, version: string): HostView {
  const chainBase = `RG-${m.name}`;
  const chains = { fwd: `${chainBase}-FWD`, input: `${chainBase}-IN`, tx: `${chainBase}-TX`, pre: `${chainBase}-PRE`, out: `${chainBase}-OUT`, post: `${chainBase}-POST` };
  const blockedNames = blockedSet(stp);
  const tunnels: TunnelView[] = tunnelsOf(m, h.name)
    .map((t) => {
      const peer = t.a === h.name ? t.b : t.a;
      const remote = m.hostByName.get(peer)!.internal!.ip;
      return { name: t.name, peer, remote, cost: t.cost, settings: tunnelSettings(m, t.name, peer, remote, t.cost), blocked: blockedNames.has(`${t.a}\n${t.b}\n${t.name}`) };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  const bridges: BridgeView[] = m.bridges.map((b) => {
    const addr = h.bridgeAddress.get(b.name)!;
    return {
      name: b.name,
      address: addr.ip,
      prefix: b.net!.prefix,
      cidr: b.net!.cidr,
      mac: macForIp(addr.int, 0x42),
      vlan: b.vlan,
      uplinkLinux: b.uplink[0],
      uplinkOvs: b.uplink[1],
      portSettings: uplinkSettings(m, b.uplink[1], b.vlan),
    };
  });
  const containers = [...h.containers].sort((a, b) => a.name.localeCompare(b.name)).map((c, i) => containerView(m, h, c, i));
  const rules = rulesView(m, h, chains);
  const desiredLinks = [...bridges.flatMap((b) => [b.name, b.uplinkLinux, b.uplinkOvs]), ...containers.map((c) => c.hostVeth)].sort();
  const desiredPorts = [...tunnels.map((t) => t.name), ...bridges.map((b) => b.uplinkOvs)].sort();
  const blocked = tunnels.filter((t) => t.blocked).map((t) => t.name);
  return {
    ring: m.name,
    host: h.name,
    version,
    internalIp: h.internal!.ip,
    externalIp: h.external?.ip ?? '',
    ovsBridge: m.opts.ovsBridge,
    datapath: m.opts.datapath,
    netdev: m.opts.datapath === 'netdev',
    stpMode: m.opts.stp,
    rstp: m.opts.stp === 'rstp',
    bridgeSettings: bridgeSettings(m, h),
    timerDance: m.opts.stp === 'rstp' && m.opts.maxAge > 28 ? { maxAge: m.opts.maxAge, forwardDelay: m.opts.forwardDelay } : undefined,
    tunnelType: m.opts.tunnel,
    vni: m.opts.tunnel === 'vxlan' ? String(m.opts.vni) : '',
    bfdInterval: m.opts.bfdInterval === undefined ? '' : String(m.opts.bfdInterval),
    tunnels,
    bridges,
    containers,
    hasEnvFiles: containers.some((c) => c.envFile !== ''),
    peers: uniqueByIp(tunnels.map((t) => ({ name: t.peer, ip: t.remote }))),
    needsDocker: containers.length > 0,
    needsForwarding: m.opts.egressNat || rules.pre.length > 0,
    owner: ownerMark(m.name),
    chains,
    ipsec: ipsecView(m),
    units: { network: `ringgen-${m.name}-network.service`, containers: `ringgen-${m.name}-containers.service`, attach: `ringgen-${m.name}-attach.service` },
    stateDir: `/var/lib/ringgen/${m.name}`,
    installDir: `/usr/local/lib/ringgen/${m.name}`,
    installFiles: ['up.sh', 'down.sh', 'check.sh', 'install.sh', 'uninstall.sh', 'iptables.rules'],
    desiredLinks,
    desiredPorts,
    rules,
    bfd: m.opts.bfdInterval !== undefined,
    egressNat: m.opts.egressNat,
    overlayMtu: m.overlayMtu,
    blockedNote: blocked.length > 0 ? `spanning tree blocks ${blocked.join(', ')} here while every host is up` : 'no tunnel of this host is blocked while every host is up',
  };
}
