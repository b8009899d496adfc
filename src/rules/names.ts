/** Names: strict patterns, uniqueness, reserved names, and the interface names derived from them. */
import { posix } from 'node:path';
import { formatPath, type DiagnosticPath, type Report } from '../diagnostics';
import type { RingModel } from '../model';
import { ANSIBLE_RESERVED_HOST_NAMES, IFNAME_MAX, PATTERNS, RESERVED_HOST_NAMES, reservedIfname } from '../names';
import { needsEscaping } from '../text';

function duplicates<T>(items: readonly T[], key: (t: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((t) => {
    const k = key(t);
    if (seen.has(k)) return true;
    seen.add(k);
    return false;
  });
}

const show = (s: string) => JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);

export function checkNames(m: RingModel, r: Report): void {
  if (!PATTERNS.ring.test(m.name)) {
    r.error('NAME_INVALID', ['name'], `ring name ${show(m.name)} is not a valid ring name`, 'Use 1-20 characters: a lower-case letter, then lower-case letters, digits or "-" (it names systemd units and iptables chains).');
  }
  for (const h of m.hosts) {
    if (!PATTERNS.host.test(h.name)) {
      r.error('NAME_INVALID', h.path, `host name ${show(h.name)} is not a valid host name`, 'Use a DNS label: lower-case letters, digits and "-", 1-63 characters, not starting or ending with "-".');
    } else if (RESERVED_HOST_NAMES.has(h.name)) {
      r.error('HOST_NAME_RESERVED', h.path, `host name "${h.name}" clashes with a file ringgen writes into the output folder`, `Rename the host; reserved: ${[...RESERVED_HOST_NAMES].join(', ')}.`);
    } else if (ANSIBLE_RESERVED_HOST_NAMES.has(h.name)) {
      r.error('HOST_NAME_RESERVED', h.path, `host name "${h.name}" is a group Ansible defines itself: in the inventory, --limit ${h.name} would reach this host alone`, `Rename the host; Ansible reserves: ${[...ANSIBLE_RESERVED_HOST_NAMES].join(', ')}.`);
    }
    for (const what of ['internalIface', 'externalIface'] as const) {
      const name = h.spec[what];
      if (name !== undefined && !PATTERNS.iface.test(name)) {
        r.error('NAME_INVALID', [...h.path, what], `${what} ${show(name)} of host "${h.name}" is not a valid interface name`, 'Use a letter, then letters, digits, "_" or "-" (its length is checked as an interface name).');
      }
    }
  }
  for (const h of duplicates(m.hosts, (h) => h.name)) {
    r.error('NAME_DUPLICATE', h.path, `host "${h.name}" is declared twice`, 'Every host needs a unique name.');
  }
  for (const b of m.bridges) {
    if (!PATTERNS.iface.test(b.name)) {
      r.error('NAME_INVALID', b.path, `bridge name ${show(b.name)} is not a valid interface name`, 'Use a letter, then letters, digits, "_" or "-" (it becomes a Linux bridge on every host).');
    }
  }
  for (const b of duplicates(m.bridges, (b) => b.name)) {
    r.error('NAME_DUPLICATE', b.path, `bridge "${b.name}" is declared twice`, 'Every bridge needs a unique name.');
  }
  for (const c of m.containers) checkContainerNames(c, r);
  for (const c of duplicates(m.containers, (c) => `${c.spec.host}\n${c.name}`)) {
    r.error('NAME_DUPLICATE', c.path, `container "${c.name}" is declared twice on host "${c.spec.host}"`, 'Container names are unique per host (the same name may run on several hosts).');
  }
  for (const h of m.hosts) {
    for (const t of h.spec.tunnels) {
      if (!PATTERNS.iface.test(t.name)) {
        r.error('NAME_INVALID', [...h.path, 'tunnels', t.name], `tunnel name ${show(t.name)} is not a valid interface name`, 'Use a letter, then letters, digits, "_" or "-".');
      }
    }
  }
  for (const [what, name] of [['ovsBridge', m.opts.ovsBridge], ['internalIface', m.opts.internalIface], ['externalIface', m.opts.externalIface]] as const) {
    if (!PATTERNS.iface.test(name) || name.length > IFNAME_MAX) {
      r.error('NAME_INVALID', ['options', what], `${what} ${show(name)} is not a valid interface name`, `Use a letter, then letters, digits, "_" or "-", at most ${IFNAME_MAX} characters.`);
    }
  }
  checkInterfaceNames(m, r);
  checkReservedInterfaceNames(m, r);
}

function checkContainerNames(c: RingModel['containers'][number], r: Report): void {
  const s = c.spec;
  if (!PATTERNS.container.test(s.name)) {
    r.error('NAME_INVALID', c.path, `container name ${show(s.name)} is not a valid Docker container name`, 'Use 2-63 characters: a letter or digit, then letters, digits, "_", "." or "-" (Docker refuses one-character names).');
  }
  if (!PATTERNS.image.test(s.image) || s.image.length > 255) {
    r.error('IMAGE_INVALID', [...c.path, 'image'], `image ${show(s.image)} is not a valid image reference`, 'Write [registry/]name[:tag][@sha256:digest], e.g. "ubuntu:24.04" or "registry.example:5000/team/app:1.2".');
  }
  if (s.hostname !== undefined && !PATTERNS.hostname.test(s.hostname)) {
    r.error('NAME_INVALID', [...c.path, 'hostname'], `hostname ${show(s.hostname)} is not a valid hostname`, 'Use a DNS label: letters, digits and "-".');
  }
  const NUL_HINT = 'A NUL character cannot be part of a program argument, an environment variable or a path: remove it.';
  // Docker's --mount parser (CSV) turns a CR before a line break into nothing, and the scripts'
  // log lines on the host print these paths: such a path would not arrive, or not show, as written.
  const PATH_HINT = 'A path may not hold control characters (CR, LF, tab, ESC...), line separators, bidirectional controls or zero-width characters: rename the file or folder.';
  (s.command ?? []).forEach((word, i) => {
    if (word.includes('\0')) r.error('COMMAND_INVALID', [...c.path, 'command', i], `command argument ${i} of container "${c.name}" contains a NUL character`, NUL_HINT);
  });
  for (const [key, value] of Object.entries(s.env ?? {})) {
    if (!PATTERNS.envKey.test(key)) {
      r.error('ENV_INVALID', [...c.path, 'env', key], `environment variable name ${show(key)} is not valid`, 'Names are letters, digits and "_", not starting with a digit. Values may hold any characters but NUL.');
    } else if (value.includes('\0')) {
      r.error('ENV_INVALID', [...c.path, 'env', key], `the value of environment variable ${key} contains a NUL character`, NUL_HINT);
    }
  }
  if (s.envFile !== undefined && !s.envFile.startsWith('/')) {
    r.error('ENV_INVALID', [...c.path, 'envFile'], `envFile ${show(s.envFile)} is not an absolute path`, 'Give the absolute path of the file on the host, e.g. /etc/ringgen/app.env.');
  } else if (s.envFile?.includes('\0')) {
    r.error('ENV_INVALID', [...c.path, 'envFile'], `envFile ${show(s.envFile)} contains a NUL character`, NUL_HINT);  } else if (s.envFile !== undefined && needsEscaping(s.envFile)) {
    r.error('ENV_INVALID', [...c.path, 'envFile'], `envFile ${show(s.envFile)} contains a control, line-break or invisible character`, PATH_HINT);
  }
  const targets = new Map<string, number>();
  (s.volumes ?? []).forEach((v, i) => {
    const path = [...c.path, 'volumes', i];
    if (('source' in v ? v.source : '').includes('\0') || v.target.includes('\0')) r.error('VOLUME_INVALID', path, `a path of volume ${i} contains a NUL character`, NUL_HINT);
    else if (needsEscaping('source' in v ? v.source : '') || needsEscaping(v.target)) r.error('VOLUME_INVALID', path, `a path of volume ${i} contains a control, line-break or invisible character`, PATH_HINT);
    if (!v.target.startsWith('/')) r.error('VOLUME_INVALID', path, `volume target ${show(v.target)} is not an absolute path`, 'The target is the absolute path inside the container.');
    if ('source' in v && !v.source.startsWith('/')) r.error('VOLUME_INVALID', path, `bind mount source ${show(v.source)} is not an absolute path`, 'Give an absolute host path, or use { volume: "name" } for a named volume.');
    if ('volume' in v && !PATTERNS.volumeName.test(v.volume)) r.error('VOLUME_INVALID', path, `volume name ${show(v.volume)} is not a valid Docker volume name`, 'Use letters, digits, "_", "." or "-".');
    // Docker refuses to create a container with two mounts on one path (compared as it cleans them).
    const target = posix.normalize(v.target).replace(/(?<=.)\/$/, '');
    const first = targets.get(target);
    if (first !== undefined && v.target.startsWith('/')) r.error('VOLUME_INVALID', path, `volumes ${first} and ${i} of container "${c.name}" both mount on ${show(target)}`, 'Docker refuses two mounts on one path: give each its own target.');
    else targets.set(target, i);
  });
}

/** Every interface ringgen creates on a host, with what made it, for length and clash checks. */
export function hostInterfaces(m: RingModel, hostName: string): Array<{ name: string; path: DiagnosticPath; what: string }> {
  const h = m.hostByName.get(hostName)!;
  const out = [
    { name: m.opts.ovsBridge, path: ['options', 'ovsBridge'], what: 'the OVS bridge' },
    { name: h.internalIface, path: [...h.path, 'internalIface'], what: 'the internal interface' },
    { name: h.externalIface, path: [...h.path, 'externalIface'], what: 'the external interface' },
  ];
  for (const t of h.spec.tunnels) out.push({ name: t.name, path: [...h.path, 'tunnels', t.name], what: `tunnel ${t.name}` });
  for (const b of m.bridges) {
    out.push({ name: b.name, path: b.path, what: `bridge ${b.name}` });
    out.push({ name: b.uplink[0], path: b.path, what: `the uplink of bridge ${b.name} (Linux side)` });
    out.push({ name: b.uplink[1], path: b.path, what: `the uplink of bridge ${b.name} (OVS side)` });
  }
  for (const c of h.containers) {
    out.push({ name: c.veth[0], path: c.path, what: `the veth of container ${c.name}` });
    out.push({ name: c.veth[1], path: c.path, what: `the temporary veth end of container ${c.name}` });
  }
  return out;
}

function checkInterfaceNames(m: RingModel, r: Report): void {
  const tooLong = new Set<string>();
  for (const h of m.hosts) {
    const seen = new Map<string, string>();
    for (const i of hostInterfaces(m, h.name)) {
      if (i.name.length > IFNAME_MAX && !tooLong.has(`${formatPath(i.path)}\n${i.name}`)) {
        tooLong.add(`${formatPath(i.path)}\n${i.name}`);
        r.error('IFNAME_TOO_LONG', i.path, `interface name "${i.name}" (${i.what}) has ${i.name.length} characters; Linux allows ${IFNAME_MAX}`, 'Shorten the name it is made from (bridges get "-lb"/"-ov" uplinks, so bridge names can have 12 characters).');
      }
      const first = seen.get(i.name);
      if (first !== undefined && first !== i.what) {
        r.error('IFNAME_CLASH', i.path, `interface name "${i.name}" on host "${h.name}" is used by ${first} and by ${i.what}`, 'Rename one of them; every interface on a host needs its own name.');
      }
      if (first === undefined) seen.set(i.name, i.what);
    }
  }
}

/** The network devices ringgen creates on every host (tunnels are OVS ports, not devices). */
function createdDevices(m: RingModel): Array<{ name: string; path: DiagnosticPath; what: string }> {
  const out: Array<{ name: string; path: DiagnosticPath; what: string }> = [{ name: m.opts.ovsBridge, path: ['options', 'ovsBridge'], what: 'the OVS bridge' }];
  for (const b of m.bridges) {
    out.push({ name: b.name, path: b.path, what: `bridge ${b.name}` });
    out.push({ name: b.uplink[0], path: b.path, what: `the uplink of bridge ${b.name} (Linux side)` });
    out.push({ name: b.uplink[1], path: b.path, what: `the uplink of bridge ${b.name} (OVS side)` });
  }
  for (const c of m.containers) {
    out.push({ name: c.veth[0], path: c.path, what: `the veth of container ${c.name}` });
    out.push({ name: c.veth[1], path: c.path, what: `the temporary veth end of container ${c.name}` });
  }
  return out;
}

function checkReservedInterfaceNames(m: RingModel, r: Report): void {
  for (const d of createdDevices(m)) {
    const user = reservedIfname(d.name);
    if (user === undefined) continue;
    r.error('IFNAME_RESERVED', d.path, `interface name "${d.name}" (${d.what}) is taken on the hosts: ${user}`, d.path[0] === 'options' ? 'Rename options.ovsBridge (an OVS bridge is also a network device of its name).' : `Rename what it is made from (${d.what}).`);
  }
}
