/** Addresses: valid IPs and subnets, no overlaps, containers inside their subnet and unique. */
import type { Report } from '../diagnostics';
import { contains, formatIp, overlaps, parseCidr, parseHostAddress, parseIp, type Cidr } from '../ip';
import { containerGateway, type HostModel, type RingModel } from '../model';

/** Blocks no host and no container subnet can use: they are not unicast addresses of a network. */
const UNUSABLE: ReadonlyArray<{ net: Cidr; what: string }> = [
  { net: parseCidr('0.0.0.0/8')!, what: '"this network" (0.0.0.0/8)' },
  { net: parseCidr('127.0.0.0/8')!, what: 'loopback (127.0.0.0/8)' },
  { net: parseCidr('224.0.0.0/4')!, what: 'multicast (224.0.0.0/4)' },
  { net: parseCidr('255.255.255.255/32')!, what: 'the broadcast address 255.255.255.255' },
];

/** Docker's default bridge network, on docker0 of every host that runs Docker unconfigured. */
const DOCKER_DEFAULT = { cidr: '172.17.0.0/16', net: parseCidr('172.17.0.0/16')! };
const unusable = (net: Cidr) => UNUSABLE.find((u) => overlaps(u.net, net));

export function checkAddresses(m: RingModel, r: Report): void {
  checkHostAddresses(m, r);
  checkSubnets(m, r);
  checkBridgeAddresses(m, r);
  checkContainerAddresses(m, r);
}

function checkHostAddresses(m: RingModel, r: Report): void {
  const owners = new Map<number, string>();
  for (const h of m.hosts) {
    for (const [field, text] of [['internal', h.spec.internal], ['external', h.spec.external]] as const) {
      if (text === undefined) continue;
      const parsed = parseHostAddress(text);
      if (!parsed) {
        r.error('IP_INVALID', [...h.path, field], `${field} address ${JSON.stringify(text)} of host "${h.name}" is not an IPv4 address`, 'Write a dotted quad such as 10.20.10.70, optionally with a prefix length (10.20.10.70/24).');
        continue;
      }
      const special = unusable({ network: parsed.ip, prefix: 32, size: 1 });
      if (special) {
        r.error('IP_INVALID', [...h.path, field], `${field} address ${formatIp(parsed.ip)} of host "${h.name}" is in ${special.what}, which no host can use as its address`, 'Give the address the host has on its network, e.g. 10.20.10.70.');
        continue;
      }
      const other = owners.get(parsed.ip);
      if (other !== undefined) {
        r.error('IP_DUPLICATE', [...h.path, field], `address ${formatIp(parsed.ip)} of host "${h.name}" is already used by ${other}`, 'Every host needs its own internal and external address.');
      } else owners.set(parsed.ip, `host "${h.name}" (${field})`);
    }
  }
}

function hostNetworks(m: RingModel): Array<{ net: Cidr; what: string }> {
  const out: Array<{ net: Cidr; what: string }> = [];
  for (const h of m.hosts) {
    for (const [field, text] of [['internal', h.spec.internal], ['external', h.spec.external]] as const) {
      const parsed = text === undefined ? undefined : parseHostAddress(text);
      if (!parsed) continue;
      out.push({ net: parsed.net ?? { network: parsed.ip, prefix: 32, size: 1 }, what: `the ${field} ${parsed.net ? 'network' : 'address'} of host "${h.name}" (${text})` });
    }
  }
  return out;
}

function checkSubnets(m: RingModel, r: Report): void {
  const hostNets = hostNetworks(m);
  m.bridges.forEach((b, i) => {
    if (!b.net) {
      const loose = parseCidr(b.spec.subnet, false);
      const hint = loose ? `Did you mean ${formatIp(loose.network)}/${loose.prefix}? The host bits of a subnet must be zero.` : 'Write a subnet in CIDR form, e.g. 192.168.2.0/24.';
      r.error('SUBNET_INVALID', [...b.path, 'subnet'], `subnet ${JSON.stringify(b.spec.subnet)} of bridge "${b.name}" is not a valid IPv4 subnet`, hint);
      return;
    }
    const special = unusable(b.net);
    if (special) {
      r.error('SUBNET_INVALID', [...b.path, 'subnet'], `subnet ${b.spec.subnet} of bridge "${b.name}" reaches into ${special.what}, which hosts and containers cannot use`, 'Use a private range, e.g. 192.168.2.0/24 or 172.20.1.0/24.');
      return;
    }
    if (b.net.prefix > 30) {
      r.error('SUBNET_TOO_SMALL', [...b.path, 'subnet'], `subnet ${b.spec.subnet} of bridge "${b.name}" has no room for hosts and containers`, 'Use a prefix of /30 or shorter (a /24 is typical).');
    } else if (b.net.size - 2 < m.hosts.length + 1) {
      r.error('SUBNET_TOO_SMALL', [...b.path, 'subnet'], `subnet ${b.spec.subnet} of bridge "${b.name}" has ${b.net.size - 2} usable addresses, fewer than one per host (${m.hosts.length}) plus a container`, 'Every host takes an address on every bridge: use a larger subnet.');
    }
    for (const other of m.bridges.slice(0, i)) {
      if (other.net && overlaps(b.net, other.net)) {
        r.error('SUBNET_OVERLAP', [...b.path, 'subnet'], `subnet ${b.spec.subnet} of bridge "${b.name}" overlaps subnet ${other.spec.subnet} of bridge "${other.name}"`, 'Give every bridge its own, non-overlapping subnet.');
      }
    }
    for (const hn of hostNets) {
      if (overlaps(b.net, hn.net)) {
        r.error('SUBNET_OVERLAP', [...b.path, 'subnet'], `subnet ${b.spec.subnet} of bridge "${b.name}" overlaps ${hn.what}`, 'Container subnets must not overlap the networks the hosts use to reach each other and the outside.');
      }
    }
    if (overlaps(b.net, DOCKER_DEFAULT.net)) {
      r.warn('SUBNET_DOCKER_DEFAULT', [...b.path, 'subnet'], `subnet ${b.spec.subnet} of bridge "${b.name}" overlaps ${DOCKER_DEFAULT.cidr}, the subnet of Docker's default bridge (docker0)`, 'Pick another range (172.20.0.0/16 and up, 192.168.0.0/16, 10.0.0.0/8), or move docker0 with "bip" in /etc/docker/daemon.json on every host: the hosts would route the overlap to both.');
    }
    if (!Number.isInteger(b.vlan) || b.vlan < 1 || b.vlan > 4094) {
      r.error('VLAN_INVALID', [...b.path, 'vlan'], `VLAN ${b.vlan} of bridge "${b.name}" is outside 1-4094`, 'Pick a VLAN id from 1 to 4094, or leave it out for the default (10 + position).');
    }
    const twin = m.bridges.slice(0, i).find((o) => o.vlan === b.vlan);
    if (twin) {
      r.error('VLAN_INVALID', [...b.path, 'vlan'], `bridges "${twin.name}" and "${b.name}" share VLAN ${b.vlan}, so their subnets would share one broadcast domain`, 'Give every bridge its own VLAN.');
    }
  });
}

function checkBridgeAddresses(m: RingModel, r: Report): void {
  for (const b of m.bridges) {
    // A second bridge of the same name is reported as NAME_DUPLICATE; its addresses are not its own.
    if (!b.net || m.bridgeByName.get(b.name) !== b) continue;
    const used = new Map<number, string>();
    for (const h of m.hosts) {
      const path = [...h.path, 'bridgeAddresses', b.name];
      const own = h.spec.bridgeAddresses;
      const explicit = own && Object.hasOwn(own, b.name) ? own[b.name] : undefined;
      const addr = h.bridgeAddress.get(b.name);
      if (addr === undefined) {
        if (explicit !== undefined) r.error('IP_INVALID', path, `address ${JSON.stringify(explicit)} of host "${h.name}" on bridge "${b.name}" is not an IPv4 address`, 'Write a dotted quad inside the bridge subnet.');
        continue;
      }
      if (!contains(b.net, addr) || addr === b.net.network || addr === b.net.network + b.net.size - 1) {
        r.error('BRIDGE_ADDRESS_INVALID', path, `host "${h.name}" gets ${formatIp(addr)} on bridge "${b.name}", which is not a usable address of ${b.spec.subnet}`, 'Pick an address inside the subnet that is neither its network nor its broadcast address.');
      }
      const other = used.get(addr);
      if (other) r.error('BRIDGE_ADDRESS_INVALID', path, `hosts "${other}" and "${h.name}" both get ${formatIp(addr)} on bridge "${b.name}"`, 'Every host needs its own address on every bridge (the original gave them all the same one).');
      else used.set(addr, h.name);
    }
  }
  for (const h of m.hosts) {
    for (const name of Object.keys(h.spec.bridgeAddresses ?? {})) {
      if (!m.bridgeByName.has(name)) r.error('REF_UNKNOWN', [...h.path, 'bridgeAddresses', name], `bridgeAddresses of host "${h.name}" names bridge "${name}", which is not declared`, 'Declare the bridge or remove the entry.');
    }
  }
}

/** Which host holds an address on a bridge (the first declared, when two do): one lookup per container. */
function hostAddressIndex(m: RingModel): (bridge: string, ip: number) => HostModel | undefined {
  const index = new Map<string, Map<number, HostModel>>();
  for (const h of m.hosts) {
    for (const [bridge, addr] of h.bridgeAddress) {
      if (addr === undefined) continue;
      let byIp = index.get(bridge);
      if (!byIp) index.set(bridge, (byIp = new Map()));
      if (!byIp.has(addr)) byIp.set(addr, h);
    }
  }
  return (bridge, ip) => index.get(bridge)?.get(ip);
}

function checkContainerAddresses(m: RingModel, r: Report): void {
  const taken = new Map<string, string>();
  const hostAt = hostAddressIndex(m);
  for (const c of m.containers) {
    const host = m.hostByName.get(c.spec.host);
    const bridge = m.bridgeByName.get(c.spec.bridge);
    if (!host) r.error('REF_UNKNOWN', [...c.path, 'host'], `container "${c.name}" runs on host "${c.spec.host}", which is not declared`, `Declared hosts: ${m.hosts.map((h) => h.name).join(', ') || 'none'}.`);
    if (!bridge) r.error('REF_UNKNOWN', [...c.path, 'bridge'], `container "${c.name}" is on bridge "${c.spec.bridge}", which is not declared`, `Declared bridges: ${m.bridges.map((b) => b.name).join(', ') || 'none'}.`);
    if (c.ip === undefined) {
      r.error('IP_INVALID', [...c.path, 'ip'], `address ${JSON.stringify(c.spec.ip)} of container "${c.name}" is not an IPv4 address`, 'Write a dotted quad without prefix; the prefix comes from the bridge subnet.');
      continue;
    }
    if (!bridge?.net) continue;
    const net = bridge.net;
    if (!contains(net, c.ip)) {
      r.error('CONTAINER_IP_OUTSIDE', [...c.path, 'ip'], `address ${c.spec.ip} of container "${c.name}" is outside subnet ${bridge.spec.subnet} of bridge "${bridge.name}"`, 'Pick an address inside the bridge subnet, or attach the container to the bridge that holds it.');
      continue;
    }
    const hostWithIt = hostAt(bridge.name, c.ip);
    if (c.ip === net.network || c.ip === net.network + net.size - 1) {
      r.error('CONTAINER_IP_RESERVED', [...c.path, 'ip'], `address ${c.spec.ip} of container "${c.name}" is the ${c.ip === net.network ? 'network' : 'broadcast'} address of ${bridge.spec.subnet}`, 'Pick a host address inside the subnet.');
    } else if (hostWithIt) {
      r.error('CONTAINER_IP_RESERVED', [...c.path, 'ip'], `address ${c.spec.ip} of container "${c.name}" is host "${hostWithIt.name}"'s address on bridge "${bridge.name}"`, `Hosts take the first addresses of each subnet in declaration order (${formatIp(net.network + 1)} onwards); pick another, or set the host's bridgeAddresses.`);
    }
    const key = `${bridge.name}\n${c.ip}`;
    const other = taken.get(key);
    if (other) r.error('CONTAINER_IP_DUPLICATE', [...c.path, 'ip'], `address ${c.spec.ip} is used by container ${other} and by ${c.label}`, 'Every container on a bridge needs its own address, across all hosts.');
    else taken.set(key, c.label);
    checkGateway(m, c, net, r);
  }
}

function checkGateway(m: RingModel, c: RingModel['containers'][number], net: Cidr, r: Report): void {
  const g = c.spec.gateway;
  if (g === undefined || g === 'host') return;
  const ip = parseIp(g);
  const reserved = ip === net.network || ip === net.network + net.size - 1;
  if (ip === undefined || !contains(net, ip) || reserved || ip === c.ip || containerGateway(m, c) === undefined) {
    r.error('GATEWAY_INVALID', [...c.path, 'gateway'], `gateway ${JSON.stringify(g)} of container "${c.name}" is not another usable address in ${c.spec.bridge}'s subnet${reserved ? ` (it is the subnet's ${ip === net.network ? 'network' : 'broadcast'} address)` : ''}`, 'Use "host" for the host\'s own address on the bridge, or an address inside the bridge subnet that is neither its network nor its broadcast address.');
  }
}
