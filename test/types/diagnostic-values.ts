// Compiled by test/diagnostic-table.test.ts (and by `npm run typecheck`): a diagnostic is made
// from its code and the values that code's entry declares, no others. Every @ts-expect-error
// must be needed.
import { diagnostic, Report, type Diagnostic } from '../../src/diagnostics';
import { defineCode } from '../../src/diagnostics/define';

const r = new Report();
r.add('CONTAINER_IP_OUTSIDE', ['containers', 'h/web', 'ip'], { container: 'web', ip: '10.0.0.9', bridge: 'br0', subnet: '192.168.2.0/24' });
r.add('IP_INVALID', ['hosts', 'h', 'internal'], { kind: 'host', host: 'h', field: 'internal', input: 'x' });
r.add('STP_OFF_LOOP', ['options', 'stp'], {});
export const made: Diagnostic = diagnostic('VNI_RANGE', ['options', 'vni'], { vni: 1 << 24 });

// @ts-expect-error a value the code needs is missing
r.add('CONTAINER_IP_OUTSIDE', [], { container: 'web', ip: '10.0.0.9', bridge: 'br0' });
// @ts-expect-error another code's values
r.add('VNI_RANGE', [], { interval: 5 });
// @ts-expect-error a value the code does not have
r.add('VNI_RANGE', [], { vni: 5, interval: 5 });
// @ts-expect-error a value of the wrong type
r.add('BFD_RANGE', [], { interval: '50' });
// @ts-expect-error a case's values must be that case's: a host field has no bridge
r.add('IP_INVALID', [], { kind: 'host', host: 'h', field: 'internal', input: 'x', bridge: 'br0' });
// @ts-expect-error a case that does not exist
r.add('RING_DISCONNECTED', [], { kind: 'lonely' });
// @ts-expect-error not a code
r.add('NO_SUCH_CODE', [], {});
// @ts-expect-error text is made from values, not passed
r.add('VNI_RANGE', [], 'VXLAN network identifier 5 is outside 0-16777215');

// A diagnostic's values narrow with its code.
if (made.code === 'VNI_RANGE') {
  const vni: number = made.values.vni;
  // @ts-expect-error VNI_RANGE carries no interval
  const interval: unknown = made.values.interval;
  void [vni, interval];
}

// An entry lists every value its templates may use.
// @ts-expect-error `b` is not listed in values
export const unlisted = defineCode<{ a: string; b: number }>()({ severity: 'error', summary: 's', values: ['a'], message: (v) => v.a, hint: 'h' });
// @ts-expect-error a template reads a value the code does not have
export const unknown = defineCode<{ a: string }>()({ severity: 'error', summary: 's', values: ['a'], message: (v) => v.b, hint: 'h' });
// @ts-expect-error a code of several cases lists them all in kinds
export const unlistedKind = defineCode<{ kind: 'a' } | { kind: 'b' }>()({ severity: 'error', summary: 's', values: ['kind'], kinds: ['a'], message: 'm', hint: 'h' });
export const allKinds = defineCode<{ kind: 'a' } | { kind: 'b' }>()({ severity: 'error', summary: 's', values: ['kind'], kinds: ['a', 'b'], message: 'm', hint: 'h' });
