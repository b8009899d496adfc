/** Names: strict patterns, uniqueness, reserved names, and the interface names derived from them. */
import { posix } from 'node:path';
import { formatPath, type DiagnosticPath, type Report } from '../diagnostics';
import type { RingModel } from '../model/model';
import { ANSIBLE_RESERVED_HOST_NAMES, IFNAME_MAX, PATTERNS, RESERVED_HOST_NAMES, reservedIfname, type InterfaceRole } from '../model/naming';
import { needsEscaping } from '../input/text';

function duplicates<T>(items: readonly T[], key: (t: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((t) => {
    const k = key(t);
    if (seen.has(k)) return true;
    seen.add(k);
    return false;
  });
}

export function checkNames(m: RingModel, r: Report): void {
  if (!PATTERNS.ring.test(m.name)) {
    r.add('NAME_INVALID', ['name'], { kind: 'ring', name: m.name });
  }
  for (const h of m.hosts) {
    if (!PATTERNS.host.test(h.name)) {
      r.add('NAME_INVALID', h.path, { kind: 'host', name: h.name });
    } else if (RESERVED_HOST_NAMES.has(h.name)) {
      r.add('HOST_NAME_RESERVED', h.path, { kind: 'file', name: h.name, reserved: [...RESERVED_HOST_NAMES] });
    } else if (ANSIBLE_RESERVED_HOST_NAMES.has(h.name)) {
      r.add('HOST_NAME_RESERVED', h.path, { kind: 'ansible', name: h.name, reserved: [...ANSIBLE_RESERVED_HOST_NAMES] });
    }
    for (const what of ['internalIface', 'externalIface'] as const) {
      const name = h.spec[what];
      if (name !== undefined && !PATTERNS.iface.test(name)) {
        r.add('NAME_INVALID', [...h.path, what], { kind: 'hostInterface', host: h.name, field: what, name });
      }
    }
  }
  for (const h of duplicates(m.hosts, (h) => h.name)) {
    r.add('NAME_DUPLICATE', h.path, { kind: 'host', name: h.name });
  }
  for (const b of m.bridges) {
    if (!PATTERNS.iface.test(b.name)) {
      r.add('NAME_INVALID', b.path, { kind: 'bridge', name: b.name });
    }
  }
  for (const b of duplicates(m.bridges, (b) => b.name)) {
    r.add('NAME_DUPLICATE', b.path, { kind: 'bridge', name: b.name });
  }
  for (const c of m.containers) checkContainerNames(c, r);
  for (const c of duplicates(m.containers, (c) => `${c.spec.host}\n${c.name}`)) {
    r.add('NAME_DUPLICATE', c.path, { kind: 'container', name: c.name, host: c.spec.host });
  }
  for (const h of m.hosts) {
    for (const t of h.spec.tunnels) {
      if (!PATTERNS.iface.test(t.name)) {
        r.add('NAME_INVALID', [...h.path, 'tunnels', t.name], { kind: 'tunnel', name: t.name });
      }
    }
  }
  for (const [what, name] of [['ovsBridge', m.opts.ovsBridge], ['internalIface', m.opts.internalIface], ['externalIface', m.opts.externalIface]] as const) {
    if (!PATTERNS.iface.test(name) || name.length > IFNAME_MAX) {
      r.add('NAME_INVALID', ['options', what], { kind: 'option', option: what, name, maximum: IFNAME_MAX });
    }
  }
  checkInterfaceNames(m, r);
  checkReservedInterfaceNames(m, r);
}

function checkContainerNames(c: RingModel['containers'][number], r: Report): void {
  const s = c.spec;
  if (!PATTERNS.container.test(s.name)) {
    r.add('NAME_INVALID', c.path, { kind: 'container', name: s.name });
  }
  if (!PATTERNS.image.test(s.image) || s.image.length > 255) {
    r.add('IMAGE_INVALID', [...c.path, 'image'], { image: s.image });
  }
  if (s.hostname !== undefined && !PATTERNS.hostname.test(s.hostname)) {
    r.add('NAME_INVALID', [...c.path, 'hostname'], { kind: 'hostname', name: s.hostname });
  }
  (s.command ?? []).forEach((word, i) => {
    if (word.includes('\0')) r.add('COMMAND_INVALID', [...c.path, 'command', i], { container: c.name, index: i });
  });
  for (const [key, value] of Object.entries(s.env ?? {})) {
    if (!PATTERNS.envKey.test(key)) r.add('ENV_INVALID', [...c.path, 'env', key], { kind: 'name', name: key });
    else if (value.includes('\0')) r.add('ENV_INVALID', [...c.path, 'env', key], { kind: 'valueNul', name: key });
  }
  const envFile = s.envFile;
  if (envFile !== undefined) {
    const kind = !envFile.startsWith('/') ? 'envFileRelative' : envFile.includes('\0') ? 'envFileNul' : needsEscaping(envFile) ? 'envFileCharacter' : undefined;
    if (kind) r.add('ENV_INVALID', [...c.path, 'envFile'], { kind, envFile });
  }
  const targets = new Map<string, number>();
  (s.volumes ?? []).forEach((v, i) => {
    const path = [...c.path, 'volumes', i];
    const source = 'source' in v ? v.source : '';
    if (source.includes('\0') || v.target.includes('\0')) r.add('VOLUME_INVALID', path, { kind: 'nul', index: i });
    else if (needsEscaping(source) || needsEscaping(v.target)) r.add('VOLUME_INVALID', path, { kind: 'character', index: i });
    if (!v.target.startsWith('/')) r.add('VOLUME_INVALID', path, { kind: 'target', index: i, target: v.target });
    if ('source' in v && !v.source.startsWith('/')) r.add('VOLUME_INVALID', path, { kind: 'source', index: i, source: v.source });
    if ('volume' in v && !PATTERNS.volumeName.test(v.volume)) r.add('VOLUME_INVALID', path, { kind: 'name', index: i, volume: v.volume });
    // Docker refuses to create a container with two mounts on one path (compared as it cleans them).
    const target = posix.normalize(v.target).replace(/(?<=.)\/$/, '');
    const first = targets.get(target);
    if (first !== undefined && v.target.startsWith('/')) r.add('VOLUME_INVALID', path, { kind: 'sameTarget', index: i, first, container: c.name, target });
    else targets.set(target, i);
  });
}

/** An interface ringgen makes on a host: its name, where in the ring it comes from, and its role. */
type MadeInterface = { name: string; path: DiagnosticPath } & InterfaceRole;

/** The OVS bridge, every bridge with its two uplink ends, and each container's veth ends: the devices ringgen creates. */
function devices(m: RingModel, containers: RingModel['containers']): MadeInterface[] {
  const out: MadeInterface[] = [{ name: m.opts.ovsBridge, path: ['options', 'ovsBridge'], role: 'ovsBridge' }];
  for (const b of m.bridges) {
    out.push({ name: b.name, path: b.path, role: 'bridge', owner: b.name });
    out.push({ name: b.uplink[0], path: b.path, role: 'bridgeUplinkLinux', owner: b.name });
    out.push({ name: b.uplink[1], path: b.path, role: 'bridgeUplinkOvs', owner: b.name });
  }
  for (const c of containers) {
    out.push({ name: c.veth[0], path: c.path, role: 'containerVeth', owner: c.name });
    out.push({ name: c.veth[1], path: c.path, role: 'containerVethPeer', owner: c.name });
  }
  return out;
}

/** Every interface name on a host, for length and clash checks: the devices, the host's own two interfaces, and its tunnels (OVS ports). */
function hostInterfaces(m: RingModel, hostName: string): MadeInterface[] {
  const h = m.hostByName.get(hostName)!;
  const [ovsBridge, ...rest] = devices(m, h.containers);
  const out: MadeInterface[] = [
    ovsBridge!,
    { name: h.internalIface, path: [...h.path, 'internalIface'], role: 'internalIface' },
    { name: h.externalIface, path: [...h.path, 'externalIface'], role: 'externalIface' },
  ];
  for (const t of h.spec.tunnels) out.push({ name: t.name, path: [...h.path, 'tunnels', t.name], role: 'tunnel', owner: t.name });
  return [...out, ...rest];
}

const sameRole = (a: InterfaceRole, b: InterfaceRole): boolean => a.role === b.role && a.owner === b.owner;

function checkInterfaceNames(m: RingModel, r: Report): void {
  const tooLong = new Set<string>();
  for (const h of m.hosts) {
    const seen = new Map<string, MadeInterface>();
    for (const i of hostInterfaces(m, h.name)) {
      if (i.name.length > IFNAME_MAX && !tooLong.has(`${formatPath(i.path)}\n${i.name}`)) {
        tooLong.add(`${formatPath(i.path)}\n${i.name}`);
        r.add('IFNAME_TOO_LONG', i.path, { name: i.name, role: i.role, owner: i.owner, maximum: IFNAME_MAX });
      }
      const first = seen.get(i.name);
      if (first !== undefined && !sameRole(first, i)) {
        r.add('IFNAME_CLASH', i.path, { name: i.name, host: h.name, role: i.role, owner: i.owner, firstRole: first.role, firstOwner: first.owner });
      }
      if (first === undefined) seen.set(i.name, i);
    }
  }
}

function checkReservedInterfaceNames(m: RingModel, r: Report): void {
  for (const d of devices(m, m.containers)) {
    const user = reservedIfname(d.name);
    if (user === undefined) continue;
    r.add('IFNAME_RESERVED', d.path, { name: d.name, role: d.role, owner: d.owner, user });
  }
}
