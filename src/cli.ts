/** The `ringgen` command line. The only module that prints or decides the exit code. */
import { extname, resolve } from 'node:path';
import yargs from 'yargs';
import { loadConfig } from './config/load';
import { diagnosticJson, hasErrors, locateDiagnostics, type Diagnostic } from './diagnostics';
import { describeTree, formatDiagnostics, printable, style, summary, terminalJson } from './format';
import { CONFIG_FILE, planInit } from './init';
import { GRAPH_FORMATS, renderGraph, type GraphFormat } from './graph/render';
import { buildRing, checkRing } from './pipeline';
import { formatPlan } from './plan/format';
import { readPrevious } from './plan/manifest';
import { makePlan } from './plan/plan';
import { compareOutput, createFiles, isStale, OutputError, writeFileAtomic, writeOutput, type WriteResult } from './writer';

export const EXIT = { ok: 0, ringErrors: 1, usage: 2, stale: 3, changes: 4 } as const;

interface Io {
  out(text: string): void;
  err(text: string): void;
  color: boolean;
}

const defaultIo: Io = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
  color: Boolean(process.stderr.isTTY) && !process.env.NO_COLOR,
};

const withLocations = locateDiagnostics;

function runCheck(argv: { file: string; format: string; typecheck: boolean }, io: Io): number {
  const loaded = loadConfig(argv.file, { typecheck: argv.typecheck });
  let diagnostics = loaded.diagnostics;
  let tree: string | undefined;
  if (loaded.input !== undefined) {
    const checked = checkRing(loaded.input);
    diagnostics = checked.diagnostics;
    if (checked.model && checked.stp) tree = describeTree(checked.model, checked.stp);
  }
  diagnostics = withLocations(diagnostics, loaded.locate);
  if (argv.format === 'json') io.out(terminalJson(diagnostics.map(diagnosticJson)));
  else {
    if (diagnostics.length > 0) io.err(formatDiagnostics(diagnostics, style(io.color)));
    if (tree) io.out(tree);
    if (!hasErrors(diagnostics)) io.out(`${printable(argv.file)}: ring is consistent`);
  }
  return hasErrors(diagnostics) ? EXIT.ringErrors : EXIT.ok;
}

/** What a failed write left in the folder, in the CLI's words: "nothing written" only when true. */
export function writeFailure(e: unknown, out: string): string {
  const message = (e as Error).message;
  if (e instanceof OutputError && e.state === 'busy') return `ringgen: ${message}; nothing written`;
  if (!(e instanceof OutputError) || e.state === 'unchanged') return `ringgen: cannot write into ${out}: ${message}${message.includes('\n') ? '\n' : '; '}nothing written (${out} is as it was)`;
  const list = (paths: readonly string[]) => paths.map((p) => `${out}/${p}`).join(', ');
  return [
    `ringgen: writing into ${out} failed part-way: ${message}`,
    `${out} is half updated. New: ${list(e.placed)}.`,
    `Still the previous build's (or missing): ${list(e.pending)}.`,
    `Its manifest.json is still the previous build's: fix the cause and run the build again.`,
  ].join('\n');
}

/** What the build removed, replaced and left, one line each; a host that left the ring gets its reminder. */
function reportWrite(r: WriteResult, out: string, io: Io): void {
  if (r.staleLock !== undefined) io.err(`cleared the lock of a build that is no longer running (pid ${r.staleLock})`);
  for (const o of r.forced) io.out(`replaced ${out}/${o.path} (--force): ${o.why}`);
  for (const p of r.edited) io.err(`replaced ${out}/${p}, which had been changed since ringgen wrote it (edit the ring, not the files)`);
  const reported = new Set<string>();
  for (const h of r.goneHosts) {
    const removed = r.removed.filter((p) => p.startsWith(`${h.host}/`));
    if (removed.length === 0) continue;
    for (const p of removed) reported.add(p);
    const what = h.folderRemoved ? `removed ${out}/${h.host}/` : `removed host ${h.host}'s files from ${out}/${h.host}/ (it holds other files, kept)`;
    io.out(`${what}: host ${h.host} left the ring; it is still set up until you run its uninstall.sh there (installed in /usr/local/lib/ringgen/${h.ring}/)`);
  }
  for (const p of r.removed) if (!reported.has(p)) io.out(`removed ${out}/${p}`);
  for (const l of r.left) io.err(`kept ${out}/${l.path}, which the previous build wrote and this one does not: ${l.why}`);
}

function runBuild(argv: { file: string; out: string; check: boolean; typecheck: boolean; quiet: boolean; force: boolean }, io: Io): number {
  const loaded = loadConfig(argv.file, { typecheck: argv.typecheck });
  const s = style(io.color);
  if (loaded.input === undefined) {
    io.err(formatDiagnostics(withLocations(loaded.diagnostics, loaded.locate), s));
    return EXIT.ringErrors;
  }
  const built = buildRing(loaded.input);
  const diagnostics = withLocations(built.diagnostics, loaded.locate);
  if (diagnostics.length > 0) io.err(formatDiagnostics(diagnostics, s));
  if (hasErrors(diagnostics) || !built.model || !built.stp) {
    io.err('nothing written');
    return EXIT.ringErrors;
  }
  const outDir = resolve(argv.out);
  if (argv.check) {
    const stale = compareOutput(outDir, built.files);
    if (isStale(stale)) {
      for (const [what, list] of Object.entries(stale)) for (const p of list as string[]) io.err(`stale (${what}): ${argv.out}/${p}`);
      io.err(`${argv.out} is out of date: run ringgen build ${argv.file} --out ${argv.out}`);
      return EXIT.stale;
    }
    io.out(`${argv.out} is up to date (${built.files.length} files)`);
    return EXIT.ok;
  }
  let written: WriteResult;
  try {
    written = writeOutput(outDir, built.files, { force: argv.force, shown: argv.out });
  } catch (e) {
    io.err(writeFailure(e, argv.out));
    return EXIT.usage;
  }
  reportWrite(written, argv.out, io);
  if (!argv.quiet) io.out(summary(built.model, built.stp, argv.out));
  return EXIT.ok;
}

function runPlan(argv: { file: string; out: string; format: string; typecheck: boolean; detailedExitcode: boolean }, io: Io): number {
  const loaded = loadConfig(argv.file, { typecheck: argv.typecheck });
  const built = loaded.input === undefined ? undefined : buildRing(loaded.input);
  const diagnostics = withLocations(built?.diagnostics ?? loaded.diagnostics, loaded.locate);
  if (diagnostics.length > 0) io.err(formatDiagnostics(diagnostics, style(io.color)));
  if (!built || hasErrors(diagnostics)) return EXIT.ringErrors;
  const plan = makePlan(readPrevious(resolve(argv.out)), built.files, argv.out);
  io.out(argv.format === 'json' ? terminalJson(plan) : formatPlan(plan, argv.out, style(io.color)));
  return argv.detailedExitcode && plan.changed ? EXIT.changes : EXIT.ok;
}

function runInit(argv: { dir: string }, io: Io): number {
  const plan = planInit(resolve(argv.dir));
  if (plan.refusal) {
    io.err(`ringgen init: ${printable(plan.refusal)}; nothing written`);
    return EXIT.usage;
  }
  try {
    createFiles(resolve(argv.dir), plan.files);
  } catch (e) {
    io.err(`ringgen init: cannot write into ${printable(argv.dir)}: ${printable((e as Error).message)}`);
    return EXIT.usage;
  }
  const at = (f: string) => printable(argv.dir === '.' ? f : `${argv.dir}/${f}`);
  for (const f of plan.files) io.out(`wrote ${at(f.path)}`);
  for (const f of plan.kept) io.out(`kept your ${at(f)}`);
  io.out(`next: edit ${at(CONFIG_FILE)}, then ringgen check ${at(CONFIG_FILE)} and ringgen build ${at(CONFIG_FILE)}`);
  if (!plan.ringgenResolves) io.out(`for types in your editor: npm install --save-dev ringgen in ${printable(argv.dir)} (ringgen runs the file without it)`);
  return EXIT.ok;
}

/** The format an output file's name asks for: `.mmd`/`.mermaid`, `.dot`/`.gv`, else SVG. */
function formatFromName(path: string | undefined): GraphFormat {
  const ext = extname(path ?? '').toLowerCase();
  if (ext === '.mmd' || ext === '.mermaid') return 'mermaid';
  if (ext === '.dot' || ext === '.gv') return 'dot';
  return 'svg';
}

/** Whether a file is a picture ringgen drew (its header on the first or second line), which `graph --out` may replace. */
const isRinggenPicture = (existing: Buffer) => /^[^\n]*\n?[^\n]*Generated by ringgen /.test(existing.subarray(0, 400).toString('utf8'));

function runGraph(argv: { file: string; format?: GraphFormat; out?: string; typecheck: boolean; force: boolean }, io: Io): number {
  const loaded = loadConfig(argv.file, { typecheck: argv.typecheck });
  const s = style(io.color);
  if (loaded.input === undefined) {
    io.err(formatDiagnostics(withLocations(loaded.diagnostics, loaded.locate), s));
    return EXIT.ringErrors;
  }
  const checked = checkRing(loaded.input);
  const diagnostics = withLocations(checked.diagnostics, loaded.locate);
  if (diagnostics.length > 0) io.err(formatDiagnostics(diagnostics, s));
  if (hasErrors(diagnostics) || !checked.model || !checked.stp) {
    io.err('nothing written');
    return EXIT.ringErrors;
  }
  const format = argv.format ?? formatFromName(argv.out);
  const picture = renderGraph(checked.model, checked.stp, format);
  if (argv.out === undefined) {
    io.out(picture);
    return EXIT.ok;
  }
  try {
    writeFileAtomic(resolve(argv.out), picture, 0o644, argv.force ? { replaceLink: true } : { mayReplace: isRinggenPicture });
  } catch (e) {
    io.err(`ringgen: cannot write ${printable(argv.out)}: ${printable((e as Error).message)}; nothing written`);
    return EXIT.usage;
  }
  io.out(`${printable(argv.out)}: ${format} of ring ${checked.model.name}; ${describeTree(checked.model, checked.stp)}`);
  return EXIT.ok;
}

/** Runs the CLI; resolves to the exit code. */
export async function main(args: string[], io: Io = defaultIo): Promise<number> {
  let code: number = EXIT.ok;
  let usageError: string | undefined;
  const fileArg = (y: ReturnType<typeof yargs>) =>
    y
      .positional('file', { type: 'string', default: 'ring.config.ts', describe: 'ring file (.ts, .js or .json plain spec)' })
      .option('typecheck', { type: 'boolean', default: true, describe: 'type-check a TypeScript ring file first (--no-typecheck skips it)' });
  const parser = yargs(args)
    .scriptName('ringgen')
    .usage('$0 <command> [options]\n\nChecks a ring of Docker hosts and generates, per host, the scripts, systemd units and iptables rules that build it.')
    .command(
      'init [dir]',
      'write a commented ring.config.ts (and a tsconfig.json if there is none) to start from',
      (y) => y.positional('dir', { type: 'string', default: '.', describe: 'folder to write into (created if missing)' }),
      (argv) => {
        code = runInit(argv as never, io);
      },
    )
    .command(
      'build [file]',
      'check the ring and write every host\'s files into the output folder',
      (y) =>
        fileArg(y)
          .option('out', { alias: 'o', type: 'string', default: 'out', describe: 'output folder' })
          .option('check', { type: 'boolean', default: false, describe: 'write nothing; exit 3 when the output folder is stale' })
          .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no summary' })
          .option('force', { type: 'boolean', default: false, describe: 'replace files ringgen did not write, and symbolic links, where the build writes' }),
      (argv) => {
        code = runBuild(argv as never, io);
      },
    )
    .command(
      'plan [file]',
      'say, host by host, what building into the output folder would change there and what each host needs run; writes nothing',
      (y) =>
        fileArg(y)
          .option('out', { alias: 'o', type: 'string', default: 'out', describe: 'output folder holding the previous build' })
          .option('format', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'json: the plan as one object' })
          .option('detailed-exitcode', { type: 'boolean', default: false, describe: 'exit 4 when there are changes, 0 when none' }),
      (argv) => {
        code = runPlan(argv as never, io);
      },
    )
    .command(
      'check [file]',
      'check the ring and print its diagnostics, writing nothing',
      (y) => fileArg(y).option('format', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'json: an array of diagnostic objects' }),
      (argv) => {
        code = runCheck(argv as never, io);
      },
    )
    .command(
      'graph [file]',
      'draw the ring: hosts, tunnels, the tunnel spanning tree blocks, the root, bridges, containers, published ports',
      (y) =>
        fileArg(y)
          .option('format', { alias: 'f', choices: GRAPH_FORMATS, describe: 'svg (self-contained picture), mermaid (flowchart for a README) or dot (Graphviz); default from the --out file name (.mmd, .dot), else svg' })
          .option('out', { alias: 'o', type: 'string', describe: 'file to write (replaced whole if ringgen drew it); without it the picture goes to stdout' })
          .option('force', { type: 'boolean', default: false, describe: 'replace an --out file ringgen did not write, or a symbolic link there' }),
      (argv) => {
        code = runGraph(argv as never, io);
      },
    )
    .demandCommand(1, 'name a command: init, check, plan, build or graph')
    .strict()
    .help()
    .alias('h', 'help')
    .version()
    .exitProcess(false)
    .fail((msg, err) => {
      usageError = msg ?? err?.message ?? 'usage error';
    });
  try {
    await parser.parseAsync();
  } catch (e) {
    if (!usageError) {
      io.err(`ringgen: internal error: ${printable(String((e as Error).stack ?? e))}`);
      return EXIT.usage;
    }
  }
  if (usageError) {
    io.err(`ringgen: ${printable(usageError)}\nrun ringgen --help for usage`);
    return EXIT.usage;
  }
  return code;
}
