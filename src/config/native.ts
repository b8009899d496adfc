/**
 * The fast path for TypeScript configs: TypeScript 7's native compiler (the binary of
 * `@typescript/typescript-<platform>-<arch>`, the packages `typescript@7` itself takes as optional
 * dependencies; ringgen names the common ones itself, so that npm installs the one for the
 * machine and no second `tsc` command appears beside a project's own) type-checks the config and the files it imports AND emits their CommonJS, in one process of
 * about a tenth of a second, so that a clean build never loads the JavaScript compiler (9 MB,
 * the costliest part of a build).
 *
 * It is only a fast path: when the binary is absent (a platform without one, an install that
 * skipped optional dependencies), fails to start, dies, or says something this module does not
 * understand, nativeCheck returns undefined and the loader does what it did before (the compiler
 * ts-morph bundles, in process). When it reports type errors, the loader asks the in-process
 * check for them, so that errors read as they always did.
 *
 * RINGGEN_NATIVE_TSC: `off` never uses it; a path uses that binary instead. RINGGEN_DEBUG with
 * `typecheck` in it prints to stderr which checker ran and what it found.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { SourceMap } from 'node:module';
import { existsSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, join, parse, resolve } from 'node:path';

/**
 * Longest wait for the native compiler before it is killed and the in-process check takes over
 * (it ignores SIGTERM while it works, so it gets SIGKILL).
 */
const TIMEOUT_MS = 60_000;
/**
 * Deepest bracket nesting given to the native compiler: its time grows with the cube of the depth
 * (1,000 took 1.7 s, 3,000 took 14 s, 20,000 hours), while the in-process compiler stops at a few
 * thousand with a clear diagnostic (its stack overflows).
 */
export const MAX_NATIVE_NESTING = 400;

/** The deepest nesting of (, [ and { in a text, strings and comments included (a rough, safe bound). */
export function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x28 || c === 0x5b || c === 0x7b) max = Math.max(max, ++depth);
    else if (c === 0x29 || c === 0x5d || c === 0x7d) depth = Math.max(0, depth - 1);
  }
  return max;
}

export interface NativeDiagnostic {
  file: string;
  line: number;
  column: number;
  code: number;
  /** The message, its chained details on further lines (indented), as the compiler prints them. */
  text: string;
}

export interface NativeResult {
  /** The compiler's version, e.g. `7.0.2`. */
  version: string;
  /** Type errors in the config or a file it imports; empty when the check was clean or skipped. */
  diagnostics: NativeDiagnostic[];
  /** CommonJS emitted for a TypeScript file (by its absolute path), when there is one. */
  emitted(file: string): { js: string; map?: SourceMap } | undefined;
}

/** What happened in the last nativeCheck of this process (for --debug output and tests). */
export let lastNative: { used: boolean; reason: string } | undefined;

export function debugEnabled(): boolean {
  return /\btypecheck\b/.test(process.env.RINGGEN_DEBUG ?? '');
}

export function debug(line: string): void {
  if (debugEnabled()) process.stderr.write(`ringgen: debug: ${line}\n`);
}

function note(used: boolean, reason: string): undefined {
  lastNative = { used, reason };
  debug(`native compiler ${used ? 'used' : 'not used'}: ${reason}`);
  return undefined;
}

/** The native compiler's binary and version, or why there is none. */
export function nativeCompiler(): { exe: string; version: string } | { missing: string } {
  const forced = process.env.RINGGEN_NATIVE_TSC;
  if (forced === 'off' || forced === '0') return { missing: 'RINGGEN_NATIVE_TSC=off' };
  const pkg = `@typescript/typescript-${process.platform}-${process.arch}`;
  let version = '?';
  let exe: string;
  try {
    // Where typescript@7's own launcher finds it.
    const pkgJson = require.resolve(`${pkg}/package.json`);
    version = (JSON.parse(readFileSync(pkgJson, 'utf8')) as { version?: string }).version ?? '?';
    exe = join(dirname(pkgJson), 'lib', process.platform === 'win32' ? 'tsc.exe' : 'tsc');
  } catch {
    if (!forced) return { missing: `${pkg} is not installed (no binary for this platform, or optional dependencies were left out)` };
    exe = '';
  }
  if (forced) exe = resolve(forced);
  return existsSync(exe) ? { exe, version } : { missing: `${exe} does not exist` };
}

/** Where `import 'ringgen'` resolves for the type-check: the built declarations, else the source. */
export function ringgenTypes(): string {
  const root = join(__dirname, '..', '..');
  const built = join(root, 'dist', 'index.d.ts');
  return existsSync(built) ? built : join(root, 'src', 'index.ts');
}

/** Lower-case extensions the native compiler is given (`ring.TS` and `.mts` take the in-process path). */
const NATIVE_EXT = new Set(['.ts', '.cts', '.tsx']);

/** `file(12,5): error TS2322: message`, as `--pretty false` prints a located error. */
const LOCATED = /^(.+)\((\d+),(\d+)\): error TS(\d+): (.*)$/;

/**
 * Parses the compiler's `--pretty false` output; undefined when any line is not a located error
 * or its continuation (an error about the options, a crash, a message this module does not know).
 */
export function parseDiagnostics(output: string, cwd: string): NativeDiagnostic[] | undefined {
  const found: NativeDiagnostic[] = [];
  for (const line of output.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const m = LOCATED.exec(line);
    if (m) found.push({ file: resolve(cwd, m[1]!), line: Number(m[2]), column: Number(m[3]), code: Number(m[4]), text: m[5]! });
    else if (/^\s/.test(line) && found.length > 0) found[found.length - 1]!.text += `\n${line}`;
    else return undefined;
  }
  return found;
}

/** Every file under a folder, by its path relative to it. */
function listFiles(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name), join(prefix, e.name)) : [join(prefix, e.name)],
  );
}

/** What the compiler is to be run with: its temporary folder, binary and arguments. */
interface Prepared {
  file: string;
  check: boolean;
  types: string;
  work: string;
  exe: string;
  version: string;
  args: string[];
}

/** How a run of the compiler ended, as spawnSync reports it. */
interface Ran {
  status: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
  stdout: string;
  stderr: string;
}

/**
 * Writes the compiler's options into a new temporary folder; undefined (with the reason noted)
 * when the native compiler is not to be used for this file.
 */
function prepare(file: string, opts: { check: boolean; types: string }): Prepared | undefined {
  if (!NATIVE_EXT.has(extname(file))) return note(false, `${extname(file)} files take the in-process path`);
  const found = nativeCompiler();
  if ('missing' in found) return note(false, found.missing);
  const depth = nestingDepth(readFileSync(file, 'utf8'));
  if (depth > MAX_NATIVE_NESTING) return note(false, `${file} nests brackets ${depth} deep (more than ${MAX_NATIVE_NESTING})`);
  const work = mkdtempSync(join(tmpdir(), 'ringgen-tsc-'));
  try {
    const config = {
      compilerOptions: {
        strict: true,
        skipLibCheck: true,
        esModuleInterop: true,
        target: 'es2022',
        module: 'commonjs',
        moduleResolution: 'bundler',
        lib: ['es2022'],
        types: [],
        paths: { ringgen: [opts.types] },
        outDir: join(work, 'out'),
        rootDir: parse(file).root,
        noCheck: !opts.check,
        noEmitOnError: false,
        sourceMap: true,
      },
      files: [file],
    };
    writeFileSync(join(work, 'tsconfig.json'), JSON.stringify(config));
  } catch (e) {
    rmSync(work, { recursive: true, force: true });
    throw e;
  }
  const args = ['-p', join(work, 'tsconfig.json'), '--pretty', 'false'];
  return { file, check: opts.check, types: opts.types, work, exe: found.exe, version: found.version, args };
}

/** Reads what the compiler said and emitted; undefined (noted) when it is not a clear answer. */
function result(p: Prepared, r: Ran, how: string): NativeResult | undefined {
  const { exe, file, work } = p;
  if (r.error || r.signal) return note(false, `${exe} did not run: ${r.error?.message ?? `killed by ${r.signal}`}`);
  // 0: clean; 2: errors, output written (1 would say output skipped, which noEmitOnError excludes).
  if (r.status !== 0 && r.status !== 2) return note(false, `${exe} exited ${r.status}: ${(r.stdout + r.stderr).trim().split('\n')[0] ?? ''}`);
  const diagnostics = parseDiagnostics(r.stdout, work);
  if (!diagnostics || (r.status === 2) !== diagnostics.length > 0 || r.stderr.trim() !== '') {
    return note(false, `${exe} said something unexpected (exit ${r.status}): ${(r.stdout + r.stderr).trim().split('\n')[0] ?? ''}`);
  }
  const root = parse(file).root;
  const out = join(work, 'out');
  const js = new Map<string, { js: string; map?: SourceMap }>();
  for (const name of listFiles(out)) {
    if (!/\.c?js$/.test(name)) continue;
    // The map stays here (the loader leads a stack trace's positions back through it): the
    // comment naming its file goes.
    const code = readFileSync(join(out, name), 'utf8').replace(/\n\/\/# sourceMappingURL=\S*\s*$/, '\n');
    let map: SourceMap | undefined;
    try {
      map = new SourceMap(JSON.parse(readFileSync(join(out, `${name}.map`), 'utf8')) as ConstructorParameters<typeof SourceMap>[0]);
    } catch {
      map = undefined; // no map: positions stay the emitted code's
    }
    js.set(join(root, name), { js: code, map });
  }
  const emitted = (f: string) => {
    if (!NATIVE_EXT.has(extname(f))) return undefined;
    const rel = (p: string) => p.replace(/\.ts$/, '.js').replace(/\.cts$/, '.cjs').replace(/\.tsx$/, '.js');
    let real = f;
    try {
      real = realpathSync(f);
    } catch {
      // The loader reads the file next; an unreadable one fails there.
    }
    return js.get(rel(f)) ?? js.get(rel(real));
  };
  if (emitted(file) === undefined) return note(false, `${exe} emitted nothing for ${file}`);
  note(true, `TypeScript ${p.version}${how}, ${p.check ? `${diagnostics.length} type error(s)` : 'no type-check'}, ${js.size} file(s) emitted`);
  return { version: p.version, diagnostics: p.check ? diagnostics : [], emitted };
}

/**
 * A run of the compiler started before the command line's modules were loaded (startEarly), so
 * that the two take their time side by side; nativeCheck takes its answer when the file and
 * options are the ones it was started for.
 */
interface EarlyRun {
  prepared: Prepared;
  child?: ChildProcess;
  ran?: Ran;
  done: Promise<void>;
}
let early: EarlyRun | undefined;

/** Ends an early run nobody took: its process is killed and its folder removed. */
function dropEarly(): void {
  if (!early) return;
  if (early.child && early.ran === undefined) early.child.kill('SIGKILL');
  rmSync(early.prepared.work, { recursive: true, force: true });
  early = undefined;
}

/** Commands whose first argument is a ring file, and their options that take a value. */
const FILE_COMMANDS = new Set(['check', 'build', 'plan', 'graph']);
const VALUE_OPTIONS = new Set(['--out', '-o', '--format', '-f']);

/**
 * Starts the native compiler for the ring file a command line names, before the rest of the CLI
 * loads (bin/ringgen.js calls it first). It only guesses from the arguments: a guess that turns
 * out wrong (another file, --no-typecheck written differently) is dropped by nativeCheck, which
 * then runs the compiler itself, so the result is always that of the file and options the CLI
 * parsed. Never throws; does nothing for other commands, files or extensions.
 */
export function startEarly(args: readonly string[]): void {
  try {
    if (early || !FILE_COMMANDS.has(args[0] ?? '')) return;
    let file: string | undefined;
    let check = true;
    for (let i = 1; i < args.length; i++) {
      const a = args[i]!;
      if (a === '--') break; // the command line refuses what follows
      if (a === '--no-typecheck') check = false;
      else if (VALUE_OPTIONS.has(a)) i++;
      else if (!a.startsWith('-')) file ??= a;
    }
    const path = resolve(file ?? 'ring.config.ts');
    if (!NATIVE_EXT.has(extname(path)) || !existsSync(path)) return;
    const prepared = prepare(path, { check, types: ringgenTypes() });
    lastNative = undefined; // what prepare noted is said again by nativeCheck
    if (!prepared) return;
    const child = spawn(prepared.exe, prepared.args, { cwd: prepared.work, windowsHide: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const run: EarlyRun = { prepared, child, done: Promise.resolve() };
    early = run;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    run.done = new Promise<void>((resolveDone) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
      let error: Error | undefined;
      child.on('error', (e) => {
        error = e;
      });
      child.on('close', (status, signal) => {
        clearTimeout(timer);
        run.ran = { status, signal, error, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
        resolveDone();
      });
    });
    process.once('exit', dropEarly);
  } catch {
    dropEarly();
  }
}

/** Resolves when an early run of the compiler (startEarly) has ended; at once when there is none. */
export function earlyDone(): Promise<void> {
  return early?.done ?? Promise.resolve();
}

/**
 * Type-checks (unless `check` is false) and emits a TypeScript config with the native compiler,
 * with the options of the in-process check (load.ts) and, for emitting, of its transpile:
 * CommonJS, ES2022. `types` is where `import 'ringgen'` resolves for the check.
 * Undefined when the native compiler is not there or did not give a clear answer.
 */
export function nativeCheck(file: string, opts: { check: boolean; types: string }): NativeResult | undefined {
  const taken = early;
  if (taken?.ran && taken.prepared.file === resolve(file) && taken.prepared.check === opts.check && taken.prepared.types === opts.types) {
    early = undefined;
    try {
      return result(taken.prepared, taken.ran, ', started early');
    } finally {
      rmSync(taken.prepared.work, { recursive: true, force: true });
    }
  }
  dropEarly();
  const prepared = prepare(file, opts);
  if (!prepared) return undefined;
  try {
    const r = spawnSync(prepared.exe, prepared.args, { cwd: prepared.work, encoding: 'utf8', timeout: TIMEOUT_MS, killSignal: 'SIGKILL', windowsHide: true, maxBuffer: 64 * 1024 * 1024 });
    return result(prepared, r, '');
  } finally {
    rmSync(prepared.work, { recursive: true, force: true });
  }
}
