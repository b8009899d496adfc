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
    expect(loaded.locate(['hosts', 'b', 'tunnels', 't1', 'remote'])?.line).toBe(lineOf('"remote": "10.1.0.9"'));
    expect(loaded.locate(['hosts', 'c', 'internal'])?.line).toBe(lineOf('"internal": "nonsense"'));
    expect(loaded.locate(['hosts', 2, 'internal'])?.line).toBe(lineOf('"internal": "nonsense"'));
    expect(loaded.locate(['containers', 'b/web.v2', 'ip'])?.line).toBe(lineOf('"ip": "192.168.10.20"'));
    expect(loaded.locate(['containers', 'b/web.v2'])?.line).toBe(lineOf('"name": "web.v2"', 1));
    expect(loaded.locate(['bridges', 'br0', 'subnet'])?.line).toBe(lineOf('"subnet"'));
    expect(loaded.locate(['config'])).toBeUndefined();
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
    const loc = loaded.locate(['hosts', 'b', 'tunnels', 't1', 'remote'])!;
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

describe('data is never run as code', () => {
  // Each file would print PAYLOAD and set a global if it were run.
  const PAYLOAD = `globalThis.ringgenPayloadRan = true; console.error('PAYLOAD'); module.exports = { name: 'x' };\n`;
  const ran = () => (globalThis as { ringgenPayloadRan?: boolean }).ringgenPayloadRan === true;

  it.each(['ring.json5', 'ring', 'ring.txt', 'ring.yaml', 'ring.js.bak', 'ring.node'])('%s is refused, naming the accepted extensions, and not run', (name) => {
    const loaded = load({ [name]: PAYLOAD }, name);
    expect(ran()).toBe(false);
    expect(loaded.input).toBeUndefined();
    expect(loaded.diagnostics.map((d) => d.code)).toEqual(['CONFIG_LOAD']);
    expect(loaded.diagnostics[0]!.hint).toContain('.ts, .mts, .cts, .tsx, .js, .mjs, .cjs, .json');
  });

  it('ring.JSON is read as JSON (extensions compared without case), not run', () => {
    const loaded = load({ 'ring.JSON': PAYLOAD }, 'ring.JSON');
    expect(ran()).toBe(false);
    expect(loaded.diagnostics[0]!.message).toMatch(/^not valid JSON/);
    const spec = { name: 'j', hosts: [], bridges: [] };
    expect(load({ 'ring.Json': JSON.stringify(spec) }, 'ring.Json')).toMatchObject({ input: spec, diagnostics: [] });
  });

  it('ring.TS is type-checked and transpiled as TypeScript', () => {
    expectRing(load({ 'ring.TS': ESM }, 'ring.TS'));
    const typo = load({ 'ring.Mts': ESM.replace("ring('esm')", "ring('esm', { tunel: 'gre' })") }, 'ring.Mts');
    expect(typo.diagnostics.map((d) => [d.code, d.location?.line, d.location?.file.endsWith('ring.Mts')])).toEqual([['CONFIG_TYPE', 2, true]]);
  });

  it.each(['payload.txt', 'payload', 'payload.json5'])('a ring file importing %s by path is refused before it runs', (name) => {
    const loaded = load({ [name]: PAYLOAD, 'ring.js': `require('./${name}');\nmodule.exports = require('ringgen').ring('x')${HOSTS};\n` }, 'ring.js');
    expect(ran()).toBe(false);
    expect(loaded.diagnostics.map((d) => d.code)).toEqual(['CONFIG_LOAD']);
    expect(loaded.diagnostics[0]!.message).toContain(`imports ./${name}, which is not a code or JSON file`);
  });

  it('a ring file may still import JSON data by path', () => {
    const loaded = load({ 'hosts.json': JSON.stringify(['10.0.0.1', '10.0.0.2', '10.0.0.3']), 'ring.js': `const ips = require('./hosts.json');\nconst { ring } = require('ringgen');\nmodule.exports = ips.reduce((r, ip, i) => r.host('h' + i, { internal: ip }), ring('d'));\n` }, 'ring.js');
    expectRing(loaded);
  });
});

describe('odd inputs end in a diagnostic, never an exception', () => {
  const only = (loaded: ReturnType<typeof loadConfig>, message: RegExp) => {
    expect(loaded.input).toBeUndefined();
    expect(loaded.diagnostics.map((d) => d.code)).toEqual(['CONFIG_LOAD']);
    expect(loaded.diagnostics[0]!.message).toMatch(message);
  };

  it.each([
    ['null', 'throw null;', /threw: null \(not an Error\)/],
    ['undefined', 'throw undefined;', /threw: undefined \(not an Error\)/],
    ['an object without a prototype', 'throw Object.create(null);', /threw: \[object Object\] \(not an Error\)/],
    ['an error whose message getter throws', "const e = new Error('x'); Object.defineProperty(e, 'message', { get() { throw e; } }); throw e;", /threw: a value that cannot be shown/],
    ['a symbol', "throw Symbol('s');", /threw: Symbol\(s\)/],
  ])('a ring file that throws %s', (_, body, message) => {
    only(load({ 'ring.js': body }, 'ring.js'), message);
  });

  it('a folder given as the ring file', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'ring.ts'));
    only(loadConfig(join(dir, 'ring.ts')), /is a folder/);
  });

  it('a device given as the ring file', () => {
    only(loadConfig('/dev/null'), /not a regular file/);
  });

  it.each(['ring.json', 'ring.ts', 'ring.js'])('a binary file named %s', (name) => {
    const dir = tempDir();
    writeFileSync(join(dir, name), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0]));
    only(loadConfig(join(dir, name)), /binary file \(a NUL byte at offset 7\)/);
  });

  it('a file that is not UTF-8 is refused, not read with replacement characters', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'ring.json'), Buffer.concat([Buffer.from('{"name": "'), Buffer.from([0xe9]), Buffer.from('"}')]));
    only(loadConfig(join(dir, 'ring.json')), /not UTF-8/);
  });

  it('JSON nested a thousand deep (and far deeper) gets its diagnostics, without a location', () => {
    for (const depth of [1000, 100_000]) {
      const text = `{"name": "deep", "hosts": ${'['.repeat(depth)}${']'.repeat(depth)}, "bridges": []}`;
      const loaded = load({ 'ring.json': text }, 'ring.json');
      expect(loaded.diagnostics).toEqual([]);
      const built = buildRing(loaded.input!);
      expect(built.diagnostics.map((d) => d.code)).toEqual(['SCHEMA']);
      expect(loaded.locate(built.diagnostics[0]!.path)).toBeUndefined();
      expect(loaded.locate(['hosts'])).toBeUndefined();
    }
  });

  it('a TypeScript file nested too deeply for the compiler is a CONFIG_LOAD diagnostic', () => {
    const loaded = load({ 'ring.ts': `export default ${'['.repeat(20_000)}${']'.repeat(20_000)};\n` }, 'ring.ts');
    expect(loaded.input).toBeUndefined();
    expect(loaded.diagnostics.map((d) => d.code)).toEqual(['CONFIG_LOAD']);
    expect(loaded.diagnostics[0]!.message).toMatch(/nested too deeply/);
    expect(loaded.locate(['config'])).toBeUndefined();
  });
});
