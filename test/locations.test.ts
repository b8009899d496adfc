// Diagnostics in the right place: each at the line that causes it, in file order, with a path
// that names the item exactly (names may hold dots), and the advice that fits a ring file.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load';
import { diagnosticJson, formatPath, locateDiagnostics, RingError, sortDiagnostics, type Diagnostic } from '../src/diagnostics';
import { ring } from '../src/input/dsl';
import { buildRing, checkRing, synth } from '../src/pipeline';
import { ringgen } from './cli-run';
import { tempDir } from './helpers';

function load(files: Record<string, string>, main: string) {
  const dir = tempDir();
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return loadConfig(join(dir, main));
}

/**
 * The diagnostics of a ring file as `ringgen check --format json` gives them: located, in order.
 * (The built command line: the locator of TypeScript files is loaded on demand, which only the
 * built code does.)
 */
function located(files: Record<string, string>, main: string): Array<Diagnostic & { pathText: string }> {
  const dir = tempDir();
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const r = ringgen(['check', main, '--format', 'json'], dir);
  return JSON.parse(r.stdout) as Array<Diagnostic & { pathText: string }>;
}

const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

const THREE = `  .host('a', { internal: '10.0.0.1' })\n  .host('b', { internal: '10.0.0.2' })\n  .host('c', { internal: '10.0.0.3' })\n  .bridge('br0', { subnet: '192.168.5.0/24' })\n`;

describe('paths', () => {
  it.each([
    [[], '(root)'],
    [['hosts', 'h2', 'tunnels', 'gre1'], 'hosts.h2.tunnels.gre1'],
    [['containers', 'h1/web', 'volumes', 1], 'containers.h1/web.volumes[1]'],
    [['containers', 'h1/web.1', 'ip'], 'containers["h1/web.1"].ip'],
    [['hosts', 0, 'internal'], 'hosts[0].internal'],
    [['containers', 'h1/c', 'env', 'A B'], 'containers.h1/c.env["A B"]'],
    [['hosts', ''], 'hosts[""]'],
  ] as const)('%j reads %s', (path, text) => {
    expect(formatPath(path)).toBe(text);
  });

  it('a container named web.1 has its own path, apart from a container named web', () => {
    const r = ring('t').host('a', { internal: '10.0.0.1' }).bridge('br0', { subnet: '192.168.5.0/24' })
      .container('web', { host: 'a', bridge: 'br0', ip: '192.168.5.20', image: 'nginx' })
      .container('web.1', { host: 'a', bridge: 'br0', ip: '192.168.5.300', image: 'nginx' });
    const d = checkRing(r).diagnostics.find((x) => x.code === 'IP_INVALID')!;
    expect(d.path).toEqual(['containers', 'a/web.1', 'ip']);
  });

  it('the JSON form of a diagnostic carries the path as an array and as text', () => {
    const values = { kind: 'container', container: 'web.1', input: '192.168.5.300' } as const;
    const d: Diagnostic = { code: 'IP_INVALID', severity: 'error', path: ['containers', 'a/web.1', 'ip'], message: 'm', hint: 'h', values };
    expect(JSON.parse(JSON.stringify(diagnosticJson(d)))).toEqual({ ...d, pathText: 'containers["a/web.1"].ip' });
  });
});

describe('order', () => {
  const d = (path: Diagnostic['path'], line?: number, severity: Diagnostic['severity'] = 'error'): Diagnostic => ({
    code: 'SCHEMA', severity, path, message: formatPath(path), hint: '', values: { kind: 'builder', error: '' }, ...(line === undefined ? {} : { location: { file: '/r.ts', line, column: 1 } }),
  });

  it('located diagnostics come in file order, before the others, which come by path', () => {
    const sorted = sortDiagnostics([d(['hosts', 'a'], 9), d(['bridges', 'b']), d(['options', 'x'], 2, 'warning'), d(['hosts', 'b'], 5), d(['hosts', 'a'])]);
    expect(sorted.map((x) => `${x.message}@${x.location?.line ?? '-'}`)).toEqual(['options.x@2', 'hosts.b@5', 'hosts.a@9', 'bridges.b@-', 'hosts.a@-']);
  });

  it('a ring file\'s diagnostics are listed by line, not by path', () => {
    const text = `import { ring } from 'ringgen';\nexport default ring('t')\n${THREE}  .container('zz', { host: 'c', bridge: 'br0', ip: '192.168.5.300', image: 'nginx' })\n  .container('aa', { host: 'a', bridge: 'br0', ip: '10.1.1.1', image: 'nginx' });\n`;
    const lines = located({ 'ring.ts': text }, 'ring.ts').map((x) => x.location!.line);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
    expect(lines[0]).toBe(lineOf(text, "'zz'"));
  });
});

describe('locations in a TypeScript ring file', () => {
  it('a tunnel to an unknown host is shown at its .tunnel( call', () => {
    const text = `import { ring } from 'ringgen';\nexport default ring('t')\n${THREE}  .tunnel('x1', 'a', 'zz');\n`;
    const [d] = located({ 'ring.ts': text }, 'ring.ts');
    expect(d!.code).toBe('REF_UNKNOWN');
    expect(d!.location).toMatchObject({ line: lineOf(text, '.tunnel('), column: 4 });
  });

  it('a container named web.1 is shown on its own line, not on web\'s', () => {
    const text = `import { ring } from 'ringgen';\nexport default ring('t')\n${THREE}  .container('web', { host: 'a', bridge: 'br0', ip: '192.168.5.20', image: 'nginx' })\n  .container('web.1', { host: 'a', bridge: 'br0', ip: '192.168.5.300', image: 'nginx' });\n`;
    const [d] = located({ 'ring.ts': text }, 'ring.ts');
    expect(d!.location!.line).toBe(lineOf(text, "'web.1'"));
  });

  it('an error the file throws is shown at the line of the file that throws, not of the compiled code', () => {
    const text = `import { ring } from 'ringgen';\nimport { hosts } from './hosts';\nconst n: number = hosts.length;\nif (n > 0) throw new Error('boom');\nexport default ring('t');\n`;
    const part = `import type { RingBuilder } from 'ringgen';\n\nexport const hosts: string[] = [];\nexport function fail(r: RingBuilder): never {\n  throw new Error('from a part ' + String(r));\n}\n`;
    const [d] = load({ 'ring.ts': text, 'hosts.ts': part.replace('= [];', "= ['a'];") }, 'ring.ts').diagnostics;
    expect(d!.message).toMatch(/threw: boom/);
    expect(d!.location).toMatchObject({ line: 4, column: 18 });
    const inPart = `import { ring } from 'ringgen';\nimport { fail } from './hosts';\n\nexport default fail(ring('t'));\n`;
    const [p] = load({ 'ring.ts': inPart, 'hosts.ts': part }, 'ring.ts').diagnostics;
    expect(p!.location!.file).toMatch(/hosts\.ts$/);
    expect(p!.location!.line).toBe(5);
  });

  it('a file without a default export is told so, not given shape errors', () => {
    const loaded = load({ 'ring.ts': `import { ring } from 'ringgen';\nexport const r = ring('t')${THREE.replace(/\n/g, '')};\n` }, 'ring.ts');
    expect(loaded.diagnostics.map((x) => [x.code, x.message])).toEqual([['CONFIG_LOAD', 'the ring file has no default export (it exports only r)']]);
    expect(loaded.diagnostics[0]!.hint).toMatch(/export default ring\(/);
  });

  it('CommonJS that assigns the spec to module.exports still loads', () => {
    const spec = { name: 'cjs', hosts: [{ name: 'a', internal: '10.0.0.1', tunnels: [] }], bridges: [] };
    const loaded = load({ 'ring.cjs': `module.exports = ${JSON.stringify(spec)};\n` }, 'ring.cjs');
    expect(loaded.diagnostics).toEqual([]);
    expect(checkRing(loaded.input!).diagnostics.filter((x) => x.severity === 'error')).toEqual([]);
  });

  it('process and console get advice that works for a ring file: --no-typecheck, not @types/node', () => {
    const ds = load({ 'ring.ts': `import { ring } from 'ringgen';\nconsole.log(process.env.HOME);\nexport default ring('t');\n` }, 'ring.ts').diagnostics;
    expect(ds.map((x) => x.message.slice(0, 6))).toEqual(['TS2584', 'TS2591']);
    for (const x of ds) {
      expect(x.hint).toContain('--no-typecheck');
      expect(`${x.message} ${x.hint}`).not.toMatch(/npm i|add 'node' to the types|change your target library/);
    }
  });

  it('a value outside a choice lists the values allowed', () => {
    const ds = load({ 'ring.ts': `import { ring } from 'ringgen';\nexport default ring('t', { tunnel: 'ipip', stp: 'mstp' });\n` }, 'ring.ts').diagnostics;
    expect(ds).toHaveLength(2);
    expect(ds[0]!.message).toContain(`Type '"ipip"' is not assignable to type '"gre" | "vxlan" | undefined'`);
    expect(ds[1]!.message).toContain(`Type '"mstp"' is not assignable to type '"stp" | "rstp" | "off" | undefined'`);
  });
});

describe('locations in a JSON spec', () => {
  it.each([
    ['a trailing comma', '{\n  "name": "x",\n  "hosts": [\n    1,\n  ]\n}\n', 5, 3],
    ['a missing value', '{\n  "name": "x",\n  "hosts": tru\n}\n', 3, 15],
    ['a text that ends too soon', '{\n  "name": "x",\n  "hosts": [', 3, 13],
    ['a missing colon', '{\n  "name" "x"\n}', 2, 10],
  ])('%s is shown at its line and column', (_, text, line, column) => {
    const [d] = load({ 'ring.json': text }, 'ring.json').diagnostics;
    expect(d!.message).toMatch(/^not valid JSON/);
    expect(d!.location).toMatchObject({ line, column });
  });

  it('a container named web.1 is found by its whole name', () => {
    const spec = {
      name: 't',
      hosts: [{ name: 'a', internal: '10.0.0.1', tunnels: [] }],
      bridges: [{ name: 'br0', subnet: '192.168.5.0/24' }],
      containers: [
        { name: 'web', host: 'a', bridge: 'br0', ip: '192.168.5.20', image: 'nginx' },
        { name: 'web.1', host: 'a', bridge: 'br0', ip: '192.168.5.300', image: 'nginx' },
      ],
    };
    const text = JSON.stringify(spec, null, 2);
    const loaded = load({ 'ring.json': text }, 'ring.json');
    const [d] = locateDiagnostics(checkRing(loaded.input!).diagnostics.filter((x) => x.code === 'IP_INVALID'), loaded.locate);
    expect(d!.location!.line).toBe(lineOf(text, '192.168.5.300'));
  });
});

describe('RingError', () => {
  it('lists each error as [path] message', () => {
    const bad = ring('t').host('a', { internal: '10.0.0.999' }).bridge('br0', { subnet: '192.168.5.0/33' });
    let error: unknown;
    try {
      synth(bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RingError);
    const lines = (error as Error).message.split('\n');
    expect(lines[0]).toBe('2 errors in the ring:');
    expect(lines.slice(1)).toEqual(
      buildRing(bad).diagnostics.filter((x) => x.severity === 'error').map((x) => `  [${formatPath(x.path)}] ${x.message}`),
    );
    expect(lines.slice(1).map((l) => l.replace(/\] .*/, ']'))).toEqual(['  [bridges.br0.subnet]', '  [hosts.a.internal]']);
  });
});
