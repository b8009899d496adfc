// Ring files in every form the loader accepts: TypeScript as .ts/.mts/.cts, JavaScript as
// CommonJS or as an ES module (.js/.mjs), split over several files.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load';
import { buildRing } from '../src/pipeline';
import { tempDir } from './helpers';

const HOSTS = `.host('h1', { internal: '10.0.0.1' }).host('h2', { internal: '10.0.0.2' }).host('h3', { internal: '10.0.0.3' })`;
const ESM = `import { ring } from 'ringgen';\nexport default ring('esm')${HOSTS};\n`;

function load(files: Record<string, string>, main: string) {
  const dir = tempDir();
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return loadConfig(join(dir, main));
}

function expectRing(loaded: ReturnType<typeof loadConfig>, hosts = 3) {
  expect(loaded.diagnostics).toEqual([]);
  const built = buildRing(loaded.input as Parameters<typeof buildRing>[0]);
  expect(built.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  expect(built.model!.hosts).toHaveLength(hosts);
}

describe('ring files', () => {
  it.each(['ring.ts', 'ring.mts', 'ring.cts'])('%s with import/export', (name) => {
    expectRing(load({ [name]: ESM }, name));
  });

  it.each(['ring.js', 'ring.mjs'])('%s written as an ES module', (name) => {
    expectRing(load({ [name]: ESM }, name));
  });

  it.each(['ring.js', 'ring.cjs'])('%s written as CommonJS', (name) => {
    expectRing(load({ [name]: `const { ring } = require('ringgen');\nmodule.exports = ring('cjs')${HOSTS};\n` }, name));
  });

  it('a ring split over files, imported the ES module way (./hosts.js names hosts.ts)', () => {
    const files = {
      'lib/hosts.ts': `import type { RingBuilder } from 'ringgen';\nexport function addHosts(r: RingBuilder): RingBuilder { return r${HOSTS}.host('h4', { internal: '10.0.0.4' }); }\n`,
      'ring.mts': `import { ring } from 'ringgen';\nimport { addHosts } from './lib/hosts.js';\nexport default addHosts(ring('split'));\n`,
    };
    expectRing(load(files, 'ring.mts'), 4);
  });

  it('a type error in an .mts file is reported at its line', () => {
    const loaded = load({ 'ring.mts': `import { ring } from 'ringgen';\n\nexport default ring('bad').host('h1', { internal: 1 });\n` }, 'ring.mts');
    expect(loaded.diagnostics.map((d) => [d.code, d.location?.line])).toEqual([['CONFIG_TYPE', 3]]);
  });
});

describe('locations in a JSON spec', () => {
  const spec = {
    name: 'r',
    hosts: [
      { name: 'a', internal: '10.1.0.1', tunnels: [{ name: 't1', peer: 'b', remote: '10.1.0.2' }, { name: 't3', peer: 'c', remote: '10.1.0.3' }] },
      { name: 'b', internal: '10.1.0.2', tunnels: [{ name: 't1', peer: 'a', remote: '10.1.0.9' }, { name: 't2', peer: 'c', remote: '10.1.0.3' }] },
      { name: 'c', internal: 'nonsense', tunnels: [{ name: 't2', peer: 'b', remote: '10.1.0.2' }, { name: 't3', peer: 'a', remote: '10.1.0.1' }] },
    ],
    bridges: [{ name: 'br0', subnet: '192.168.9.0/24' }],
    containers: [
      { name: 'web.v2', host: 'a', bridge: 'br0', ip: '192.168.9.20', image: 'busybox' },
      { name: 'web.v2', host: 'b', bridge: 'br0', ip: '192.168.10.20', image: 'busybox' },
    ],
  };
  const text = JSON.stringify(spec, null, 2);
  const lines = text.split('\n');
  /** The line of the n-th (0-based) occurrence of a text. */
  const lineOf = (needle: string, nth = 0) => lines.map((l, i) => (l.includes(needle) ? i + 1 : 0)).filter(Boolean)[nth];

  it('an item is found by its names, not by the first object with that name', () => {
    const loaded = load({ 'ring.json': text }, 'ring.json');
    expect(loaded.locate('hosts.b.tunnels.t1.remote')?.line).toBe(lineOf('"remote": "10.1.0.9"'));
    expect(loaded.locate('hosts.c.internal')?.line).toBe(lineOf('"internal": "nonsense"'));
    expect(loaded.locate('hosts[2].internal')?.line).toBe(lineOf('"internal": "nonsense"'));
    expect(loaded.locate('containers.b/web.v2.ip')?.line).toBe(lineOf('"ip": "192.168.10.20"'));
    expect(loaded.locate('containers.b/web.v2')?.line).toBe(lineOf('"name": "web.v2"', 1));
    expect(loaded.locate('bridges.br0.subnet')?.line).toBe(lineOf('"subnet"'));
    expect(loaded.locate('config')).toBeUndefined();
  });

  it('the checker\'s diagnostics of a JSON spec point at the offending lines', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'ring.json'), text);
    const loaded = loadConfig(join(dir, 'ring.json'));
    const built = buildRing(loaded.input as Parameters<typeof buildRing>[0]);
    const at = (code: string) => built.diagnostics.filter((d) => d.code === code).map((d) => loaded.locate(d.path)?.line);
    expect(at('TUNNEL_REMOTE_MISMATCH')).toContain(lineOf('"remote": "10.1.0.9"'));
    expect(at('CONTAINER_IP_OUTSIDE')).toEqual([lineOf('"ip": "192.168.10.20"')]);
  });

  it('a one-line spec gets columns', () => {
    const loaded = load({ 'ring.json': JSON.stringify(spec) }, 'ring.json');
    const loc = loaded.locate('hosts.b.tunnels.t1.remote')!;
    expect(loc.line).toBe(1);
    expect(JSON.stringify(spec).slice(loc.column - 1)).toMatch(/^"remote":"10\.1\.0\.9"/);
  });
});

describe('ring files that cannot be read', () => {
  it('an async default export is a clear CONFIG_LOAD error, not a shape error', () => {
    const loaded = load({ 'ring.ts': `import { ring } from 'ringgen';\nexport default async () => ring('late')${HOSTS};\n` }, 'ring.ts');
    expect(loaded.input).toBeUndefined();
    expect(loaded.diagnostics.map((d) => d.code)).toEqual(['CONFIG_LOAD']);
    expect(loaded.diagnostics[0]!.message).toMatch(/promise/);
  });
});
