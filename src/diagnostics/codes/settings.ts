/** Codes of numeric settings: spanning tree, BFD, VNI, MTUs; and of published ports. */
import { defineCode } from '../define';

/** What a range check is about, as messages name it. */
const SETTING = { priority: 'spanning tree priority', maxAge: 'max-age', forwardDelay: 'forward delay', helloTime: 'hello time', cost: 'tunnel path cost' } as const;

type Stp = 'stp' | 'rstp';

/**
 * `range`: `setting` is outside `minimum`-`maximum`; `step`: a priority is not a multiple of
 * `step`; `helloRstp`: helloTime with RSTP; `forwardDelay`, `maxAge`: the timers do not fit each other.
 */
type StpRange =
  | { kind: 'range'; setting: keyof typeof SETTING; value: number; minimum: number; maximum: number; stp: Stp }
  | { kind: 'step'; value: number; step: number; stp: Stp }
  | { kind: 'helloRstp' }
  | { kind: 'forwardDelay'; forwardDelay: number; maxAge: number }
  | { kind: 'maxAge'; maxAge: number; helloTime: number };

const priorityHint = (stp: Stp) =>
  stp === 'rstp' ? 'RSTP priorities are 0-61440 in steps of 4096 (Open vSwitch rounds others down).' : 'STP priorities are 0-65535.';

function rangeHint(v: Extract<StpRange, { kind: 'range' }>): string {
  switch (v.setting) {
    case 'priority': return priorityHint(v.stp);
    case 'maxAge': return `Open vSwitch accepts a max-age of ${v.minimum}-${v.maximum}.`;
    case 'forwardDelay': return `Open vSwitch accepts a forward delay of ${v.minimum}-${v.maximum} seconds.`;
    case 'helloTime': return `Open vSwitch accepts a hello time of ${v.minimum}-${v.maximum} seconds.`;
    case 'cost': return `Path costs are ${v.minimum}-${v.maximum}.`;
  }
}

const STP_RANGE = defineCode<StpRange>()({
  severity: 'error',
  summary: 'a spanning tree priority, max-age, forward delay, hello time or path cost is out of range or inconsistent (also `helloTime` with RSTP)',
  values: ['kind', 'setting', 'value', 'minimum', 'maximum', 'stp', 'step', 'forwardDelay', 'maxAge', 'helloTime'],
  kinds: ['range', 'step', 'helloRstp', 'forwardDelay', 'maxAge'],
  message: (v) => {
    switch (v.kind) {
      case 'range': return `${SETTING[v.setting]} ${v.value} is outside ${v.minimum}-${v.maximum}`;
      case 'step': return `spanning tree priority ${v.value} is not a multiple of ${v.step}`;
      case 'helloRstp': return 'helloTime cannot be set with RSTP: Open vSwitch fixes it at 2 s';
      case 'forwardDelay':
        return `forward delay ${v.forwardDelay} is too short for max-age ${v.maxAge}: spanning tree requires 2 x (forward delay - 1) >= max-age, and Open vSwitch silently ignores values that break it`;
      case 'maxAge': return `max-age ${v.maxAge} is too short for hello time ${v.helloTime}`;
    }
  },
  hint: (v) => {
    switch (v.kind) {
      case 'range': return rangeHint(v);
      case 'step': return priorityHint(v.stp);
      case 'helloRstp': return "Remove helloTime, or use stp: 'stp'.";
      case 'forwardDelay': return `Use a forward delay of at least ${Math.ceil(v.maxAge / 2) + 1}, or a smaller max-age.`;
      case 'maxAge': return 'Spanning tree requires max-age >= 2 x (hello time + 1).';
    }
  },
});

const BFD_RANGE = defineCode<{ interval: number }>()({
  severity: 'error',
  summary: 'the BFD interval is outside 10-10000 ms',
  values: ['interval'],
  message: (v) => `BFD interval ${v.interval} ms is outside 10-10000`,
  hint: 'Use 10-10000 ms; detection takes three intervals (30 ms gives about 0.1 s failover).',
});

const VNI_RANGE = defineCode<{ vni: number }>()({
  severity: 'error',
  summary: 'the VXLAN `vni` is outside 0-16777215 (24 bits)',
  values: ['vni'],
  message: (v) => `VXLAN network identifier ${v.vni} is outside 0-16777215 (24 bits)`,
  hint: 'Pick a VNI from 0 to 16777215, or leave it out for the default (4242).',
});

/** An overlay MTU of `overlayMtu` is what `underlayMtu` leaves after the `tunnel`'s overhead. */
const MTU_TOO_SMALL = defineCode<{ underlayMtu: number; tunnel: string; overlayMtu: number }>()({
  severity: 'error',
  summary: 'the overlay MTU after tunnel overhead is below 1280',
  values: ['underlayMtu', 'tunnel', 'overlayMtu'],
  message: (v) => `with underlay MTU ${v.underlayMtu}, ${v.tunnel} leaves an overlay MTU of ${v.overlayMtu}, below the 1280 IPv6 and most applications need`,
  hint: (v) => `Use an underlay MTU of at least ${1280 + (v.underlayMtu - v.overlayMtu)}.`,
});

/** `container`: its `mtu` is outside 576 to the overlay MTU (`maximum`, after the `tunnel`'s overhead). */
type MtuRange = { kind: 'underlay'; mtu: number } | { kind: 'container'; container: string; mtu: number; maximum: number; tunnel: string };

const MTU_RANGE = defineCode<MtuRange>()({
  severity: 'error',
  summary: "the underlay MTU is outside 576-65535, or a container's `mtu` outside 576 to the overlay MTU",
  values: ['kind', 'mtu', 'container', 'maximum', 'tunnel'],
  kinds: ['underlay', 'container'],
  message: (v) =>
    v.kind === 'underlay'
      ? `underlay MTU ${v.mtu} is outside 576-65535`
      : `MTU ${v.mtu} of container "${v.container}" is outside 576-${v.maximum} (the overlay MTU after ${v.tunnel} overhead)`,
  hint: (v) => (v.kind === 'underlay' ? "Give the MTU of the hosts' internal network, usually 1500 or 9000." : 'Leave mtu out to get the overlay MTU, or pick a smaller value.'),
});

const PUBLISH_INVALID = defineCode<{ container: string; input: string }>()({
  severity: 'error',
  summary: 'a published port does not parse, or a port is outside 1-65535',
  values: ['container', 'input'],
  message: (v) => `published port ${JSON.stringify(v.input)} of container "${v.container}" is not valid`,
  hint: "Write 'HOSTPORT:CONTAINERPORT' or 'HOST:HOSTPORT:CONTAINERPORT', ports 1-65535, optionally ending in /tcp or /udp.",
});

const PUBLISH_NO_EXTERNAL = defineCode<{ publish: string; container: string; host: string; hostPort: number; containerPort: number }>()({
  severity: 'error',
  summary: 'a port is published on a host without an external IP',
  values: ['publish', 'container', 'host', 'hostPort', 'containerPort'],
  message: (v) => `published port ${v.publish} of container "${v.container}" would answer on host "${v.host}", which has no external IP`,
  hint: (v) => `Give host "${v.host}" an external address, or publish on a host that has one ('HOST:${v.hostPort}:${v.containerPort}').`,
});

/** `first` and `second` are containers as `host/name`; `external` the host's external IP. */
const PUBLISH_CONFLICT = defineCode<{ port: number; proto: string; host: string; external?: string; first: string; second: string }>()({
  severity: 'error',
  summary: 'one host port and protocol is published twice on one host',
  values: ['port', 'proto', 'host', 'external', 'first', 'second'],
  message: (v) =>
    `port ${v.port}/${v.proto} on host "${v.host}"${v.external === undefined ? '' : ` (${v.external})`} is published twice: by ${v.first} and by ${v.second}`,
  hint: 'Pick another host port for one of them.',
});

/**
 * `mode`: `ipsec` names `given`, which is neither `psk` alone nor all of `ca`, `cert` and `key`;
 * `path`: `field`'s `value` is not an absolute path of plain characters; `datapath`: IPsec with the
 * userspace datapath; `same`: `field` and `other` name one file.
 */
type IpsecInvalid =
  | { kind: 'mode'; given: string[] }
  | { kind: 'path'; field: 'psk' | 'ca' | 'cert' | 'key'; value: string }
  | { kind: 'datapath' }
  | { kind: 'same'; field: 'ca' | 'cert' | 'key'; other: 'ca' | 'cert' | 'key'; value: string };

const IPSEC_INVALID = defineCode<IpsecInvalid>()({
  severity: 'error',
  summary: '`ipsec` is neither a pre-shared key file (`psk`) nor certificates (`ca`, `cert`, `key`), names a file by anything but a plain absolute path, or comes with the userspace datapath',
  values: ['kind', 'given', 'field', 'value', 'other'],
  kinds: ['mode', 'path', 'datapath', 'same'],
  message: (v) => {
    switch (v.kind) {
      case 'mode':
        return v.given.length === 0
          ? 'ipsec names no key: it needs psk, or ca, cert and key'
          : `ipsec gives ${v.given.join(', ')}: that is neither a pre-shared key (psk alone) nor certificates (ca, cert and key)`;
      case 'path': return `ipsec.${v.field} ${JSON.stringify(v.value)} is not an absolute path of plain characters`;
      case 'datapath': return "IPsec needs the kernel datapath: Open vSwitch's userspace datapath (netdev) cannot encrypt tunnels";
      case 'same': return `ipsec.${v.field} and ipsec.${v.other} name the same file, ${JSON.stringify(v.value)}`;
    }
  },
  hint: (v) => {
    switch (v.kind) {
      case 'mode': return "Use { psk: '/etc/ringgen/ring.psk' } (a file on every host holding the key), or { ca, cert, key } (paths on every host of the CA certificate, the host's certificate and its private key).";
      case 'path':
        return v.field === 'psk' && !v.value.startsWith('/')
          ? 'psk is the path of a file on the hosts that holds the key, never the key itself: keys stay out of the ring file and the output.'
          : 'Give an absolute path on the hosts of letters, digits and . _ - + / only, e.g. /etc/ipsec.d/certs/host.pem.';
      case 'datapath': return "Leave datapath out (the kernel datapath, 'system'), or leave ipsec out.";
      case 'same': return 'The CA certificate, the host certificate and its private key are three files.';
    }
  },
});

export const SETTING_CODES = { STP_RANGE, BFD_RANGE, VNI_RANGE, MTU_TOO_SMALL, MTU_RANGE, PUBLISH_INVALID, PUBLISH_NO_EXTERNAL, PUBLISH_CONFLICT, IPSEC_INVALID };
