/** The plain-text content of a host node, shared by the Mermaid and DOT writers. */
import type { GraphHost, GraphTunnel, GraphView } from './view';

/** Containers named per bridge in a text node before `+N more`. */
export const TEXT_LIST_PER_BRIDGE = 3;

/** Lines of a host's node: name, addresses, containers per bridge, published ports. */
export function hostLines(host: GraphHost, limit = TEXT_LIST_PER_BRIDGE): string[] {
  const lines = [host.root ? `${host.name} (STP root)` : host.name, `internal ${host.internal}`];
  if (host.external) lines.push(`external ${host.external}`);
  for (const g of host.groups) {
    const shown = g.listed.slice(0, limit);
    lines.push(`${g.bridge}: ${g.count} container${g.count === 1 ? '' : 's'}`);
    for (const c of shown) lines.push(`  ${c.name} ${c.ip}`);
    if (g.count > shown.length) lines.push(`  +${g.count - shown.length} more`);
  }
  for (const p of host.published) lines.push(`port ${p.port} to ${p.container}@${p.containerHost}:${p.containerPort}`);
  return lines;
}

/** Lines of a tunnel's edge label. */
export function tunnelLines(t: GraphTunnel): string[] {
  return [t.kind === 'chord' ? `${t.name} (chord)` : t.name, ...(t.blocked ? ['blocked by STP'] : [])];
}

/** One line on what the picture shows, for a heading or a comment. */
export function ringLine(view: GraphView): string {
  const blocked = view.tunnels.filter((t) => t.blocked).map((t) => `${t.name} (${t.a}-${t.b})`);
  const tree = view.stp === 'off' ? 'spanning tree off' : `${view.stp.toUpperCase()} root ${view.root ?? '-'}, blocks ${blocked.join(', ') || 'nothing'} while every host is up`;
  return `ring ${view.ring}: ${view.hosts.length} hosts, ${view.tunnelType.toUpperCase()} tunnels; ${tree}`;
}
