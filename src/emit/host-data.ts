/**
 * The data block that opens each host script: the host's values as bash variables and arrays,
 * every value quoted (or checked to be a plain word), one tunnel, bridge or container a line. The
 * library that follows it in the script (templates/lib/*.sh) reads nothing else about the host.
 */
import type { HostView } from './host-view';
import { shellQuote } from './shell';

/** A data block line stays under this length where its values allow (one long value does not). */
const WIDTH = 110;

/** A word of an array: quoted, and a comma kept inside quotes (shellcheck's SC2054 reads `a,b` in an array as a mistake). */
function word(value: string | number): string {
  const quoted = shellQuote(value);
  return quoted.includes(',') && !/['"\\$]/.test(quoted) ? `'${quoted}'` : quoted;
}

/** A field of a row: split on spaces by the library, so a plain word. */
const FIELD = /^[A-Za-z0-9_.:/-]+$/;
function field(value: string | number, what: string): string {
  const s = String(value);
  if (!FIELD.test(s)) throw new Error(`ringgen: ${what} ${JSON.stringify(s)} is not a plain word; it cannot go in a row of the data block`);
  return s;
}

/** `readonly NAME=value ...` statements, packed into lines of at most WIDTH characters. */
function scalars(pairs: Array<[string, string | number]>): string[] {
  const lines: string[] = [];
  let line = '';
  for (const [name, value] of pairs) {
    const item = `${name}=${shellQuote(value)}`;
    if (line !== '' && line.length + 1 + item.length > WIDTH) {
      lines.push(line);
      line = '';
    }
    line = line === '' ? `readonly ${item}` : `${line} ${item}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** A readonly array, one element a line (`NAME=()` when empty). */
function array(name: string, items: string[]): string[] {
  return items.length === 0 ? [`readonly ${name}=()`] : [`readonly ${name}=(`, ...items.map((i) => `  ${i}`), ')'];
}

/** Rows of plain words, their columns aligned, each row one quoted word. */
function rows(table: string[][]): string[] {
  const widths: number[] = [];
  for (const row of table) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return table.map((row) => `'${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join(' ')}'`);
}

/**
 * Words packed into lines of at most WIDTH characters, a new line for each part; an option stays
 * on the line of the values after it.
 */
function packed(parts: string[][]): string[] {
  const lines: string[] = [];
  for (const part of parts) {
    const groups: string[] = [];
    for (const w of part.map(word)) {
      if (groups.length === 0 || w.startsWith('-')) groups.push(w);
      else groups[groups.length - 1] += ` ${w}`;
    }
    let line = '';
    for (const g of groups) {
      if (line !== '' && line.length + 1 + g.length > WIDTH) {
        lines.push(line);
        line = '';
      }
      line = line === '' ? g : `${line} ${g}`;
    }
    if (line !== '') lines.push(line);
  }
  return lines;
}

/** The host scripts, each with a data block of what it reads. */
export type HostScript = 'up' | 'down' | 'check' | 'install' | 'uninstall';

/**
 * The data block of host `v` for one script: what every script reads (ring, host, address, OVS
 * bridge, mark, state folder), then what that script reads: everything for up.sh (with the
 * containers' `docker create` arguments), the tunnels, bridges and containers for check.sh,
 * the chains and units for down.sh, the install folder and units for install.sh and
 * uninstall.sh. So a change reaches only the scripts that act on it.
 */
export function hostDataBlock(v: HostView, script: HostScript): string {
  const up = script === 'up';
  const tunnels = () => [
    '# Tunnels: name, peer, peer address, kind, path cost, blocked by spanning tree while every host is up.',
    ...array(
      'TUNNELS',
      rows(v.tunnels.map((t) => [field(t.name, 'tunnel'), field(t.peer, 'host'), field(t.remote, 'address'), field(v.tunnelType, 'tunnel kind'), field(t.cost, 'cost'), t.blocked ? 'yes' : 'no'])),
    ),
    '# Bridges: name, this host address, prefix, MAC, VLAN, uplink Linux end, uplink OVS end.',
    ...array(
      'BRIDGES',
      rows(v.bridges.map((b) => [field(b.name, 'bridge'), field(b.address, 'address'), field(b.prefix, 'prefix'), field(b.mac, 'MAC'), field(b.vlan, 'VLAN'), field(b.uplinkLinux, 'uplink'), field(b.uplinkOvs, 'uplink')])),
    ),
  ];
  const chains = (all: boolean) =>
    scalars([
      ['CHAIN_FWD', v.chains.fwd],
      ...(all
        ? ([
            ['CHAIN_IN', v.chains.input],
            ['CHAIN_TX', v.chains.tx],
            ['CHAIN_PRE', v.chains.pre],
            ['CHAIN_OUT', v.chains.out],
            ['CHAIN_POST', v.chains.post],
          ] as Array<[string, string]>)
        : []),
    ]);
  // IPsec: its mode (psk, cert, or empty: off), and for up.sh the files it reads on the host.
  const ipsec = (files: boolean) =>
    scalars([
      ['IPSEC', v.ipsec.mode],
      ...(files && v.ipsec.mode === 'psk' ? ([['IPSEC_PSK_FILE', v.ipsec.psk]] as Array<[string, string]>) : []),
      ...(files && v.ipsec.mode === 'cert'
        ? ([
            ['IPSEC_CA', v.ipsec.ca],
            ['IPSEC_CERT', v.ipsec.cert],
            ['IPSEC_KEY', v.ipsec.key],
          ] as Array<[string, string]>)
        : []),
    ]);
  const out: string[] = [
    `# Host ${v.host} of ring ${v.ring}: the data the steps below work from (they read nothing else about the host).`,
    ...scalars([
      ['RING', v.ring],
      ['HOST', v.host],
      ['INTERNAL_IP', v.internalIp],
      ['OVS_BRIDGE', v.ovsBridge],
      ['OWNER', v.owner],
    ]),
    ...scalars([['DEFAULT_STATE_DIR', v.stateDir]]),
  ];
  if (up) {
    out.push(
      ...scalars([
        ['DATAPATH', v.datapath],
        ['STP', v.stpMode],
        ['BFD_INTERVAL', v.bfdInterval],
        ['TUNNEL_VNI', v.vni],
        ['OVERLAY_MTU', v.overlayMtu],
        ['IP_FORWARD', v.needsForwarding ? 1 : 0],
      ]),
      ...ipsec(true),
      ...scalars([
        ['TIMER_MAX_AGE', v.timerDance?.maxAge ?? ''],
        ['TIMER_FORWARD_DELAY', v.timerDance?.forwardDelay ?? ''],
      ]),
      ...chains(true),
      ...scalars([['UNIT_ATTACH', v.units.attach]]),
      ...tunnels(),
      '# Containers C<I>: name, bridge, address, prefix, MAC, MTU, host veth, temporary veth, gateway, settings hash, env file.',
      `readonly CONTAINER_COUNT=${v.containers.length}`,
      ...v.containers.map((c, i) => `readonly C${i}=(${[c.name, c.bridge, c.ip, c.prefix, c.mac, c.mtu, c.hostVeth, c.tmpVeth, c.gateway, c.hash, c.envFile].map(word).join(' ')})`),
      '# The OVS bridge: `ovs-vsctl set bridge OVS_BRIDGE` with these.',
      ...array('OVS_BRIDGE_SETTINGS', v.bridgeSettings.map(word)),
    );
    for (const [i, c] of v.containers.entries()) {
      out.push(`# Container ${c.name}: \`docker create --label ringgen.hash=HASH\` with these.`, ...array(`C${i}_CREATE`, packed(c.createParts)));
    }
  } else if (script === 'check') {
    out.push(
      ...scalars([
        ['DATAPATH', v.datapath],
        ['BFD_INTERVAL', v.bfdInterval],
      ]),
      ...ipsec(false),
      ...chains(false),
      ...tunnels(),
      '# Containers: name, bridge, address.',
      ...array('CONTAINERS', rows(v.containers.map((c) => [field(c.name, 'container'), field(c.bridge, 'bridge'), field(c.ip, 'address')]))),
    );
  } else if (script === 'down') {
    out.push(...chains(true), ...scalars([['UNIT_ATTACH', v.units.attach]]));
  } else {
    out.push(
      ...scalars([
        ['UNIT_NETWORK', v.units.network],
        ['UNIT_CONTAINERS', v.units.containers],
        ['UNIT_ATTACH', v.units.attach],
      ]),
      ...scalars([['INSTALL_DIR', v.installDir]]),
      `readonly FILES=(${v.installFiles.map(word).join(' ')})`,
    );
  }
  out.push(`# The library: the same in every host's scripts (templates/lib/*.sh in ringgen).`);
  return `${out.join('\n')}\n`;
}
