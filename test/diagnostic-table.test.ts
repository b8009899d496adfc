/**
 * The table of diagnostic codes: docs/cli.md's code table is the one it writes, its types refuse
 * wrong values (test/types/diagnostic-values.ts), and a diagnostic is its code's text for its values.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { DIAGNOSTIC_CODES, DIAGNOSTIC_TABLE, diagnostic, diagnosticJson, RingError } from '../src/diagnostics';
import { CODE_TABLE_END, CODE_TABLE_START, codeTableMarkdown, withCodeTable } from '../src/diagnostics/readme';
import { ROOT } from './helpers';

const README = join(ROOT, 'docs', 'cli.md');

describe('the code table of docs/cli.md', () => {
  it('holds the code table the table of codes writes (npm run docs:codes writes it)', () => {
    const readme = readFileSync(README, 'utf8');
    expect(readme.split(CODE_TABLE_START)).toHaveLength(2);
    expect(withCodeTable(readme) === readme, 'docs/cli.md is stale: run npm run docs:codes').toBe(true);
  });

  it('lists every code once, with its severity', () => {
    const rows = [...codeTableMarkdown().matchAll(/^\| `([A-Z_]+)` \| (error|warning) \|/gm)].map((m) => [m[1], m[2]]);
    expect(rows).toEqual(DIAGNOSTIC_CODES.map((c) => [c, DIAGNOSTIC_TABLE[c].severity]));
  });

  it('a document whose table was edited by hand, or lost a row, is stale', () => {
    const readme = readFileSync(README, 'utf8');
    const edited = readme.replace(/^\| `VNI_RANGE` .*\n/m, '');
    expect(edited).not.toBe(readme);
    expect(withCodeTable(edited)).toBe(readme);
    expect(() => withCodeTable(readme.replace(CODE_TABLE_END, ''))).toThrow(/markers/);
  });
});

describe('the types', () => {
  it('refuse a code with values that are not its own (test/types/diagnostic-values.ts)', () => {
    const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
    const program = ts.createProgram({ rootNames: [join(ROOT, 'test/types/diagnostic-values.ts')], options: { ...config.options, noEmit: true } });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    expect(problems).toEqual([]);
  }, 120_000);
});

describe('a diagnostic', () => {
  const d = diagnostic('CONTAINER_IP_OUTSIDE', ['containers', 'h1/web', 'ip'], { container: 'web', ip: '192.168.3.5', bridge: 'br0', subnet: '192.168.2.0/24' });

  it('takes its severity, message and hint from its code and values', () => {
    expect(d).toEqual({
      code: 'CONTAINER_IP_OUTSIDE',
      severity: 'error',
      path: ['containers', 'h1/web', 'ip'],
      message: 'address 192.168.3.5 of container "web" is outside subnet 192.168.2.0/24 of bridge "br0"',
      hint: 'Pick an address inside the bridge subnet, or attach the container to the bridge that holds it.',
      values: { container: 'web', ip: '192.168.3.5', bridge: 'br0', subnet: '192.168.2.0/24' },
    });
    expect(diagnostic('SUBNET_DOCKER_DEFAULT', [], { bridge: 'b', subnet: '172.17.0.0/24', docker: '172.17.0.0/16' }).severity).toBe('warning');
  });

  it('carries its values in the JSON form, after the hint', () => {
    const json = JSON.parse(JSON.stringify(diagnosticJson(d))) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['code', 'severity', 'path', 'pathText', 'message', 'hint', 'values']);
    expect(json.values).toEqual(d.values);
  });

  it('is listed in a RingError\'s message as [path] message', () => {
    expect(new RingError([d]).message).toBe(`1 error in the ring:\n  [containers.h1/web.ip] ${d.message}`);
  });
});
