/** The `ringgen` command line. The only module that prints or decides the exit code. */
import { resolve } from 'node:path';
import type { Argv } from 'yargs';
// The factory alone: the package's main module also makes a parser of process.argv at load.
import yargs from 'yargs/yargs';
import { checkArgs, HELP, OPTIONS, yargsOption, type CommandName } from './args';
import { buildReport, nextStep, type BuildReport } from './report';
import { loadConfig } from '../config/load';
import { earlyDone } from '../config/native';
import { diagnosticJson, hasErrors, locateDiagnostics, type Diagnostic } from '../diagnostics';
import { describeTree, formatDiagnostics, printable, style, summary, terminalJson } from './terminal';
import { CONFIG_FILE, planInit } from './init';
import { renderGraph, type GraphFormat } from '../graph/draw';
import { buildRing, checkRing } from '../pipeline';
import { formatPlan } from '../plan/format';
import { readPrevious } from '../plan/manifest';
import { makePlan } from '../plan/plan';
import { shellQuote } from '../emit/shell';
import { compareOutput, createFiles, isStale, OutputError, writeFileAtomic, writeOutput, type WriteResult } from '../write/writer';

export const EXIT = { ok: 0, ringErrors: 1, usage: 2, stale: 3, changes: 4 } as const;

export interface Io {
  out(text: string): void;
  err(text: string): void;
  color: boolean;
  /** Shows a one-line status of a long step (a terminal only: stderr, redrawn in place); '' clears it. */
  status?(line: string): void;
}

const defaultIo: Io = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
  color: Boolean(process.stderr.isTTY) && !process.env.NO_COLOR,
  ...(process.stderr.isTTY ? { status: (line: string) => process.stderr.write(`\r\x1b[K${line}`) } : {}),
};

/** The io of one command: a status line shown is cleared before anything else is printed. */
function withStatus(io: Io): Io & { step(line: string): void } {
  let shown = false;
  const clear = () => {
    if (shown) io.status?.('');
    shown = false;
  };
  return {
    out: (t) => (clear(), io.out(t)),
    err: (t) => (clear(), io.err(t)),
    color: io.color,
    step: (line) => {
      if (!io.status) return;
      io.status(`ringgen: ${printable(line)}`);
      shown = true;
    },
    status: () => clear(),
  };
}

const warningsOf = (diagnostics: readonly Diagnostic[]) => diagnostics.filter((d) => d.severity === 'warning');
/** Whether the ring fails: errors, or with `--strict` warnings too. */
const fails = (diagnostics: readonly Diagnostic[], strict: boolean) => hasErrors(diagnostics) || (strict && warningsOf(diagnostics).length > 0);
const strictNote = (diagnostics: readonly Diagnostic[], strict: boolean) =>
  !hasErrors(diagnostics) && strict && warningsOf(diagnostics).length > 0 ? ` (--strict: ${warningsOf(diagnostics).length} warning(s) fail)` : '';

function runCheck(argv: { file: string; format: string; typecheck: boolean; strict: boolean }, io: Io): number {
  const loaded = loadConfig(argv.file, { typecheck: argv.typecheck });
  let diagnostics = loaded.diagnostics;
  let tree: string | undefined;
  if (loaded.input !== undefined) {
    const checked = checkRing(loaded.input);
    diagnostics = checked.diagnostics;
    if (checked.model && checked.stp) tree = describeTree(checked.model, checked.stp);
  }
  diagnostics = locateDiagnostics(diagnostics, loaded.locate);
  const failed = fails(diagnostics, argv.strict);
  if (argv.format === 'json') io.out(terminalJson(diagnostics.map(diagnosticJson)));
  else {
    if (diagnostics.length > 0) io.err(formatDiagnostics(diagnostics, style(io.color)));
    if (tree) io.out(tree);
    if (!hasErrors(diagnostics)) io.out(`${printable(argv.file)}: ring is consistent${strictNote(diagnostics, argv.strict)}`);
  }
  return failed ? EXIT.ringErrors : EXIT.ok;
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

interface BuildArgs {
  file: string;
  out: string;
  check: boolean;
  typecheck: boolean;
  quiet: boolean;
  force: boolean;
  format: 'text' | 'json';
  strict: boolean;
}

function runBuild(argv: BuildArgs, outerIo: Io): number {
  const io = withStatus(outerIo);
  const json = argv.format === 'json';
  const s = style(io.color);
  const report = (r: BuildReport) => io.out(terminalJson(r));
  io.step(`loading ${argv.file}${argv.typecheck && !/\.(json|[cm]?js)$/i.test(argv.file) ? ' (type-check)' : ''}`);
  const loaded = loadConfig(argv.file, { typecheck: argv.typecheck });
  if (loaded.input === undefined) {
    const diagnostics = locateDiagnostics(loaded.diagnostics, loaded.locate);
    if (json) report(buildReport({ out: argv.out, diagnostics }));
    else io.err(formatDiagnostics(diagnostics, s));
    return EXIT.ringErrors;
  }
  io.step('checking the ring and rendering its files');
  const built = buildRing(loaded.input);
  const diagnostics = locateDiagnostics(built.diagnostics, loaded.locate);
  const ring = built.model?.name;
  if (!json && diagnostics.length > 0) io.err(formatDiagnostics(diagnostics, s));
  if (fails(diagnostics, argv.strict) || !built.model || !built.stp) {
    if (json) report(buildReport({ out: argv.out, diagnostics, ...(ring ? { ring } : {}) }));
    else io.err(`nothing written${strictNote(diagnostics, argv.strict)}`);
    return EXIT.ringErrors;
  }
  const outDir = resolve(argv.out);
  if (argv.check) {
    io.step(`comparing with ${argv.out}`);
    const stale = compareOutput(outDir, built.files);
    if (json) report(buildReport({ out: argv.out, diagnostics, ring: ring!, stale }));
    else if (isStale(stale)) {
      for (const [what, list] of Object.entries(stale)) for (const p of list as string[]) io.err(`stale (${what}): ${argv.out}/${p}`);
      io.err(`${argv.out} is out of date: run ringgen build ${shellQuote(argv.file)} --out ${shellQuote(argv.out)}`);
    } else io.out(`${argv.out} is up to date (${built.files.length} files)`);
    return isStale(stale) ? EXIT.stale : EXIT.ok;
  }
  io.step(`comparing with the previous build in ${argv.out}`);
  const plan = makePlan(readPrevious(outDir), built.files, argv.out);
  io.step(`writing ${built.files.length} files into ${argv.out}`);
  let written: WriteResult;
  try {
    written = writeOutput(outDir, built.files, { force: argv.force, shown: argv.out });
  } catch (e) {
    const message = writeFailure(e, argv.out);
    if (json) report(buildReport({ out: argv.out, diagnostics, ring: ring!, error: message.replace(/^ringgen: /, '') }));
    else io.err(message);
    return EXIT.usage;
  }
  const next = nextStep(plan, argv.out);
  if (json) {
    report(buildReport({ out: argv.out, diagnostics, ring: ring!, files: built.files, written, next }));
    return EXIT.ok;
  }
  reportWrite(written, argv.out, io);
  if (!argv.quiet) io.out(`${summary(built.model, built.stp, argv.out)}\n${next.text}`);
  return EXIT.ok;
}

function runPlan(argv: { file: string; out: string; format: string; typecheck: boolean; detailedExitcode: boolean }, outerIo: Io): number {
  const io = withStatus(outerIo);
  io.step(`loading ${argv.file}`);
  const loaded = loadConfig(argv.file, { typecheck: argv.typecheck });
  io.step('checking the ring and rendering its files');
  const built = loaded.input === undefined ? undefined : buildRing(loaded.input);
  const diagnostics = locateDiagnostics(built?.diagnostics ?? loaded.diagnostics, loaded.locate);
  if (diagnostics.length > 0) io.err(formatDiagnostics(diagnostics, style(io.color)));
  if (!built || hasErrors(diagnostics)) return EXIT.ringErrors;
  io.step(`comparing with the previous build in ${argv.out}`);
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
  const here = resolve(argv.dir) === resolve('.');
  const at = (f: string) => printable(here ? f : `${argv.dir.replace(/\/+$/, '')}/${f}`);
  for (const f of plan.files) io.out(`wrote ${at(f.path)}`);
  for (const f of plan.kept) io.out(`kept your ${at(f)}`);
  const ringgen = plan.command;
  io.out(`next: edit ${at(CONFIG_FILE)}, then run:`);
  if (!here) io.out(`  cd ${printable(shellQuote(argv.dir))}`);
  io.out(`  ${printable(ringgen)} check\n  ${printable(ringgen)} build`);
  if (!plan.ringgenResolves) io.out(`for types in your editor: npm install --save-dev ringgen in ${printable(argv.dir)} (from where you installed ringgen; ringgen runs the file without it)`);
  return EXIT.ok;
}

/** Whether a file is a picture ringgen drew (its header on the first or second line), which `graph --out` may replace. */
const isRinggenPicture = (existing: Buffer) => /^[^\n]*\n?[^\n]*Generated by ringgen /.test(existing.subarray(0, 400).toString('utf8'));

function runGraph(argv: { file: string; format: GraphFormat; out?: string; typecheck: boolean; force: boolean }, io: Io): number {
  const loaded = loadConfig(argv.file, { typecheck: argv.typecheck });
  const s = style(io.color);
  if (loaded.input === undefined) {
    io.err(formatDiagnostics(locateDiagnostics(loaded.diagnostics, loaded.locate), s));
    return EXIT.ringErrors;
  }
  const checked = checkRing(loaded.input);
  const diagnostics = locateDiagnostics(checked.diagnostics, loaded.locate);
  if (diagnostics.length > 0) io.err(formatDiagnostics(diagnostics, s));
  if (hasErrors(diagnostics) || !checked.model || !checked.stp) {
    io.err('nothing written');
    return EXIT.ringErrors;
  }
  const picture = renderGraph(checked.model, checked.stp, argv.format);
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
  io.out(`${printable(argv.out)}: ${argv.format} of ring ${checked.model.name}; ${describeTree(checked.model, checked.stp)}`);
  return EXIT.ok;
}

const RUN: Record<CommandName, (args: never, io: Io) => number> = { init: runInit, build: runBuild, plan: runPlan, check: runCheck, graph: runGraph };

const DESCRIBE: Record<CommandName, [string, string]> = {
  init: ['init [dir]', 'write a commented ring.config.ts (and a tsconfig.json if there is none) to start from'],
  build: ['build [file]', "check the ring and write every host's files into the output folder"],
  plan: ['plan [file]', 'say, host by host, what building into the output folder would change there and what each host needs run; writes nothing'],
  check: ['check [file]', 'check the ring and print its diagnostics, writing nothing'],
  graph: ['graph [file]', 'draw the ring: hosts, tunnels, the tunnel spanning tree blocks, the root, bridges, containers, published ports'],
};

/** A command's options, examples and exit codes for yargs; positionals are `file` and `dir`. */
function commandBuilder(name: CommandName) {
  return (y: Argv) => {
    for (const o of OPTIONS[name]) {
      if (o.name === 'file' || o.name === 'dir') y.positional(o.name, yargsOption(o));
      else y.option(o.name, yargsOption(o));
    }
    for (const [cmd, what] of HELP[name].examples) y.example(cmd, what);
    return y.epilog(`Exit codes:\n${HELP[name].exits.map((l) => `  ${l}`).join('\n')}`);
  };
}

/**
 * Runs the CLI; resolves to the exit code. yargs only parses: its handlers record the command,
 * which runs once every option has been checked, so a usage error (exit 2) comes before anything
 * is read, printed or written.
 */
export async function main(args: string[], io: Io = defaultIo): Promise<number> {
  let chosen: { name: CommandName; argv: Record<string, unknown> } | undefined;
  let usageError: string | undefined;
  let parser = yargs(args)
    .scriptName('ringgen')
    .usage('$0 <command> [options]\n\nChecks a ring of Docker hosts and generates, per host, the scripts, systemd units and iptables rules that build it.')
    .parserConfiguration({ 'duplicate-arguments-array': true });
  for (const name of Object.keys(DESCRIBE) as CommandName[]) {
    parser = parser.command(DESCRIBE[name][0], DESCRIBE[name][1], commandBuilder(name), (argv) => {
      chosen = { name, argv: argv as Record<string, unknown> };
    });
  }
  parser = parser
    .example('$0 init ring && cd ring', 'start a ring in a new folder')
    .example('$0 check', 'check ring.config.ts')
    .example('$0 build', 'write out/<host>/ for every host, and the rollout files')
    .epilog('Exit codes: 0 fine, 1 errors in the ring (or warnings with --strict), 2 usage error or output refused, 3 stale (build --check), 4 changes (plan --detailed-exitcode).\nringgen <command> --help shows each command\'s options, examples and exit codes.')
    .demandCommand(1, 'name a command: init, check, plan, build or graph')
    .strict()
    .help()
    .alias('h', 'help')
    .version()
    .exitProcess(false)
    .fail((msg, err) => {
      usageError = msg ?? err?.message ?? 'usage error';
    });
  let parsed: Record<string, unknown>;
  try {
    parsed = (await parser.parseAsync()) as Record<string, unknown>;
  } catch (e) {
    if (!usageError) {
      io.err(`ringgen: internal error: ${printable(String((e as Error).stack ?? e))}`);
      return EXIT.usage;
    }
    parsed = {};
  }
  const usage = (message: string) => {
    io.err(`ringgen: ${printable(message)}\nrun ringgen ${chosen ? `${chosen.name} ` : ''}--help for usage`);
    return EXIT.usage;
  };
  if (usageError) return usage(usageError);
  // --help and --version printed and ran nothing.
  if (parsed.help || parsed.version || !chosen) return EXIT.ok;
  const checked = checkArgs(chosen.name, chosen.argv, args);
  if ('error' in checked) return usage(checked.error);
  // A type-check bin/ringgen.js started beside the loading of this module ends first.
  await earlyDone();
  return RUN[chosen.name](checked.args as never, io);
}
