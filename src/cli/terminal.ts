/** Human output: diagnostics grouped and readable, colour only on a terminal, and the build summary. */
import { formatPath, type Diagnostic } from '../diagnostics';
import type { RingModel } from '../model/model';
import type { StpResult } from '../model/stp';
import { printable, UNSAFE_TEXT } from '../input/text';

/** Colours for text on a terminal (`style(false)`: none). */
export interface Style {
  red(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

/** The colours of `formatDiagnostics` and `formatPlan`: ANSI codes when `color`, plain text otherwise. */
export function style(color: boolean): Style {
  const wrap = (code: number) => (s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  return { red: wrap(31), yellow: wrap(33), dim: wrap(2), bold: wrap(1) };
}

/**
 * Text from the ring file on a terminal: control characters (the escape that starts a terminal
 * control sequence, a carriage return) are shown as `\u001b`, never written raw. Line breaks stay
 * (TypeScript's messages have them) but continue indented, so no line can pass for a diagnostic.
 */
function visible(text: string): string {
  return printable(text).replace(/\n/g, '\n      ');
}

export { printable };

/**
 * JSON for a terminal: the same value (`JSON.parse` reads it back exactly), with every character
 * `printable` escapes written as a `\u` escape. `JSON.stringify` escapes C0 controls and lone
 * surrogates itself, but writes DEL, C1 controls, separators and bidirectional controls raw.
 */
export function terminalJson(value: unknown): string {
  // Its own line breaks are layout: inside strings JSON.stringify writes `\n`.
  return JSON.stringify(value, null, 2).replace(UNSAFE_TEXT, (ch) => printable(ch));
}

function where(d: Diagnostic, cwd: string): string {
  if (!d.location) return '';
  const file = d.location.file.startsWith(cwd + '/') ? d.location.file.slice(cwd.length + 1) : d.location.file;
  return `${visible(file)}:${d.location.line}:${d.location.column}: `;
}

/** `file:line:col: error CODE at path: message` then the hint; errors first, then warnings. */
export function formatDiagnostics(items: readonly Diagnostic[], s: Style, cwd = process.cwd()): string {
  const lines: string[] = [];
  for (const d of items) {
    const sev = d.severity === 'error' ? s.red('error') : s.yellow('warning');
    lines.push(`${where(d, cwd)}${sev} ${s.bold(d.code)} at ${visible(formatPath(d.path))}: ${visible(d.message)}`);
    lines.push(s.dim(`    hint: ${visible(d.hint)}`));
  }
  const errors = items.filter((d) => d.severity === 'error').length;
  const warnings = items.length - errors;
  if (items.length > 0) lines.push(`${errors} error(s), ${warnings} warning(s)`);
  return lines.join('\n');
}

/** One line: the spanning tree's root and the tunnels it blocks while every host is up. */
export function describeTree(model: RingModel, stp: StpResult): string {
  if (model.opts.stp === 'off') return 'spanning tree: off';
  const blocked = stp.blocked.map((t) => `${t.name} (${t.a}-${t.b})`).join(', ') || 'nothing';
  return `spanning tree (${model.opts.stp}): root ${stp.root}; blocks ${blocked} while every host is up`;
}

/** One line per host: tunnels, containers, published ports. */
export function summary(model: RingModel, stp: StpResult, outDir: string): string {
  const lines = [`ring ${model.name}: ${model.hosts.length} host(s), ${model.tunnels.length} ${model.opts.tunnel} tunnel(s), overlay MTU ${model.overlayMtu} -> ${printable(outDir)}`];
  for (const h of model.hosts) {
    const tunnels = model.tunnels.filter((t) => t.a === h.name || t.b === h.name).map((t) => t.name);
    const published = h.published.map(({ container: c, publish: p }) => `${p.hostPort}/${p.proto}->${c.name}@${c.host}`);
    lines.push(
      `  ${h.name.padEnd(12)} ${h.internal!.ip.padEnd(15)} tunnels ${tunnels.join(',') || '-'}; containers ${h.containers.length}; published ${published.join(' ') || '-'}`,
    );
  }
  lines.push(describeTree(model, stp));
  lines.push(`picture of the ring: ${printable(outDir)}/ring.svg`);
  return lines.join('\n');
}
