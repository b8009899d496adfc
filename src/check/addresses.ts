/** Addresses: valid IPs and subnets, no overlaps, containers inside their subnet and unique. */
import type { Report } from '../diagnostics';
import { UNUSABLE_BLOCKS } from '../diagnostics/codes/addresses';
import { contains, formatIp, overlaps, parseCidr, type Cidr } from '../model/ip';
import type { HostModel, RingModel } from '../model/model';

/** Blocks no host and no container subnet can use: they are not unicast addresses of a network. */
const UNUSABLE: ReadonlyArray<{ net: Cidr; cidr: string }> = Object.keys(UNUSABLE_BLOCKS).map((cidr) => ({ net: parseCidr(cidr)!, cidr }));

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
  const owners = new Map<number, { host: string; field: 'internal' | 'external' }>();
  for (const h of m.hosts) {
    for (const [field, text, parsed] of [['internal', h.spec.internal, h.internal], ['external', h.spec.external, h.external]] as const) {
      if (text === undefined) continue;
      if (!parsed) {
        r.add('IP_INVALID', [...h.path, field], { kind: 'host', host: h.name, field, input: text });
        continue;
      }
      const special = unusable({ network: parsed.int, prefix: 32, size: 1 });
      if (special) {
        r.add('IP_INVALID', [...h.path, field], { kind: 'hostUnusable', host: h.name, field, ip: parsed.ip, block: special.cidr });
        continue;
      }
      const other = owners.get(parsed.int);
      if (other !== undefined) {
        r.add('IP_DUPLICATE', [...h.path, field], { ip: parsed.ip, host: h.name, other: other.host, otherField: other.field });
      } else owners.set(parsed.int, { host: h.name, field });
    }
  }
}

interface HostNetwork {
  net: Cidr;
  host: string;
  field: 'internal' | 'external';
  address: string;
  network: boolean;
}

function hostNetworks(m: RingModel): HostNetwork[] {
  const out: HostNetwork[] = [];
  for (const h of m.hosts) {
    for (const [field, text, parsed] of [['internal', h.spec.internal, h.internal], ['external', h.spec.external, h.external]] as const) {
      if (!parsed || text === undefined) continue;
      out.push({ net: parsed.block, host: h.name, field, address: text, network: parsed.net !== undefined });
    }
  }
  return out;
}

function checkSubnets(m: RingModel, r: Report): void {
  const hostNets = hostNetworks(m);
  m.bridges.forEach((b, i) => {
    if (!b.net) {
      const loose = parseCidr(b.spec.subnet, false);
      const suggestion = loose ? `${formatIp(loose.network)}/${loose.prefix}` : undefined;
      r.add('SUBNET_INVALID', [...b.path, 'subnet'], { kind: 'syntax', bridge: b.name, input: b.spec.subnet, ...(suggestion ? { suggestion } : {}) });
      return;
    }
    const special = unusable(b.net);
    if (special) {
      r.add('SUBNET_INVALID', [...b.path, 'subnet'], { kind: 'unusable', bridge: b.name, subnet: b.spec.subnet, block: special.cidr });
      return;
    }
    const subnet = { bridge: b.name, subnet: b.spec.subnet };
    if (b.net.prefix > 30) {
      r.add('SUBNET_TOO_SMALL', [...b.path, 'subnet'], { kind: 'prefix', ...subnet });
    } else if (b.net.size - 2 < m.hosts.length + 1) {
      r.add('SUBNET_TOO_SMALL', [...b.path, 'subnet'], { kind: 'hosts', ...subnet, usable: b.net.size - 2, hosts: m.hosts.length });
    }
    for (const other of m.bridges.slice(0, i)) {
      if (other.net && overlaps(b.net, other.net)) {
        r.add('SUBNET_OVERLAP', [...b.path, 'subnet'], { kind: 'bridge', ...subnet, other: other.name, otherSubnet: other.spec.subnet });
      }
    }
    for (const hn of hostNets) {
      if (overlaps(b.net, hn.net)) {
        r.add('SUBNET_OVERLAP', [...b.path, 'subnet'], { kind: 'host', ...subnet, host: hn.host, field: hn.field, address: hn.address, network: hn.network });
      }
    }
    if (overlaps(b.net, DOCKER_DEFAULT.net)) {
      r.add('SUBNET_DOCKER_DEFAULT', [...b.path, 'subnet'], { ...subnet, docker: DOCKER_DEFAULT.cidr });
    }
    if (!Number.isInteger(b.vlan) || b.vlan < 1 || b.vlan > 4094) {
      r.add('VLAN_INVALID', [...b.path, 'vlan'], { kind: 'range', bridge: b.name, vlan: b.vlan });
    }
    const twin = m.bridges.slice(0, i).find((o) => o.vlan === b.vlan);
    if (twin) {
      r.add('VLAN_INVALID', [...b.path, 'vlan'], { kind: 'shared', bridge: b.name, other: twin.name, vlan: b.vlan });
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
        if (explicit !== undefined) r.add('IP_INVALID', path, { kind: 'bridgeAddress', host: h.name, bridge: b.name, input: explicit });
        continue;
      }
      if (!contains(b.net, addr.int) || addr.int === b.net.network || addr.int === b.net.network + b.net.size - 1) {
        r.add('BRIDGE_ADDRESS_INVALID', path, { kind: 'unusable', host: h.name, bridge: b.name, ip: addr.ip, subnet: b.spec.subnet });
      }
      const other = used.get(addr.int);
      if (other) r.add('BRIDGE_ADDRESS_INVALID', path, { kind: 'shared', host: h.name, other, bridge: b.name, ip: addr.ip });
      else used.set(addr.int, h.name);
    }
  }
  for (const h of m.hosts) {
    for (const name of Object.keys(h.spec.bridgeAddresses ?? {})) {
      if (!m.bridgeByName.has(name)) r.add('REF_UNKNOWN', [...h.path, 'bridgeAddresses', name], { kind: 'bridgeAddress', host: h.name, bridge: name });
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
      if (!byIp.has(addr.int)) byIp.set(addr.int, h);
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
    if (!host) {
      r.add('REF_UNKNOWN', [...c.path, 'host'], { kind: 'containerHost', container: c.name, host: c.spec.host, declared: m.hosts.map((h) => h.name) });
    }
    if (!bridge) {
      const declared = m.bridges.map((b) => b.name);
      r.add('REF_UNKNOWN', [...c.path, 'bridge'], { kind: 'containerBridge', container: c.name, bridge: c.spec.bridge, declared });
    }
    if (c.ip === undefined) {
      r.add('IP_INVALID', [...c.path, 'ip'], { kind: 'container', container: c.name, input: c.spec.ip });
      continue;
    }
    if (!bridge?.net) continue;
    const net = bridge.net;
    const ip = c.ip.int;
    if (!contains(net, ip)) {
      r.add('CONTAINER_IP_OUTSIDE', [...c.path, 'ip'], { container: c.name, ip: c.spec.ip, bridge: bridge.name, subnet: bridge.spec.subnet });
      continue;
    }
    const hostWithIt = hostAt(bridge.name, ip);
    if (ip === net.network || ip === net.network + net.size - 1) {
      const kind = ip === net.network ? 'network' : 'broadcast';
      r.add('CONTAINER_IP_RESERVED', [...c.path, 'ip'], { kind, container: c.name, ip: c.spec.ip, subnet: bridge.spec.subnet });
    } else if (hostWithIt) {
      const values = { container: c.name, ip: c.spec.ip, host: hostWithIt.name, bridge: bridge.name, first: formatIp(net.network + 1) };
      r.add('CONTAINER_IP_RESERVED', [...c.path, 'ip'], { kind: 'host', ...values });
    }
    const key = `${bridge.name}\n${ip}`;
    const other = taken.get(key);
    if (other) r.add('CONTAINER_IP_DUPLICATE', [...c.path, 'ip'], { ip: c.spec.ip, first: other, second: c.label });
    else taken.set(key, c.label);
    checkGateway(c, net, r);
  }
}

function checkGateway(c: RingModel['containers'][number], net: Cidr, r: Report): void {
  const g = c.spec.gateway;
  if (g === undefined || g === 'host') return;
  // Not 'host': the model's gateway is the address given, parsed.
  const ip = c.gateway?.int;
  const reserved = ip === net.network || ip === net.network + net.size - 1;
  if (ip === undefined || !contains(net, ip) || reserved || ip === c.ip?.int) {
    const values = { container: c.name, gateway: g, bridge: c.spec.bridge };
    r.add('GATEWAY_INVALID', [...c.path, 'gateway'], reserved ? { ...values, reserved: ip === net.network ? 'network' : 'broadcast' } : values);
  }
}
