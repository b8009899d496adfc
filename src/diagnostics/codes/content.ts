/** Codes of what a container carries: environment, command, volumes, its command line; and of free text. */
import { printable } from '../../input/text';
import { defineCode, show } from '../define';
import { formatPath } from '../path';

const NUL_HINT = 'A NUL character cannot be part of a program argument, an environment variable or a path: remove it.';
// Docker's --mount parser (CSV) turns a CR before a line break into nothing, and the scripts'
// log lines on the host print these paths: such a path would not arrive, or not show, as written.
const PATH_HINT = 'A path may not hold control characters (CR, LF, tab, ESC...), line separators, bidirectional controls or zero-width characters: rename the file or folder.';

/** `name`: the variable's name is invalid; `valueNul`: its value holds a NUL; the others are about `envFile`. */
type EnvInvalid =
  | { kind: 'name' | 'valueNul'; name: string }
  | { kind: 'envFileRelative' | 'envFileNul' | 'envFileCharacter'; envFile: string };

const ENV_INVALID = defineCode<EnvInvalid>()({
  severity: 'error',
  summary: 'an environment variable name is invalid, or `envFile` is not an absolute path or holds a control, line-break, bidirectional or zero-width character',
  values: ['kind', 'name', 'envFile'],
  kinds: ['name', 'valueNul', 'envFileRelative', 'envFileNul', 'envFileCharacter'],
  message: (v) => {
    switch (v.kind) {
      case 'name': return `environment variable name ${show(v.name)} is not valid`;
      case 'valueNul': return `the value of environment variable ${v.name} contains a NUL character`;
      case 'envFileRelative': return `envFile ${show(v.envFile)} is not an absolute path`;
      case 'envFileNul': return `envFile ${show(v.envFile)} contains a NUL character`;
      case 'envFileCharacter': return `envFile ${show(v.envFile)} contains a control, line-break or invisible character`;
    }
  },
  hint: (v) => {
    switch (v.kind) {
      case 'name': return 'Names are letters, digits and "_", not starting with a digit. Values may hold any characters but NUL.';
      case 'envFileRelative': return 'Give the absolute path of the file on the host, e.g. /etc/ringgen/app.env.';
      case 'envFileCharacter': return PATH_HINT;
      default: return NUL_HINT;
    }
  },
});

/** Argument `index` of the container's command holds a NUL. */
const COMMAND_INVALID = defineCode<{ container: string; index: number }>()({
  severity: 'error',
  summary: "a container's command argument holds a NUL character (bash cannot carry it)",
  values: ['container', 'index'],
  message: (v) => `command argument ${v.index} of container "${v.container}" contains a NUL character`,
  hint: NUL_HINT,
});

/** About volume `index`; `sameTarget`: it mounts on `target` as volume `first` does. */
type VolumeInvalid =
  | { kind: 'nul' | 'character'; index: number }
  | { kind: 'target'; index: number; target: string }
  | { kind: 'source'; index: number; source: string }
  | { kind: 'name'; index: number; volume: string }
  | { kind: 'sameTarget'; index: number; first: number; container: string; target: string };

const VOLUME_INVALID = defineCode<VolumeInvalid>()({
  severity: 'error',
  summary: "a volume's target or bind source is not an absolute path or holds a control, line-break, bidirectional or zero-width character (Docker's `--mount` parser drops a CR), or a volume name is invalid",
  values: ['kind', 'index', 'target', 'source', 'volume', 'first', 'container'],
  kinds: ['nul', 'character', 'target', 'source', 'name', 'sameTarget'],
  message: (v) => {
    switch (v.kind) {
      case 'nul': return `a path of volume ${v.index} contains a NUL character`;
      case 'character': return `a path of volume ${v.index} contains a control, line-break or invisible character`;
      case 'target': return `volume target ${show(v.target)} is not an absolute path`;
      case 'source': return `bind mount source ${show(v.source)} is not an absolute path`;
      case 'name': return `volume name ${show(v.volume)} is not a valid Docker volume name`;
      case 'sameTarget': return `volumes ${v.first} and ${v.index} of container "${v.container}" both mount on ${show(v.target)}`;
    }
  },
  hint: (v) => {
    switch (v.kind) {
      case 'nul': return NUL_HINT;
      case 'character': return PATH_HINT;
      case 'target': return 'The target is the absolute path inside the container.';
      case 'source': return 'Give an absolute host path, or use { volume: "name" } for a named volume.';
      case 'name': return 'Use letters, digits, "_", "." or "-".';
      case 'sameTarget': return 'Docker refuses two mounts on one path: give each its own target.';
    }
  },
});

const KIB = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
const MOVE_HINT = 'Move long values into a file on the host: envFile for environment variables, a bind-mounted file for data a command reads.';

/**
 * `argument`: one argument made from `field` (a path inside the container) takes `bytes`, more
 * than `maximum`; `line`: the whole line takes `bytes` (`fieldBytes` of them from `field`), more
 * than `maximum`, the budget left when `reserved` bytes are kept for the environment.
 */
type ArgTooLong =
  | { kind: 'argument'; container: string; field: readonly (string | number)[]; bytes: number; maximum: number }
  | { kind: 'line'; container: string; field: string; bytes: number; fieldBytes: number; maximum: number; reserved: number };

const ARG_TOO_LONG = defineCode<ArgTooLong>()({
  severity: 'error',
  summary: "a container's `docker create` line would pass what Linux takes: one argument over 128 KiB, or all of them over 1.75 MiB (2 MiB for arguments and environment, 256 KiB kept for the environment)",
  values: ['kind', 'container', 'field', 'bytes', 'fieldBytes', 'maximum', 'reserved'],
  kinds: ['argument', 'line'],
  message: (v) =>
    v.kind === 'argument'
      ? `${formatPath(v.field)} of container "${v.container}" makes an argument of ${v.bytes} bytes on its docker create line; Linux takes at most ${v.maximum} (${v.maximum / 1024} KiB) for one argument`
      : `the docker create line of container "${v.container}" takes ${KIB(v.bytes)} (${v.field}: ${KIB(v.fieldBytes)}), more than the ${KIB(v.maximum)} a command line can have`,
  hint: (v) =>
    v.kind === 'argument'
      ? MOVE_HINT
      : "Linux takes at most 2 MiB for a command's arguments and environment together (a quarter of the usual 8 MiB stack limit); " +
        `ringgen keeps ${KIB(v.reserved)} of that for the environment up.sh runs in. ${MOVE_HINT}`,
});

/** A `value` or a `key` at the diagnostic's path holds a lone surrogate. */
const TEXT_UNENCODABLE = defineCode<{ kind: 'value' | 'key' }>()({
  severity: 'error',
  summary: 'a string (or key) holds a lone UTF-16 surrogate, which UTF-8 cannot encode: it would be written as U+FFFD',
  values: ['kind'],
  kinds: ['value', 'key'],
  message: (v, path) => `the ${v.kind} at ${printable(formatPath(path))} holds a lone UTF-16 surrogate, which UTF-8 cannot encode (it would be written as U+FFFD)`,
  hint: 'Write the character it stands for (a surrogate pair, e.g. "\\ud83d\\ude00"), or remove the stray \\ud800-\\udfff escape.',
});

export const CONTENT_CODES = { ENV_INVALID, COMMAND_INVALID, VOLUME_INVALID, ARG_TOO_LONG, TEXT_UNENCODABLE };
