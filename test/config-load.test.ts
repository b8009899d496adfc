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
