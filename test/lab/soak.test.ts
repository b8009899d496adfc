/**
 * One of the soak's random rings in every test run (`npm run lab:soak` runs more). Seed 14 has,
 * all at once, what the fixed lab rings do not: three bridges, two with VLANs of their own; an
 * underlay MTU of 1400; a root that is not the first host; another OVS bridge name; containers
 * with their own MTU or with their host as gateway; a port published on another host. Checked as
 * in `soak.ts`: matrix and isolation, DF packet, published ports, check.sh, a second up.sh, a host
 * cut off, down.sh.
 */
import { describe, expect, it } from 'vitest';
import { labAvailable } from './harness';
import { runSeed, soakRing } from './soak';

describe.runIf(labAvailable('lab soak'))('lab: a random ring (soak seed 14)', () => {
  it('comes up, connects every bridge and nothing across, publishes, survives a cut host, and goes away', async () => {
    const s = soakRing(14);
    console.log(`lab soak: seed 14: ${s.summary}`);
    await expect(runSeed(s)).resolves.toBeUndefined();
  }, 900_000);
});
