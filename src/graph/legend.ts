/** Header (what the ring is, what spanning tree does) and legend (line styles, bridges) of the SVG. */
import { bridgeColour, textWidth, type Density } from './card';
import { escapeXml as x } from './escape';
import { tunnelTitle, type GraphView } from './view';

/** A laid-out piece of the picture, drawn from (0, 0). */
export interface Block {
  svg: string;
  w: number;
  h: number;
  /** The same content as plain text. */
  text: string;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Characters per header line before the list of blocked tunnels wraps. */
const HEADER_CHARS = 110;

/**
 * What spanning tree does while every host is up, as lines of `[plain, red, plain]`: blocked
 * tunnels with their hosts while that fits, by name alone when not, wrapped when many.
 */
function treeLines(view: GraphView): Array<[string, string, string]> {
  if (view.stp === 'off') return [['spanning tree off', '', '']];
  const lead = `${view.stp.toUpperCase()} root ${view.root ?? '-'}; blocks `;
  const tail = ' while every host is up';
  const blocked = view.tunnels.filter((t) => t.blocked);
  if (blocked.length === 0) return [[lead, '', `nothing${tail}`]];
  let items = blocked.map(tunnelTitle);
  if (lead.length + items.join(', ').length + tail.length > HEADER_CHARS) items = blocked.map((t) => t.name);
  const lines: Array<[string, string, string]> = [];
  let current: string[] = [];
  let prefix = lead;
  for (const item of items) {
    if (current.length > 0 && prefix.length + [...current, item].join(', ').length > HEADER_CHARS) {
      lines.push([prefix, `${current.join(', ')},`, '']);
      current = [];
      prefix = '    ';
    }
    current.push(item);
  }
  lines.push([prefix, current.join(', '), tail]);
  return lines;
}

export function headerBlock(view: GraphView): Block {
  const chords = view.tunnels.filter((t) => t.kind === 'chord').length;
  const containers = view.hosts.reduce((n, h) => n + h.containerCount, 0);
  const facts = [
    plural(view.hosts.length, 'host'),
    `${plural(view.tunnels.length, `${view.tunnelType.toUpperCase()} tunnel`)}${chords ? ` (${plural(chords, 'chord')})` : ''}`,
    plural(view.bridges.length, 'bridge'),
    plural(containers, 'container'),
    `overlay MTU ${view.overlayMtu}`,
  ].join(' \u00B7 ');
  const title = `ring ${view.ring}`;
  const tree = treeLines(view);
  const svg = [`<text class="h1" x="0" y="20">${x(title)}</text>`, `<text class="dim" x="0" y="42" style="font-size:13px">${x(facts)}</text>`];
  tree.forEach(([plain, red, tail], k) => {
    svg.push(`<text x="0" y="${62 + 18 * k}" style="font-size:13px" xml:space="preserve"><tspan>${x(plain)}</tspan><tspan class="warn">${x(red)}</tspan><tspan>${x(tail)}</tspan></text>`);
  });
  const sentences = tree.map((l) => l.join(''));
  const w = Math.max(textWidth(title, 20, 'bold'), textWidth(facts, 13), ...sentences.map((l) => textWidth(l, 13, 'bold')));
  return { svg: svg.join(''), w, h: 68 + 18 * (tree.length - 1), text: `${title}: ${facts}; ${sentences.map((l) => l.trim()).join(' ')}` };
}

const ROW = 20;

function sample(kind: 'neighbour' | 'chord' | 'blocked' | 'root' | 'port', y: number): string {
  const mid = y - 4;
  if (kind === 'root') return `<circle class="dot root" cx="17" cy="${mid}" r="7"/>`;
  if (kind === 'port') return `<text class="port" x="10" y="${y}">\u25B8</text>`;
  const cls = kind === 'neighbour' ? 't' : kind === 'chord' ? 't chord' : 't blk';
  return `<path class="${cls}" d="M0 ${mid}H34"/>`;
}

export function legendBlock(view: GraphView, d: Density): Block {
  const type = view.tunnelType.toUpperCase();
  const rootHost = view.hosts.find((h) => h.root);
  const keys: Array<[Parameters<typeof sample>[0], string]> = [[`neighbour`, `${type} tunnel between ring neighbours`]];
  if (view.tunnels.some((t) => t.kind === 'chord')) keys.push(['chord', `${type} chord: extra tunnel across the ring`]);
  if (view.stp !== 'off') keys.push(['blocked', 'blocked by STP while every host is up (takes over when a host or tunnel fails)']);
  if (rootHost) keys.push(['root', `STP ROOT: spanning tree root (bridge priority ${rootHost.priority})`]);
  if (view.hosts.some((h) => h.published.length > 0)) keys.push(['port', ':port published on this host\u2019s external IP \u2192 container@host:port']);
  const lines: string[] = ['<text class="bold" x="0" y="0">Legend</text>'];
  const texts: string[] = [];
  keys.forEach(([kind, label], i) => {
    const y = (i + 1) * ROW;
    lines.push(sample(kind, y), `<text x="44" y="${y}">${x(label)}</text>`);
    texts.push(label);
  });
  const col1 = Math.max(...texts.map((t) => 44 + textWidth(t, d.font)));
  const bx = Math.ceil(col1 + 28);
  const counts = new Map<string, number>();
  for (const h of view.hosts) for (const g of h.groups) counts.set(g.bridge, (counts.get(g.bridge) ?? 0) + g.count);
  const heading = d.compact ? 'Bridges on every host (.1.20: a container address within its subnet)' : 'Bridges on every host';
  lines.push(`<text class="bold" x="${bx}" y="0">${x(heading)}</text>`);
  let col2 = textWidth(heading, d.font, 'bold');
  view.bridges.forEach((b, i) => {
    const y = (i + 1) * ROW;
    const label = `${b.name}  ${b.subnet}  VLAN ${b.vlan}  \u00B7 ${plural(counts.get(b.name) ?? 0, 'container')}`;
    lines.push(`<rect x="${bx}" y="${y - 10}" width="10" height="10" rx="2" fill="${bridgeColour(b.index)}"/>`);
    lines.push(`<text x="${bx + 16}" y="${y}" xml:space="preserve">${x(label)}</text>`);
    col2 = Math.max(col2, 16 + textWidth(label, d.font));
  });
  const rows = Math.max(keys.length, view.bridges.length);
  return { svg: `<g class="key" transform="translate(0 14)">${lines.join('')}</g>`, w: bx + col2, h: 14 + rows * ROW + 6, text: '' };
}
