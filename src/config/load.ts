/**
 * Loads a ring from a config file: TypeScript or JavaScript that `import { ring } from 'ringgen'`
 * (resolved to this package wherever the file lives, node_modules or not), or a JSON plain spec.
 * TypeScript type errors become diagnostics like any other; nothing is written on failure.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { SourceMap } from 'node:module';
import { dirname, extname, join, resolve } from 'node:path';
import type { SourceFile } from 'ts-morph';
import { diagnostic, type Diagnostic, type DiagnosticPath, type DiagnosticValues, type SourceLocation } from '../diagnostics';
import { HERE } from '../here';
import * as ringgenApi from '../index';
import type { UncheckedInput } from '../pipeline';
import { compiler, CONFIG_LIB, LIB_FOLDER, moduleFor } from './compiler';
import { isRingBuilder } from '../input/dsl';
import { jsonLocator } from './json-locate';
import { jsonErrorOffset, lineAndColumnAt } from './json-syntax';
import { nativeCheck, ringgenTypes, type NativeDiagnostic, type NativeResult } from './native';
import { typeErrorValues } from './type-advice';
import type { Locator } from './locate';

/** A loaded ring file: what it exports, or the diagnostics of why it did not load. */
export interface LoadedConfig {
  file: string;
  /** What the file exports (a builder or a plain spec, as the check will tell), when it loaded. */
  input?: UncheckedInput;
  diagnostics: Diagnostic[];
  /** Source location of a diagnostic path, when the file says where. */
  locate(path: DiagnosticPath): SourceLocation | undefined;
}

/** Options of `loadConfig`. */
export interface LoadOptions {
  /** Type-check TypeScript configs before running them. Default true. */
  typecheck?: boolean;
}

const PACKAGE_ROOT = join(HERE, '..');
const TS_EXT = new Set(['.ts', '.mts', '.cts', '.tsx']);
const JS_EXT = new Set(['.js', '.mjs', '.cjs']);
/** A file's extension as ringgen compares it: without case (`ring.JSON` is JSON, `ring.TS` TypeScript). */
const extOf = (file: string) => extname(file).toLowerCase();
const isCode = (file: string) => TS_EXT.has(extOf(file)) || JS_EXT.has(extOf(file));
/** What a ring file may be: code runs, `.json` is parsed; nothing else is read (and never run). */
export const ACCEPTED_EXTENSIONS = [...TS_EXT, ...JS_EXT, '.json'] as const;
/** What a ring file may import by path: code, and JSON (which Node parses, never runs). */
const importable = (file: string) => isCode(file) || extOf(file) === '.json';
/** JavaScript written as an ES module (import/export statements), which ringgen runs as CommonJS. */
const looksLikeEsm = (source: string) => /^\s*(import\s*[\w{*'"]|export\s)/m.test(source);

/** ts-morph's syntax tree, for locating diagnostics: needed only when a diagnostic has no location. */
function parseForLocations(file: string, text: string): SourceFile {
  const { Project } = require('ts-morph') as typeof import('ts-morph');
  return new Project({ useInMemoryFileSystem: true }).createSourceFile(file, text);
}

/** A CONFIG_LOAD diagnostic, at `location` or the file's start. */
function fail(file: string, values: DiagnosticValues<'CONFIG_LOAD'>, location?: SourceLocation): Diagnostic {
  return diagnostic('CONFIG_LOAD', ['config'], values, location ?? { file, line: 1, column: 1 });
}

function loadJson(file: string, text: string): LoadedConfig {
  const locate = jsonLocator(file, text);
  try {
    return { file, input: JSON.parse(text) as UncheckedInput, diagnostics: [], locate };
  } catch (e) {
    // JSON.parse names a position for some mistakes only; the scanner finds it for all.
    const offset = jsonErrorOffset(text);
    const location = { file, ...lineAndColumnAt(text, offset < 0 ? 0 : offset) };
    return { file, diagnostics: [fail(file, { kind: 'json', error: (e as Error).message }, location)], locate };
  }
}

/** 1-based line and column of a position, lines counted at "\n" (as the locator counts them). */
function lineAndColumn(text: string, pos: number): { line: number; column: number } {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < pos; i = text.indexOf('\n', i + 1)) line++;
  let start = pos;
  while (start > 0 && text[start - 1] !== '\n' && text[start - 1] !== '\r') start--;
  return { line, column: pos - start + 1 };
}

/**
 * Type-checks the config (and the files it imports) against ringgen's typings. One program,
 * diagnostics asked only of the files the user wrote: ringgen's own typings and the standard
 * library are read for their types, never checked.
 */
function typeCheck(file: string): Diagnostic[] {
  const { ts, libFile } = compiler();
  const options: import('@ts-morph/common').ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    esModuleInterop: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Preserve,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: [CONFIG_LIB],
    types: [],
    paths: { ringgen: [ringgenTypes()] },
  };
  // The compiler accepts only lower-case extensions: `ring.TS` is shown to it as `ring.ts`.
  const ext = extOf(file);
  const root = file.slice(0, file.length - ext.length) + ext;
  const own = (f: string) => (f === root && root !== file ? readFileSync(file, 'utf8') : undefined);
  const lib = (f: string) => (f.startsWith(`${LIB_FOLDER}/`) ? libFile(f.slice(LIB_FOLDER.length + 1)) : own(f));
  const host = ts.createCompilerHost(options, false);
  const { fileExists, readFile, getSourceFile } = host;
  host.getDefaultLibLocation = () => LIB_FOLDER;
  host.getDefaultLibFileName = (o) => `${LIB_FOLDER}/${ts.getDefaultLibFileName(o)}`;
  host.fileExists = (f) => lib(f) !== undefined || fileExists.call(host, f);
  host.readFile = (f) => lib(f) ?? readFile.call(host, f);
  host.getSourceFile = (f, language, onError) => {
    const text = lib(f);
    return text === undefined ? getSourceFile.call(host, f, language, onError) : ts.createSourceFile(f, text, language);
  };
  const program = ts.createProgram({ rootNames: [root], options, host });
  // ringgen's own files are not the user's to fix (unless the config lives among them, as the examples do).
  const reported = (where: string | undefined) => !where || !where.startsWith(PACKAGE_ROOT + '/') || where.startsWith(dirname(file));
  const sources = program.getSourceFiles().filter((sf) => reported(sf.fileName));
  const found = [
    ...program.getOptionsDiagnostics(),
    ...sources.flatMap((sf) => program.getSyntacticDiagnostics(sf)),
    ...program.getGlobalDiagnostics(),
    ...sources.flatMap((sf) => program.getSemanticDiagnostics(sf)),
  ];
  const diagnostics: Diagnostic[] = [];
  for (const d of ts.sortAndDeduplicateDiagnostics(found)) {
    const where = d.file?.fileName === root ? file : d.file?.fileName;
    if (!reported(where)) continue;
    const pos = d.file ? lineAndColumn(d.file.text, d.start ?? 0) : { line: 1, column: 1 };
    const values = typeErrorValues(d.code, ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    diagnostics.push(diagnostic('CONFIG_TYPE', ['config'], values, { file: where ?? file, line: pos.line, column: pos.column }));
  }
  return diagnostics;
}

/**
 * The native compiler's errors as diagnostics, for when the in-process check (another compiler
 * version) finds none: the config does not pass, whichever compiler is right.
 */
function nativeTypeErrors(file: string, version: string, found: NativeDiagnostic[]): Diagnostic[] {
  // As typeCheck: ringgen's own files are not the user's to fix.
  const reported = (where: string) => !where.startsWith(PACKAGE_ROOT + '/') || where.startsWith(dirname(file));
  return found.filter((d) => reported(d.file)).map((d) =>
    diagnostic('CONFIG_TYPE', ['config'], { kind: 'type', ts: d.code, text: d.text, compiler: version }, { file: d.file, line: d.line, column: d.column }),
  );
}

/** JavaScript for a file, and the source map that leads its positions back to the file's own. */
function transpile(file: string, source: string): { js: string; map: SourceMap } {
  const { ts } = compiler();
  // The compiler keeps ES module syntax for .mts and .mjs whatever the module setting; as .ts and
  // .js they become CommonJS like every other config, so that `ringgen` resolves the same way.
  // Extensions in other cases (`ring.TS`) are given to the compiler in lower case, as it expects.
  const ext = extOf(file);
  const fileName = file.slice(0, file.length - ext.length) + (ext === '.mts' ? '.ts' : ext === '.mjs' ? '.js' : ext);
  const out = ts.transpileModule(source, { fileName, compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, sourceMap: true } });
  // Without the comment that names the map file (there is none): the map is kept here.
  const js = out.outputText.replace(/\n\/\/# sourceMappingURL=\S*\s*$/, '\n');
  return { js, map: new SourceMap(JSON.parse(out.sourceMapText!) as ConstructorParameters<typeof SourceMap>[0]) };
}

/** The files a load ran, and the source map of each one it transpiled (for the positions in a stack trace). */
interface Ran {
  exports: Map<string, unknown>;
  maps: Map<string, SourceMap | undefined>;
}

/**
 * Runs a TypeScript or JavaScript file as CommonJS, with `ringgen` resolving to this package;
 * TypeScript the native compiler emitted is run as it emitted it.
 */
function run(file: string, ran: Ran, native?: NativeResult): unknown {
  const cache = ran.exports;
  if (cache.has(file)) return cache.get(file);
  const source = readFileSync(file, 'utf8');
  const compile = TS_EXT.has(extOf(file)) || (JS_EXT.has(extOf(file)) && looksLikeEsm(source));
  const transpiled = compile ? (native?.emitted(file) ?? transpile(file, source)) : undefined;
  const js = transpiled?.js ?? source;
  ran.maps.set(file, transpiled?.map);
  const mod = moduleFor(file);
  const plain = createRequire(file);
  mod.require = Object.assign((id: string) => {
    if (id === 'ringgen') return ringgenApi;
    if (id.startsWith('.') || id.startsWith('/')) {
      const base = resolve(dirname(file), id);
      // './parts.js' may name parts.ts, as TypeScript's ES module style writes it.
      const stem = base.replace(/\.(m?js)$/, '');
      const candidates = [base, ...['.ts', '.mts', '.cts', '/index.ts'].map((e) => base + e), ...(stem !== base ? ['.ts', '.mts'].map((e) => stem + e) : [])];
      for (const candidate of candidates) {
        if (existsSync(candidate) && isCode(candidate) && statSync(candidate).isFile()) return run(candidate, ran, native);
      }
    }
    // Node runs a file of any other extension (or none) as JavaScript: only code and JSON load.
    const resolved = plain.resolve(id);
    if (resolved.startsWith('/') && !importable(resolved)) {
      throw new Error(`${file} imports ${id}, which is not a code or JSON file; ringgen imports only ${ACCEPTED_EXTENSIONS.join(', ')} files`);
    }
    return plain(id);
  }, plain) as NodeJS.Require;
  mod._compile(js, file);
  cache.set(file, mod.exports);
  return mod.exports;
}

/**
 * Where a thrown error came from: the first frame of its stack in a file the load ran, at the
 * line and column of that file's own text (a transpiled file's through its source map).
 */
function stackLocation(ran: Ran, error: unknown): SourceLocation | undefined {
  let stack = '';
  try {
    stack = error instanceof Error ? String(error.stack ?? '') : '';
  } catch {
    // A thrown value's getters are the config's code too; a location is optional.
  }
  for (const frame of stack.matchAll(/(?:\(|at )(\/[^\n]*?):(\d+):(\d+)\)?$/gm)) {
    const [, file, line, column] = frame;
    if (!ran.maps.has(file!)) continue;
    const map = ran.maps.get(file!);
    if (!map) return { file: file!, line: Number(line), column: Number(column) };
    const entry = map.findEntry(Number(line) - 1, Number(column) - 1) as { originalLine?: number; originalColumn?: number };
    if (entry.originalLine === undefined || entry.originalColumn === undefined) return { file: file!, line: Number(line), column: Number(column) };
    return { file: file!, line: entry.originalLine + 1, column: entry.originalColumn + 1 };
  }
  return undefined;
}

/**
 * The ring a file exports: its default export, else an export named `ring`, else (CommonJS)
 * what `module.exports` is, when that is a ring. A module with neither gets a diagnostic of its
 * own, not shape errors about its other exports.
 */
function exportedRing(exports: unknown): { value: unknown } | { missing: string[] } {
  if (exports === null || typeof exports !== 'object' || Array.isArray(exports)) return { value: exports };
  const e = exports as Record<string, unknown>;
  if (e.default !== undefined) return { value: e.default };
  if (e.ring !== undefined) return { value: e.ring };
  const looksLikeRing = isRingBuilder(e) || ['name', 'hosts', 'bridges'].some((k) => Object.hasOwn(e, k));
  if (e.__esModule !== true && looksLikeRing) return { value: e };
  return { missing: Object.keys(e).filter((k) => k !== '__esModule') };
}

/**
 * What a config threw, as text, whatever it threw: `null`, an object without a prototype (which
 * `String()` cannot convert), a value whose `message` getter throws in turn.
 */
export function describeThrown(value: unknown): string {
  try {
    if (value instanceof RangeError && /call stack/i.test(value.message)) return 'it is nested too deeply to be read (the call stack overflowed)';
    if (value instanceof Error) return String(value.message);
    if (typeof value === 'string') return value;
    if (value === null || typeof value !== 'object') return `${typeof value === 'symbol' ? value.toString() : String(value)} (not an Error)`;
    return `${Object.prototype.toString.call(value)} (not an Error)`;
  } catch {
    return 'a value that cannot be shown (not an Error)';
  }
}

/** Refusals before a byte of the file is read: what it is, and what its name says it holds. */
function refusal(file: string, path: string): Diagnostic | undefined {
  const extensions = ACCEPTED_EXTENSIONS;
  if (!existsSync(file)) return fail(file, { kind: 'missing', file: path });
  const stat = statSync(file);
  if (stat.isDirectory()) return fail(file, { kind: 'folder', file: path, extensions });
  if (!stat.isFile()) return fail(file, { kind: 'special', file: path, extensions });
  if (!isCode(file) && extOf(file) !== '.json') return fail(file, { kind: 'extension', file: path, extension: extname(file), extensions });
  return undefined;
}

/** The file's text, or why it is not text: NUL bytes (a binary file) or bytes that are not UTF-8. */
function readText(file: string, path: string): { text: string } | { refused: Diagnostic } {
  const bytes = readFileSync(file);
  const nul = bytes.indexOf(0);
  if (nul >= 0) return { refused: fail(file, { kind: 'binary', file: path, offset: nul }) };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { refused: fail(file, { kind: 'encoding', file: path }) };
  }
}

/** Loads a config file; problems come back as diagnostics, never as exceptions. */
export function loadConfig(path: string, options: LoadOptions = {}): LoadedConfig {
  const file = resolve(path);
  try {
    return load(file, path, options);
  } catch (e) {
    // The loader's own steps (the type-check of a pathological file, say) can still throw.
    return { file, diagnostics: [fail(file, { kind: 'crashed', file: path, error: describeThrown(e) })], locate: () => undefined };
  }
}

function load(file: string, path: string, options: LoadOptions): LoadedConfig {
  const refused = refusal(file, path);
  if (refused) return { file, diagnostics: [refused], locate: () => undefined };
  const read = readText(file, path);
  if ('refused' in read) return { file, diagnostics: [read.refused], locate: () => undefined };
  const { text } = read;
  // A byte order mark (editors on Windows write one) is not part of the JSON text.
  if (extOf(file) === '.json') return loadJson(file, text.replace(/^\uFEFF/, ''));
  // The file is parsed for locations only when a diagnostic asks for one.
  let locator: Locator | undefined;
  let unlocatable = false;
  const locate = (p: DiagnosticPath) => {
    if (unlocatable) return undefined;
    try {
      locator ??= new (require('./locate') as typeof import('./locate')).Locator(parseForLocations(file, text));
      return locator.locate(p);
    } catch {
      // A file too deeply nested for the parser has diagnostics all the same, without locations.
      unlocatable = true;
      return undefined;
    }
  };
  const check = options.typecheck !== false;
  // The native compiler, when there is one, checks and emits; the in-process check runs without
  // it, and to word the errors it finds (nativeTypeErrors).
  const native = TS_EXT.has(extOf(file)) ? nativeCheck(file, { check, types: ringgenTypes() }) : undefined;
  if (TS_EXT.has(extOf(file)) && check && (!native || native.diagnostics.length > 0)) {
    const diagnostics = typeCheck(file);
    if (diagnostics.length > 0) return { file, diagnostics, locate };
    if (native) return { file, diagnostics: nativeTypeErrors(file, native.version, native.diagnostics), locate };
  }
  const ran: Ran = { exports: new Map(), maps: new Map() };
  try {
    const ring = exportedRing(run(file, ran, native));
    if ('missing' in ring) {
      return { file, diagnostics: [fail(file, { kind: 'noExport', exports: ring.missing })], locate };
    }
    let value: unknown = ring.value;
    if (typeof value === 'function') value = (value as () => unknown)();
    if (value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function') {
      return { file, diagnostics: [fail(file, { kind: 'promise' })], locate };
    }
    return { file, input: value as UncheckedInput, diagnostics: [], locate };
  } catch (e) {
    return { file, diagnostics: [fail(file, { kind: 'threw', error: describeThrown(e) }, stackLocation(ran, e))], locate };
  }
}
