/**
 * Loads a ring from a config file: TypeScript or JavaScript that `import { ring } from 'ringgen'`
 * (resolved to this package wherever the file lives, node_modules or not), or a JSON plain spec.
 * TypeScript type errors become diagnostics like any other; nothing is written on failure.
 */
import { existsSync, readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, extname, join, resolve } from 'node:path';
import type { Diagnostic, SourceLocation } from '../diagnostics';
import * as ringgenApi from '../index';
import type { SourceFile } from 'ts-morph';
import { Locator } from './locate';

export interface LoadedConfig {
  file: string;
  /** What the file exports (a builder or a plain spec), when it loaded. */
  input?: unknown;
  diagnostics: Diagnostic[];
  /** Source location of a diagnostic path, when the file says where. */
  locate(path: string): SourceLocation | undefined;
}

export interface LoadOptions {
  /** Type-check TypeScript configs before running them. Default true. */
  typecheck?: boolean;
}

const PACKAGE_ROOT = join(__dirname, '..', '..');
const TS_EXT = new Set(['.ts', '.mts', '.cts', '.tsx']);

type TsMorph = typeof import('ts-morph');
let tsMorph: TsMorph | undefined;
/** ts-morph is loaded only for TypeScript configs: it costs a quarter of a second. */
function morph(): TsMorph {
  tsMorph ??= require('ts-morph') as TsMorph;
  return tsMorph;
}

/** The typings `import 'ringgen'` resolves to while type-checking a config. */
function ringgenTypes(): string {
  const built = join(PACKAGE_ROOT, 'dist', 'index.d.ts');
  return existsSync(built) ? built : join(PACKAGE_ROOT, 'src', 'index.ts');
}

function fail(file: string, message: string, hint: string, location?: SourceLocation, code: Diagnostic['code'] = 'CONFIG_LOAD'): Diagnostic {
  return { code, severity: 'error', path: 'config', message, hint, location: location ?? { file, line: 1, column: 1 } };
}

function jsonLocator(file: string, text: string): (path: string) => SourceLocation | undefined {
  const lines = text.split('\n');
  return (path) => {
    const parts = path.split('.');
    const wanted = parts[1]?.includes('/') ? parts[1].split('/')[1] : parts[3] ?? parts[1];
    if (!wanted) return undefined;
    const needle = `"name": ${JSON.stringify(wanted)}`;
    const compact = `"name":${JSON.stringify(wanted)}`;
    const i = lines.findIndex((l) => l.includes(needle) || l.includes(compact));
    return i < 0 ? undefined : { file, line: i + 1, column: lines[i]!.search(/\S/) + 1 };
  };
}

function loadJson(file: string, text: string): LoadedConfig {
  const locate = jsonLocator(file, text);
  try {
    return { file, input: JSON.parse(text), diagnostics: [], locate };
  } catch (e) {
    const m = /position (\d+)/.exec(String(e));
    const pos = m ? Number(m[1]) : 0;
    const before = text.slice(0, pos).split('\n');
    const location = { file, line: before.length, column: (before[before.length - 1]?.length ?? 0) + 1 };
    return { file, diagnostics: [fail(file, `not valid JSON: ${(e as Error).message}`, 'Fix the JSON syntax.', location)], locate };
  }
}

function typeCheck(file: string): { diagnostics: Diagnostic[]; source: SourceFile } {
  const { Project, ts } = morph();
  const project = new Project({
    skipAddingFilesFromTsConfig: true,
    compilerOptions: {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      esModuleInterop: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.Preserve,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2022.d.ts'],
      types: [],
      paths: { ringgen: [ringgenTypes()] },
    },
  });
  const source = project.addSourceFileAtPath(file);
  project.resolveSourceFileDependencies();
  const diagnostics: Diagnostic[] = [];
  for (const d of project.getPreEmitDiagnostics()) {
    const sf = d.getSourceFile();
    const where = sf?.getFilePath();
    if (where && where.startsWith(PACKAGE_ROOT + '/') && !where.startsWith(dirname(file))) continue;
    const start = d.getStart() ?? 0;
    const pos = sf ? sf.getLineAndColumnAtPos(start) : { line: 1, column: 1 };
    const text = ts.flattenDiagnosticMessageText(d.compilerObject.messageText, '\n');
    diagnostics.push(
      fail(file, `TS${d.getCode()}: ${text}`, 'Fix the type error; the DSL reference in the README lists every option.', { file: where ?? file, line: pos.line, column: pos.column }, 'CONFIG_TYPE'),
    );
  }
  return { diagnostics, source };
}

/** Runs a TypeScript or JavaScript file as CommonJS, with `ringgen` resolving to this package. */
function run(file: string, cache: Map<string, unknown>): unknown {
  if (cache.has(file)) return cache.get(file);
  const { ts } = morph();
  const source = readFileSync(file, 'utf8');
  const js = TS_EXT.has(extname(file))
    ? ts.transpileModule(source, { fileName: file, compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText
    : source;
  const mod = new Module(file) as Module & { _compile(code: string, filename: string): void; paths: string[] };
  mod.filename = file;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(dirname(file));
  const plain = createRequire(file);
  mod.require = Object.assign((id: string) => {
    if (id === 'ringgen') return ringgenApi;
    if (id.startsWith('.') || id.startsWith('/')) {
      const base = resolve(dirname(file), id);
      for (const candidate of [base, ...['.ts', '.mts', '.cts', '/index.ts'].map((e) => base + e)]) {
        if (existsSync(candidate) && TS_EXT.has(extname(candidate))) return run(candidate, cache);
      }
    }
    return plain(id);
  }, plain) as NodeJS.Require;
  mod._compile(js, file);
  cache.set(file, mod.exports);
  return mod.exports;
}

function stackLocation(file: string, error: unknown): SourceLocation | undefined {
  const stack = error instanceof Error ? (error.stack ?? '') : '';
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`${escaped}:(\\d+):(\\d+)`).exec(stack);
  return m ? { file, line: Number(m[1]), column: Number(m[2]) } : undefined;
}

/** Loads a config file; problems come back as diagnostics, never as exceptions. */
export function loadConfig(path: string, options: LoadOptions = {}): LoadedConfig {
  const file = resolve(path);
  if (!existsSync(file)) {
    return { file, diagnostics: [fail(file, `config file ${path} not found`, 'Give the ring file as an argument, or create ring.config.ts here (ringgen init).')], locate: () => undefined };
  }
  const text = readFileSync(file, 'utf8');
  if (extname(file) === '.json') return loadJson(file, text);
  // The file is parsed for locations only when a diagnostic asks for one.
  let source = (): SourceFile => new (morph().Project)({ useInMemoryFileSystem: true }).createSourceFile(file, text);
  let locator: Locator | undefined;
  const locate = (p: string) => (locator ??= new Locator(source())).locate(p);
  if (TS_EXT.has(extname(file)) && options.typecheck !== false) {
    const checked = typeCheck(file);
    source = () => checked.source;
    if (checked.diagnostics.length > 0) return { file, diagnostics: checked.diagnostics, locate };
  }
  try {
    const exports = run(file, new Map()) as { default?: unknown; ring?: unknown };
    let value: unknown = exports.default ?? exports.ring ?? exports;
    if (typeof value === 'function') value = (value as () => unknown)();
    return { file, input: value, diagnostics: [], locate };
  } catch (e) {
    return { file, diagnostics: [fail(file, `the config threw: ${(e as Error).message ?? String(e)}`, 'Fix the error in the config file.', stackLocation(file, e))], locate };
  }
}
