// Compiled by test/library.test.ts (and by `npm run typecheck`): the public API's types accept
// what they should and refuse what they should. Every @ts-expect-error must be needed.
import {
  buildRing,
  checkRing,
  compareOutput,
  formatDiagnostics,
  formatPath,
  isStale,
  loadConfig,
  locateDiagnostics,
  makePlan,
  readPrevious,
  ring,
  RingError,
  style,
  synth,
  writeOutput,
  type BuildOutcome,
  type Diagnostic,
  type DiagnosticCode,
  type DiagnosticPath,
  type Plan,
  type RingSpec,
  type WriteResult,
} from 'ringgen';
import { diagnosticCodes, expectNoDiagnostics, synthFiles, type ExpectOptions } from 'ringgen/testing';

const r = ring('t', { tunnel: 'vxlan' }).host('a', { internal: '10.0.0.1' });
const built: BuildOutcome = buildRing(r);
const spec: RingSpec = { name: 't', hosts: [], bridges: [] };
checkRing(spec);

// A loaded ring file's export is checked by the pipeline, whatever it is.
const loaded = loadConfig('ring.config.ts');
if (loaded.input !== undefined) buildRing(loaded.input);
const shown: string = formatDiagnostics(locateDiagnostics(loaded.diagnostics, loaded.locate), style(false));

const path: DiagnosticPath = ['containers', 'h1/web.1', 'volumes', 0];
const first: Diagnostic | undefined = built.diagnostics[0];
const text: string = formatPath(first?.path ?? path);
const written: WriteResult = writeOutput('out', built.files, { force: false });
const plan: Plan = makePlan(readPrevious('out'), built.files, 'out');
const stale: boolean = isStale(compareOutput('out', built.files));
const error = new RingError(built.diagnostics);
export const used = [shown, text, written, plan, stale, error.diagnostics, synth];

// ringgen/testing.
const files: Record<string, string> = synthFiles(r);
const upSh: string | undefined = files['a/up.sh'];
const codes: DiagnosticCode[] = diagnosticCodes(spec);
const allow: ExpectOptions = { allowWarnings: ['RING_NO_REDUNDANCY'] };
expectNoDiagnostics(r, allow);
export const usedTesting = [upSh, codes];
// @ts-expect-error a number is not a ring
synthFiles(42);
// @ts-expect-error not a diagnostic code
expectNoDiagnostics(r, { allowWarnings: ['NO_SUCH_CODE'] });

// @ts-expect-error a number is not a ring
buildRing(42);
// @ts-expect-error nor is a string
checkRing('ring');
// @ts-expect-error an object that is neither a builder nor a spec
synth({ hosts: 3 });
// @ts-expect-error an address is a string
ring('t').host('a', { internal: 1 });
// @ts-expect-error not a tunnel type
ring('t', { tunnel: 'ipip' });
// @ts-expect-error a path holds names and indexes only
export const badPath: DiagnosticPath = [true];
