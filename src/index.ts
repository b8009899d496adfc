/**
 * ringgen: a redundant Open vSwitch ring network for Docker hosts, from a typed DSL.
 *
 * The same functions the `ringgen` command line uses, in the order it uses them:
 *
 * ```ts
 * import { ring, buildRing, writeOutput, formatDiagnostics, style } from 'ringgen';
 * const built = buildRing(ring('lab').host('a', { internal: '10.0.0.1' }) ...);
 * if (built.diagnostics.length > 0) console.error(formatDiagnostics(built.diagnostics, style(false)));
 * if (built.files.length > 0) writeOutput('out', built.files);
 * ```
 *
 * Nothing here prints or exits; only `writeOutput`, `writeFileAtomic` and `createFiles` write.
 */

// The input: the DSL and the plain spec.
export { ring, RingBuilder, isRingBuilder, type HostOptions, type BridgeOptions, type ContainerOptions, type TunnelOptions } from './input/dsl';
export type * from './input/spec';
// Loading a ring file (TypeScript, JavaScript or a JSON plain spec).
export { loadConfig, ACCEPTED_EXTENSIONS, type LoadedConfig, type LoadOptions } from './config/load';
// Checking and building, in memory.
export { checkRing, buildRing, synth, ringGraph, toSpec, type RingInput, type UncheckedInput, type CheckOutcome, type BuildOutcome } from './pipeline';
export type { GeneratedFile } from './emit/templates';
export type { StpResult } from './model/stp';
export type { RingModel } from './model/model';
// Diagnostics.
export {
  DIAGNOSTIC_CODES,
  RingError,
  formatPath,
  comparePaths,
  sortDiagnostics,
  locateDiagnostics,
  hasErrors,
  diagnosticJson,
  type Diagnostic,
  type DiagnosticCode,
  type DiagnosticValues,
  type DiagnosticPath,
  type Severity,
  type SourceLocation,
} from './diagnostics';
// Text for people: diagnostics, the build summary, the spanning tree.
export { formatDiagnostics, describeTree, summary, style, printable, terminalJson, type Style } from './cli/terminal';
// Writing the output folder, and checking it is current.
export { writeOutput, compareOutput, isStale, writeFileAtomic, createFiles, OutputError, LOCK_FILE, type WriteOptions, type WriteResult, type StaleReport } from './write/writer';
// What a build would change (`ringgen plan`).
export { makePlan, type Plan, type HostPlan, type HostStatus, type HostAction, type Change } from './plan/plan';
export { readPrevious, type Previous } from './plan/manifest';
export { formatPlan } from './plan/format';
// A new ring file (`ringgen init`).
export { planInit, CONFIG_FILE, type InitPlan } from './cli/init';
// Pictures of the ring.
export { renderGraph, GRAPH_FORMATS, type GraphFormat } from './graph/draw';
export { graphView, type GraphView, type GraphViewOptions, type GraphHost, type GraphTunnel, type GraphBridge, type GraphContainerGroup, type GraphContainer, type GraphPublish } from './graph/view';
export { graphSvg } from './graph/svg';
export { graphMermaid } from './graph/mermaid';
export { graphDot } from './graph/dot';
export { VERSION } from './version';
