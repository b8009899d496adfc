/** `ringgen/testing`: the helpers for users' own tests (src/testing.ts). */
import { describe, expect, it } from 'vitest';
import { RingError } from '../src/diagnostics';
import { ring } from '../src/input/dsl';
import { buildRing } from '../src/pipeline';
import { diagnosticCodes, expectNoDiagnostics, synthFiles } from '../src/testing';

const good = () =>
  ring('t', { tunnel: 'vxlan' })
    .host('a', { internal: '10.0.0.1', external: '203.0.113.1' })
    .host('b', { internal: '10.0.0.2' })
    .host('c', { internal: '10.0.0.3' })
    .bridge('br0', { subnet: '192.168.9.0/24' })
    .container('web', { host: 'b', bridge: 'br0', ip: '192.168.9.20', image: 'nginx:1.27', publish: ['a:8080:80'] });
/** Two hosts: a RING_NO_REDUNDANCY warning, no error. */
const warned = () => ring('w').host('a', { internal: '10.0.0.1' }).host('b', { internal: '10.0.0.2' }).bridge('br0', { subnet: '192.168.9.0/24' });
/** Two hosts on one address: IP_DUPLICATE, and the warning. */
const broken = () => ring('w').host('a', { internal: '10.0.0.1' }).host('b', { internal: '10.0.0.1' }).bridge('br0', { subnet: '192.168.9.0/24' });

describe('synthFiles', () => {
  it('is every file a build writes, by path, in path order, with the content buildRing renders', () => {
    const files = synthFiles(good());
    const built = buildRing(good()).files;
    expect(Object.keys(files)).toEqual(built.map((f) => f.path));
    for (const f of built) expect(files[f.path], f.path).toBe(f.content);
    expect(Object.keys(files)).toEqual(expect.arrayContaining(['a/up.sh', 'b/iptables.rules', 'deploy.sh', 'manifest.json', 'ring.svg']));
    expect(files['a/iptables.rules']).toMatch(/--dport 8080/);
  });

  it('throws a RingError carrying the diagnostics on errors; warnings do not stop it', () => {
    let thrown: unknown;
    try {
      synthFiles(broken());
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(RingError);
    expect((thrown as RingError).diagnostics.map((d) => d.code).sort()).toEqual(['IP_DUPLICATE', 'RING_NO_REDUNDANCY']);
    expect((thrown as RingError).message).toMatch(/^1 error in the ring:\n {2}\[hosts\.b\.internal\] /);
    expect(Object.keys(synthFiles(warned()))).toContain('a/up.sh');
  });

  it('takes a plain spec as well as a builder', () => {
    expect(synthFiles(good().toSpec())).toEqual(synthFiles(good()));
  });
});

describe('diagnosticCodes', () => {
  it('is [] for a clean ring, and every code, errors and warnings, in the order check prints them', () => {
    expect(diagnosticCodes(good())).toEqual([]);
    expect(diagnosticCodes(warned())).toEqual(['RING_NO_REDUNDANCY']);
    expect(diagnosticCodes(broken())).toEqual(buildRing(broken()).diagnostics.map((d) => d.code));
    expect([...diagnosticCodes(broken())].sort()).toEqual(['IP_DUPLICATE', 'RING_NO_REDUNDANCY']);
  });
});

describe('expectNoDiagnostics', () => {
  it('passes a clean ring', () => {
    expect(() => expectNoDiagnostics(good())).not.toThrow();
  });

  it('fails on a warning, listing it as check prints it, unless allowWarnings names its code', () => {
    expect(() => expectNoDiagnostics(warned())).toThrow(/^expected a ring without diagnostics, found 0 errors and 1 warning:\nwarning RING_NO_REDUNDANCY at hosts: /);
    expect(() => expectNoDiagnostics(warned(), { allowWarnings: ['RING_NO_REDUNDANCY'] })).not.toThrow();
    expect(() => expectNoDiagnostics(warned(), { allowWarnings: ['SUBNET_OVERLAP'] })).toThrow(/RING_NO_REDUNDANCY/);
  });

  it('fails on an error even when allowWarnings names its code', () => {
    const message = () => {
      try {
        expectNoDiagnostics(broken(), { allowWarnings: ['IP_DUPLICATE', 'RING_NO_REDUNDANCY'] });
      } catch (e) {
        return (e as Error).message;
      }
      return 'passed';
    };
    expect(message()).toMatch(/^expected a ring without diagnostics, found 1 error and 0 warnings:\nerror IP_DUPLICATE at hosts\.b\.internal: [^\n]*\n {4}hint: /);
  });
});
