/** `ringgen plan`: per-host changes against a previous build, from structured manifests or files. */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ring } from '../src/input/dsl';
import { buildRing } from '../src/pipeline';
import { readPrevious } from '../src/plan/manifest';
import { manifestSchema, summarySchema } from '../src/plan/manifest-schema';
import { formatPlan } from '../src/plan/format';
import { makePlan, type Plan } from '../src/plan/plan';
import { style } from '../src/cli/terminal';
import { ringgen } from './cli-run';
import { tempDir, writeFiles } from './helpers';

interface Variant {
  webHost?: string;
  chord?: boolean;
  hostE?: boolean;
  port?: number;
  dropD?: boolean;
  /** Publish a:8080 to a container `api` on c instead of `web`. */
  publishApi?: boolean;
}

/** Four hosts (five with `hostE`), a chord a-c, `web` published on a's external IP. */
function fixture(v: Variant = {}) {
  const r = ring('pl')
    .host('a', { internal: '10.9.0.1', external: '203.0.113.1' })
    .host('b', { internal: '10.9.0.2' })
    .host('c', { internal: '10.9.0.3' });
  if (!v.dropD) r.host('d', { internal: '10.9.0.4' });
  if (v.hostE) r.host('e', { internal: '10.9.0.5' });
  r.bridge('br0', { subnet: '192.168.60.0/24' });
  if (v.chord ?? true) r.tunnel('chord', 'a', 'c');
  const publish = [`a:${v.port ?? 8080}:80`];
  r.container('web', { host: v.webHost ?? 'b', bridge: 'br0', ip: '192.168.60.10', image: 'busybox', ...(v.publishApi ? {} : { publish }) });
  if (v.publishApi) r.container('api', { host: 'c', bridge: 'br0', ip: '192.168.60.30', image: 'busybox', publish });
  r.container('db', { host: 'c', bridge: 'br0', ip: '192.168.60.20', image: 'busybox' });
  return r;
}

function files(v: Variant = {}) {
  const out = buildRing(fixture(v));
  expect(out.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return out.files;
}

function built(v: Variant = {}): string {
  const dir = tempDir();
  writeFiles(dir, files(v));
  return dir;
}

const plan = (dir: string, v: Variant): Plan => makePlan(readPrevious(dir), files(v), dir);
const host = (p: Plan, name: string) => p.hosts.find((h) => h.host === name)!;
const lines = (p: Plan, name: string) => host(p, name).changes.filter((c) => c.kind !== 'rule' && c.kind !== 'file').map((c) => `${c.op} ${c.text}`);

describe('plan', () => {
  it('a build writes its manifest as the schema that reads it back has it: every field, no other', () => {
    const manifest = JSON.parse(buildRing(fixture()).files.find((f) => f.path === 'manifest.json')!.content);
    const strict = manifestSchema.strict().safeParse(manifest);
    expect(strict.success, JSON.stringify(strict.error?.issues)).toBe(true);
    const host = manifest.hosts.a;
    expect(Object.keys(host).sort()).toEqual(['bridges', 'containers', 'external', 'files', 'internal', 'published', 'tunnels']);
    expect(summarySchema.parse(host).tunnels.map((t) => t.remote).sort()).toEqual(['10.9.0.2', '10.9.0.3', '10.9.0.4']);
    expect(manifestSchema.safeParse({ ...manifest, hosts: { a: { ...host, internal: 1 } } }).success).toBe(false);
  });

  it('nothing changed: every host unchanged, changed false', () => {
    const p = plan(built(), {});
    expect(p.changed).toBe(false);
    expect(p.ringChanges).toEqual([]);
    expect(p.hosts.map((h) => `${h.host} ${h.status} ${h.action}`)).toEqual(['a unchanged null', 'b unchanged null', 'c unchanged null', 'd unchanged null']);
  });

  it('a moved container reads as a move on both hosts; the host publishing its port has nothing to do', () => {
    const p = plan(built(), { webHost: 'd' });
    expect(lines(p, 'b')).toEqual(['- container web (moved to d)']);
    expect(lines(p, 'd')).toEqual(['+ container web 192.168.60.10 on br0, image busybox (moved from b)']);
    expect(host(p, 'd').changes.find((c) => c.kind === 'container')!.moved).toEqual({ from: 'b', to: 'd' });
    for (const h of ['b', 'd']) expect(host(p, h).action).toBe('up');
    for (const h of ['a', 'c']) expect([host(p, h).status, host(p, h).action]).toEqual(['unchanged', null]);
  });

  it('a published port sent to another container: the old and new target, on the publishing host', () => {
    const p = plan(built(), { publishApi: true });
    expect(lines(p, 'a')).toEqual(['~ publish 8080/tcp -> api@c 192.168.60.30:80: was web@b 192.168.60.10:80']);
    expect(host(p, 'a').action).toBe('up');
  });

  it('a removed chord disappears from both ends, with the peer rule that let it in', () => {
    const p = plan(built(), { chord: false });
    expect(lines(p, 'a')).toEqual(['- tunnel chord (gre) to c 10.9.0.3']);
    expect(lines(p, 'c')).toEqual(['- tunnel chord (gre) to a 10.9.0.1']);
    const rules = host(p, 'a').changes.filter((c) => c.kind === 'rule').map((c) => `${c.op} ${c.name}`);
    expect(rules).toEqual(['- -A RG-pl-IN -s 10.9.0.3/32 -d 10.9.0.1/32 -p gre -j ACCEPT']);
    expect(host(p, 'a').changes.filter((c) => c.kind === 'file').map((c) => c.name)).toEqual(expect.arrayContaining(['up.sh', 'iptables.rules']));
  });

  it('an added host: install there; its neighbours swap the tunnel that closed the ring', () => {
    const p = plan(built(), { hostE: true });
    const e = host(p, 'e');
    expect([e.status, e.action]).toEqual(['added', 'install']);
    expect(lines(p, 'e')).toEqual(['+ tunnel gre3 (gre) to d 10.9.0.4', '+ tunnel gre4 (gre) to a 10.9.0.1']);
    expect(lines(p, 'd')).toEqual(['- tunnel gre3 (gre) to a 10.9.0.1', '+ tunnel gre3 (gre) to e 10.9.0.5']);
    expect(lines(p, 'a')).toEqual(['- tunnel gre3 (gre) to d 10.9.0.4', '+ tunnel gre4 (gre) to e 10.9.0.5']);
    expect(host(p, 'b').status).toBe('unchanged');
  });

  it('a removed host needs uninstall.sh', () => {
    const p = plan(built(), { dropD: true });
    const d = host(p, 'd');
    expect([d.status, d.action]).toEqual(['removed', 'uninstall']);
    expect(lines(p, 'd')).toEqual(['- tunnel gre2 (gre) to c 10.9.0.3', '- tunnel gre3 (gre) to a 10.9.0.1']);
  });

  it('a changed published port: the old port goes, the new one comes, with their DNAT rules', () => {
    const p = plan(built(), { port: 8081 });
    expect(lines(p, 'a')).toEqual(['- publish 8080/tcp -> web@b 192.168.60.10:80', '+ publish 8081/tcp -> web@b 192.168.60.10:80']);
    const rules = host(p, 'a').changes.filter((c) => c.kind === 'rule').map((c) => `${c.op} ${c.name}`);
    expect(rules).toEqual(
      expect.arrayContaining([
        '- -A RG-pl-PRE -d 203.0.113.1/32 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 192.168.60.10:80',
        '+ -A RG-pl-PRE -d 203.0.113.1/32 -p tcp -m tcp --dport 8081 -j DNAT --to-destination 192.168.60.10:80',
      ]),
    );
    expect(p.hosts.filter((h) => h.status !== 'unchanged').map((h) => h.host)).toEqual(['a']);
  });

  it('an old manifest without summaries: hosts are compared by their files', () => {
    const dir = built();
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    for (const h of Object.values(manifest.hosts) as Array<Record<string, unknown>>) for (const k of ['tunnels', 'bridges', 'containers', 'published']) delete h[k];
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const p = plan(dir, { chord: false });
    const a = host(p, 'a');
    expect(a.compared).toBe('files');
    expect(a.changes.map((c) => c.kind)).not.toContain('tunnel');
    expect(a.changes.filter((c) => c.kind === 'rule')).toHaveLength(1);
    expect(a.action).toBe('up');
    expect(host(p, 'b').changes.map((c) => `${c.op} ${c.text}`)).toEqual(['~ file check.sh', '~ file up.sh']);
    expect(host(p, 'd').status).toBe('unchanged');
    expect(plan(dir, {}).ringChanges.map((c) => `${c.op} ${c.name}`)).toEqual(['~ manifest.json']);
  });

  it('names from a tampered manifest reach the terminal with their control characters escaped', () => {
    const dir = built();
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    manifest.hosts['evil\u001b[2Jhost'] = manifest.hosts.d;
    manifest.ring = 'pl\rFAKE';
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const text = formatPlan(plan(dir, {}), dir, style(false));
    expect(text).toContain('evil\\u001b[2Jhost');
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  });

  it('no previous build, or an unreadable manifest: every host is new', () => {
    const none = plan(tempDir(), {});
    expect(none.previous.state).toBe('none');
    expect(none.hosts.every((h) => h.status === 'added')).toBe(true);
    const dir = built();
    writeFileSync(join(dir, 'manifest.json'), '{"generator": "ringgen", "hosts": 3}');
    const bad = plan(dir, {});
    expect(bad.previous.state).toBe('unreadable');
    expect(bad.notes.join()).toMatch(/unreadable \(not a ringgen manifest/);
    expect(bad.hosts.every((h) => h.status === 'added')).toBe(true);
  });

  it('paths and host names from a tampered manifest are ignored, never read', () => {
    const dir = built();
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    manifest.files.push('../../etc/passwd', '/etc/shadow');
    manifest.hosts['../x'] = { files: [] };
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const p = plan(dir, {});
    expect(p.notes.join()).toMatch(/ignored in the old manifest: host "..\/x", file "..\/..\/etc\/passwd", file "\/etc\/shadow"/);
    expect(p.hosts.map((h) => h.host)).toEqual(['a', 'b', 'c', 'd']);
    expect(JSON.stringify([p.ringChanges, p.hosts])).not.toMatch(/passwd|shadow|\.\.\/x/);
  });
});

describe('ringgen plan (CLI)', () => {
  const cli = (args: string[], cwd: string) => ringgen(args, cwd);
  const source = (v: string) =>
    `import { ring } from 'ringgen';\nexport default ring('pl')\n  .host('a', { internal: '10.9.0.1', external: '203.0.113.1' })\n  .host('b', { internal: '10.9.0.2' })\n  .host('c', { internal: '10.9.0.3' })\n  .bridge('br0', { subnet: '192.168.60.0/24' })\n  .container('web', { host: '${v}', bridge: 'br0', ip: '192.168.60.10', image: 'busybox', publish: ['a:8080:80'] });\n`;
  const snapshot = (dir: string): string[] =>
    readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .sort()
      .map((p) => (statSync(join(dir, p)).isFile() ? `${p} ${statSync(join(dir, p)).mtimeMs} ${readFileSync(join(dir, p), 'utf8').length}` : p));

  it('prints the plan, writes nothing, exits 0, or 4 with --detailed-exitcode; json too', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'ring.config.ts'), source('b'));
    expect(cli(['build', '-q'], dir).status).toBe(0);
    expect(cli(['plan', '--detailed-exitcode'], dir).status).toBe(0);
    writeFileSync(join(dir, 'ring.config.ts'), source('c'));
    const before = snapshot(dir);
    const text = cli(['plan'], dir);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^b: re-run up\.sh/m);
    expect(text.stdout).toContain('  - container web (moved to c)');
    expect(text.stdout).toContain('  + container web 192.168.60.10 on br0, image busybox (moved from b)');
    expect(text.stdout).toMatch(/^unchanged: a$/m);
    expect(text.stdout).toMatch(/2 host\(s\) to re-run, 0 to add, 0 to remove, 1 to leave alone/);
    expect(cli(['plan', '--detailed-exitcode'], dir).status).toBe(4);
    const json = cli(['plan', '--format', 'json', '--out', 'out'], dir);
    expect(json.status).toBe(0);
    const p = JSON.parse(json.stdout) as Plan;
    expect(p.changed).toBe(true);
    expect(p.hosts.map((h) => [h.host, h.status, h.action])).toEqual([['a', 'unchanged', null], ['b', 'changed', 'up'], ['c', 'changed', 'up']]);
    expect(snapshot(dir)).toEqual(before);
  });

  it('a ring with errors: diagnostics, exit 1, nothing written', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'ring.config.ts'), source('nowhere'));
    const r = cli(['plan', '--out', 'o'], dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/REF_UNKNOWN/);
    expect(readdirSync(dir)).toEqual(['ring.config.ts']);
  });
});
