/**
 * Geometry of the ring picture: hosts as points on a circle in ring order (clockwise from
 * the top), each with a card outside the circle; the cards pushed outwards until none
 * touches another or another's leader line. Large rings stagger the cards on two radii,
 * so twice as many fit around the same circle.
 */

export interface Point {
  x: number;
  y: number;
}

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface RingLayout {
  /** Radius of the tunnel circle. */
  radius: number;
  /** Where each host sits on the circle, in ring order; the centre is (0, 0). */
  dots: Point[];
  /** Each host's card, in ring order. */
  cards: Box[];
  /** Everything drawn: circle, cards. */
  bounds: Box;
}

const GAP = 14;

export function angleOf(index: number, count: number): number {
  return -Math.PI / 2 + (2 * Math.PI * index) / Math.max(1, count);
}

export function onCircle(radius: number, angle: number): Point {
  return { x: radius * Math.cos(angle), y: radius * Math.sin(angle) };
}

/** Distance from a w x h box's centre to its edge, along the direction `angle`. */
function edgeDistance(w: number, h: number, angle: number): number {
  const c = Math.abs(Math.cos(angle));
  const s = Math.abs(Math.sin(angle));
  return Math.min(c > 1e-9 ? w / 2 / c : Infinity, s > 1e-9 ? h / 2 / s : Infinity);
}

export function boxesOverlap(a: Box, b: Box, gap = 0): boolean {
  return a.x < b.x + b.w + gap && b.x < a.x + a.w + gap && a.y < b.y + b.h + gap && b.y < a.y + a.h + gap;
}

/** Whether the segment p-q passes through the box (Liang-Barsky clipping). */
export function segmentHitsBox(p: Point, q: Point, box: Box): boolean {
  let t0 = 0;
  let t1 = 1;
  const dx = q.x - p.x;
  const dy = q.y - p.y;
  const edges: Array<[number, number]> = [
    [-dx, p.x - box.x],
    [dx, box.x + box.w - p.x],
    [-dy, p.y - box.y],
    [dy, box.y + box.h - p.y],
  ];
  for (const [pe, qe] of edges) {
    if (pe === 0) {
      if (qe < 0) return false;
      continue;
    }
    const t = qe / pe;
    if (pe < 0) t0 = Math.max(t0, t);
    else t1 = Math.min(t1, t);
    if (t0 > t1) return false;
  }
  return true;
}

export interface Size {
  w: number;
  h: number;
}

/** Distance from the centre (0, 0) to the nearest point of a box. */
function nearest(b: Box): number {
  const dx = Math.max(b.x, 0, -(b.x + b.w));
  const dy = Math.max(b.y, 0, -(b.y + b.h));
  return Math.hypot(dx, dy);
}

/** A card whose edge meets the ray at `angle` at `distance`, moved out until no corner reaches inside `distance` - 12. */
function cardAt(size: Size, angle: number, distance: number): Box {
  for (let out = 0; ; out += 4) {
    const centre = onCircle(distance + out + edgeDistance(size.w, size.h, angle), angle);
    const box = { x: centre.x - size.w / 2, y: centre.y - size.h / 2, w: size.w, h: size.h };
    if (nearest(box) >= distance - 12 || out > 4000) return box;
  }
}

const centreOf = (b: Box): Point => ({ x: b.x + b.w / 2, y: b.y + b.h / 2 });
const grown = (b: Box, by: number): Box => ({ x: b.x - by, y: b.y - by, w: b.w + 2 * by, h: b.h + 2 * by });

/**
 * Cards with their inner edge at `inner`. Staggered: every other card (and the last of an odd
 * ring) moves outwards just as far as it takes to clear its neighbours and their leader lines.
 */
function placeCards(sizes: Size[], dots: Point[], inner: number, staggered: boolean): Box[] {
  const n = sizes.length;
  const cards = sizes.map((size, i) => cardAt(size, angleOf(i, n), inner));
  if (!staggered) return cards;
  const movers = sizes.map((_, i) => i).filter((i) => i % 2 === 1 || (n % 2 === 1 && i === n - 1));
  for (const i of movers) {
    const near = [(i + n - 1) % n, (i + 1) % n];
    const fits = (box: Box) =>
      near.every((j) => !boxesOverlap(box, cards[j]!, GAP) && !segmentHitsBox(dots[i]!, centreOf(box), grown(cards[j]!, 4)) && !segmentHitsBox(dots[j]!, centreOf(cards[j]!), grown(box, 4)));
    for (let out = 0; out < 2000; out += 6) {
      const box = cardAt(sizes[i]!, angleOf(i, n), inner + out);
      cards[i] = box;
      if (fits(box)) break;
    }
  }
  return cards;
}

function clear(cards: Box[], dots: Point[]): boolean {
  for (let i = 0; i < cards.length; i++) {
    for (let j = i + 1; j < cards.length; j++) if (boxesOverlap(cards[i]!, cards[j]!, GAP)) return false;
  }
  for (let i = 0; i < cards.length; i++) {
    for (let j = 0; j < cards.length; j++) if (j !== i && segmentHitsBox(dots[i]!, centreOf(cards[i]!), grown(cards[j]!, 4))) return false;
  }
  return true;
}

function boundsOf(boxes: Box[], radius: number): Box {
  let x0 = -radius;
  let y0 = -radius;
  let x1 = radius;
  let y1 = radius;
  for (const b of boxes) {
    x0 = Math.min(x0, b.x);
    y0 = Math.min(y0, b.y);
    x1 = Math.max(x1, b.x + b.w);
    y1 = Math.max(y1, b.y + b.h);
  }
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

/** Cards start this far outside the tunnel circle: room for the leader from dot to card. */
const LEADER = 36;

function tryLayout(sizes: Size[], minRadius: number, staggered: boolean): RingLayout {
  const dotsAt = (r: number) => sizes.map((_, i) => onCircle(r, angleOf(i, sizes.length)));
  let radius = minRadius;
  for (let step = 0; step < 5000 && !clear(placeCards(sizes, dotsAt(radius), radius + LEADER, staggered), dotsAt(radius)); step++) radius += 4;
  const cards = placeCards(sizes, dotsAt(radius), radius + LEADER, staggered);
  return { radius, dots: dotsAt(radius), cards, bounds: boundsOf(cards, radius) };
}

/**
 * Lays out one card per host, in ring order, around a tunnel circle of at least `minRadius`,
 * grown until no card touches another. Picks, for large rings, staggered cards when that draws
 * smaller.
 */
export function layoutRing(sizes: Size[], minRadius: number): RingLayout {
  const plain = tryLayout(sizes, minRadius, false);
  if (sizes.length < 10) return plain;
  const staggered = tryLayout(sizes, minRadius, true);
  const area = (l: RingLayout) => l.bounds.w * l.bounds.h;
  return area(staggered) < area(plain) ? staggered : plain;
}

/** Keeps labels apart: each takes the first of its candidate spots that no placed label, dot or line covers. */
export class LabelPlacer {
  private readonly taken: Box[] = [];

  constructor(
    blocked: Box[] = [],
    private readonly lines: Array<[Point, Point]> = [],
  ) {
    this.taken.push(...blocked);
  }

  /** Centre of the chosen box; the first candidate when every spot is taken. `own` is the label's own line, which it may sit on. */
  place(candidates: Point[], w: number, h: number, own?: [Point, Point]): Point {
    const boxAt = (p: Point) => ({ x: p.x - w / 2, y: p.y - h / 2, w, h });
    const free = (b: Box) => !this.taken.some((t) => boxesOverlap(t, b, 2)) && !this.lines.some((l) => l !== own && segmentHitsBox(l[0], l[1], b));
    const spot = candidates.find((p) => free(boxAt(p))) ?? candidates[0]!;
    this.taken.push(boxAt(spot));
    return spot;
  }
}
