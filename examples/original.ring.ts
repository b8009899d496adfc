// The original's four hosts (the 2015 "redundant docker network" post), made by ringgen:
// GRE ring host1-host2-host3-host4-host1, br0 192.168.2.0/24 and br1 192.168.3.0/24 on every host,
// a container test1 on every host (host1/host2 on br0, host3/host4 on br1), as in the post.
import { ring } from 'ringgen';

export default ring('ddbms', { tunnel: 'gre' })
  .host('host1', { internal: '10.20.10.70', external: '192.0.2.10' })
  .host('host2', { internal: '10.20.10.71' })
  .host('host3', { internal: '10.20.10.72' })
  .host('host4', { internal: '10.20.10.73' })
  .bridge('br0', { subnet: '192.168.2.0/24' })
  .bridge('br1', { subnet: '192.168.3.0/24' })
  .container('test1', { host: 'host1', bridge: 'br0', ip: '192.168.2.11', image: 'ubuntu' })
  .container('test1', { host: 'host2', bridge: 'br0', ip: '192.168.2.12', image: 'ubuntu' })
  .container('test1', { host: 'host3', bridge: 'br1', ip: '192.168.3.11', image: 'ubuntu' })
  .container('test1', { host: 'host4', bridge: 'br1', ip: '192.168.3.12', image: 'ubuntu' });
