/**
 * What each host carries, in structured form, for `manifest.json`: `ringgen plan` compares
 * two builds through it instead of reading scripts. Sorted, so equal rings give equal JSON.
 * Its type is the manifest schema's (src/plan/manifest-schema.ts).
 */
import { tunnelsOf, type HostModel, type RingModel } from '../model/model';
import { hostView, type HostView } from '../emit/host-view';
import type { StpResult } from '../model/stp';
import type { HostSummary } from './manifest-schema';

export type { BridgeSummary, ContainerSummary, HostSummary, PublishSummary, TunnelSummary } from './manifest-schema';

/** The host's summary; `view` is its view when the caller has made it already (the summary does not depend on the version). */
export function hostSummary(model: RingModel, host: HostModel, stp: StpResult, view: HostView = hostView(model, host, stp, '')): HostSummary {
  const cost = new Map(tunnelsOf(model, host.name).flatMap((t) => [[`${t.a}/${t.b}/${t.name}`, t.cost], [`${t.b}/${t.a}/${t.name}`, t.cost]]));
  const image = new Map(host.containers.map((c) => [c.name, c.image]));
  const published = host.published
    .map(({ container: c, publish: p }) => ({ port: p.hostPort, proto: p.proto, container: c.name, containerHost: c.host, ip: c.ip!.ip, containerPort: p.containerPort }))
    .sort((a, b) => a.proto.localeCompare(b.proto) || a.port - b.port);
  return {
    tunnels: view.tunnels.map((t) => ({ name: t.name, type: model.opts.tunnel, peer: t.peer, remote: t.remote, cost: cost.get(`${host.name}/${t.peer}/${t.name}`)! })),
    bridges: view.bridges.map((b) => ({ name: b.name, subnet: b.cidr, address: b.address, vlan: b.vlan })),
    containers: view.containers.map((c) => ({ name: c.name, bridge: c.bridge, ip: c.ip, image: image.get(c.name)!, settings: c.hash })),
    published,
  };
}
