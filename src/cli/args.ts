/**
 * The command line's options, and the strict check of what was given. yargs alone lets through
 * `--out` without a value (it takes the default), `--format` without one (`true`), `--quiet=maybe`
 * (false), an option given twice (an array) and words after `--`; and with `.exitProcess(false)`
 * it runs a command's handler before reporting an unknown option. So the CLI's handlers only
 * record the command, and nothing runs until `checkArgs` finds nothing wrong.
 */
import { extname } from 'node:path';
import { GRAPH_FORMATS, type GraphFormat } from '../graph/draw';

export interface OptionSpec {
  name: string;
  alias?: string;
  kind: 'string' | 'boolean';
  choices?: readonly string[];
  /** Applied by `checkArgs`, not yargs: so a missing value is seen as one. */
  default?: string | boolean;
  describe: string;
}

export const FILE_OPTION: OptionSpec = { name: 'file', kind: 'string', default: 'ring.config.ts', describe: 'ring file (.ts, .js or .json plain spec)' };
export const TYPECHECK: OptionSpec = { name: 'typecheck', kind: 'boolean', default: true, describe: 'type-check a TypeScript ring file first (--no-typecheck skips it)' };
export const STRICT: OptionSpec = { name: 'strict', kind: 'boolean', default: false, describe: 'warnings fail too (exit 1), for CI' };
const outFolder = (describe: string): OptionSpec => ({ name: 'out', alias: 'o', kind: 'string', default: 'out', describe });
const format = (choices: readonly string[], describe: string, alias?: string): OptionSpec => ({ name: 'format', ...(alias ? { alias } : {}), kind: 'string', choices, default: choices[0]!, describe });

export const OPTIONS = {
  init: [{ name: 'dir', kind: 'string', default: '.', describe: 'folder to write into (created if missing)' }],
  build: [
    FILE_OPTION,
    TYPECHECK,
    outFolder('output folder'),
    { name: 'check', kind: 'boolean', default: false, describe: 'write nothing; exit 3 when the output folder is stale' },
    { name: 'quiet', alias: 'q', kind: 'boolean', default: false, describe: 'no summary and no next step (what was removed or replaced is still said)' },
    { name: 'force', kind: 'boolean', default: false, describe: 'replace files ringgen did not write, and symbolic links, where the build writes' },
    format(['text', 'json'], 'json: what was written, removed, kept and replaced, the diagnostics and the next step, as one object on stdout'),
    STRICT,
  ],
  plan: [
    FILE_OPTION,
    TYPECHECK,
    outFolder('output folder holding the previous build'),
    format(['text', 'json'], 'json: the plan as one object'),
    { name: 'detailed-exitcode', kind: 'boolean', default: false, describe: 'exit 4 when there are changes, 0 when none' },
  ],
  check: [FILE_OPTION, TYPECHECK, format(['text', 'json'], 'json: an array of diagnostic objects'), STRICT],
  graph: [
    FILE_OPTION,
    TYPECHECK,
    { name: 'format', alias: 'f', kind: 'string', choices: GRAPH_FORMATS, describe: 'svg (self-contained picture), mermaid (flowchart for a README) or dot (Graphviz); default: from the --out file name (.svg, .mmd/.mermaid, .dot/.gv), else svg' },
    { name: 'out', alias: 'o', kind: 'string', describe: 'file to write, named for its format (replaced whole if ringgen drew it); without it the picture goes to stdout' },
    { name: 'force', kind: 'boolean', default: false, describe: 'replace an --out file ringgen did not write, or a symbolic link there' },
  ],
} satisfies Record<string, OptionSpec[]>;

export type CommandName = keyof typeof OPTIONS;

/** What yargs needs of an option: no default (see above), choices left to `checkArgs`. */
export function yargsOption(o: OptionSpec): { alias?: string; type: 'string' | 'boolean'; describe: string; defaultDescription?: string } {
  const choices = o.choices ? ` [choices: ${o.choices.map((c) => `"${c}"`).join(', ')}]` : '';
  return {
    ...(o.alias ? { alias: o.alias } : {}),
    type: o.kind,
    describe: `${o.describe}${choices}`,
    ...(o.default !== undefined ? { defaultDescription: JSON.stringify(o.default) } : {}),
  };
}

const flag = (o: OptionSpec) => (o.name === 'file' || o.name === 'dir' ? o.name.toUpperCase() : `--${o.name}`);

/**
 * `--quiet=maybe` reads as false in yargs: a boolean written with `=` takes `true` or `false` only.
 * Words after `--` are not ring files.
 */
function rawProblem(raw: readonly string[], specs: readonly OptionSpec[]): string | undefined {
  const end = raw.indexOf('--');
  if (end >= 0 && end < raw.length - 1) return `unexpected argument after --: ${raw[end + 1]}`;
  for (const word of end >= 0 ? raw.slice(0, end) : raw) {
    const m = /^--?(?:no-)?([^=]+)=(.*)$/s.exec(word);
    if (!m) continue;
    const spec = specs.find((o) => o.name === m[1] || o.alias === m[1]);
    if (spec?.kind === 'boolean' && m[2] !== 'true' && m[2] !== 'false') return `--${spec.name} is a switch: it takes no value (got "${m[2]}")`;
  }
  return undefined;
}

/**
 * Checks the parsed options of a command and fills in their defaults. Returns the arguments for
 * the command, or the usage error.
 */
export function checkArgs(command: CommandName, argv: Record<string, unknown>, raw: readonly string[]): { args: Record<string, unknown> } | { error: string } {
  const specs: readonly OptionSpec[] = OPTIONS[command];
  const problem = rawProblem(raw, specs);
  if (problem) return { error: problem };
  const args: Record<string, unknown> = {};
  for (const o of specs) {
    const key = o.name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
    const v = argv[o.name];
    if (Array.isArray(v)) return { error: `${flag(o)} given more than once` };
    if (v === undefined) {
      if (o.default !== undefined) args[key] = o.default;
      continue;
    }
    if (o.kind === 'boolean') {
      args[key] = Boolean(v);
      continue;
    }
    if (typeof v !== 'string' || v === '') {
      const what = o.choices ? `one of ${o.choices.join(', ')}` : o.name === 'out' ? 'a path' : 'a value';
      return { error: `${flag(o)} needs ${what}${v === '' ? ', not an empty string' : ''}` };
    }
    if (o.choices && !o.choices.includes(v)) return { error: `${flag(o)} must be one of ${o.choices.join(', ')} (got "${v}")` };
    args[key] = v;
  }
  if (command === 'graph') {
    const picked = graphFormat(args.out as string | undefined, args.format as GraphFormat | undefined);
    if ('error' in picked) return picked;
    args.format = picked.format;
  }
  return { args };
}

/** A file name's extension for each format `graph` draws; `.svg` is also the default. */
export const GRAPH_EXTENSIONS: Record<GraphFormat, readonly string[]> = { svg: ['.svg'], mermaid: ['.mmd', '.mermaid'], dot: ['.dot', '.gv'] };

/** Picture formats ringgen does not draw: asking for one by the file name is an error, not an SVG under that name. */
const OTHER_PICTURES = ['.png', '.jpg', '.jpeg', '.gif', '.webp', '.pdf', '.bmp', '.tif', '.tiff', '.eps', '.ps'];

/**
 * The format of `graph`: from `--format`, else from the `--out` file's extension. An extension
 * of one format with `--format` naming another, or of a picture format ringgen does not draw
 * (`ring.png`), is an error; any other name needs `--format` to say what to write into it.
 */
export function graphFormat(out: string | undefined, given: GraphFormat | undefined): { format: GraphFormat } | { error: string } {
  if (out === undefined) return { format: given ?? 'svg' };
  const ext = extname(out).toLowerCase();
  const named = (Object.keys(GRAPH_EXTENSIONS) as GraphFormat[]).find((f) => GRAPH_EXTENSIONS[f].includes(ext));
  const names = (Object.entries(GRAPH_EXTENSIONS) as Array<[GraphFormat, readonly string[]]>).map(([f, exts]) => `${exts.join('/')} (${f})`).join(', ');
  if (named && given && named !== given) return { error: `--out ${out} names a ${named} file, but --format is ${given}: name it for the format (${GRAPH_EXTENSIONS[given].join(' or ')})` };
  if (named) return { format: named };
  if (OTHER_PICTURES.includes(ext)) return { error: `ringgen draws svg, mermaid or dot, not ${ext.slice(1)}: name the --out file ${names}, and convert the SVG with a tool of your choice` };
  if (given) return { format: given };
  return { error: `cannot tell the format from the --out file name ${out}: name it ${names}, or give --format` };
}

/** What `--help` shows under each command: examples, then the exit codes it can end with. */
export const HELP: Record<CommandName, { examples: Array<[string, string]>; exits: string[] }> = {
  init: {
    examples: [
      ['$0 init ring', 'write ring/ring.config.ts and ring/tsconfig.json'],
      ['$0 init', 'the same in the current folder'],
    ],
    exits: ['0  written', '2  usage error, a ring.config.ts already there, or an unwritable folder'],
  },
  build: {
    examples: [
      ['$0 build', 'ring.config.ts into out/'],
      ['$0 build ring.config.ts --out out', 'the same, spelt out'],
      ['$0 build --format json --strict', 'for CI: one JSON object on stdout; warnings fail'],
      ['$0 build --check', 'write nothing; exit 3 when out/ is stale'],
    ],
    exits: [
      '0  built (warnings allowed unless --strict); with --check: up to date',
      '1  errors in the ring or its file, or warnings with --strict; no writes',
      '2  usage error, or the output folder refused or could not be written',
      '3  --check: the output folder is stale',
    ],
  },
  plan: {
    examples: [
      ['$0 plan', 'what building ring.config.ts into out/ would change, host by host'],
      ['$0 plan --detailed-exitcode', 'exit 4 when anything would change'],
    ],
    exits: ['0  planned (changes or none)', '1  errors in the ring or its file', '2  usage error', '4  --detailed-exitcode: something would change'],
  },
  check: {
    examples: [
      ['$0 check', 'check ring.config.ts'],
      ['$0 check ring.json --format json', 'the diagnostics as a JSON array'],
      ['$0 check --strict', 'warnings fail too'],
    ],
    exits: ['0  consistent (warnings allowed unless --strict)', '1  errors in the ring or its file (with --strict also warnings)', '2  usage error'],
  },
  graph: {
    examples: [
      ['$0 graph --out ring.svg', 'draw ring.config.ts as a self-contained SVG'],
      ['$0 graph -o ring.mmd', 'Mermaid, chosen by the file name (.dot/.gv: Graphviz)'],
      ['$0 graph --format dot > ring.dot', 'to stdout'],
    ],
    exits: ['0  drawn', '1  errors in the ring or its file; nothing drawn', '2  usage error (an --out name of another format too), or --out unwritable'],
  },
};
