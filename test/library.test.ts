// The library: its types (compiled here, with the example program), the example run, the
// package's exports map, and the JSON Schema it ships.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load';
import * as api from '../src/index';
import { JSON_SCHEMA_FILE, ringJsonSchemaText } from '../src/input/json-schema';
import { buildRing, checkRing, toSpec, type UncheckedInput } from '../src/pipeline';
import { EXAMPLES, ORIGINAL } from './fixtures';
import { ROOT, tempDir } from './helpers';

const unchecked = (value: unknown) => value as UncheckedInput;

describe('types', () => {
  it('the public API compiles as a user writes it, and refuses what it must (test/types/api.ts, examples/library.ts)', () => {
    const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
    // Against the built typings, as a user of the package gets them (and faster than the sources).
    const options = { ...config.options, noEmit: true, paths: { ringgen: [join(ROOT, 'dist', 'index.d.ts')], 'ringgen/testing': [join(ROOT, 'dist', 'testing.d.ts')] } };
    const program = ts.createProgram({ rootNames: [join(ROOT, 'test/types/api.ts'), join(ROOT, 'examples/library.ts')], options });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    expect(problems).toEqual([]);
    for (const types of ['index.d.ts', 'testing.d.ts']) expect(program.getSourceFiles().some((f) => f.fileName === join(ROOT, 'dist', types)), types).toBe(true);
  }, 120_000);
});

describe('the example program', () => {
  it('builds its rings in a loop and writes each with writeOutput', () => {
    const dir = tempDir();
    const tsx = join(ROOT, 'node_modules', '.bin', 'tsx');
    const r = spawnSync(tsx, [join(ROOT, 'examples', 'library.ts'), dir], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['site3', 'site4', 'site5']);
    for (const site of ['site3', 'site4', 'site5']) {
      const manifest = JSON.parse(readFileSync(join(dir, site, 'manifest.json'), 'utf8')) as { ring: string; files: string[] };
      expect(manifest.ring).toBe(site);
      for (const f of manifest.files) expect(existsSync(join(dir, site, f)), f).toBe(true);
    }
    expect(r.stdout).toMatch(/^site3: \d+ files in /);
  });
});

describe('the package', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, unknown>; typesVersions: unknown; files: string[] };

  it('exports the public API and ringgen/testing only, with types, and ships the schema', () => {
    expect(Object.keys(pkg.exports).sort()).toEqual(['.', './package.json', './testing', `./${JSON_SCHEMA_FILE}`].sort());
    expect(pkg.exports['.']).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' });
    expect(pkg.exports['./testing']).toEqual({ types: './dist/testing.d.ts', default: './dist/testing.js' });
    // TypeScript's node10 resolution (the default for CommonJS) reads typesVersions, not exports.
    expect(pkg.typesVersions).toEqual({ '*': { testing: ['dist/testing.d.ts'] } });
    expect(pkg.files).toContain(JSON_SCHEMA_FILE.split('/')[0]);
  });

  it('the library has every function the command line uses', () => {
    for (const name of ['loadConfig', 'checkRing', 'buildRing', 'writeOutput', 'compareOutput', 'isStale', 'makePlan', 'readPrevious', 'formatPlan', 'formatDiagnostics', 'locateDiagnostics', 'diagnosticJson', 'renderGraph', 'planInit', 'createFiles', 'writeFileAtomic', 'describeTree', 'summary', 'style', 'terminalJson']) {
      expect(typeof (api as Record<string, unknown>)[name], name).toBe('function');
    }
  });
});

/**
 * A checker for the JSON Schema keywords the generated schema uses, and only those: a keyword it
 * does not know fails the test (the schema grew one this check would ignore).
 */
function validates(schema: Record<string, unknown>, value: unknown): boolean {
  const known = new Set(['$schema', 'title', 'description', 'type', 'properties', 'required', 'additionalProperties', 'items', 'enum', 'anyOf', 'minimum', 'maximum']);
  for (const k of Object.keys(schema)) if (!known.has(k)) throw new Error(`schema keyword ${k} is not checked here`);
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const types: Record<string, (v: unknown) => boolean> = {
    object: isObject,
    array: Array.isArray,
    string: (v) => typeof v === 'string',
    boolean: (v) => typeof v === 'boolean',
    integer: (v) => Number.isInteger(v),
    number: (v) => typeof v === 'number',
  };
  if (schema.type !== undefined && !types[schema.type as string]!(value)) return false;
  if (schema.enum !== undefined && !(schema.enum as unknown[]).includes(value)) return false;
  if (schema.anyOf !== undefined && !(schema.anyOf as Array<Record<string, unknown>>).some((s) => validates(s, value))) return false;
  if (typeof value === 'number' && ((schema.minimum !== undefined && value < (schema.minimum as number)) || (schema.maximum !== undefined && value > (schema.maximum as number)))) return false;
  if (Array.isArray(value) && schema.items !== undefined && !value.every((v) => validates(schema.items as Record<string, unknown>, v))) return false;
  if (isObject(value)) {
    const props = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
    if (((schema.required ?? []) as string[]).some((k) => !Object.hasOwn(value, k))) return false;
    for (const [k, v] of Object.entries(value)) {
      const sub = Object.hasOwn(props, k) ? props[k] : schema.additionalProperties;
      if (sub === false) return false;
      if (sub !== undefined && sub !== true && !validates(sub as Record<string, unknown>, v)) return false;
    }
  }
  return true;
}

describe('the JSON Schema', () => {
  const schema = JSON.parse(readFileSync(join(ROOT, JSON_SCHEMA_FILE), 'utf8')) as Record<string, unknown>;
  const example = () => toSpec(loadConfig(ORIGINAL).input!) as Record<string, unknown>;

  it(`${JSON_SCHEMA_FILE} is what the build makes from the zod schema (npm run build writes it)`, () => {
    expect(readFileSync(join(ROOT, JSON_SCHEMA_FILE), 'utf8')).toBe(ringJsonSchemaText());
  });

  it.each(EXAMPLES)('accepts the spec of %s', (file) => {
    const spec = toSpec(loadConfig(file).input!);
    expect(validates(schema, spec)).toBe(true);
    expect(validates(schema, { $schema: './node_modules/ringgen/schema/ring.schema.json', ...(spec as object) })).toBe(true);
  });

  it('a spec that names the schema with $schema checks and builds as one without it', () => {
    const spec = example();
    const named = { $schema: './node_modules/ringgen/schema/ring.schema.json', ...spec };
    expect(checkRing(unchecked(named)).diagnostics).toEqual(checkRing(unchecked(spec)).diagnostics);
    expect(buildRing(unchecked(named)).files).toEqual(buildRing(unchecked(spec)).files);
  });

  const host = (s: Record<string, unknown>) => (s.hosts as Array<Record<string, unknown>>)[0]!;
  const container = (s: Record<string, unknown>) => (s.containers as Array<Record<string, unknown>>)[0]!;
  const SHAPES: Array<[string, (s: Record<string, unknown>) => void]> = [
    ['an unknown top-level key', (s) => (s.extra = 1)],
    ['no name', (s) => delete s.name],
    ['no hosts', (s) => delete s.hosts],
    ['hosts not an array', (s) => (s.hosts = {})],
    ['a host name that is a number', (s) => (host(s).name = 1)],
    ['a host without tunnels', (s) => delete host(s).tunnels],
    ['a typo in a host key', (s) => (host(s).internl = '10.0.0.1')],
    ['a tunnel end without remote', (s) => delete (host(s).tunnels as Array<Record<string, unknown>>)[0]!.remote],
    ['a fractional cost', (s) => ((host(s).tunnels as Array<Record<string, unknown>>)[0]!.cost = 1.5)],
    ['an unknown tunnel type', (s) => (s.options = { tunnel: 'ipip' })],
    ['an unknown option', (s) => (s.options = { tunel: 'gre' })],
    ['bfd as a string', (s) => (s.options = { bfd: 'on' })],
    ['bfd with an unknown key', (s) => (s.options = { bfd: { every: 50 } })],
    ['an env value that is a number', (s) => (container(s).env = { A: 1 })],
    ['bridgeAddresses as an array', (s) => (host(s).bridgeAddresses = ['192.168.2.1'])],
    ['a volume with source and volume', (s) => (container(s).volumes = [{ source: '/a', volume: 'v', target: '/b' }])],
    ['a restart policy that does not exist', (s) => (container(s).restart = 'sometimes')],
    ['a command that is a string', (s) => (container(s).command = 'sh -c true')],
    ['a container without image', (s) => delete container(s).image],
    ['$schema that is not a string', (s) => (s.$schema = true)],
  ];

  it.each(SHAPES)('rejects %s, as the checker does', (_, change) => {
    const spec = example();
    change(spec);
    expect(checkRing(unchecked(spec)).diagnostics.map((d) => d.code)).toContain('SCHEMA');
    expect(validates(schema, spec)).toBe(false);
  });
});
