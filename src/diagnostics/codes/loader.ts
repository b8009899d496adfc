/** Codes of a ring that did not load, or did not have the shape of a spec. */
import { join } from 'node:path';
import { defineCode } from '../define';

/** What a ring file may be, as the refusals word it. */
const accepted = (extensions: readonly string[]) => `ringgen reads ${extensions.join(', ')} files (extensions in any case)`;

type ConfigLoad =
  | { kind: 'missing'; file: string }
  | { kind: 'folder'; file: string; extensions: readonly string[] }
  | { kind: 'special'; file: string; extensions: readonly string[] }
  | { kind: 'extension'; file: string; extension: string; extensions: readonly string[] }
  | { kind: 'binary'; file: string; offset: number }
  | { kind: 'encoding'; file: string }
  | { kind: 'json'; error: string }
  | { kind: 'noExport'; exports: readonly string[] }
  | { kind: 'promise' }
  | { kind: 'threw'; error: string }
  | { kind: 'crashed'; file: string; error: string };

const CONFIG_LOAD = defineCode<ConfigLoad>()({
  severity: 'error',
  summary: 'the ring file is missing, is a folder, device or binary (or not UTF-8) file, has an extension ringgen does not accept, is not valid JSON, threw when run (whatever it threw), imports a file that is neither code nor JSON, is nested too deeply to parse, or exported a promise',
  values: ['kind', 'file', 'extension', 'extensions', 'offset', 'error', 'exports'],
  kinds: ['missing', 'folder', 'special', 'extension', 'binary', 'encoding', 'json', 'noExport', 'promise', 'threw', 'crashed'],
  message: (v) => {
    switch (v.kind) {
      case 'missing': return `config file ${v.file} not found`;
      case 'folder': return `${v.file} is a folder, not a ring file`;
      case 'special': return `${v.file} is not a regular file (a device, pipe or socket)`;
      case 'extension': return `${v.file} ${v.extension === '' ? 'has no extension' : `has the extension ${v.extension}`}; it is neither read as JSON nor run as code`;
      case 'binary': return `${v.file} is a binary file (a NUL byte at offset ${v.offset}), not a ring file`;
      case 'encoding': return `${v.file} is not UTF-8 text`;
      case 'json': return `not valid JSON: ${v.error}`;
      case 'noExport': {
        const has = v.exports.length === 0 ? 'it exports nothing' : `it exports only ${v.exports.slice(0, 5).join(', ')}${v.exports.length > 5 ? ', ...' : ''}`;
        return `the ring file has no default export (${has})`;
      }
      case 'promise': return 'the ring file exports a promise (an async function?); ringgen reads rings synchronously';
      case 'threw': return `the config threw: ${v.error}`;
      case 'crashed': return `${v.file} could not be loaded: ${v.error}`;
    }
  },
  hint: (v) => {
    switch (v.kind) {
      case 'missing': return 'Give the ring file as an argument, or create ring.config.ts here (ringgen init).';
      case 'folder': return `Name the ring file inside it, e.g. ${join(v.file, 'ring.config.ts')}; ${accepted(v.extensions)}.`;
      case 'special': return `Give a ring file; ${accepted(v.extensions)}.`;
      case 'extension': return `Rename it: ${accepted(v.extensions)}. Only those run as code or parse as a plain spec.`;
      case 'binary': return 'Give the ring file itself: TypeScript, JavaScript or a JSON plain spec, as UTF-8 text.';
      case 'encoding': return 'Save the ring file as UTF-8 (ringgen does not guess other encodings, so no character changes silently).';
      case 'json': return 'Fix the JSON syntax.';
      case 'noExport': return 'End it with export default ring(...) (or export const ring = ...; in CommonJS, module.exports = ring(...)).';
      case 'promise': return 'Export the ring builder itself, or a plain function that returns it; do any asynchronous work before ringgen build (e.g. write a JSON spec).';
      case 'threw': return 'Fix the error in the config file.';
      case 'crashed': return 'Simplify the ring file (a loop or an array instead of deep nesting or a long chain of calls).';
    }
  },
});

/**
 * A type error: `ts` is TypeScript's number for it, `text` its message; `compiler` the version of
 * the native compiler that found it, when the in-process one did not. `global`: a name a ring
 * file cannot use (it is checked without Node's or a browser's globals).
 */
type ConfigType = { kind: 'type'; ts: number; text: string; compiler?: string } | { kind: 'global'; ts: number; name: string };

const CONFIG_TYPE = defineCode<ConfigType>()({
  severity: 'error',
  summary: 'a TypeScript type error in the ring file (or a file it imports)',
  values: ['kind', 'ts', 'text', 'compiler', 'name'],
  kinds: ['type', 'global'],
  message: (v) => (v.kind === 'global' ? `TS${v.ts}: Cannot find name '${v.name}': a ring file is type-checked without Node's or a browser's globals` : `TS${v.ts}: ${v.text}`),
  hint: (v) => {
    if (v.kind === 'global') {
      return `Ring files are type-checked with the ES2022 library and ringgen's types only (installing @types/node does not change that). Run ringgen with --no-typecheck to run the file as it is, or declare what you use in the file (e.g. declare const ${v.name}: any;).`;
    }
    const by = v.compiler === undefined ? '' : ` (found by TypeScript ${v.compiler})`;
    return `Fix the type error${by}; the DSL reference (docs/dsl.md) lists every option.`;
  },
});

/**
 * `shape`: one of zod's issues (`issue` its code, `text` its message, and what it carries:
 * `expected`, `keys`, `options`); `builder`: the builder could not make a plain spec at all.
 */
type Schema =
  | { kind: 'shape'; issue: string; text: string; expected?: string; keys?: readonly string[]; options?: readonly string[] }
  | { kind: 'builder'; error: string };

const SCHEMA = defineCode<Schema>()({
  severity: 'error',
  summary: 'the spec has the wrong shape: a missing or unknown key, or a value of the wrong type',
  values: ['kind', 'issue', 'text', 'expected', 'keys', 'options', 'error'],
  kinds: ['shape', 'builder'],
  message: (v) => (v.kind === 'shape' ? v.text : `the ring could not be turned into a plain spec: ${v.error}`),
  hint: (v) =>
    v.kind === 'shape'
      ? 'Compare with the RingSpec type in the DSL reference (docs/dsl.md); unknown keys are refused so typos do not pass silently.'
      : 'A value of the wrong type reached the ring builder (a config run without the type-check?): compare with the DSL reference (docs/dsl.md).',
});

export const LOADER_CODES = { CONFIG_LOAD, CONFIG_TYPE, SCHEMA };
