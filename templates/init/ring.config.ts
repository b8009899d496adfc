// A ring of Docker hosts for ringgen: three hosts joined by tunnels in a ring, one container
// subnet across all of them, two containers. Edit it, then:
//
//   npx ringgen check    type errors and every problem of the ring, nothing written
//   npx ringgen plan     what a build would change in out/, host by host
//   npx ringgen build    writes out/<host>/ (scripts, systemd units, iptables rules) and the
//                        rollout: out/deploy.sh (ssh), out/inventory.yml + out/deploy.yml (Ansible)
//
// Every option has a default; the ones below are spelt out to show what there is. ringgen's
// docs/dsl.md lists them all. A misspelt option is a type error, here and in `ringgen check`.
import { ring } from 'ringgen';

// ring(name, options). The name (lower case, up to 20 characters) becomes part of the systemd
// unit and iptables chain names on every host, so two rings can share a host.
export default ring('demo', {
  tunnel: 'gre', //           'gre', or 'vxlan' (UDP 4789) where the network between the hosts drops GRE
  stp: 'rstp', //             spanning tree keeps the ring loop-free: 'rstp', 'stp' (802.1D, slow) or 'off'
  bfd: { interval: 50 }, //   a dead neighbour is noticed within 3 intervals (ms); false turns it off
  underlayMtu: 1500, //       MTU between the hosts; containers get it minus the tunnel overhead
  // root: 'host1',           spanning tree root (default: the first host)
  // dockerNetwork: 'none',   give containers no Docker eth0 at all (default 'bridge')
})
  // Hosts form the ring in the order they are declared: host1-host2-host3-host1, one tunnel per
  // neighbour pair. `internal` is the address the tunnels run between (and the one deploy.sh
  // and the Ansible inventory reach the host at); `external` is only needed on a host that
  // publishes ports.
  .host('host1', { internal: '10.0.0.11', external: '203.0.113.11' })
  .host('host2', { internal: '10.0.0.12' })
  .host('host3', { internal: '10.0.0.13' })

  // A bridge is a container subnet. Every host carries every bridge and has its own address on
  // it (host1 .1, host2 .2, ...). Different bridges cannot reach each other.
  .bridge('app', { subnet: '192.168.10.0/24' })
  // .bridge('db', { subnet: '192.168.20.0/24' })

  // A container: its host, its bridge, its fixed address on eth1 (inside the bridge's subnet) and
  // its image. `publish: ['host1:8080:80']` answers on host1's external address, port 8080, and
  // forwards over the ring to port 80 of the container, wherever it runs.
  .container('web', {
    host: 'host2',
    bridge: 'app',
    ip: '192.168.10.20',
    image: 'nginx:1.27',
    command: ['nginx', '-g', 'daemon off;'], // optional: the image's default command otherwise
    publish: ['host1:8080:80'],
    gateway: 'host', //                        optional: default route via the host's bridge address
  })
  .container('api', {
    host: 'host3',
    bridge: 'app',
    ip: '192.168.10.30',
    image: 'busybox',
    command: ['httpd', '-f', '-p', '8000'],
    env: { LOG_LEVEL: 'info' }, //              any value; always passed as one argument
    // envFile: '/etc/ringgen/api.env',         secrets stay on the host, in a KEY=value file
    // volumes: [{ volume: 'apidata', target: '/data' }],
  });

// Optional: .tunnel('chord1', 'host1', 'host3') adds a tunnel across the ring (or renames one).
