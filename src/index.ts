/**
 * ringgen: a redundant Open vSwitch ring network for Docker hosts, from a typed DSL.
 *
 * ```ts
 * import { ring, synth } from 'ringgen';
 * const files = synth(ring('lab').host('a', { internal: '10.0.0.1' }) ...);
 * ```
 */
export { ring, RingBuilder, type HostOptions, type BridgeOptions, type ContainerOptions, type TunnelOptions } from './dsl';
export type * from './spec';
export { checkRing, buildRing, synth, toSpec, type RingInput, type CheckOutcome, type BuildOutcome } from './pipeline';
export type { GeneratedFile } from './render/render';
export { DIAGNOSTIC_CODES, RingError, type Diagnostic, type DiagnosticCode, type Severity, type SourceLocation } from './diagnostics';
export type { StpResult } from './stp';
export { VERSION } from './version';
