/** Numeric settings inside Open vSwitch's accepted ranges, MTUs, published ports. */
import type { DiagnosticPath, Report } from '../diagnostics';
import { formatIp } from '../ip';
import type { RingModel } from '../model';

function range(r: Report, path: DiagnosticPath, what: string, value: number, min: number, max: number, hint: string): boolean {
  if (Number.isInteger(value) && value >= min && value <= max) return true;
  r.error('STP_RANGE', path, `${what} ${value} is outside ${min}-${max}`, hint);
  return false;
}

export function checkSpanningTree(m: RingModel, r: Report): void {
  const o = m.opts;
  const spec = m.spec.options ?? {};
  // A reference to a host that does not exist is a mistake whether spanning tree uses it or not.
  if (spec.root !== undefined && !m.hostByName.has(spec.root)) {
    r.error('REF_UNKNOWN', ['options', 'root'], `root host "${spec.root}" is not declared`, `Declared hosts: ${m.hosts.map((h) => h.name).join(', ')}.`);
  }
  if (o.stp === 'off') return;
  const maxPriority = o.stp === 'rstp' ? 61440 : 65535;
  const step = o.stp === 'rstp' ? 4096 : 1;
  const priorityHint = o.stp === 'rstp' ? 'RSTP priorities are 0-61440 in steps of 4096 (Open vSwitch rounds others down).' : 'STP priorities are 0-65535.';
  const priorities: Array<[DiagnosticPath, number]> = [[['options', 'rootPriority'], o.rootPriority], [['options', 'priority'], o.priority], ...m.hosts.filter((h) => h.spec.priority !== undefined).map((h): [DiagnosticPath, number] => [[...h.path, 'priority'], h.spec.priority!])];
  for (const [path, value] of priorities) {
    if (range(r, path, 'spanning tree priority', value, 0, maxPriority, priorityHint) && value % step !== 0) {
      r.error('STP_RANGE', path, `spanning tree priority ${value} is not a multiple of ${step}`, priorityHint);
    }
  }
  const okAge = range(r, ['options', 'maxAge'], 'max-age', o.maxAge, 6, 40, 'Open vSwitch accepts a max-age of 6-40.');
  const okDelay = range(r, ['options', 'forwardDelay'], 'forward delay', o.forwardDelay, 4, 30, 'Open vSwitch accepts a forward delay of 4-30 seconds.');
  if (spec.helloTime !== undefined) {
    if (o.stp === 'rstp') r.error('STP_RANGE', ['options', 'helloTime'], 'helloTime cannot be set with RSTP: Open vSwitch fixes it at 2 s', "Remove helloTime, or use stp: 'stp'.");
    else range(r, ['options', 'helloTime'], 'hello time', o.helloTime, 1, 10, 'Open vSwitch accepts a hello time of 1-10 seconds.');
  }
  if (okAge && okDelay && 2 * (o.forwardDelay - 1) < o.maxAge) {
    r.error('STP_RANGE', ['options', 'forwardDelay'], `forward delay ${o.forwardDelay} is too short for max-age ${o.maxAge}: spanning tree requires 2 x (forward delay - 1) >= max-age, and Open vSwitch silently ignores values that break it`, `Use a forward delay of at least ${Math.ceil(o.maxAge / 2) + 1}, or a smaller max-age.`);
  }
  if (okAge && o.maxAge < 2 * (o.helloTime + 1)) {
    r.error('STP_RANGE', ['options', 'maxAge'], `max-age ${o.maxAge} is too short for hello time ${o.helloTime}`, 'Spanning tree requires max-age >= 2 x (hello time + 1).');
  }
  const costMax = o.stp === 'rstp' ? 200000000 : 65535;
  range(r, ['options', 'tunnelCost'], 'tunnel path cost', o.tunnelCost, 1, costMax, `Path costs are 1-${costMax}.`);
  for (const h of m.hosts) {
    for (const t of h.spec.tunnels) {
      if (t.cost !== undefined) range(r, [...h.path, 'tunnels', t.name, 'cost'], 'tunnel path cost', t.cost, 1, costMax, `Path costs are 1-${costMax}.`);
    }
  }
}

/** BFD runs on every tunnel whether spanning tree is on or not. */
export function checkBfd(m: RingModel, r: Report): void {
  const interval = m.opts.bfdInterval;
  if (interval !== undefined && (!Number.isInteger(interval) || interval < 10 || interval > 10000)) {
    r.error('BFD_RANGE', ['options', 'bfd', 'interval'], `BFD interval ${interval} ms is outside 10-10000`, 'Use 10-10000 ms; detection takes three intervals (30 ms gives about 0.1 s failover).');
  }
}

/** The VXLAN network identifier is 24 bits on the wire; Open vSwitch refuses the tunnel otherwise. */
export function checkVni(m: RingModel, r: Report): void {
  const vni = m.spec.options?.vni;
  if (vni !== undefined && (!Number.isInteger(vni) || vni < 0 || vni > 16777215)) {
    r.error('VNI_RANGE', ['options', 'vni'], `VXLAN network identifier ${vni} is outside 0-16777215 (24 bits)`, 'Pick a VNI from 0 to 16777215, or leave it out for the default (4242).');
  }
}

export function checkMtu(m: RingModel, r: Report): void {
  const u = m.opts.underlayMtu;
  if (!Number.isInteger(u) || u < 576 || u > 65535) {
    r.error('MTU_RANGE', ['options', 'underlayMtu'], `underlay MTU ${u} is outside 576-65535`, 'Give the MTU of the hosts\' internal network, usually 1500 or 9000.');
    return;
  }
  if (m.overlayMtu < 1280) {
    r.error('MTU_TOO_SMALL', ['options', 'underlayMtu'], `with underlay MTU ${u}, ${m.opts.tunnel} leaves an overlay MTU of ${m.overlayMtu}, below the 1280 IPv6 and most applications need`, `Use an underlay MTU of at least ${1280 + (u - m.overlayMtu)}.`);
  }
  for (const c of m.containers) {
    if (c.spec.mtu !== undefined && (!Number.isInteger(c.spec.mtu) || c.spec.mtu < 576 || c.spec.mtu > m.overlayMtu)) {
      r.error('MTU_RANGE', [...c.path, 'mtu'], `MTU ${c.spec.mtu} of container "${c.name}" is outside 576-${m.overlayMtu} (the overlay MTU after ${m.opts.tunnel} overhead)`, 'Leave mtu out to get the overlay MTU, or pick a smaller value.');
    }
  }
}

export function checkPublish(m: RingModel, r: Report): void {
  const taken = new Map<string, string>();
  for (const c of m.containers) {
    for (const bad of c.badPublishes) {
      r.error('PUBLISH_INVALID', bad.path, `published port ${JSON.stringify(bad.raw)} of container "${c.name}" is not valid`, "Write 'HOSTPORT:CONTAINERPORT' or 'HOST:HOSTPORT:CONTAINERPORT', ports 1-65535, optionally ending in /tcp or /udp.");
    }
    for (const p of c.publishes) {
      const on = m.hostByName.get(p.on);
      if (!on) {
        r.error('REF_UNKNOWN', p.path, `published port ${p.raw} names host "${p.on}", which is not declared`, `Declared hosts: ${m.hosts.map((h) => h.name).join(', ')}.`);
        continue;
      }
      if (on.spec.external === undefined) {
        r.error('PUBLISH_NO_EXTERNAL', p.path, `published port ${p.raw} of container "${c.name}" would answer on host "${on.name}", which has no external IP`, `Give host "${on.name}" an external address, or publish on a host that has one ('HOST:${p.hostPort}:${p.containerPort}').`);
        continue;
      }
      const key = `${on.name}\n${p.proto}\n${p.hostPort}`;
      const other = taken.get(key);
      if (other) r.error('PUBLISH_CONFLICT', p.path, `port ${p.hostPort}/${p.proto} on host "${on.name}"${on.external === undefined ? '' : ` (${formatIp(on.external)})`} is published twice: by ${other} and by ${c.label}`, 'Pick another host port for one of them.');
      else taken.set(key, c.label);
    }
  }
}
