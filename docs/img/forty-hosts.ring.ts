// The ring behind docs/img/ring-40.png: 40 hosts (the longest ring one spanning tree serves),
// 1,000 containers on each, two subnets, one chord across the ring and two published ports.
//   ringgen graph docs/img/forty-hosts.ring.ts --out /tmp/ring-40.svg
import { ring, type ContainerOptions } from 'ringgen';

const hosts = Array.from({ length: 40 }, (_, i) => `node${String(i + 1).padStart(2, '0')}`);
const r = ring('big', { tunnel: 'gre' });
hosts.forEach((name, i) => r.host(name, { internal: `10.40.0.${i + 1}`, ...(i % 5 === 0 ? { external: `198.51.100.${i + 1}` } : {}) }));
r.bridge('app', { subnet: '172.16.0.0/16' }).bridge('db', { subnet: '172.17.0.0/16' });

const containers: Array<{ name: string } & ContainerOptions> = [];
hosts.forEach((host, i) => {
  for (let k = 0; k < 1000; k++) {
    const db = k % 3 === 2;
    const seq = i * 1000 + k;
    const ip = `${db ? '172.17' : '172.16'}.${1 + Math.floor(seq / 250)}.${(seq % 250) + 2}`;
    containers.push({ name: `${db ? 'pg' : 'web'}-${k + 1}`, host, bridge: db ? 'db' : 'app', ip, image: 'busybox' });
  }
});

export default r
  .containers(containers)
  .container('edge', { host: 'node02', bridge: 'app', ip: '172.16.250.9', image: 'nginx', publish: ['node01:443:8443', 'node01:80:8080'] })
  .tunnel('gre99', 'node01', 'node21');
