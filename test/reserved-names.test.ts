/** Names the kernel, Open vSwitch or Docker already use on a host are refused for the devices ringgen creates. */
import { describe, expect, it } from 'vitest';
import { ring } from '../src/input/dsl';
import { checkRing } from '../src/pipeline';
import { formatPath } from '../src/diagnostics';

const three = (options: Parameters<typeof ring>[1] = {}) =>
  ring('res', options).host('h1', { internal: '10.0.0.1' }).host('h2', { internal: '10.0.0.2' }).host('h3', { internal: '10.0.0.3' });

const codes = (r: ReturnType<typeof three>) => checkRing(r).diagnostics.map((d) => `${d.code} ${formatPath(d.path)}`);
/** Only IFNAME_RESERVED: a long bridge name also makes uplinks past 15 characters, gre0 is also a default tunnel's name. */
const reserved = (r: ReturnType<typeof three>) => codes(r).filter((c) => c.startsWith('IFNAME_RESERVED'));

const RESERVED = [
  'lo', 'all', 'default', 'bonding_masters', 'ovs-system', 'ovs-netdev', 'docker0', 'docker_gwbridge',
  'gre_sys', 'erspan_sys', 'ip6gre_sys', 'ip6erspan_sys', 'vxlan_sys_4789', 'genev_sys_6081', 'stt_sys_7471', 'lisp_sys_4341', 'gtpu_sys_2152', 'udp_sys_6635',
  'gre0', 'gretap0', 'erspan0', 'ip_vti0', 'ip6_vti0', 'sit0', 'tunl0', 'ip6tnl0', 'ip6gre0', 'bond0', 'dummy0', 'ifb0', 'ifb1', 'teql0',
  'br-0123456789ab', 'veth1a2b3c4',
];

describe('reserved interface names', () => {
  it.each(RESERVED)('a bridge or the OVS bridge named %s is IFNAME_RESERVED, once', (name) => {
    expect(reserved(three().bridge(name, { subnet: '192.168.7.0/24' })), name).toEqual([`IFNAME_RESERVED bridges.${name}`]);
    expect(reserved(three({ ovsBridge: name })), name).toEqual(['IFNAME_RESERVED options.ovsBridge']);
    const d = checkRing(three({ ovsBridge: name })).diagnostics.find((x) => x.code === 'IFNAME_RESERVED')!;
    expect(d.message).toMatch(new RegExp(`^interface name "${name}" \\(the OVS bridge\\) is taken on the hosts: .+`));
    expect(d.hint).toContain('Rename options.ovsBridge');
  });

  it('names next to the reserved ones are accepted', () => {
    for (const name of ['lo1', 'docker1', 'gre_sys1', 'vxlan_sys_x', 'my_sys', 'br-012345678', 'veth0', 'gre', 'ovs-sys', 'helpers']) {
      expect(codes(three().bridge(name, { subnet: '192.168.7.0/24' })), name).toEqual([]);
    }
  });

  it("tunnels keep names such as gre0 and vxlan_sys_4789: they are Open vSwitch ports, not Linux devices", () => {
    const r = ring('res').host('h1', { internal: '10.0.0.1' }).host('h2', { internal: '10.0.0.2' }).host('h3', { internal: '10.0.0.3' });
    r.tunnel('gre0', 'h1', 'h2').tunnel('lo', 'h2', 'h3').tunnel('vxlan_sys_4789', 'h3', 'h1');
    expect(codes(r)).toEqual([]);
  });
});
