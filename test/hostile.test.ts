/**
 * Hostile strings: names are refused by strict patterns; free text (command arguments,
 * environment values, paths) reaches docker as exactly one argument each. Proven by running
 * the generated line in bash with a `docker` that prints its arguments.
 */
import { describe, expect, it } from 'vitest';
import { ring } from '../src/input/dsl';
import { buildRing, checkRing } from '../src/pipeline';
import { dataBlock, dockerCreateArgs, run } from './helpers';

const HOSTILE = ['$(touch /tmp/ringgen-pwned)', '`id`', 'a; rm -rf /', "it's", '"quoted"', 'line1\nline2', '\\back\\slash', '$HOME ${PATH}', '*', '-rf', ' lead', 'x'.repeat(5000), '{{handlebars}}', '\t', 'ümlaut €'];

function base() {
  return ring('hostile')
    .host('h1', { internal: '10.0.0.1', external: '192.0.2.1' })
    .host('h2', { internal: '10.0.0.2' })
    .host('h3', { internal: '10.0.0.3' })
    .bridge('br0', { subnet: '192.168.7.0/24' });
}

describe('hostile strings', () => {
  it('free-text fields reach docker as exactly the given arguments', () => {
    const env = Object.fromEntries(HOSTILE.map((v, i) => [`V${i}`, v]));
    const r = base().container('c1', {
      host: 'h1',
      bridge: 'br0',
      ip: '192.168.7.20',
      image: 'busybox',
      command: HOSTILE,
      env,
      volumes: [{ source: '/srv/a,b"c $(x)', target: '/data dir/`y`' }],
      envFile: "/etc/ringgen/it's $(bad).env",
    });
    const out = buildRing(r);
    expect(out.diagnostics).toEqual([]);
    const up = out.files.find((f) => f.path === 'h1/up.sh')!.content;
    const args = dockerCreateArgs(up);
    const image = args.indexOf('busybox');
    expect(args.slice(image + 1)).toEqual(HOSTILE);
    for (const [k, v] of Object.entries(env)) expect(args).toContain(`${k}=${v}`);
    expect(args).toContain('type=bind,"source=/srv/a,b""c $(x)",target=/data dir/`y`');
    expect(args).toContain("/etc/ringgen/it's $(bad).env");
    expect(args[0]).toBe('create');
  });

  it('the env file path is quoted where up.sh reads it', () => {
    const out = buildRing(base().container('c1', { host: 'h1', bridge: 'br0', ip: '192.168.7.20', image: 'busybox', envFile: "/tmp/ringgen-x/it's $(touch /tmp/ringgen-pwned2).env" }));
    const up = out.files.find((f) => f.path === 'h1/up.sh')!.content;
    // A field of the container's row in the data block, quoted: bash reads it back exactly, running nothing.
    expect(dataBlock(up)).toContain(`'/tmp/ringgen-x/it'\\''s $(touch /tmp/ringgen-pwned2).env')`);
    const read = run('bash', ['-c', `${dataBlock(up)}\nprintf '%s' "\${C0[10]}"`]);
    expect(read.stdout).toBe("/tmp/ringgen-x/it's $(touch /tmp/ringgen-pwned2).env");
    expect(up).toContain('digest=$(env_file_digest "${FIELDS[0]}" "${FIELDS[10]}") || exit');
  });

  const nameFields: Array<[string, (s: string) => ReturnType<typeof base>]> = [
    ['ring name', (s) => ring(s).host('h1', { internal: '10.0.0.1' }).host('h2', { internal: '10.0.0.2' }).host('h3', { internal: '10.0.0.3' }).bridge('br0', { subnet: '192.168.7.0/24' })],
    ['host name', (s) => base().host(s, { internal: '10.0.0.9' })],
    ['bridge name', (s) => base().bridge(s, { subnet: '192.168.8.0/24' })],
    ['container name', (s) => base().container(s, { host: 'h1', bridge: 'br0', ip: '192.168.7.20', image: 'busybox' })],
    ['tunnel name', (s) => base().tunnel(s, 'h1', 'h2')],
    ['image', (s) => base().container('cc', { host: 'h1', bridge: 'br0', ip: '192.168.7.20', image: s })],
    ['env key', (s) => base().container('cc', { host: 'h1', bridge: 'br0', ip: '192.168.7.20', image: 'busybox', env: { [s]: 'v' } })],
    ['hostname', (s) => base().container('cc', { host: 'h1', bridge: 'br0', ip: '192.168.7.20', image: 'busybox', hostname: s })],
    ['ovsBridge', (s) => ring('r', { ovsBridge: s }).host('h1', { internal: '10.0.0.1' }).host('h2', { internal: '10.0.0.2' }).host('h3', { internal: '10.0.0.3' }).bridge('br0', { subnet: '192.168.7.0/24' })],
    ['volume name', (s) => base().container('cc', { host: 'h1', bridge: 'br0', ip: '192.168.7.20', image: 'busybox', volumes: [{ volume: s, target: '/d' }] })],
  ];
  const evil = ['$(touch /tmp/ringgen-pwned)', '`id`', 'a;b', "a'b", 'a"b', 'a\nb', 'a b', 'x'.repeat(300), '../x', '-x'];

  it.each(nameFields)('%s: every hostile value is refused and nothing is generated', (_field, make) => {
    for (const s of evil) {
      const out = buildRing(make(s));
      const errors = out.diagnostics.filter((d) => d.severity === 'error');
      expect(errors.length, JSON.stringify(s)).toBeGreaterThan(0);
      expect(errors.every((d) => ['NAME_INVALID', 'IMAGE_INVALID', 'ENV_INVALID', 'VOLUME_INVALID', 'IFNAME_TOO_LONG', 'HOST_NAME_RESERVED'].includes(d.code)), JSON.stringify(errors)).toBe(true);
      expect(out.files).toEqual([]);
    }
  });

  it('addresses and ports reject injection too', () => {
    const out = checkRing(
      base().container('cc', { host: 'h1', bridge: 'br0', ip: '192.168.7.20;reboot', image: 'busybox', publish: ['80:80;reboot', '$(x):1:2'], gateway: '1.2.3.4 && x' }),
    );
    expect(out.diagnostics.map((d) => d.code).sort()).toEqual(['IP_INVALID', 'PUBLISH_INVALID', 'PUBLISH_INVALID']);
  });
});
