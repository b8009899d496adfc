/**
 * The work of the steps that once grew with the square (or the cube) of the ring, counted rather
 * than timed: spanning tree after each single host loss, the picture's radius search, and the
 * grid that finds touching cards. (`npm run bench:build` times a 2,000-host ring.)
 */
import { describe, expect, it } from 'vitest';
import { ring } from '../src/input/dsl';
import { BoxGrid, firstFit, type Box } from '../src/graph/layout';
import { buildModel } from '../src/model/model';
import { parseSpec } from '../src/input/schema';
import { depthAfterLoss, electTree, type ElectionWork } from '../src/model/stp';
import { graphRing } from './generate';

const ipOf = (i: number) => `10.${20 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;

/** A ring of `n` hosts with spokes from host h1 to every other host (a wheel). */
function wheel(n: number) {
  const r = ring('wheel');
  r.hosts(Array.from({ length: n }, (_, i) => ({ name: `h${i + 1}`, internal: ipOf(i + 1) })));
  r.bridge('br0', { subnet: '10.200.0.0/16' });
  for (let h = 3; h < n; h++) r.tunnel(`s${h}`, 'h1', `h${h}`);
  const shape = parseSpec(r.toSpec());
  return buildModel(shape.spec!);
}

describe('spanning tree after each single host loss', () => {
  it('settles each host about once on a wheel, not once per lost host', () => {
    for (const n of [500, 2000]) {
      const m = wheel(n);
      const work: ElectionWork = { settled: 0 };
      const losses = depthAfterLoss(m, work);
      expect(losses).toHaveLength(n);
      // One election for the intact tree and one for the loss of the root (the hub): 2n, plus
      // nothing for the spokes' hosts, leaves of the tree. One election per loss would be n x n.
      expect(work.settled).toBeLessThanOrEqual(2 * n);
      // Losing the hub leaves the rim: a line from the new root around both ways.
      expect(losses[0]).toEqual({ lost: 'h1', depth: electTree(m, new Set(['h1'])).depth });
      expect(losses[0]!.depth).toBeGreaterThan(n / 3);
    }
  });

  it('gives what one election per lost host gives, on rings of any shape and cost', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const g = graphRing(9000 + seed, { hosts: 3 + (seed % 25) });
      const m = buildModel(parseSpec(g.spec).spec!);
      const one = m.hosts.map((h) => ({ lost: h.name, depth: electTree(m, new Set([h.name])).depth }));
      expect(depthAfterLoss(m), `graphRing(${9000 + seed})`).toEqual(one);
    }
  });
});

describe('the picture', () => {
  it('finds the first radius that fits with a few dozen layouts, wherever it is', () => {
    for (const target of [0, 1, 7, 1000, 40_000, 3_000_000]) {
      let calls = 0;
      const k = firstFit((step) => {
        calls++;
        return step >= target;
      });
      expect(k).toBe(target);
      expect(calls).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(target + 2)) + 2);
    }
  });

  it('looks for touching cards among a few neighbours, not among all cards', () => {
    const boxes: Box[] = Array.from({ length: 5000 }, (_, i) => ({ x: (i % 100) * 200, y: Math.floor(i / 100) * 100, w: 150, h: 60 }));
    const grid = new BoxGrid(boxes, 200);
    const near = grid.near(boxes[2550]!);
    expect(near).toContain(2550);
    expect(near.length).toBeLessThanOrEqual(9);
    // Every box that overlaps is among them.
    const overlapping = boxes.map((b, i) => [b, i] as const).filter(([b]) => b.x < 10_150 && 10_000 < b.x + b.w && b.y < 2_560 && 2_500 < b.y + b.h);
    for (const [, i] of overlapping) expect(near).toContain(i);
  });
});
