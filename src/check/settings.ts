/** Numeric settings inside Open vSwitch's accepted ranges, MTUs, published ports. */
import type { DiagnosticPath, Report } from '../diagnostics';
import type { RingModel } from '../model/model';

type Setting = 'priority' | 'maxAge' | 'forwardDelay' | 'helloTime' | 'cost';

/** Whether `value` of `setting` is an integer from `minimum` to `maximum`; an STP_RANGE when not. */
function range(r: Report, stp: 'stp' | 'rstp', path: DiagnosticPath, setting: Setting, value: number, minimum: number, maximum: number): boolean {
  if (Number.isInteger(value) && value >= minimum && value <= maximum) return true;
  r.add('STP_RANGE', path, { kind: 'range', setting, value, minimum, maximum, stp });
  return false;
}

export function checkSpanningTree(m: RingModel, r: Report): void {
  const o = m.opts;
  const spec = m.spec.options ?? {};
  // A reference to a host that does not exist is a mistake whether spanning tree uses it or not.
  if (spec.root !== undefined && !m.hostByName.has(spec.root)) {
    r.add('REF_UNKNOWN', ['options', 'root'], { kind: 'root', host: spec.root, declared: m.hosts.map((h) => h.name) });
  }
  const stp = o.stp;
  if (stp === 'off') return;
  const maxPriority = stp === 'rstp' ? 61440 : 65535;
  const step = stp === 'rstp' ? 4096 : 1;
  const priorities: Array<[DiagnosticPath, number]> = [[['options', 'rootPriority'], o.rootPriority], [['options', 'priority'], o.priority]];
  for (const h of m.hosts) if (h.spec.priority !== undefined) priorities.push([[...h.path, 'priority'], h.spec.priority]);
  for (const [path, value] of priorities) {
    if (range(r, stp, path, 'priority', value, 0, maxPriority) && value % step !== 0) r.add('STP_RANGE', path, { kind: 'step', value, step, stp });
  }
  const okAge = range(r, stp, ['options', 'maxAge'], 'maxAge', o.maxAge, 6, 40);
  const okDelay = range(r, stp, ['options', 'forwardDelay'], 'forwardDelay', o.forwardDelay, 4, 30);
  if (spec.helloTime !== undefined) {
    if (stp === 'rstp') r.add('STP_RANGE', ['options', 'helloTime'], { kind: 'helloRstp' });
    else range(r, stp, ['options', 'helloTime'], 'helloTime', o.helloTime, 1, 10);
  }
  if (okAge && okDelay && 2 * (o.forwardDelay - 1) < o.maxAge) {
    r.add('STP_RANGE', ['options', 'forwardDelay'], { kind: 'forwardDelay', forwardDelay: o.forwardDelay, maxAge: o.maxAge });
  }
  if (okAge && o.maxAge < 2 * (o.helloTime + 1)) r.add('STP_RANGE', ['options', 'maxAge'], { kind: 'maxAge', maxAge: o.maxAge, helloTime: o.helloTime });
  const costMax = stp === 'rstp' ? 200000000 : 65535;
  range(r, stp, ['options', 'tunnelCost'], 'cost', o.tunnelCost, 1, costMax);
  for (const h of m.hosts) {
    for (const t of h.spec.tunnels) {
      if (t.cost !== undefined) range(r, stp, [...h.path, 'tunnels', t.name, 'cost'], 'cost', t.cost, 1, costMax);
    }
  }
}

/** BFD runs on every tunnel whether spanning tree is on or not. */
export function checkBfd(m: RingModel, r: Report): void {
  const interval = m.opts.bfdInterval;
  if (interval !== undefined && (!Number.isInteger(interval) || interval < 10 || interval > 10000)) {
    r.add('BFD_RANGE', ['options', 'bfd', 'interval'], { interval });
  }
}

/** The VXLAN network identifier is 24 bits on the wire; Open vSwitch refuses the tunnel otherwise. */
export function checkVni(m: RingModel, r: Report): void {
  const vni = m.spec.options?.vni;
  if (vni !== undefined && (!Number.isInteger(vni) || vni < 0 || vni > 16777215)) {
    r.add('VNI_RANGE', ['options', 'vni'], { vni });
  }
}

export function checkMtu(m: RingModel, r: Report): void {
  const u = m.opts.underlayMtu;
  if (!Number.isInteger(u) || u < 576 || u > 65535) {
    r.add('MTU_RANGE', ['options', 'underlayMtu'], { kind: 'underlay', mtu: u });
    return;
  }
  if (m.overlayMtu < 1280) {
    r.add('MTU_TOO_SMALL', ['options', 'underlayMtu'], { underlayMtu: u, tunnel: m.opts.ipsec ? `${m.opts.tunnel} over IPsec` : m.opts.tunnel, overlayMtu: m.overlayMtu });
  }
  for (const c of m.containers) {
    const mtu = c.spec.mtu;
    if (mtu !== undefined && (!Number.isInteger(mtu) || mtu < 576 || mtu > m.overlayMtu)) {
      r.add('MTU_RANGE', [...c.path, 'mtu'], { kind: 'container', container: c.name, mtu, maximum: m.overlayMtu, tunnel: m.opts.ipsec ? `${m.opts.tunnel} over IPsec` : m.opts.tunnel });
    }
  }
}

export function checkPublish(m: RingModel, r: Report): void {
  const taken = new Map<string, string>();
  for (const c of m.containers) {
    for (const bad of c.badPublishes) {
      r.add('PUBLISH_INVALID', bad.path, { container: c.name, input: bad.raw });
    }
    for (const p of c.publishes) {
      const on = m.hostByName.get(p.on);
      if (!on) {
        r.add('REF_UNKNOWN', p.path, { kind: 'publishHost', publish: p.raw, host: p.on, declared: m.hosts.map((h) => h.name) });
        continue;
      }
      if (on.spec.external === undefined) {
        r.add('PUBLISH_NO_EXTERNAL', p.path, { publish: p.raw, container: c.name, host: on.name, hostPort: p.hostPort, containerPort: p.containerPort });
        continue;
      }
      const key = `${on.name}\n${p.proto}\n${p.hostPort}`;
      const other = taken.get(key);
      if (other) {
        const external = on.external === undefined ? {} : { external: on.external.ip };
        r.add('PUBLISH_CONFLICT', p.path, { port: p.hostPort, proto: p.proto, host: on.name, ...external, first: other, second: c.label });
      } else taken.set(key, c.label);
    }
  }
}

/** A plain absolute path: what ovs-monitor-ipsec may write into strongSwan's files unquoted. */
const IPSEC_PATH = /^\/[A-Za-z0-9._+/-]+$/;

export function checkIpsec(m: RingModel, r: Report): void {
  const o = m.spec.options?.ipsec;
  if (o === undefined) return;
  const fields = (['psk', 'ca', 'cert', 'key'] as const).filter((f) => o[f] !== undefined);
  if (m.opts.ipsec === undefined) r.add('IPSEC_INVALID', ['options', 'ipsec'], { kind: 'mode', given: fields });
  for (const f of fields) {
    const value = o[f]!;
    if (!IPSEC_PATH.test(value) || value.split('/').some((seg) => seg === '.' || seg === '..')) r.add('IPSEC_INVALID', ['options', 'ipsec', f], { kind: 'path', field: f, value });
  }
  const files = (['ca', 'cert', 'key'] as const).filter((f) => o[f] !== undefined);
  for (let i = 0; i < files.length; i++)
    for (let j = 0; j < i; j++)
      if (o[files[i]!] === o[files[j]!]) r.add('IPSEC_INVALID', ['options', 'ipsec', files[i]!], { kind: 'same', field: files[i]!, other: files[j]!, value: o[files[i]!]! });
  if (m.opts.datapath === 'netdev') r.add('IPSEC_INVALID', ['options', 'datapath'], { kind: 'datapath' });
}
