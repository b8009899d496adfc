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
export { checkRing, buildRing, synth, ringGraph, toSpec, type RingInput, type CheckOutcome, type BuildOutcome } from './pipeline';
export type { GeneratedFile } from './render/render';
export { DIAGNOSTIC_CODES, RingError, type Diagnostic, type DiagnosticCode, type Severity, type SourceLocation } from './diagnostics';
export type { StpResult } from './stp';
export type { RingModel } from './model';
export { renderGraph, GRAPH_FORMATS, type GraphFormat } from './graph/render';
export { graphView, type GraphView, type GraphViewOptions, type GraphHost, type GraphTunnel, type GraphBridge, type GraphContainerGroup, type GraphContainer, type GraphPublish } from './graph/view';
export { graphSvg } from './graph/svg';
export { graphMermaid } from './graph/mermaid';
export { graphDot } from './graph/dot';
export { VERSION } from './version';
