/**
 * What reaches a terminal, and what cannot be passed on exactly: names from the input are shown
 * escaped in every output (text and JSON diagnostics, plan, usage errors); text that would arrive
 * changed (a lone surrogate, a CR in a mount path) is refused with a diagnostic.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ring } from '../src/input/dsl';
import { printable, terminalJson } from '../src/cli/terminal';
import { checkRing } from '../src/pipeline';
import { ringgen } from './cli-run';
import { tempDir } from './helpers';
import { formatPath } from '../src/diagnostics';

const cli = (args: string[], cwd: string) => ringgen(args, cwd);

/** One of each: C0 (ESC), DEL, C1 (CSI), line separator, bidi override and isolate, zero-width space, BOM, a lone surrogate. */
const NASTY = ['\u001b[31m', '\u007f', '\u009b', '\u2028', '\u202e', '\u2066', '\u200b', '\ufeff', '\ud800'];
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028-\u202e\u2066-\u2069\u200b\ufeff\ud800-\udfff]/u;

const spec = (name: string) => ({
  name: `r${name}`,
  hosts: [1, 2, 3].map((i) => ({ name: `h${i}${name}`, internal: `10.0.0.${i}`, tunnels: [] })),
  bridges: [{ name: `b${name}`, subnet: '192.168.1.0/24' }],
});

describe('names from the input never reach a terminal raw', () => {
  it.each(NASTY.map((c) => [JSON.stringify(c), c]))('printable escapes %s', (_, c) => {
    const shown = printable(`a${c}b`);
    expect(shown).not.toMatch(RAW);
    expect(shown).toMatch(/^a(\\u[0-9a-f]{4})+\[?3?1?m?b$/);
  });

  it('terminalJson is the same value, with nothing raw in it', () => {
    const value = { names: NASTY.map((c) => `x${c}y`), emoji: '😀' };
    const text = terminalJson(value);
    expect(text).not.toMatch(RAW);
    expect(JSON.parse(text)).toEqual(value);
    expect(text).toContain('😀');
  });

  it.each(NASTY.map((c) => [JSON.stringify(c), c]))('check, as text and as JSON, shows %s escaped', (_, c) => {
    const dir = tempDir();
    writeFileSync(join(dir, 'ring.json'), JSON.stringify(spec(c)));
    const text = cli(['check', 'ring.json'], dir);
    expect(text.status).toBe(1);
    expect(text.stderr).toMatch(/NAME_INVALID/);
    expect(text.stderr).not.toMatch(RAW);
    const json = cli(['check', 'ring.json', '--format', 'json'], dir);
    expect(json.status).toBe(1);
    expect(json.stdout).not.toMatch(RAW);
    const diagnostics = JSON.parse(json.stdout) as Array<{ path: string[]; pathText: string; message: string }>;
    expect(diagnostics.some((d) => JSON.stringify(d.path) === JSON.stringify(['hosts', `h1${c}`]) && d.pathText === formatPath(d.path))).toBe(true);
    const plan = cli(['plan', 'ring.json'], dir);
    expect(plan.status).toBe(1);
    expect(plan.stderr).not.toMatch(RAW);
  });

  it('a usage error naming an unknown option shows it escaped', () => {
    const r = cli(['check', 'x.json', '--a\u202eb\u009bc'], tempDir());
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/Unknown argument/);
    expect(r.stderr).not.toMatch(RAW);
  });
});

describe('text that cannot be passed on exactly is refused', () => {
  const base = () => ring('t').host('h1', { internal: '10.0.0.1' }).host('h2', { internal: '10.0.0.2' }).host('h3', { internal: '10.0.0.3' }).bridge('br0', { subnet: '192.168.7.0/24' });
  const codes = (r: ReturnType<typeof base>) => checkRing(r).diagnostics.map((d) => [d.code, formatPath(d.path)]);
  const c = { host: 'h1', bridge: 'br0', ip: '192.168.7.20', image: 'busybox' };

  it.each([
    ['an env value', { env: { A: 'x\ud800' } }, 'containers.h1/c1.env.A'],
    ['an env key', { env: { ['K\udc00']: 'v' } }, 'containers.h1/c1.env["K\\udc00"]'],
    ['a command argument', { command: ['sh', '\udfff'] }, 'containers.h1/c1.command[1]'],
    ['a bind source', { volumes: [{ source: '/srv/\ud83d', target: '/d' }] }, 'containers.h1/c1.volumes[0].source'],
    ['an env file path', { envFile: '/etc/\ud800.env' }, 'containers.h1/c1.envFile'],
  ])('a lone surrogate in %s is TEXT_UNENCODABLE', (_, extra, path) => {
    expect(codes(base().container('c1', { ...c, ...extra }))).toContainEqual(['TEXT_UNENCODABLE', path]);
  });

  it('a surrogate pair (an emoji) passes', () => {
    expect(codes(base().container('c1', { ...c, env: { A: '😀' }, command: ['echo', '😀'] }))).toEqual([]);
  });

  it.each(['/srv/a\rb', '/srv/a\r\nb', '/srv/a\nb', '/srv/\u001b[2J', '/srv/\u202eexe.txt', '/srv/a\u0085b'])('volume path %j is VOLUME_INVALID', (p) => {
    expect(codes(base().container('c1', { ...c, volumes: [{ source: p, target: '/d' }] }))).toEqual([['VOLUME_INVALID', 'containers.h1/c1.volumes[0]']]);
    expect(codes(base().container('c1', { ...c, volumes: [{ source: '/srv', target: `/d${p}` }] }))).toEqual([['VOLUME_INVALID', 'containers.h1/c1.volumes[0]']]);
  });

  it.each(['/etc/a\r.env', '/etc/\u001b]0;x\u0007.env', '/etc/\u202e.env'])('env file path %j, which the scripts print on the host, is ENV_INVALID', (p) => {
    expect(codes(base().container('c1', { ...c, envFile: p }))).toEqual([['ENV_INVALID', 'containers.h1/c1.envFile']]);
  });
});
