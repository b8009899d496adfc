/**
 * The ring as a self-contained SVG: hosts on a circle in ring order with their cards outside,
 * neighbour tunnels as arcs, chords as straight lines, the tunnel spanning tree blocks dashed
 * red and labelled, the root marked; a header and a legend. No fonts, scripts or images are
 * referenced; every string from the ring is escaped.
 */
import { bridgeColour, CARD_PADDING, cardSizes, clip, densityFor, hostCard, ROOT_BADGE, textWidth, type Card, type Density } from './card';
import { escapeXml as x, xmlComment } from './escape';
import { angleOf, LabelPlacer, layoutRing, onCircle, type Box, type Point, type RingLayout } from './layout';
import { legendBlock, headerBlock, type Block } from './legend';
import { tunnelTitle, type GraphTunnel, type GraphView } from './view';

const MARGIN = 28;
const n1 = (v: number) => String(Math.round(v * 10) / 10);

function css(d: Density, scale: number): string {
  return [
    `text{font-family:'DejaVu Sans',Verdana,'Segoe UI',Arial,sans-serif;font-size:${d.font}px;fill:#1e293b}`,
    ".mono{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace}",
    '.dim{fill:#64748b}.port{fill:#b45309;font-weight:700}.bold{font-weight:700}',
    `.hn{font-weight:700;font-size:${d.title}px}.h1{font-size:20px;font-weight:700}.warn{fill:#dc2626;font-weight:700}`,
    `.tl{font-size:${d.font - 1}px;paint-order:stroke;stroke:#fff;stroke-width:4px;stroke-linejoin:round}`,
    `.tl.blk{fill:#dc2626;font-weight:700;font-size:${n1((d.font + 1) * scale)}px}`,
    '.card{fill:#fff;stroke:#cbd5e1;stroke-width:1.2}.card.root{stroke:#d97706;stroke-width:2.5}',
    `.t{fill:none;stroke:#334155;stroke-width:3}.t.chord{stroke:#2563eb;stroke-width:2.5}.t.blk{stroke:#dc2626;stroke-width:${n1(4 * scale)};stroke-dasharray:10 6}.key .t.blk{stroke-width:4}`,
    '.leader{stroke:#94a3b8;stroke-width:1.2}.dot{fill:#334155;stroke:#fff;stroke-width:2}.dot.root{fill:#d97706;stroke:#78350f}',
    '.badge{fill:#d97706}.badge-t{fill:#fff;font-size:10px;font-weight:700}',
  ].join('');
}

function tunnelPath(t: GraphTunnel, view: GraphView, index: ReadonlyMap<string, number>, layout: RingLayout, parallel: number): { d: string; mid: Point; angle?: number } {
  const n = view.hosts.length;
  let i = index.get(t.a) ?? 0;
  let j = index.get(t.b) ?? 0;
  if (t.kind === 'neighbour') {
    if ((j - i + n) % n !== 1) [i, j] = [j, i];
    const p = layout.dots[i]!;
    const q = layout.dots[j]!;
    const r = layout.radius;
    const mid = angleOf(i, n) + Math.PI / n;
    return { d: `M${n1(p.x)} ${n1(p.y)}A${n1(r)} ${n1(r)} 0 0 1 ${n1(q.x)} ${n1(q.y)}`, mid: onCircle(r, mid), angle: mid };
  }
  const p = layout.dots[i]!;
  const q = layout.dots[j]!;
  const m = { x: (p.x + q.x) / 2, y: (p.y + q.y) / 2 };
  if (parallel === 0) return { d: `M${n1(p.x)} ${n1(p.y)}L${n1(q.x)} ${n1(q.y)}`, mid: m };
  const len = Math.hypot(q.x - p.x, q.y - p.y) || 1;
  const bend = 28 * parallel;
  const c = { x: m.x - ((q.y - p.y) / len) * bend * 2, y: m.y + ((q.x - p.x) / len) * bend * 2 };
  return { d: `M${n1(p.x)} ${n1(p.y)}Q${n1(c.x)} ${n1(c.y)} ${n1(q.x)} ${n1(q.y)}`, mid: { x: (m.x + c.x) / 2, y: (m.y + c.y) / 2 } };
}

/** Spots for a tunnel's label: inside the circle next to its arc (every corner inside), or along its chord. */
function labelCandidates(at: { mid: Point; angle?: number }, w: number, h: number, hosts: number): Point[] {
  if (at.angle === undefined) return [0, 18, -18, 36, -36, 54, -54].map((dy) => ({ x: at.mid.x, y: at.mid.y + dy }));
  const r = Math.hypot(at.mid.x, at.mid.y);
  const step = (0.22 * Math.PI) / Math.max(2, hosts);
  const inside = (p: Point) => [-1, 1].every((sx) => [-1, 1].every((sy) => Math.hypot(p.x + (sx * w) / 2, p.y + (sy * h) / 2) <= r - 6));
  const spots: Point[] = [];
  for (const k of [0, 1, 2, 3]) {
    for (const shift of [0, step, -step, 2 * step, -2 * step]) {
      const a = at.angle + shift;
      const c = Math.cos(a);
      const s = Math.sin(a);
      let inset = 8 + (Math.abs(c) * w) / 2 + (Math.abs(s) * h) / 2 + k * (h + 2);
      while (!inside({ x: (r - inset) * c, y: (r - inset) * s }) && inset < r) inset += 2;
      spots.push({ x: (r - inset) * c, y: (r - inset) * s });
    }
  }
  return spots;
}

function drawTunnels(view: GraphView, layout: RingLayout, d: Density, scale: number): string[] {
  const paths: string[] = [];
  const labels: string[] = [];
  const index = new Map(view.hosts.map((h) => [h.name, h.index]));
  const position = new Map(view.hosts.map((h, i) => [h.name, i]));
  const dot = (name: string) => layout.dots[position.get(name) ?? -1] ?? { x: 0, y: 0 };
  const chords = new Map(view.tunnels.filter((t) => t.kind === 'chord').map((t) => [t, [dot(t.a), dot(t.b)] as [Point, Point]]));
  const placer = new LabelPlacer(
    layout.dots.map((p) => ({ x: p.x - 8, y: p.y - 8, w: 16, h: 16 })),
    [...chords.values()],
  );
  const seen = new Map<string, number>();
  const typeName = view.tunnelType.toUpperCase();
  for (const t of view.tunnels) {
    const key = [t.a, t.b].sort().join('\n');
    const parallel = t.kind === 'chord' ? (seen.get(key) ?? 0) : 0;
    if (t.kind === 'chord') seen.set(key, parallel + 1);
    const geo = tunnelPath(t, view, index, layout, parallel);
    const cls = `t${t.kind === 'chord' ? ' chord' : ''}${t.blocked ? ' blk' : ''}`;
    const state = t.blocked ? ', blocked by spanning tree while every host is up' : '';
    const title = `${tunnelTitle(t)}: ${typeName} ${t.kind === 'chord' ? 'chord' : 'tunnel between ring neighbours'}, path cost ${t.cost}${state}`;
    paths.push(`<g><title>${x(title)}</title><path class="${cls}" d="${geo.d}"/></g>`);
    const size = t.blocked ? (d.font + 1) * scale : d.font - 1;
    const lh = size + 3;
    const lines = t.blocked ? [t.name, 'blocked by STP'] : [t.name];
    const w = Math.max(...lines.map((l) => textWidth(l, size, t.blocked ? 'bold' : 'sans')));
    const h = lines.length * lh;
    const at = placer.place(labelCandidates(geo, w, h, view.hosts.length), w, h, chords.get(t));
    const spans = lines.map((l, k) => `<tspan x="${n1(at.x)}" y="${n1(at.y - h / 2 + (k + 1) * lh - 3)}">${x(l)}</tspan>`).join('');
    labels.push(`<text class="tl${t.blocked ? ' blk' : ''}" text-anchor="middle">${spans}</text>`);
  }
  return [...paths, ...labels];
}

function drawCard(card: Card, box: Box, d: Density): string {
  const h = card.host;
  const out: string[] = [];
  const tip = [
    `${h.name}: internal ${h.internal}`,
    h.external ? `, external ${h.external}` : '',
    h.root ? `, spanning tree root (priority ${h.priority})` : '',
    `, ${h.containerCount} container(s)`,
    ...h.groups.map((g) => `\n${g.bridge} (host address ${g.hostAddress ?? '-'}): ${g.listed.map((c) => `${c.name} ${c.ip}`).join(', ')}${g.count > g.listed.length ? ` +${g.count - g.listed.length} more` : ''}`),
  ];
  out.push(`<g><title>${x(tip.join(''))}</title>`);
  out.push(`<rect class="card${h.root ? ' root' : ''}" x="${n1(box.x)}" y="${n1(box.y)}" width="${n1(box.w)}" height="${n1(box.h)}" rx="8"/>`);
  const left = box.x + CARD_PADDING;
  out.push(`<text class="hn" x="${n1(left)}" y="${n1(box.y + CARD_PADDING + d.title - 2)}">${x(clip(h.name, d.maxHost))}</text>`);
  if (h.root) {
    const bw = textWidth(ROOT_BADGE.text, ROOT_BADGE.size, 'bold') + 10;
    const bx = box.x + box.w - CARD_PADDING - bw;
    out.push(`<rect class="badge" x="${n1(bx)}" y="${n1(box.y + CARD_PADDING - 1)}" width="${n1(bw)}" height="16" rx="8"/>`);
    out.push(`<text class="badge-t" x="${n1(bx + bw / 2)}" y="${n1(box.y + CARD_PADDING + 11)}" text-anchor="middle">${ROOT_BADGE.text}</text>`);
  }
  card.lines.forEach((line, k) => {
    const top = box.y + CARD_PADDING + d.title + 4 + k * d.lineHeight;
    const base = top + d.font + (d.lineHeight - d.font) / 2 - 1;
    if (line.swatch !== undefined) {
      out.push(`<rect x="${n1(left)}" y="${n1(top + (d.lineHeight - 10) / 2)}" width="10" height="10" rx="2" fill="${bridgeColour(line.swatch)}"/>`);
    }
    const spans = line.segments.map((s) => (s.kind === 'text' ? `<tspan>${x(s.text)}</tspan>` : `<tspan class="${s.kind}">${x(s.text)}</tspan>`)).join('');
    out.push(`<text x="${n1(left + line.indent)}" y="${n1(base)}" xml:space="preserve">${spans}</text>`);
  });
  out.push('</g>');
  return out.join('');
}

function drawRing(view: GraphView, layout: RingLayout, cards: Card[], d: Density, scale: number): string[] {
  const out: string[] = [...drawTunnels(view, layout, d, scale)];
  layout.dots.forEach((p, i) => {
    const b = layout.cards[i]!;
    out.push(`<line class="leader" x1="${n1(p.x)}" y1="${n1(p.y)}" x2="${n1(b.x + b.w / 2)}" y2="${n1(b.y + b.h / 2)}"/>`);
  });
  layout.dots.forEach((p, i) => {
    const root = view.hosts[i]!.root;
    out.push(`<circle class="dot${root ? ' root' : ''}" cx="${n1(p.x)}" cy="${n1(p.y)}" r="${root ? n1(9 * scale) : 6}"/>`);
  });
  cards.forEach((c, i) => out.push(drawCard(c, layout.cards[i]!, d)));
  return out;
}

function minRadius(view: GraphView, d: Density): number {
  const label = Math.max(40, ...view.tunnels.filter((t) => t.kind === 'neighbour').map((t) => textWidth(t.name, d.font - 1)));
  return Math.max(d.compact ? 200 : 160, (view.hosts.length * (label + 16)) / (2 * Math.PI));
}

/** The whole picture as an SVG document. */
export function graphSvg(view: GraphView): string {
  const d = densityFor(view.hosts.length);
  const bridges = new Map(view.bridges.map((b) => [b.name, b]));
  const cards = view.hosts.map((h) => hostCard(h, bridges, d));
  const layout = layoutRing(cardSizes(cards, d), minRadius(view, d));
  // A large picture is looked at shrunk to fit a screen: its header and legend grow with it.
  const scale = Math.min(1.8, Math.max(1, layout.bounds.w / 1100));
  const header: Block = headerBlock(view);
  const legend: Block = legendBlock(view, d);
  const width = Math.ceil(Math.max(layout.bounds.w, header.w * scale, legend.w * scale) + 2 * MARGIN);
  const ringTop = MARGIN + header.h * scale + 16;
  const legendTop = ringTop + layout.bounds.h + 24;
  const height = Math.ceil(legendTop + legend.h * scale + MARGIN);
  const ox = MARGIN + (width - 2 * MARGIN - layout.bounds.w) / 2 - layout.bounds.x;
  const oy = ringTop - layout.bounds.y;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    xmlComment(`Generated by ringgen ${view.version} from ring ${view.ring}. Do not edit: change the ring and run ringgen again.`),
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img">`,
    `<title>${x(`ring ${view.ring}`)}</title>`,
    `<desc>${x(header.text)}</desc>`,
    `<style>${css(d, scale)}</style>`,
    `<rect width="${width}" height="${height}" fill="#f8fafc"/>`,
    `<g transform="translate(${MARGIN} ${MARGIN}) scale(${n1(scale)})">${header.svg}</g>`,
    `<g transform="translate(${n1(ox)} ${n1(oy)})">`,
    ...drawRing(view, layout, cards, d, scale),
    '</g>',
    `<g transform="translate(${MARGIN} ${n1(legendTop)}) scale(${n1(scale)})">${legend.svg}</g>`,
    '</svg>',
    '',
  ].join('\n');
}
