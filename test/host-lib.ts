/**
 * The host scripts' static library (templates/lib/*.sh) run in bash as it is, sourced after a
 * small data block of the shape the generator writes (src/emit/host-data.ts).
 */
import { join } from 'node:path';
import { ROOT } from './helpers';

export const LIB_DIR = join(ROOT, 'templates', 'lib');

/** The values of a host's data block; `sample` has one of each, tests change what they need. */
export interface SampleData {
  scalars: Record<string, string | number>;
  arrays: Record<string, string[]>;
}

/** Single quotes around a value (the samples hold no single quote). */
const sq = (v: string | number) => `'${String(v)}'`;

export function sample(): SampleData {
  return {
    scalars: {
      RING: 'lab',
      HOST: 'h1',
      INTERNAL_IP: '10.0.0.1',
      OVS_BRIDGE: 'ovs0',
      OWNER: 'ringgen:lab',
      DATAPATH: 'system',
      STP: 'rstp',
      BFD_INTERVAL: 50,
      TUNNEL_VNI: '',
      OVERLAY_MTU: 1458,
      IP_FORWARD: 1,
      TIMER_MAX_AGE: '',
      TIMER_FORWARD_DELAY: '',
      CHAIN_FWD: 'RG-lab-FWD',
      CHAIN_IN: 'RG-lab-IN',
      CHAIN_TX: 'RG-lab-TX',
      CHAIN_PRE: 'RG-lab-PRE',
      CHAIN_OUT: 'RG-lab-OUT',
      CHAIN_POST: 'RG-lab-POST',
      UNIT_NETWORK: 'ringgen-lab-network.service',
      UNIT_CONTAINERS: 'ringgen-lab-containers.service',
      UNIT_ATTACH: 'ringgen-lab-attach.service',
      DEFAULT_STATE_DIR: '/nonexistent/ringgen/lab',
      INSTALL_DIR: '/nonexistent/lib/ringgen/lab',
      CONTAINER_COUNT: 1,
      IPSEC: '',
      IPSEC_PSK_FILE: '',
      IPSEC_CA: '',
      IPSEC_CERT: '',
      IPSEC_KEY: '',
    },
    arrays: {
      FILES: ['up.sh', 'down.sh', 'check.sh', 'install.sh', 'uninstall.sh', 'iptables.rules'],
      TUNNELS: ['gre0 h2 10.0.0.2 gre 2000 no', 'gre2 h3 10.0.0.3 gre 4000 yes'],
      BRIDGES: ['br0 192.168.2.1 24 02:42:c0:a8:02:01 10 br0-lb br0-ov'],
      C0: ['web', 'br0', '192.168.2.10', '24', '02:52:c0:a8:02:0a', '1458', 'vc-web', 'vt-web', '', '0123456789abcdef', ''],
      C0_CREATE: ['--name', 'web', '--', 'nginx:1'],
      CONTAINERS: ['web br0 192.168.2.10'],
      OVS_BRIDGE_SETTINGS: ['datapath_type=system', 'stp_enable=false', 'rstp_enable=true'],
    },
  };
}

/** A bash script: the data block, then `source` of each library file named (in the order the scripts hold them), then `body`. */
export function withLibrary(data: SampleData, libs: string[], body: string): string {
  const lines = [
    ...Object.entries(data.scalars).map(([k, v]) => `readonly ${k}=${sq(v)}`),
    ...Object.entries(data.arrays).map(([k, v]) => `readonly ${k}=(${v.map(sq).join(' ')})`),
    ...libs.map((l) => `source ${sq(join(LIB_DIR, `${l}.sh`))}`),
    body,
  ];
  return `${lines.join('\n')}\n`;
}
