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

/**
 * Boxes by the cells of a square grid they cover: what may touch a box is found among the boxes
 * of its cells, not among all of them. Lookups give a superset; callers test each candidate.
 */
export class BoxGrid {
  private readonly cells = new Map<number, number[]>();
  private readonly mark: Int32Array;
  private query = 0;

  constructor(
    boxes: readonly Box[],
    private readonly cell: number,
  ) {
    this.mark = new Int32Array(boxes.length);
    boxes.forEach((b, i) => this.add(b, i));
  }

  private key(cx: number, cy: number): number {
    return (cx + 0x100000) * 0x200000 + (cy + 0x100000);
  }

  private span(b: Box): [number, number, number, number] {
    const c = this.cell;
    return [Math.floor(b.x / c), Math.floor(b.y / c), Math.floor((b.x + b.w) / c), Math.floor((b.y + b.h) / c)];
  }

  private add(b: Box, index: number): void {
    const [x0, y0, x1, y1] = this.span(b);
    for (let cx = x0; cx <= x1; cx++) {
      for (let cy = y0; cy <= y1; cy++) {
        const k = this.key(cx, cy);
        const list = this.cells.get(k);
        if (list) list.push(index);
        else this.cells.set(k, [index]);
      }
    }
  }

  /** Indices of the boxes that share a cell with `b`, each once. */
  near(b: Box): number[] {
    const out: number[] = [];
    const q = ++this.query;
    const [x0, y0, x1, y1] = this.span(b);
    for (let cx = x0; cx <= x1; cx++) {
      for (let cy = y0; cy <= y1; cy++) {
        for (const i of this.cells.get(this.key(cx, cy)) ?? []) {
          if (this.mark[i] === q) continue;
          this.mark[i] = q;
          out.push(i);
        }
      }
    }
    return out;
  }
}

/** The box around a segment. */
const segmentBox = (p: Point, q: Point): Box => ({ x: Math.min(p.x, q.x), y: Math.min(p.y, q.y), w: Math.abs(q.x - p.x), h: Math.abs(q.y - p.y) });

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

/** Whether no card touches another (with GAP between them) or another's leader line. */
function clear(cards: Box[], dots: Point[]): boolean {
  // Every pair that could fail a test shares a cell: cards are indexed grown by more than the gap.
  const margin = GAP + 8;
  const largest = cards.reduce((m, b) => Math.max(m, b.w, b.h), 1);
  const grid = new BoxGrid(
    cards.map((b) => grown(b, margin)),
    largest + 2 * margin,
  );
  for (let i = 0; i < cards.length; i++) {
    for (const j of grid.near(grown(cards[i]!, margin))) if (j > i && boxesOverlap(cards[i]!, cards[j]!, GAP)) return false;
  }
  for (let i = 0; i < cards.length; i++) {
    const centre = centreOf(cards[i]!);
    for (const j of grid.near(grown(segmentBox(dots[i]!, centre), margin))) if (j !== i && segmentHitsBox(dots[i]!, centre, grown(cards[j]!, 4))) return false;
  }
  return true;
}

/**
 * What `clear` needs of the cards that never move, quickly: in a plain layout each card clears
 * the next; staggered, each card that stays on the inner radius clears the next such card.
 * Its failure is `clear`'s failure, so a radius far too small is refused without moving cards.
 */
function innerCardsClear(sizes: Size[], inner: number, staggered: boolean): boolean {
  const n = sizes.length;
  const fixed = sizes.map((_, i) => i).filter((i) => !staggered || (i % 2 === 0 && !(n % 2 === 1 && i === n - 1)));
  if (fixed.length < 2) return true;
  const boxes = fixed.map((i) => cardAt(sizes[i]!, angleOf(i, n), inner));
  return boxes.every((b, k) => k === boxes.length - 1 && boxes.length === 2 ? true : !boxesOverlap(b, boxes[(k + 1) % boxes.length]!, GAP));
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

/** Radius steps: the circle grows 4 px at a time, up to this many steps. */
const MAX_STEPS = 1 << 22;

/**
 * The first step k at which `fits(k)` holds, taking it to hold from there on (a bigger circle
 * only spreads the cards): doubling, then halving, so a ring of any size takes a few dozen
 * layouts, not one per step.
 */
export function firstFit(fits: (k: number) => boolean, limit = MAX_STEPS): number {
  if (fits(0)) return 0;
  let lo = 0;
  let hi = 1;
  while (hi < limit && !fits(hi)) {
    lo = hi;
    hi = Math.min(limit, hi * 2);
  }
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (fits(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

function tryLayout(sizes: Size[], minRadius: number, staggered: boolean): RingLayout {
  const dotsAt = (r: number) => sizes.map((_, i) => onCircle(r, angleOf(i, sizes.length)));
  const radiusAt = (k: number) => minRadius + 4 * k;
  const fits = (k: number) => {
    const r = radiusAt(k);
    return innerCardsClear(sizes, r + LEADER, staggered) && clear(placeCards(sizes, dotsAt(r), r + LEADER, staggered), dotsAt(r));
  };
  const radius = radiusAt(firstFit(fits));
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
  private static readonly CELL = 64;
  private static readonly MAX_LINES = 1000;
  /** Placed boxes by grid cell (cell size CELL). */
  private readonly taken = new Map<number, Box[]>();
  /** Lines by the cells of a coarser grid that they pass through. */
  private readonly lineCells = new Map<number, Array<[Point, Point]>>();
  private readonly lineCell: number;

  constructor(
    blocked: Box[] = [],
    lines: Array<[Point, Point]> = [],
  ) {
    for (const b of blocked) this.take(b);
    // Many chords fan out of a few hosts, so near any label there are lines in proportion to
    // their number: past MAX_LINES, labels keep clear of dots and labels only (docs/next.md).
    if (lines.length > LabelPlacer.MAX_LINES) lines = [];
    // Long chords cross many cells: the line grid's cells grow with the picture, so a line is in at most ~100.
    const extent = lines.reduce((m, [p, q]) => Math.max(m, Math.abs(p.x), Math.abs(p.y), Math.abs(q.x), Math.abs(q.y)), 0);
    this.lineCell = Math.max(LabelPlacer.CELL, extent / 32);
    for (const line of lines) {
      for (const k of this.cellsOnLine(line)) {
        const list = this.lineCells.get(k);
        if (list) list.push(line);
        else this.lineCells.set(k, [line]);
      }
    }
  }

  private static key(cx: number, cy: number): number {
    return (cx + 0x100000) * 0x200000 + (cy + 0x100000);
  }

  private static cellsOf(b: Box, cell: number): number[] {
    const out: number[] = [];
    for (let cx = Math.floor((b.x - 4) / cell); cx <= Math.floor((b.x + b.w + 4) / cell); cx++) {
      for (let cy = Math.floor((b.y - 4) / cell); cy <= Math.floor((b.y + b.h + 4) / cell); cy++) out.push(LabelPlacer.key(cx, cy));
    }
    return out;
  }

  /** The cells of the line grid a segment passes through: around points half a cell apart along it, so none is missed. */
  private cellsOnLine([p, q]: [Point, Point]): Set<number> {
    const c = this.lineCell;
    const steps = Math.max(1, Math.ceil(Math.hypot(q.x - p.x, q.y - p.y) / (c / 2)));
    const out = new Set<number>();
    for (let s = 0; s <= steps; s++) {
      const x = Math.floor((p.x + ((q.x - p.x) * s) / steps) / c);
      const y = Math.floor((p.y + ((q.y - p.y) * s) / steps) / c);
      for (let dx = -1; dx <= 1; dx++) for (let dy = -1; dy <= 1; dy++) out.add(LabelPlacer.key(x + dx, y + dy));
    }
    return out;
  }

  private take(b: Box): void {
    for (const k of LabelPlacer.cellsOf(b, LabelPlacer.CELL)) {
      const list = this.taken.get(k);
      if (list) list.push(b);
      else this.taken.set(k, [b]);
    }
  }

  private free(b: Box, own: [Point, Point] | undefined): boolean {
    for (const k of LabelPlacer.cellsOf(b, LabelPlacer.CELL)) if ((this.taken.get(k) ?? []).some((t) => boxesOverlap(t, b, 2))) return false;
    const lines = new Set<[Point, Point]>();
    for (const k of LabelPlacer.cellsOf(b, this.lineCell)) for (const l of this.lineCells.get(k) ?? []) lines.add(l);
    for (const l of lines) if (l !== own && segmentHitsBox(l[0], l[1], b)) return false;
    return true;
  }

  /** Centre of the chosen box; the first candidate when every spot is taken. `own` is the label's own line, which it may sit on. */
  place(candidates: Point[], w: number, h: number, own?: [Point, Point]): Point {
    const boxAt = (p: Point) => ({ x: p.x - w / 2, y: p.y - h / 2, w, h });
    const spot = candidates.find((p) => this.free(boxAt(p), own)) ?? candidates[0]!;
    this.take(boxAt(spot));
    return spot;
  }
}
