/**
 * The rules, table-driven: every diagnostic code the checker can produce has a fixture
 * that triggers exactly that code, with its severity and path. Fixtures are small edits
 * of one valid base ring (four hosts in a GRE ring, br0 and br1, two containers), made
 * with the DSL where it can express the mistake and on the plain spec where only that
 * form can (peering mistakes: each host lists its own tunnel ends there).
 *
 * CONFIG_LOAD and CONFIG_TYPE come from the config loader and are tested with it.
 */
import { describe, expect, it } from 'vitest';
import { DIAGNOSTIC_CODES, DIAGNOSTIC_TABLE, diagnostic, formatPath, type Diagnostic, type DiagnosticCode, type DiagnosticPath, type Severity } from '../src/diagnostics';
import { ring, type RingBuilder } from '../src/input/dsl';
import { describeInterface } from '../src/diagnostics/codes/names';
import { INTERFACE_ROLES } from '../src/model/naming';
import { buildRing, checkRing, type UncheckedInput } from '../src/pipeline';
import type { Draft as GeneratedDraft } from './generate';
import type { ContainerSpec, HostSpec, RingOptions, RingSpec } from '../src/input/spec';

// ---------------------------------------------------------------------------------------------
// The valid base and the helpers that edit it
// ---------------------------------------------------------------------------------------------

/** Everything the DSL is given, as plain data, so a row can edit it before the ring is built. */
type Draft = Omit<GeneratedDraft, 'arrays'>;

/**
 * The base: host1-host2-host3-host4-host1 (tunnels gre0 host1-host2, gre1 host2-host3,
 * gre2 host3-host4, gre3 host4-host1); host1 alone has an external IP; hosts take
 * .1-.4 on every bridge; containers host1/test1 (br0, 192.168.2.11) and host3/test1
 * (br1, 192.168.3.11).
 */
function baseDraft(): Draft {
  return {
    name: 'ddbms',
    options: {},
    hosts: [
      { name: 'host1', internal: '10.20.10.70', external: '192.0.2.10' },
      { name: 'host2', internal: '10.20.10.71' },
      { name: 'host3', internal: '10.20.10.72' },
      { name: 'host4', internal: '10.20.10.73' },
    ],
    bridges: [
      { name: 'br0', subnet: '192.168.2.0/24' },
      { name: 'br1', subnet: '192.168.3.0/24' },
    ],
    containers: [
      { name: 'test1', host: 'host1', bridge: 'br0', ip: '192.168.2.11', image: 'ubuntu' },
      { name: 'test1', host: 'host3', bridge: 'br1', ip: '192.168.3.11', image: 'ubuntu' },
    ],
    tunnels: [],
  };
}

/** The base through the DSL, after `edit` changed the declarations. */
function dsl(edit: (d: Draft) => void = () => {}): RingBuilder {
  const d = baseDraft();
  edit(d);
  const b = ring(d.name, d.options).hosts(d.hosts).bridges(d.bridges).containers(d.containers);
  for (const [name, a, z, opts] of d.tunnels) b.tunnel(name, a, z, opts);
  return b;
}

/** The base as a plain spec (each host lists its tunnel ends), after `edit` changed it. */
function spec(edit: (s: RingSpec) => void = () => {}): RingSpec {
  const s = structuredClone(dsl().toSpec());
  edit(s);
  return s;
}

/** Finds a host of a draft or a spec by name (throws, so a typo in a row fails loudly). */
function hostOf<H extends { name: string }>(d: { hosts: H[] }, name: string): H {
  const h = d.hosts.find((x) => x.name === name);
  if (!h) throw new Error(`fixture: no host ${name}`);
  return h;
}

function containerOf<C extends { name: string; host: string }>(d: { containers?: C[] }, id: string): C {
  const [host, name] = id.split('/');
  const c = (d.containers ?? []).find((x) => x.host === host && x.name === name);
  if (!c) throw new Error(`fixture: no container ${id}`);
  return c;
}

function bridgeOf<B extends { name: string }>(d: { bridges: B[] }, name: string): B {
  const b = d.bridges.find((x) => x.name === name);
  if (!b) throw new Error(`fixture: no bridge ${name}`);
  return b;
}

/** Removes tunnel end `name` from host `host` of a plain spec. */
function dropEnd(s: RingSpec, host: string, name: string): void {
  const h: HostSpec = hostOf(s, host);
  const before = h.tunnels.length;
  h.tunnels = h.tunnels.filter((t) => t.name !== name);
  if (h.tunnels.length !== before - 1) throw new Error(`fixture: host ${host} has no single tunnel ${name}`);
}

/** A plain ring of `n` hosts (host1..hostN), one bridge, through the DSL. */
function bigRing(n: number, options: RingOptions = {}): RingBuilder {
  const b = ring('big', options).bridge('br0', { subnet: '192.168.0.0/24' });
  for (let i = 1; i <= n; i++) b.host(`host${i}`, { internal: `10.20.10.${i}` });
  return b;
}

type Triple = [DiagnosticCode, Severity, string];

const triples = (ds: readonly Diagnostic[]): Triple[] =>
  ds.map((d): Triple => [d.code, d.severity, formatPath(d.path)]).sort((a, b) => a.join('\n').localeCompare(b.join('\n')));

const codes = (ds: readonly Diagnostic[]) => [...new Set(ds.map((d) => d.code))].sort();

// ---------------------------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------------------------

interface Row {
  /** The code this row is about. */
  code: DiagnosticCode;
  /** The mistake, in words. */
  what: string;
  input: () => unknown;
  severity: Severity;
  /** Paths of the diagnostics with `code` (one entry per diagnostic: the exact multiset). */
  paths: string[];
  /** Other diagnostics the mistake unavoidably brings along (the row says why in a comment). */
  others?: Triple[];
  /** Something the message of (every) diagnostic with `code` must say. */
  message?: RegExp;
  /** Something the hint of (every) diagnostic with `code` must say. */
  hint?: RegExp;
}

const ROWS: Row[] = [
  // --- shape -----------------------------------------------------------------------------------
  {
    code: 'SCHEMA',
    what: 'a misspelt key on a host (unknown keys are refused)',
    input: () => spec((s) => Object.assign(hostOf(s, 'host2'), { internl: '10.20.10.99' })),
    severity: 'error',
    paths: ['hosts.host2'],
    message: /internl/,
  },
  {
    code: 'SCHEMA',
    what: 'a VLAN written as a string',
    input: () => spec((s) => Object.assign(bridgeOf(s, 'br1'), { vlan: '20' })),
    severity: 'error',
    paths: ['bridges.br1.vlan'],
  },
  {
    code: 'SCHEMA',
    what: 'a tunnel end without its remote',
    input: () => spec((s) => delete (hostOf(s, 'host2').tunnels[1] as Partial<HostSpec['tunnels'][number]>).remote),
    severity: 'error',
    paths: ['hosts.host2.tunnels.gre1.remote'],
  },

  // --- names -----------------------------------------------------------------------------------
  {
    code: 'NAME_INVALID',
    what: 'a ring name with upper case',
    input: () => dsl((d) => (d.name = 'DDBMS')),
    severity: 'error',
    paths: ['name'],
  },
  {
    code: 'NAME_INVALID',
    what: 'a host name with an underscore',
    input: () => dsl((d) => (hostOf(d, 'host2').name = 'host_2')),
    severity: 'error',
    paths: ['hosts.host_2'],
  },
  {
    code: 'NAME_INVALID',
    what: 'a bridge name starting with a digit',
    input: () =>
      dsl((d) => {
        bridgeOf(d, 'br1').name = '1br';
        containerOf(d, 'host3/test1').bridge = '1br';
      }),
    severity: 'error',
    paths: ['bridges.1br'],
  },
  {
    code: 'NAME_INVALID',
    what: 'a container name with a slash',
    input: () => dsl((d) => (containerOf(d, 'host1/test1').name = 'te/st')),
    severity: 'error',
    paths: ['containers.host1/te/st'],
  },
  {
    code: 'NAME_INVALID',
    what: 'a tunnel name with a dot (on both of its ends)',
    input: () => dsl((d) => d.tunnels.push(['gre.1', 'host2', 'host3'])),
    severity: 'error',
    paths: ['hosts.host2.tunnels["gre.1"]', 'hosts.host3.tunnels["gre.1"]'],
  },
  {
    code: 'NAME_INVALID',
    what: 'a container hostname with an underscore',
    input: () => dsl((d) => (containerOf(d, 'host1/test1').hostname = 'web_1')),
    severity: 'error',
    paths: ['containers.host1/test1.hostname'],
  },
  {
    code: 'NAME_INVALID',
    what: 'an OVS bridge name with a space',
    input: () => dsl((d) => (d.options.ovsBridge = 'ovs 0')),
    severity: 'error',
    paths: ['options.ovsBridge'],
  },
  {
    code: 'NAME_INVALID',
    what: "a host's internal interface name with a shell substitution",
    input: () => dsl((d) => (hostOf(d, 'host2').internalIface = 'eth$(id)')),
    severity: 'error',
    paths: ['hosts.host2.internalIface'],
  },
  {
    code: 'NAME_DUPLICATE',
    what: 'two bridges with one name',
    // The container of br1 moves to br0: with two "br1", which one it means is a guess.
    input: () =>
      dsl((d) => {
        d.bridges.push({ name: 'br1', subnet: '192.168.4.0/24' });
        Object.assign(containerOf(d, 'host3/test1'), { bridge: 'br0', ip: '192.168.2.13' });
      }),
    severity: 'error',
    paths: ['bridges.br1'],
  },
  {
    code: 'NAME_DUPLICATE',
    what: 'two containers with one name on one host',
    input: () => dsl((d) => d.containers.push({ name: 'test1', host: 'host1', bridge: 'br0', ip: '192.168.2.12', image: 'ubuntu' })),
    severity: 'error',
    paths: ['containers.host1/test1'],
  },
  {
    code: 'NAME_DUPLICATE',
    what: 'two hosts with one name',
    // The DSL joins hosts by name, so the two "host2" (neighbours in the ring order) get a
    // tunnel to "host2" (gre1: TUNNEL_SELF, once per entry, as both list the same ends) and
    // both reach host3 through gre2 (TUNNEL_PARALLEL). All of it is the one duplicate name;
    // the exact rows for NAME_DUPLICATE are the bridge and container ones.
    input: () => dsl((d) => d.hosts.splice(2, 0, { name: 'host2', internal: '10.20.10.74' })),
    severity: 'error',
    paths: ['hosts.host2'],
    others: [
      ['TUNNEL_SELF', 'error', 'hosts.host2.tunnels.gre1'],
      ['TUNNEL_SELF', 'error', 'hosts.host2.tunnels.gre1'],
      ['TUNNEL_PARALLEL', 'warning', 'hosts.host2.tunnels.gre2'],
    ],
  },
  {
    code: 'HOST_NAME_RESERVED',
    what: 'a host named like a file ringgen writes',
    input: () => dsl((d) => (hostOf(d, 'host4').name = 'manifest')),
    severity: 'error',
    paths: ['hosts.manifest'],
  },
  {
    code: 'IMAGE_INVALID',
    what: 'an image with upper case in its path',
    input: () => dsl((d) => (containerOf(d, 'host1/test1').image = 'Ubuntu:24.04')),
    severity: 'error',
    paths: ['containers.host1/test1.image'],
  },
  {
    code: 'IFNAME_TOO_LONG',
    what: "a host's internal interface name of 16 characters",
    input: () => dsl((d) => (hostOf(d, 'host2').internalIface = 'enp0s31f6abcdefg')),
    severity: 'error',
    paths: ['hosts.host2.internalIface'],
  },
  {
    code: 'IFNAME_TOO_LONG',
    what: 'a bridge name of 13 characters (its -lb/-ov uplinks get 16)',
    input: () =>
      dsl((d) => {
        bridgeOf(d, 'br1').name = 'storage-net13';
        containerOf(d, 'host3/test1').bridge = 'storage-net13';
      }),
    severity: 'error',
    // One per uplink end; the same names on every host are reported once.
    paths: ['bridges.storage-net13', 'bridges.storage-net13'],
  },
  {
    code: 'IFNAME_CLASH',
    what: "a host's external interface named like its internal one",
    input: () => dsl((d) => (hostOf(d, 'host2').externalIface = 'eth1')),
    severity: 'error',
    paths: ['hosts.host2.externalIface'],
  },
  {
    code: 'IFNAME_RESERVED',
    what: "the OVS bridge named like the device of Open vSwitch's kernel datapath",
    input: () => dsl((d) => (d.options.ovsBridge = 'ovs-system')),
    severity: 'error',
    paths: ['options.ovsBridge'],
  },
  {
    code: 'IFNAME_CLASH',
    what: 'a tunnel named like the OVS bridge (on both of its ends)',
    input: () => dsl((d) => d.tunnels.push(['ovs0', 'host1', 'host2'])),
    severity: 'error',
    paths: ['hosts.host1.tunnels.ovs0', 'hosts.host2.tunnels.ovs0'],
  },

  // --- references ----------------------------------------------------------------------------
  {
    code: 'REF_UNKNOWN',
    what: 'a container on an undeclared host',
    input: () => dsl((d) => (containerOf(d, 'host1/test1').host = 'host9')),
    severity: 'error',
    paths: ['containers.host9/test1.host'],
  },
  {
    code: 'REF_UNKNOWN',
    what: 'a container on an undeclared bridge',
    input: () => dsl((d) => (containerOf(d, 'host1/test1').bridge = 'br9')),
    severity: 'error',
    paths: ['containers.host1/test1.bridge'],
  },
  {
    code: 'REF_UNKNOWN',
    what: 'an undeclared root host',
    input: () => dsl((d) => (d.options.root = 'host9')),
    severity: 'error',
    paths: ['options.root'],
  },
  {
    code: 'REF_UNKNOWN',
    what: 'a bridge address on an undeclared bridge',
    input: () => dsl((d) => (hostOf(d, 'host2').bridgeAddresses = { br9: '192.168.9.1' })),
    severity: 'error',
    paths: ['hosts.host2.bridgeAddresses.br9'],
  },
  {
    code: 'REF_UNKNOWN',
    what: 'a published port on an undeclared host',
    input: () => dsl((d) => (containerOf(d, 'host1/test1').publish = ['host9:8080:80'])),
    severity: 'error',
    paths: ['containers.host1/test1.publish[0]'],
  },
  {
    code: 'REF_UNKNOWN',
    what: 'a tunnel end leading to an undeclared host (plain spec)',
    input: () => spec((s) => hostOf(s, 'host2').tunnels.push({ name: 'gre9', peer: 'host9', remote: '10.20.10.79' })),
    severity: 'error',
    paths: ['hosts.host2.tunnels.gre9'],
  },

  // --- addresses -----------------------------------------------------------------------------
  {
    code: 'IP_INVALID',
    what: 'a container address with an octet above 255',
    input: () => dsl((d) => (containerOf(d, 'host1/test1').ip = '192.168.2.256')),
    severity: 'error',
    paths: ['containers.host1/test1.ip'],
  },
  {
    code: 'IP_INVALID',
    what: 'a host internal address that is not a dotted quad',
    // The DSL copies the (bad) internal address into the neighbours' tunnel ends; that is
    // the same mistake, so it must not come back as TUNNEL_REMOTE_MISMATCH.
    input: () => dsl((d) => (hostOf(d, 'host3').internal = '10.20.10.300')),
    severity: 'error',
    paths: ['hosts.host3.internal'],
  },
  {
    code: 'IP_INVALID',
    what: 'a host external address that is not a dotted quad',
    input: () => dsl((d) => (hostOf(d, 'host1').external = '192.0.2')),
    severity: 'error',
    paths: ['hosts.host1.external'],
  },
  {
    code: 'IP_INVALID',
    what: 'a bridge address that is not a dotted quad',
    input: () => dsl((d) => (hostOf(d, 'host2').bridgeAddresses = { br0: 'host2' })),
    severity: 'error',
    paths: ['hosts.host2.bridgeAddresses.br0'],
  },
  {
    code: 'IP_DUPLICATE',
    what: 'two hosts with one internal address',
    input: () => dsl((d) => (hostOf(d, 'host3').internal = '10.20.10.71')),
    severity: 'error',
    paths: ['hosts.host3.internal'],
  },
  {
    code: 'IP_DUPLICATE',
    what: "a host's external address equal to another host's internal one",
    input: () => dsl((d) => (hostOf(d, 'host2').external = '10.20.10.70')),
    severity: 'error',
    paths: ['hosts.host2.external'],
  },
  {
    code: 'IP_INVALID',
    what: 'a host external address in loopback',
    input: () => dsl((d) => (hostOf(d, 'host1').external = '127.0.0.2')),
    severity: 'error',
    paths: ['hosts.host1.external'],
    message: /loopback/,
  },
  {
    code: 'SUBNET_INVALID',
    what: 'a multicast subnet',
    input: () =>
      dsl((d) => {
        bridgeOf(d, 'br1').subnet = '239.1.1.0/24';
        containerOf(d, 'host3/test1').ip = '239.1.1.11';
      }),
    severity: 'error',
    paths: ['bridges.br1.subnet'],
    message: /multicast/,
  },
  {
    code: 'SUBNET_INVALID',
    what: 'a subnet with host bits set',
    input: () => dsl((d) => (bridgeOf(d, 'br1').subnet = '192.168.3.1/24')),
    severity: 'error',
    paths: ['bridges.br1.subnet'],
  },
  {
    code: 'SUBNET_INVALID',
    what: 'a subnet without a prefix length',
    input: () => dsl((d) => (bridgeOf(d, 'br1').subnet = '192.168.3.0')),
    severity: 'error',
    paths: ['bridges.br1.subnet'],
  },
  {
    code: 'SUBNET_DOCKER_DEFAULT',
    what: "a subnet inside Docker's default bridge network",
    input: () =>
      dsl((d) => {
        bridgeOf(d, 'br1').subnet = '172.17.5.0/24';
        containerOf(d, 'host3/test1').ip = '172.17.5.11';
      }),
    severity: 'warning',
    paths: ['bridges.br1.subnet'],
  },
  {
    code: 'SUBNET_OVERLAP',
    what: 'a subnet holding another bridge subnet',
    input: () => dsl((d) => (bridgeOf(d, 'br1').subnet = '192.168.0.0/16')),
    severity: 'error',
    paths: ['bridges.br1.subnet'],
  },
  {
    code: 'SUBNET_OVERLAP',
    what: "a subnet overlapping a host's external network",
    input: () =>
      dsl((d) => {
        hostOf(d, 'host1').external = '192.0.2.10/24';
        bridgeOf(d, 'br1').subnet = '192.0.2.128/25';
        containerOf(d, 'host3/test1').ip = '192.0.2.140';
      }),
    severity: 'error',
    paths: ['bridges.br1.subnet'],
    message: /external network of host "host1"/,
  },
  {
    code: 'SUBNET_OVERLAP',
    what: 'a subnet holding the internal addresses (one diagnostic per host it holds)',
    input: () =>
      dsl((d) => {
        hostOf(d, 'host1').internal = '10.20.10.70/24';
        bridgeOf(d, 'br1').subnet = '10.20.0.0/16';
        containerOf(d, 'host3/test1').ip = '10.20.3.11';
      }),
    severity: 'error',
    paths: ['bridges.br1.subnet', 'bridges.br1.subnet', 'bridges.br1.subnet', 'bridges.br1.subnet'],
  },
  {
    code: 'SUBNET_TOO_SMALL',
    what: 'a /30 for four hosts and a container',
    input: () =>
      dsl((d) => {
        bridgeOf(d, 'br1').subnet = '192.168.3.8/30';
        containerOf(d, 'host3/test1').ip = '192.168.3.10';
      }),
    severity: 'error',
    paths: ['bridges.br1.subnet'],
  },
  {
    code: 'SUBNET_TOO_SMALL',
    what: 'a /31',
    // The container of br1 moves to br0, so the /31 holds nobody.
    input: () =>
      dsl((d) => {
        bridgeOf(d, 'br1').subnet = '192.168.3.0/31';
        Object.assign(containerOf(d, 'host3/test1'), { bridge: 'br0', ip: '192.168.2.13' });
      }),
    severity: 'error',
    paths: ['bridges.br1.subnet'],
  },
  {
    code: 'BRIDGE_ADDRESS_INVALID',
    what: 'a bridge address outside the subnet',
    input: () => dsl((d) => (hostOf(d, 'host2').bridgeAddresses = { br0: '192.168.3.2' })),
    severity: 'error',
    paths: ['hosts.host2.bridgeAddresses.br0'],
  },
  {
    code: 'BRIDGE_ADDRESS_INVALID',
    what: "a bridge address equal to another host's",
    input: () => dsl((d) => (hostOf(d, 'host3').bridgeAddresses = { br0: '192.168.2.1' })),
    severity: 'error',
    paths: ['hosts.host3.bridgeAddresses.br0'],
  },
  {
    code: 'BRIDGE_ADDRESS_INVALID',
    what: 'the broadcast address as a bridge address',
    input: () => dsl((d) => (hostOf(d, 'host2').bridgeAddresses = { br1: '192.168.3.255' })),
    severity: 'error',
    paths: ['hosts.host2.bridgeAddresses.br1'],
  },
  {
    code: 'CONTAINER_IP_OUTSIDE',
    what: "a container address in another bridge's subnet",
    input: () => dsl((d) => (containerOf(d, 'host1/test1').ip = '192.168.3.20')),
    severity: 'error',
    paths: ['containers.host1/test1.ip'],
  },
  {
    code: 'CONTAINER_IP_RESERVED',
    what: "a container on a host's bridge address",
    input: () => dsl((d) => (containerOf(d, 'host1/test1').ip = '192.168.2.2')),
    severity: 'error',
    paths: ['containers.host1/test1.ip'],
    message: /host "host2"/,
  },
  {
    code: 'CONTAINER_IP_RESERVED',
    what: 'a container on the broadcast address',
    input: () => dsl((d) => (containerOf(d, 'host3/test1').ip = '192.168.3.255')),
    severity: 'error',
    paths: ['containers.host3/test1.ip'],
    message: /broadcast/,
  },
  {
    code: 'CONTAINER_IP_DUPLICATE',
    what: 'two containers with one address on one bridge (on different hosts)',
    input: () => dsl((d) => d.containers.push({ name: 'test2', host: 'host2', bridge: 'br0', ip: '192.168.2.11', image: 'ubuntu' })),
    severity: 'error',
    paths: ['containers.host2/test2.ip'],
    message: /host1\/test1.*host2\/test2/,
  },
  {
    code: 'GATEWAY_INVALID',
    what: 'a gateway outside the bridge subnet',
    input: () => dsl((d) => (containerOf(d, 'host1/test1').gateway = '10.20.10.1')),
    severity: 'error',
    paths: ['containers.host1/test1.gateway'],
  },
  {
    code: 'GATEWAY_INVALID',
    what: "a gateway equal to the container's own address",
    input: () => dsl((d) => (containerOf(d, 'host1/test1').gateway = '192.168.2.11')),
    severity: 'error',
    paths: ['containers.host1/test1.gateway'],
  },
  {
    code: 'GATEWAY_INVALID',
    what: "a gateway at the subnet's broadcast address",
    input: () => dsl((d) => (containerOf(d, 'host1/test1').gateway = '192.168.2.255')),
    severity: 'error',
    paths: ['containers.host1/test1.gateway'],
    message: /broadcast address/,
  },
  {
    code: 'VLAN_INVALID',
    what: 'a VLAN above 4094',
    input: () => dsl((d) => (bridgeOf(d, 'br1').vlan = 4095)),
    severity: 'error',
    paths: ['bridges.br1.vlan'],
  },
  {
    code: 'VLAN_INVALID',
    what: "a VLAN equal to another bridge's default (10 + position)",
    input: () => dsl((d) => (bridgeOf(d, 'br1').vlan = 10)),
    severity: 'error',
    paths: ['bridges.br1.vlan'],
  },

  // --- tunnels (plain spec: the DSL always writes both ends alike) ---------------------------
  {
    code: 'TUNNEL_NAME_DUPLICATE',
    what: 'one host gives two tunnels the same name',
    // A chord host1-host3 whose two ends agree, named gre0 like host1's tunnel to host2.
    input: () =>
      spec((s) => {
        hostOf(s, 'host1').tunnels.push({ name: 'gre0', peer: 'host3', remote: '10.20.10.72' });
        hostOf(s, 'host3').tunnels.push({ name: 'gre0', peer: 'host1', remote: '10.20.10.70' });
      }),
    severity: 'error',
    paths: ['hosts.host1.tunnels.gre0'],
  },
  {
    code: 'TUNNEL_SELF',
    what: 'a tunnel end pointing at its own host',
    input: () => spec((s) => hostOf(s, 'host2').tunnels.push({ name: 'gre9', peer: 'host2', remote: '10.20.10.71' })),
    severity: 'error',
    paths: ['hosts.host2.tunnels.gre9'],
  },
  {
    code: 'TUNNEL_PEER_MISSING',
    what: 'a chord listed on one host only',
    input: () => spec((s) => hostOf(s, 'host1').tunnels.push({ name: 'gre9', peer: 'host3', remote: '10.20.10.72' })),
    severity: 'error',
    paths: ['hosts.host1.tunnels.gre9'],
  },
  {
    code: 'TUNNEL_PEER_MISSING',
    what: 'a ring tunnel with one end removed',
    // Without gre3 the ring is the line host4-host3-host2-host1: its two ends keep one
    // tunnel each, which is RING_NO_REDUNDANCY (a warning) on host1 and host4.
    input: () => spec((s) => dropEnd(s, 'host4', 'gre3')),
    severity: 'error',
    paths: ['hosts.host1.tunnels.gre3'],
    others: [
      ['RING_NO_REDUNDANCY', 'warning', 'hosts.host1'],
      ['RING_NO_REDUNDANCY', 'warning', 'hosts.host4'],
    ],
  },
  {
    code: 'TUNNEL_NAME_MISMATCH',
    what: 'the two ends of a chord carry different names',
    input: () =>
      spec((s) => {
        hostOf(s, 'host1').tunnels.push({ name: 'gre8', peer: 'host3', remote: '10.20.10.72' });
        hostOf(s, 'host3').tunnels.push({ name: 'gre9', peer: 'host1', remote: '10.20.10.70' });
      }),
    severity: 'error',
    paths: ['hosts.host1.tunnels.gre8', 'hosts.host3.tunnels.gre9'],
  },
  {
    code: 'TUNNEL_REMOTE_MISMATCH',
    what: "a tunnel end whose remote is not the peer's internal address",
    input: () => spec((s) => (hostOf(s, 'host2').tunnels[1]!.remote = '10.20.10.99')),
    severity: 'error',
    paths: ['hosts.host2.tunnels.gre1.remote'],
    message: /10\.20\.10\.72/,
  },
  {
    code: 'TUNNEL_REMOTE_MISMATCH',
    what: 'a tunnel end whose remote is not an address at all',
    input: () => spec((s) => (hostOf(s, 'host2').tunnels[1]!.remote = 'host3')),
    severity: 'error',
    paths: ['hosts.host2.tunnels.gre1.remote'],
  },
  {
    code: 'TUNNEL_COST_MISMATCH',
    what: 'the two ends of a tunnel giving different costs (plain spec)',
    input: () =>
      spec((s) => {
        hostOf(s, 'host2').tunnels.find((t) => t.name === 'gre1')!.cost = 100;
        hostOf(s, 'host3').tunnels.find((t) => t.name === 'gre1')!.cost = 200;
      }),
    severity: 'error',
    paths: ['hosts.host2.tunnels.gre1.cost'],
    message: /100.*200/,
  },
  {
    code: 'TUNNEL_PARALLEL',
    what: 'a second tunnel between two ring neighbours',
    input: () =>
      dsl((d) => {
        d.tunnels.push(['gre0', 'host1', 'host2']);
        d.tunnels.push(['gre9', 'host2', 'host1']);
      }),
    severity: 'warning',
    paths: ['hosts.host1.tunnels.gre9'],
  },

  // --- the ring ------------------------------------------------------------------------------
  {
    code: 'RING_DISCONNECTED',
    what: 'no hosts at all',
    input: () => spec((s) => ((s.hosts = []), (s.containers = []))),
    severity: 'error',
    paths: ['hosts'],
    message: /no hosts/,
  },
  {
    code: 'RING_DISCONNECTED',
    what: 'a host whose tunnels were all removed on both ends',
    // A host cut off has no tunnel, and its two former neighbours keep one each:
    // RING_NO_REDUNDANCY for all three is the same fact seen from each host.
    input: () =>
      spec((s) => {
        dropEnd(s, 'host2', 'gre1');
        dropEnd(s, 'host4', 'gre2');
        hostOf(s, 'host3').tunnels = [];
      }),
    severity: 'error',
    paths: ['hosts'],
    message: /"host3" cannot reach "host1"/,
    others: [
      ['RING_NO_REDUNDANCY', 'warning', 'hosts.host2'],
      ['RING_NO_REDUNDANCY', 'warning', 'hosts.host3'],
      ['RING_NO_REDUNDANCY', 'warning', 'hosts.host4'],
    ],
  },
  {
    code: 'RING_NO_REDUNDANCY',
    what: 'two hosts',
    input: () =>
      dsl((d) => {
        d.hosts = d.hosts.slice(0, 2);
        d.containers = d.containers.filter((c) => c.host === 'host1');
      }),
    severity: 'warning',
    paths: ['hosts'],
  },
  {
    code: 'RING_TOO_LONG',
    what: 'a 12-host ring with max-age 6',
    input: () => bigRing(12, { maxAge: 6 }),
    severity: 'error',
    paths: ['hosts'],
  },
  {
    code: 'RING_REDUNDANCY_LIMIT',
    what: 'an 8-host ring with max-age 6 (fine until a host next to the root fails)',
    input: () => bigRing(8, { maxAge: 6 }),
    severity: 'error',
    paths: ['hosts'],
    // Losing the root (host1), host2 or host8 leaves a line of 7 hosts, 6 hops end to end.
    message: /after losing host "host1" .* 6 hops .* 3 single-host failure/,
  },

  // --- settings ------------------------------------------------------------------------------
  {
    code: 'STP_OFF_LOOP',
    what: 'spanning tree off on a ring',
    input: () => dsl((d) => (d.options.stp = 'off')),
    severity: 'error',
    paths: ['options.stp'],
  },
  {
    code: 'STP_RANGE',
    what: 'an RSTP priority that is not a multiple of 4096',
    input: () => dsl((d) => (d.options.priority = 5000)),
    severity: 'error',
    paths: ['options.priority'],
  },
  {
    code: 'STP_RANGE',
    what: 'a host priority above 61440',
    input: () => dsl((d) => (hostOf(d, 'host3').priority = 65536)),
    severity: 'error',
    paths: ['hosts.host3.priority'],
  },
  {
    code: 'STP_RANGE',
    what: 'max-age above 40',
    input: () => dsl((d) => (d.options.maxAge = 41)),
    severity: 'error',
    paths: ['options.maxAge'],
  },
  {
    code: 'STP_RANGE',
    what: 'a forward delay too short for max-age',
    input: () => dsl((d) => Object.assign(d.options, { maxAge: 20, forwardDelay: 6 })),
    severity: 'error',
    paths: ['options.forwardDelay'],
  },
  {
    code: 'STP_RANGE',
    what: 'helloTime with RSTP',
    input: () => dsl((d) => (d.options.helloTime = 2)),
    severity: 'error',
    paths: ['options.helloTime'],
  },
  {
    code: 'STP_RANGE',
    what: 'a tunnel cost of 0 (plain spec: the cost of one tunnel end)',
    input: () => spec((s) => (hostOf(s, 'host2').tunnels[1]!.cost = 0)),
    severity: 'error',
    paths: ['hosts.host2.tunnels.gre1.cost'],
  },
  {
    code: 'STP_RANGE',
    what: 'a tunnel cost above the STP maximum (DSL, so both ends carry it)',
    input: () =>
      dsl((d) => {
        d.options.stp = 'stp';
        d.tunnels.push(['gre1', 'host2', 'host3', { cost: 70000 }]);
      }),
    severity: 'error',
    paths: ['hosts.host2.tunnels.gre1.cost', 'hosts.host3.tunnels.gre1.cost'],
  },
  {
    code: 'BFD_RANGE',
    what: 'a BFD interval of 5 ms',
    input: () => dsl((d) => (d.options.bfd = { interval: 5 })),
    severity: 'error',
    paths: ['options.bfd.interval'],
  },
  {
    code: 'VNI_RANGE',
    what: 'a VNI of 2^24',
    input: () => dsl((d) => Object.assign(d.options, { tunnel: 'vxlan', vni: 16777216 })),
    severity: 'error',
    paths: ['options.vni'],
  },
  {
    code: 'VNI_RANGE',
    what: 'a negative VNI',
    input: () => dsl((d) => (d.options.vni = -1)),
    severity: 'error',
    paths: ['options.vni'],
  },
  {
    code: 'IPSEC_INVALID',
    what: 'ipsec with a key file and a certificate at once',
    input: () => dsl((d) => (d.options.ipsec = { psk: '/etc/ringgen/r.psk', cert: '/etc/ringgen/host.pem' })),
    severity: 'error',
    paths: ['options.ipsec'],
    message: /neither a pre-shared key \(psk alone\) nor certificates/,
  },
  {
    code: 'IPSEC_INVALID',
    what: 'ipsec with certificates but no CA',
    input: () => dsl((d) => (d.options.ipsec = { cert: '/etc/ringgen/host.pem', key: '/etc/ringgen/host.key' })),
    severity: 'error',
    paths: ['options.ipsec'],
  },
  {
    code: 'IPSEC_INVALID',
    what: 'ipsec naming no file at all',
    input: () => dsl((d) => (d.options.ipsec = {})),
    severity: 'error',
    paths: ['options.ipsec'],
    message: /names no key/,
  },
  {
    code: 'IPSEC_INVALID',
    what: 'the key itself where the path of its file goes',
    input: () => dsl((d) => (d.options.ipsec = { psk: 'swordfish-swordfish' })),
    severity: 'error',
    paths: ['options.ipsec.psk'],
    hint: /never the key itself/,
  },
  {
    code: 'IPSEC_INVALID',
    what: 'a certificate path with a space and a quote (strongSwan reads it unquoted)',
    input: () => dsl((d) => (d.options.ipsec = { ca: '/etc/ca.pem', cert: "/etc/my host's.pem", key: '/etc/host.key' })),
    severity: 'error',
    paths: ['options.ipsec.cert'],
  },
  {
    code: 'IPSEC_INVALID',
    what: 'a relative key file path with ..',
    input: () => dsl((d) => (d.options.ipsec = { psk: '/etc/ringgen/../r.psk' })),
    severity: 'error',
    paths: ['options.ipsec.psk'],
  },
  {
    code: 'IPSEC_INVALID',
    what: 'the certificate and its key in one file',
    input: () => dsl((d) => (d.options.ipsec = { ca: '/etc/ca.pem', cert: '/etc/host.pem', key: '/etc/host.pem' })),
    severity: 'error',
    paths: ['options.ipsec.key'],
  },
  {
    code: 'IPSEC_INVALID',
    what: 'IPsec on the userspace datapath',
    input: () => dsl((d) => Object.assign(d.options, { datapath: 'netdev', ipsec: { psk: '/etc/ringgen/r.psk' } })),
    severity: 'error',
    paths: ['options.datapath'],
    message: /needs the kernel datapath/,
  },
  {
    code: 'MTU_TOO_SMALL',
    what: 'an underlay MTU that leaves less than 1280 once ESP is paid for',
    input: () => dsl((d) => Object.assign(d.options, { underlayMtu: 1360, ipsec: { psk: '/etc/ringgen/r.psk' } })),
    severity: 'error',
    paths: ['options.underlayMtu'],
    message: /gre over IPsec leaves an overlay MTU of 1273/,
  },
  {
    code: 'MTU_TOO_SMALL',
    what: 'an underlay MTU that leaves less than 1280 inside the tunnels',
    input: () => dsl((d) => (d.options.underlayMtu = 1300)),
    severity: 'error',
    paths: ['options.underlayMtu'],
    message: /overlay MTU of 1258/,
  },
  {
    code: 'MTU_RANGE',
    what: 'an underlay MTU below 576',
    input: () => dsl((d) => (d.options.underlayMtu = 500)),
    severity: 'error',
    paths: ['options.underlayMtu'],
  },
  {
    code: 'MTU_RANGE',
    what: 'a container MTU above the overlay MTU',
    input: () => dsl((d) => (containerOf(d, 'host1/test1').mtu = 1500)),
    severity: 'error',
    paths: ['containers.host1/test1.mtu'],
    message: /576-1458/,
  },
  {
    code: 'PUBLISH_INVALID',
    what: 'a published port without a host port',
    input: () => dsl((d) => (containerOf(d, 'host1/test1').publish = ['80'])),
    severity: 'error',
    paths: ['containers.host1/test1.publish[0]'],
  },
  {
    code: 'PUBLISH_INVALID',
    what: 'a published port above 65535',
    input: () => dsl((d) => (containerOf(d, 'host1/test1').publish = ['8080:80', '70000:80'])),
    severity: 'error',
    paths: ['containers.host1/test1.publish[1]'],
  },
  {
    code: 'PUBLISH_NO_EXTERNAL',
    what: 'a port published on a host without an external address',
    input: () => dsl((d) => (containerOf(d, 'host3/test1').publish = ['8080:80'])),
    severity: 'error',
    paths: ['containers.host3/test1.publish[0]'],
  },
  {
    code: 'PUBLISH_CONFLICT',
    what: 'one host port published by two containers',
    input: () =>
      dsl((d) => {
        containerOf(d, 'host1/test1').publish = ['8080:80'];
        containerOf(d, 'host3/test1').publish = ['host1:8080:8080/tcp'];
      }),
    severity: 'error',
    paths: ['containers.host3/test1.publish[0]'],
  },
  {
    code: 'ENV_INVALID',
    what: 'an environment variable name starting with a digit',
    input: () => dsl((d) => (containerOf(d, 'host1/test1').env = { OK: 'x y', '1BAD': 'v' })),
    severity: 'error',
    paths: ['containers.host1/test1.env.1BAD'],
  },
  {
    code: 'ENV_INVALID',
    what: 'a relative envFile',
    input: () => dsl((d) => (containerOf(d, 'host1/test1').envFile = 'secrets.env')),
    severity: 'error',
    paths: ['containers.host1/test1.envFile'],
  },
  {
    code: 'ENV_INVALID',
    what: 'a NUL character in an environment value',
    input: () => dsl((d) => (containerOf(d, 'host1/test1').env = { OK: 'x', BAD: 'a\0b' })),
    severity: 'error',
    paths: ['containers.host1/test1.env.BAD'],
  },
  {
    code: 'COMMAND_INVALID',
    what: 'a NUL character in a command argument',
    input: () => dsl((d) => (containerOf(d, 'host1/test1').command = ['sh', '-c', 'echo\0'])),
    severity: 'error',
    paths: ['containers.host1/test1.command[2]'],
  },
  {
    code: 'VOLUME_INVALID',
    what: 'a NUL character in a bind mount source',
    input: () => dsl((d) => (containerOf(d, 'host1/test1').volumes = [{ source: '/srv/a\0', target: '/ok' }])),
    severity: 'error',
    paths: ['containers.host1/test1.volumes[0]'],
  },
  {
    code: 'TEXT_UNENCODABLE',
    what: 'a lone UTF-16 surrogate in an environment value',
    input: () => dsl((d) => (containerOf(d, 'host1/test1').env = { A: 'x\ud800' })),
    severity: 'error',
    paths: ['containers.host1/test1.env.A'],
  },
  {
    code: 'VOLUME_INVALID',
    what: 'a carriage return in a bind mount source',
    input: () => dsl((d) => (containerOf(d, 'host1/test1').volumes = [{ source: '/srv/a\rb', target: '/ok' }])),
    severity: 'error',
    paths: ['containers.host1/test1.volumes[0]'],
  },
  {
    code: 'VOLUME_INVALID',
    what: 'two volumes on one target',
    input: () => dsl((d) => (containerOf(d, 'host1/test1').volumes = [{ volume: 'a', target: '/data' }, { source: '/srv/b', target: '/data/' }])),
    severity: 'error',
    paths: ['containers.host1/test1.volumes[1]'],
  },
  {
    code: 'VOLUME_INVALID',
    what: 'a relative bind mount source',
    input: () => dsl((d) => (containerOf(d, 'host1/test1').volumes = [{ source: '/srv/ok', target: '/ok' }, { source: 'data', target: '/data' }])),
    severity: 'error',
    paths: ['containers.host1/test1.volumes[1]'],
  },
  {
    code: 'VOLUME_INVALID',
    what: 'a relative target',
    input: () => dsl((d) => (containerOf(d, 'host1/test1').volumes = [{ volume: 'data', target: 'data' }])),
    severity: 'error',
    paths: ['containers.host1/test1.volumes[0]'],
  },
  {
    code: 'VOLUME_INVALID',
    what: 'a volume name with a slash',
    input: () => dsl((d) => (containerOf(d, 'host1/test1').volumes = [{ volume: 'a/b', target: '/data' }])),
    severity: 'error',
    paths: ['containers.host1/test1.volumes[0]'],
  },
  {
    code: 'ARG_TOO_LONG',
    what: 'an environment value that makes one argument of more than 128 KiB',
    input: () => dsl((d) => (containerOf(d, 'host1/test1').env = { OK: 'x', BIG: 'x'.repeat(128 * 1024) })),
    severity: 'error',
    paths: ['containers.host1/test1.env.BIG'],
    message: /env\.BIG of container "test1" makes an argument of 131077 bytes/,
  },
  {
    code: 'ARG_TOO_LONG',
    what: 'a command argument over 128 KiB in bytes, not in characters (3-byte characters)',
    input: () => dsl((d) => (containerOf(d, 'host3/test1').command = ['sh', '\u20ac'.repeat(44_000)])),
    severity: 'error',
    paths: ['containers.host3/test1.command[1]'],
    message: /command\[1\] of container "test1" makes an argument of 132001 bytes/,
  },
  {
    code: 'ARG_TOO_LONG',
    what: 'arguments that pass the command line budget together, each under 128 KiB',
    input: () => dsl((d) => (containerOf(d, 'host1/test1').env = Object.fromEntries(Array.from({ length: 19 }, (_, i) => [`V${i}`, 'x'.repeat(100 * 1024)])))),
    severity: 'error',
    paths: ['containers.host1/test1.env'],
    message: /docker create line of container "test1" takes \d+\.\d KiB \(env: 1900\.\d KiB\), more than the 1792\.0 KiB/,
  },
];

/** Codes that only the config loader reports (tested with it). */
const LOADER_ONLY: readonly DiagnosticCode[] = ['CONFIG_LOAD', 'CONFIG_TYPE'];

// ---------------------------------------------------------------------------------------------

describe('the valid base', () => {
  it('gives no diagnostics through the DSL', () => {
    const out = checkRing(dsl());
    expect(out.diagnostics).toEqual([]);
    expect(out.stp?.unreachable).toEqual([]);
  });

  it('gives no diagnostics as a plain spec', () => {
    expect(checkRing(spec()).diagnostics).toEqual([]);
  });

  it('builds files', () => {
    expect(buildRing(dsl()).files.length).toBeGreaterThan(0);
  });
});

describe('every rule', () => {
  it('has a row for every code (but the loader codes), with at least one exact row', () => {
    const exact = new Set(ROWS.filter((r) => r.others === undefined).map((r) => r.code));
    const missing = DIAGNOSTIC_CODES.filter((c) => !LOADER_ONLY.includes(c) && !exact.has(c));
    expect(missing).toEqual([]);
  });

  it.each(ROWS.map((r) => [`${r.code}: ${r.what}`, r] as const))('%s', (_, row) => {
    const { diagnostics } = checkRing(row.input() as UncheckedInput);
    const expected: Triple[] = [...row.paths.map((p): Triple => [row.code, row.severity, p]), ...(row.others ?? [])];
    expect(triples(diagnostics)).toEqual([...expected].sort((a, b) => a.join('\n').localeCompare(b.join('\n'))));
    if (row.others === undefined) expect(codes(diagnostics)).toEqual([row.code]);
    for (const d of diagnostics) {
      expect(d.message.length).toBeGreaterThan(0);
      expect(d.hint.length).toBeGreaterThan(0);
      if (d.code === row.code && row.message) expect(d.message).toMatch(row.message);
      if (d.code === row.code && row.hint) expect(d.hint).toMatch(row.hint);
      // The values are data (they survive JSON) that its entry names, and its text is written from them alone.
      const values = JSON.parse(JSON.stringify(d.values)) as typeof d.values;
      expect(Object.keys(values).filter((k) => !(DIAGNOSTIC_TABLE[d.code].values as readonly string[]).includes(k)), d.code).toEqual([]);
      const again = diagnostic as (code: DiagnosticCode, path: DiagnosticPath, values: unknown) => Diagnostic;
      expect(again(d.code, d.path, values)).toEqual({ ...d, values });
    }
  });
});

describe('an interface name diagnostic', () => {
  it('carries the interface as data, a role and an owner, and words it from them', () => {
    const bridge = checkRing(
      dsl((d) => {
        bridgeOf(d, 'br1').name = 'storage-net13';
        containerOf(d, 'host3/test1').bridge = 'storage-net13';
      }),
    ).diagnostics.filter((d) => d.code === 'IFNAME_TOO_LONG');
    expect(bridge.map((d) => d.values)).toEqual([
      { name: 'storage-net13-lb', role: 'bridgeUplinkLinux', owner: 'storage-net13', maximum: 15 },
      { name: 'storage-net13-ov', role: 'bridgeUplinkOvs', owner: 'storage-net13', maximum: 15 },
    ]);
    expect(bridge[0]!.message).toBe('interface name "storage-net13-lb" (the uplink of bridge storage-net13 (Linux side)) has 16 characters; Linux allows 15');
    const [clash] = checkRing(dsl((d) => (hostOf(d, 'host2').externalIface = 'eth1'))).diagnostics;
    expect(clash!.values).toEqual({ name: 'eth1', host: 'host2', role: 'externalIface', owner: undefined, firstRole: 'internalIface', firstOwner: undefined });
    expect(clash!.message).toBe('interface name "eth1" on host "host2" is used by the internal interface and by the external interface');
    const tunnel = checkRing(dsl((d) => d.tunnels.push(['br0', 'host1', 'host2']))).diagnostics.find((d) => d.code === 'IFNAME_CLASH');
    expect(tunnel!.values).toMatchObject({ role: 'bridge', owner: 'br0', firstRole: 'tunnel', firstOwner: 'br0' });
    const [reserved] = checkRing(dsl((d) => (d.options.ovsBridge = 'ovs-system'))).diagnostics;
    expect(reserved!.values).toMatchObject({ name: 'ovs-system', role: 'ovsBridge' });
    expect(reserved!.hint).toMatch(/^Rename options\.ovsBridge/);
  });

  it('words every role differently', () => {
    const words = INTERFACE_ROLES.map((role) => describeInterface({ role, owner: 'x1' }));
    expect(new Set(words).size).toBe(INTERFACE_ROLES.length);
    for (const w of words) expect(w).not.toMatch(/undefined/);
  });
});

describe('the command line limits', () => {
  it('take an argument of exactly 128 KiB with its NUL, and arguments just under the budget', () => {
    const oneAtLimit = dsl((d) => (containerOf(d, 'host1/test1').command = ['sh', 'x'.repeat(128 * 1024 - 1)]));
    expect(checkRing(oneAtLimit).diagnostics).toEqual([]);
    // 17 arguments of 100 KiB: 1.66 MiB with the rest of the line, under the 1.75 MiB budget.
    const underBudget = dsl((d) => (containerOf(d, 'host1/test1').command = Array.from({ length: 17 }, () => 'x'.repeat(100 * 1024))));
    expect(checkRing(underBudget).diagnostics).toEqual([]);
  });
});

describe('the checker', () => {
  it('collects several independent problems at once', () => {
    const input = dsl((d) => {
      d.options.underlayMtu = 1300; // MTU_TOO_SMALL
      bridgeOf(d, 'br1').vlan = 5000; // VLAN_INVALID
      containerOf(d, 'host1/test1').image = 'Ubuntu'; // IMAGE_INVALID
      containerOf(d, 'host1/test1').publish = ['80']; // PUBLISH_INVALID
      containerOf(d, 'host3/test1').ip = '192.168.2.50'; // CONTAINER_IP_OUTSIDE (br1 is 192.168.3.0/24)
      hostOf(d, 'host4').name = 'deploy'; // HOST_NAME_RESERVED
    });
    const { diagnostics } = checkRing(input);
    expect(codes(diagnostics)).toEqual(
      ['CONTAINER_IP_OUTSIDE', 'HOST_NAME_RESERVED', 'IMAGE_INVALID', 'MTU_TOO_SMALL', 'PUBLISH_INVALID', 'VLAN_INVALID'].sort(),
    );
    expect(diagnostics.every((d) => d.severity === 'error')).toBe(true);
  });

  it('collects every shape problem, not only the first', () => {
    const { diagnostics } = checkRing(
      spec((s) => {
        Object.assign(hostOf(s, 'host2'), { internal: 71 });
        Object.assign(bridgeOf(s, 'br0'), { subnet: null });
      }),
    );
    expect(triples(diagnostics)).toEqual([
      ['SCHEMA', 'error', 'bridges.br0.subnet'],
      ['SCHEMA', 'error', 'hosts.host2.internal'],
    ]);
  });

  const garbage: Array<[string, unknown]> = [
    ['null', null],
    ['undefined', undefined],
    ['an array', []],
    ['hosts: 5', { hosts: 5 }],
    ['a string', 'ring("x")'],
    ['an empty string', ''],
    ['a number', 42],
    ['an empty object', {}],
    ['hosts of strings', { name: 'r', hosts: ['host1', 'host2'], bridges: [] }],
    ['a tunnel list that is an object', { name: 'r', hosts: [{ name: 'h', internal: '10.0.0.1', tunnels: {} }], bridges: [] }],
    ['an object with a toSpec that is not a function', { toSpec: 5 }],
  ];
  it.each(garbage)('never throws on %s, and reports SCHEMA', (_, input) => {
    let out: ReturnType<typeof checkRing> | undefined;
    expect(() => (out = checkRing(input as UncheckedInput))).not.toThrow();
    expect(out!.diagnostics.length).toBeGreaterThan(0);
    expect(codes(out!.diagnostics)).toEqual(['SCHEMA']);
    expect(out!.diagnostics.every((d) => d.severity === 'error')).toBe(true);
    expect(buildRing(input as UncheckedInput).files).toEqual([]);
  });

  it('never throws on names that are also Object.prototype keys', () => {
    // A bridge named "constructor" is a valid interface name; a host's bridgeAddresses
    // object must not be read through its prototype for it.
    const input = spec((s) => {
      bridgeOf(s, 'br1').name = 'constructor';
      containerOf(s, 'host3/test1').bridge = 'constructor';
      hostOf(s, 'host2').bridgeAddresses = { br0: '192.168.2.42' };
      hostOf(s, 'host3').bridgeAddresses = {};
    });
    expect(() => checkRing(input)).not.toThrow();
    expect(checkRing(input).diagnostics).toEqual([]);
    const junk = spec((s) => {
      hostOf(s, 'host2').name = '__proto__';
      hostOf(s, 'host1').tunnels[0]!.peer = 'toString';
      containerOf(s, 'host1/test1').env = { hasOwnProperty: 'x', ['__proto__']: 'y' };
    });
    expect(() => checkRing(junk)).not.toThrow();
    expect(checkRing(junk).diagnostics.some((d) => d.severity === 'error')).toBe(true);
  });
});

describe('ring length', () => {
  it('accepts a 40-host ring', () => {
    const out = checkRing(bigRing(40));
    expect(out.diagnostics).toEqual([]);
    expect(out.stp?.unreachable).toEqual([]);
  });

  it('refuses an 80-host ring', () => {
    const { diagnostics } = checkRing(bigRing(80));
    expect(diagnostics.length).toBeGreaterThan(0);
    for (const d of diagnostics) {
      expect(['RING_TOO_LONG', 'RING_REDUNDANCY_LIMIT']).toContain(d.code);
      expect(d.severity).toBe('error');
      expect(d.path).toEqual(['hosts']);
    }
  });

  it('refuses a 50-host ring for its redundancy, and says so in about 40 hosts', () => {
    const { diagnostics } = checkRing(bigRing(50));
    expect(triples(diagnostics)).toEqual([['RING_REDUNDANCY_LIMIT', 'error', 'hosts']]);
    expect(diagnostics[0]!.message).toMatch(/about 40 hosts/);
    expect(diagnostics[0]!.hint).toMatch(/40 hosts/);
  });

  it('mentions about 40 hosts in RING_REDUNDANCY_LIMIT at any max-age', () => {
    const d = checkRing(bigRing(8, { maxAge: 6 })).diagnostics.find((x) => x.code === 'RING_REDUNDANCY_LIMIT');
    expect(d?.message).toMatch(/about 40 hosts/);
  });
});

describe('hostile names are refused, never accepted', () => {
  const PAYLOADS: Array<[string, string]> = [
    ['300 characters', 'a'.repeat(300)],
    ['$(touch /tmp/x)', '$(touch /tmp/x)'],
    ['backticks', 'x`touch /tmp/x`'],
    ['a semicolon', 'x;touch /tmp/x'],
    ['a single quote', "x'y"],
    ['a double quote', 'x"y'],
    ['a newline', 'x\ny'],
    ['a trailing newline', 'x\n'],
  ];

  interface Field {
    field: string;
    /** Puts `bad` into the field; returns the path the refusal is reported at. */
    apply: (bad: string) => { input: unknown; path: DiagnosticPath };
    codes: DiagnosticCode[];
  }

  const FIELDS: Field[] = [
    { field: 'ring name', apply: (bad) => ({ input: dsl((d) => (d.name = bad)), path: ['name'] }), codes: ['NAME_INVALID'] },
    {
      field: 'host name',
      apply: (bad) => ({ input: dsl((d) => (hostOf(d, 'host2').name = bad)), path: ['hosts', bad] }),
      codes: ['NAME_INVALID'],
    },
    {
      field: 'bridge name',
      apply: (bad) => ({
        input: dsl((d) => {
          bridgeOf(d, 'br1').name = bad;
          containerOf(d, 'host3/test1').bridge = bad;
        }),
        path: ['bridges', bad],
      }),
      // A long name of letters is a fine pattern, but not a Linux interface name.
      codes: ['NAME_INVALID', 'IFNAME_TOO_LONG'],
    },
    {
      field: 'container name',
      apply: (bad) => ({ input: dsl((d) => (containerOf(d, 'host1/test1').name = bad)), path: ['containers', `host1/${bad}`] }),
      codes: ['NAME_INVALID'],
    },
    {
      field: 'tunnel name',
      apply: (bad) => ({ input: dsl((d) => d.tunnels.push([bad, 'host1', 'host2'])), path: ['hosts', 'host1', 'tunnels', bad] }),
      codes: ['NAME_INVALID', 'IFNAME_TOO_LONG'],
    },
    {
      field: 'tunnel name (plain spec, one end)',
      apply: (bad) => ({
        input: spec((s) => {
          hostOf(s, 'host1').tunnels[0]!.name = bad;
          hostOf(s, 'host2').tunnels[0]!.name = bad;
        }),
        path: ['hosts', 'host1', 'tunnels', bad],
      }),
      codes: ['NAME_INVALID', 'IFNAME_TOO_LONG'],
    },
    {
      field: 'image',
      apply: (bad) => ({ input: dsl((d) => (containerOf(d, 'host1/test1').image = bad)), path: ['containers', 'host1/test1', 'image'] }),
      codes: ['IMAGE_INVALID'],
    },
    {
      field: 'env key',
      apply: (bad) => ({ input: dsl((d) => (containerOf(d, 'host1/test1').env = { [bad]: 'v' })), path: ['containers', 'host1/test1', 'env', bad] }),
      codes: ['ENV_INVALID'],
    },
    {
      field: 'hostname',
      apply: (bad) => ({ input: dsl((d) => (containerOf(d, 'host1/test1').hostname = bad)), path: ['containers', 'host1/test1', 'hostname'] }),
      codes: ['NAME_INVALID'],
    },
    {
      field: 'ovsBridge',
      apply: (bad) => ({ input: dsl((d) => (d.options.ovsBridge = bad)), path: ['options', 'ovsBridge'] }),
      codes: ['NAME_INVALID', 'IFNAME_TOO_LONG'],
    },
    {
      field: 'internalIface option',
      apply: (bad) => ({ input: dsl((d) => (d.options.internalIface = bad)), path: ['options', 'internalIface'] }),
      codes: ['NAME_INVALID'],
    },
    {
      field: "a host's externalIface",
      apply: (bad) => ({ input: dsl((d) => (hostOf(d, 'host2').externalIface = bad)), path: ['hosts', 'host2', 'externalIface'] }),
      codes: ['NAME_INVALID', 'IFNAME_TOO_LONG'],
    },
    {
      field: 'volume name',
      apply: (bad) => ({
        input: dsl((d) => (containerOf(d, 'host1/test1').volumes = [{ volume: bad, target: '/data' }])),
        path: ['containers', 'host1/test1', 'volumes', 0],
      }),
      codes: ['VOLUME_INVALID'],
    },
  ];

  const cases = FIELDS.flatMap((f) => PAYLOADS.map(([label, bad]) => [`${f.field} with ${label}`, f, bad] as const));

  it.each(cases)('%s', (_, field, bad) => {
    const { input, path } = field.apply(bad);
    let out: ReturnType<typeof checkRing> | undefined;
    expect(() => (out = checkRing(input as UncheckedInput))).not.toThrow();
    const errors = out!.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.filter((d) => JSON.stringify(d.path) === JSON.stringify(path)).map((d) => d.code)).toEqual(expect.arrayContaining([expect.toBeOneOf(field.codes)]));
    expect(out!.stp).toBeUndefined();
    expect(buildRing(input as UncheckedInput).files).toEqual([]);
  });

  it('shortens a 300-character name in the message', () => {
    const d = checkRing(dsl((x) => (x.name = 'a'.repeat(300)))).diagnostics[0]!;
    expect(d.code).toBe('NAME_INVALID');
    expect(d.message.length).toBeLessThan(150);
  });
});
