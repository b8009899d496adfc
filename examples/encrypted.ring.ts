// Five hosts across a network that is not theirs alone: every tunnel is encrypted with IPsec
// (ESP, keyed by strongSwan through Open vSwitch's ovs-monitor-ipsec), VXLAN with a chord
// edge1-edge3, two subnets, and a web server published on edge1's external address.
// The key is not here: each host reads it from /etc/ringgen/edge.psk (root's, mode 600), e.g.
//   umask 077; openssl rand -base64 32 >/etc/ringgen/edge.psk   # once, then copy to every host
// For certificates instead: ipsec: { ca: '/etc/ringgen/ca.pem', cert: '/etc/ringgen/host.pem',
// key: '/etc/ringgen/host.key' }, each host's certificate with its host name as CN.
import { ring } from 'ringgen';

const r = ring('edge', { tunnel: 'vxlan', ipsec: { psk: '/etc/ringgen/edge.psk' } });
for (let i = 1; i <= 5; i++) r.host(`edge${i}`, { internal: `10.30.0.${i}`, ...(i === 1 ? { external: '198.51.100.7' } : {}) });
export default r
  .bridge('app', { subnet: '172.20.1.0/24' })
  .bridge('db', { subnet: '172.20.2.0/24' })
  .tunnel('vx9', 'edge1', 'edge3')
  .container('web', { host: 'edge2', bridge: 'app', ip: '172.20.1.10', image: 'nginx:1.27', publish: ['edge1:443:443'] })
  .container('api', { host: 'edge4', bridge: 'app', ip: '172.20.1.20', image: 'nginx:1.27' })
  .container('pg', { host: 'edge5', bridge: 'db', ip: '172.20.2.10', image: 'postgres:16', envFile: '/etc/ringgen/pg.env' });
