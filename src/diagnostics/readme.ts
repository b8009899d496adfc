/**
 * docs/cli.md's code table, written from the table of codes: `npm run docs:codes` puts it between
 * the two markers, and a test fails when docs/cli.md holds another.
 */
import { DIAGNOSTIC_CODES, entryOf } from './table';

export const CODE_TABLE_START = '<!-- The code table is generated from src/diagnostics/codes/ by `npm run docs:codes`: edit it there. -->';
export const CODE_TABLE_END = '<!-- End of the generated code table. -->';

const cell = (text: string) => text.replace(/\|/g, '\\|');

/** The table as Markdown: code, severity, meaning and the names of the values (with the cases of `kind`), one row per code. */
export function codeTableMarkdown(): string {
  const rows = DIAGNOSTIC_CODES.map((code) => {
    const e = entryOf(code);
    const name = (v: string) => (v === 'kind' && e.kinds ? `\`kind\` (${e.kinds.map((k) => `\`${k}\``).join(', ')})` : `\`${v}\``);
    const values = e.values.length === 0 ? '-' : e.values.map(name).join(', ');
    return `| \`${code}\` | ${e.severity} | ${cell(e.summary)} | ${values} |`;
  });
  return ['| code | severity | meaning | values |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** The document with the generated table between its markers (which it must hold, once each, in order). */
export function withCodeTable(readme: string): string {
  const start = readme.indexOf(CODE_TABLE_START);
  const end = readme.indexOf(CODE_TABLE_END);
  if (start < 0 || end < start || readme.indexOf(CODE_TABLE_START, start + 1) >= 0) {
    throw new Error(`docs/cli.md needs the markers ${CODE_TABLE_START} and ${CODE_TABLE_END}, once each, in that order`);
  }
  return `${readme.slice(0, start)}${CODE_TABLE_START}\n\n${codeTableMarkdown()}\n\n${readme.slice(end)}`;
}
