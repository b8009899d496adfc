/**
 * The text of a host's card: name, addresses, containers per bridge, published ports. A small
 * ring lists containers with their addresses one per line; a large one summarises each bridge
 * on two lines (count, first names with the last octets of their addresses, `+N more`).
 * Widths are estimated from character counts, generously, since the picture carries no font.
 */
import type { GraphBridge, GraphHost } from './view';

export interface Density {
  /** Body font size, px. */
  font: number;
  /** Host name font size, px. */
  title: number;
  lineHeight: number;
  /** Containers named per bridge before `+N more`. */
  listPerBridge: number;
  /** Published ports listed before `+N more`. */
  listPublished: number;
  /** Longest container or bridge name shown whole; longer ones lose their middle (the tooltip has them whole). */
  maxName: number;
  /** The same for host names. */
  maxHost: number;
  compact: boolean;
}

export const FULL: Density = { font: 12, title: 15, lineHeight: 16, listPerBridge: 6, listPublished: 4, maxName: 24, maxHost: 30, compact: false };
export const COMPACT: Density = { font: 11, title: 13, lineHeight: 14, listPerBridge: 2, listPublished: 2, maxName: 12, maxHost: 22, compact: true };

export function densityFor(hosts: number): Density {
  return hosts <= 8 ? FULL : COMPACT;
}

export type SegmentKind = 'text' | 'mono' | 'dim' | 'port';

export interface Segment {
  text: string;
  kind: SegmentKind;
}

export interface CardLine {
  segments: Segment[];
  /** Bridge colour swatch at the start of the line. */
  swatch?: number;
  indent: number;
}

export interface Card {
  host: GraphHost;
  lines: CardLine[];
}

/**
 * Shortens a string to `max` characters with an ellipsis in the middle: names in one ring tend
 * to share a prefix (`web-frontend-1`, `web-frontend-2`), so the end stays visible.
 */
export function clip(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  const tail = Math.floor((max - 1) / 2);
  const head = Math.max(1, max - 1 - tail);
  return `${chars.slice(0, head).join('')}\u2026${tail > 0 ? chars.slice(-tail).join('') : ''}`;
}

/** Average advance per character, in em, a little above the widest of the listed fonts. */
const ADVANCE = { sans: 0.6, bold: 0.66, mono: 0.61 } as const;

/** Estimated width in px of text in the picture's sans (or `bold`, or `mono`) font. */
export function textWidth(text: string, size: number, font: keyof typeof ADVANCE = 'sans'): number {
  return Array.from(text).length * size * ADVANCE[font];
}

const FONT_OF: Record<SegmentKind, keyof typeof ADVANCE> = { text: 'sans', dim: 'sans', mono: 'mono', port: 'bold' };

/** `.20` for 172.20.1.20 in a /24 (`prefix` 24, none for an unknown bridge): the part of the address the subnet does not fix. */
export function shortIp(ip: string, prefix: number | undefined): string {
  const fixed = prefix === undefined ? 0 : Math.min(3, Math.floor(prefix / 8));
  return fixed === 0 ? ip : `.${ip.split('.').slice(fixed).join('.')}`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function containerLines(host: GraphHost, bridges: Map<string, GraphBridge>, d: Density): CardLine[] {
  const lines: CardLine[] = [];
  for (const g of host.groups) {
    const prefix = bridges.get(g.bridge)?.prefix;
    const shown = g.listed.slice(0, d.listPerBridge);
    const more = g.count - shown.length;
    lines.push({ swatch: g.bridgeIndex, indent: 16, segments: [{ text: clip(g.bridge, d.maxName), kind: 'text' }, { text: ` ${plural(g.count, 'container')}`, kind: 'dim' }] });
    if (d.compact) {
      const names = shown.map((c) => `${clip(c.name, d.maxName)} ${shortIp(c.ip, prefix)}`).join(', ');
      lines.push({ indent: 16, segments: [{ text: names, kind: 'mono' }, ...(more > 0 ? [{ text: ` +${more} more`, kind: 'dim' as const }] : [])] });
      continue;
    }
    for (const c of shown) lines.push({ indent: 16, segments: [{ text: `${clip(c.name, d.maxName)} `, kind: 'text' }, { text: c.ip, kind: 'mono' }] });
    if (more > 0) lines.push({ indent: 16, segments: [{ text: `+${more} more`, kind: 'dim' }] });
  }
  return lines;
}

function publishLines(host: GraphHost, d: Density): CardLine[] {
  const shown = host.published.slice(0, d.listPublished);
  const lines: CardLine[] = shown.map((p) => ({
    indent: 0,
    segments: [
      { text: `\u25B8 :${p.port}`, kind: 'port' },
      { text: ` \u2192 ${clip(p.container, d.maxName)}@${clip(p.containerHost, d.maxHost)}:${p.containerPort}`, kind: 'text' },
    ],
  }));
  const more = host.published.length - shown.length;
  if (more > 0) lines.push({ indent: 0, segments: [{ text: `+${plural(more, 'more port')}`, kind: 'dim' }] });
  return lines;
}

/** Lines below the host name. */
export function hostCard(host: GraphHost, bridges: Map<string, GraphBridge>, d: Density): Card {
  const lines: CardLine[] = [{ indent: 0, segments: [{ text: 'internal ', kind: 'dim' }, { text: host.internal, kind: 'mono' }] }];
  if (host.external) lines.push({ indent: 0, segments: [{ text: 'external ', kind: 'dim' }, { text: host.external, kind: 'mono' }] });
  lines.push(...containerLines(host, bridges, d), ...publishLines(host, d));
  return { host, lines };
}

export const CARD_PADDING = 10;

/** Bridge colours, distinct from the tunnel colours (slate, blue, red) and the root's amber. */
export const BRIDGE_COLOURS = ['#0d9488', '#7c3aed', '#db2777', '#65a30d', '#0891b2', '#ea580c', '#4f46e5', '#a16207', '#be185d', '#15803d'];
export const bridgeColour = (index: number) => BRIDGE_COLOURS[index % BRIDGE_COLOURS.length]!;
export const ROOT_BADGE = { text: 'STP ROOT', size: 10 };

export function lineWidth(line: CardLine, d: Density): number {
  return line.indent + line.segments.reduce((sum, s) => sum + textWidth(s.text, d.font, FONT_OF[s.kind]), 0);
}

/** One width for every card, so the ring reads evenly; each card as tall as its lines. */
export function cardSizes(cards: Card[], d: Density): Array<{ w: number; h: number }> {
  let w = 140;
  for (const c of cards) {
    const titleW = textWidth(clip(c.host.name, d.maxHost), d.title, 'bold') + (c.host.root ? textWidth(ROOT_BADGE.text, ROOT_BADGE.size, 'bold') + 22 : 0);
    w = Math.max(w, titleW, ...c.lines.map((l) => lineWidth(l, d)));
  }
  return cards.map((c) => ({ w: Math.ceil(w + 2 * CARD_PADDING), h: Math.ceil(2 * CARD_PADDING + d.title + 4 + c.lines.length * d.lineHeight) }));
}
