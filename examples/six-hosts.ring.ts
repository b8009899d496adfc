// A richer ring: six hosts joined by VXLAN, two subnets, a chord across the ring,
// published ports (one on another host than the container's), environment, volumes.
import { ring } from 'ringgen';

const hosts = ['n1', 'n2', 'n3', 'n4', 'n5', 'n6'];

const r = ring('dc', { tunnel: 'vxlan', bfd: { interval: 50 }, underlayMtu: 1500 });
hosts.forEach((name, i) =>
  r.host(name, { internal: `10.30.0.${11 + i}/24`, ...(i % 2 === 0 ? { external: `198.51.100.${11 + i}/24` } : {}) }),
);

export default r
  .bridge('app', { subnet: '172.20.1.0/24', vlan: 101 })
  .bridge('db', { subnet: '172.20.2.0/24', vlan: 102 })
  .tunnel('vxchord', 'n1', 'n4', { cost: 4000 })
  .container('web', {
    host: 'n2',
    bridge: 'app',
    ip: '172.20.1.20',
    image: 'nginx:1.27',
    command: ['nginx', '-g', 'daemon off;'],
    publish: ['n1:8080:80', 'n3:8080:80'],
    env: { GREETING: "it's a \"ring\" $(not run)" },
    gateway: 'host',
  })
  .container('api', {
    host: 'n3',
    bridge: 'app',
    ip: '172.20.1.30',
    image: 'registry.example:5000/team/api:2.1',
    envFile: '/etc/ringgen/api.env',
    publish: ['9000:9000/tcp'],
    restart: 'always',
  })
  .containers(
    hosts.map((host, i) => ({
      name: 'pg',
      host,
      bridge: 'db',
      ip: `172.20.2.${50 + i}`,
      image: 'postgres:16',
      volumes: [{ volume: 'pgdata', target: '/var/lib/postgresql/data' }, { source: '/srv/backup', target: '/backup', readonly: true }],
      tty: false,
      interactive: false,
    })),
  );
