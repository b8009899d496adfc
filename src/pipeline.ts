/**
 * The pipeline: input (builder or plain spec) -> shape check -> rules -> model -> files.
 * Pure: nothing here touches the disk or the console.
 */
import { createHash } from 'node:crypto';
import { checkSpec } from './check/check';
import { diagnostic, hasErrors, RingError, type Diagnostic } from './diagnostics';
import { isRingBuilder, type RingBuilder } from './input/dsl';
import { hostSummary } from './plan/host-summary';
import { renderGraph, type GraphFormat } from './graph/draw';
import type { RingModel } from './model/model';
import { hostView, type HostView } from './emit/host-view';
import { renderHostView, type GeneratedFile } from './emit/templates';
import { renderRollout } from './emit/rollout';
import { MANIFEST_FORMAT, manifestFile, type Manifest } from './plan/manifest';
import type { RingSpec } from './input/spec';
import { analyseTree, type StpResult } from './model/stp';
import { VERSION } from './version';

/** What the pipeline takes: a ring builder (`ring(...)`) or a plain spec. */
export type RingInput = RingBuilder | RingSpec;

declare const unchecked: unique symbol;
/**
 * A value whose shape nobody has checked yet: what a ring file exports (`loadConfig(...).input`).
 * The pipeline takes it like a `RingInput` and checks its shape first (a wrong one gives SCHEMA
 * diagnostics). Other values of unknown type must be cast (`as RingSpec`): the types refuse
 * `buildRing(42)`.
 */
export interface UncheckedInput {
  readonly [unchecked]: 'a value loaded from a ring file, not yet checked';
}

/** What `checkRing` finds: every diagnostic, and the model and spanning tree of a ring without errors. */
export interface CheckOutcome {
  diagnostics: Diagnostic[];
  model?: RingModel;
  /** The spanning tree ringgen expects, when the ring checked without errors. */
  stp?: StpResult;
}

/** What `buildRing` makes: the check's outcome and, without errors, every file of the output folder. */
export interface BuildOutcome extends CheckOutcome {
  /** Every file of the output folder, sorted by path; empty when there are errors. */
  files: GeneratedFile[];
}

/** Turns a builder into a plain spec; a plain spec passes through. */
export function toSpec(input: RingInput | UncheckedInput): unknown {
  return isRingBuilder(input) ? input.toSpec() : input;
}

/** Runs every check; never throws for a bad ring. */
export function checkRing(input: RingInput | UncheckedInput): CheckOutcome {
  let spec: unknown;
  try {
    spec = toSpec(input);
  } catch (e) {
    // A builder holds whatever an untyped config gave it; turning that into a spec can fail.
    return { diagnostics: [diagnostic('SCHEMA', [], { kind: 'builder', error: e instanceof Error ? e.message : String(e) })] };
  }
  const { model, diagnostics } = checkSpec(spec);
  if (!model || hasErrors(diagnostics)) return { diagnostics, ...(model ? { model } : {}) };
  return { diagnostics, model, stp: analyseTree(model).intact };
}

/** Checks and renders the whole output folder in memory. */
export function buildRing(input: RingInput | UncheckedInput): BuildOutcome {
  const checked = checkRing(input);
  if (!checked.model || !checked.stp) return { ...checked, files: [] };
  const { model, stp } = checked;
  // One view per host, for its files and for its summary in the manifest.
  const views = new Map(model.hosts.map((h) => [h.name, hostView(model, h, stp, VERSION)]));
  const files = model.hosts.flatMap((h) => renderHostView(views.get(h.name)!));
  files.push(...renderRollout(model, VERSION));
  files.push({ path: 'ring.svg', content: renderGraph(model, stp, 'svg', VERSION), mode: 0o644 });
  files.push(manifest(model, stp, files, views));
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { ...checked, files };
}

/** Like buildRing, but throws a RingError carrying the diagnostics when the ring has errors. */
export function synth(input: RingInput | UncheckedInput): GeneratedFile[] {
  const out = buildRing(input);
  if (hasErrors(out.diagnostics) || out.files.length === 0) throw new RingError(out.diagnostics);
  return out.files;
}

/** The picture of the ring (`svg`, `mermaid` or `dot`); throws a RingError carrying the diagnostics when the ring has errors. */
export function ringGraph(input: RingInput | UncheckedInput, format: GraphFormat = 'svg'): string {
  const checked = checkRing(input);
  if (!checked.model || !checked.stp) throw new RingError(checked.diagnostics);
  return renderGraph(checked.model, checked.stp, format, VERSION);
}

function manifest(model: RingModel, stp: StpResult, files: GeneratedFile[], views: ReadonlyMap<string, HostView>): GeneratedFile {
  const hosts: Manifest['hosts'] = {};
  // Each host's files, by the folder they are in (host names never hold a slash).
  const byFolder = new Map<string, string[]>();
  for (const f of files) {
    const slash = f.path.indexOf('/');
    if (slash < 0) continue;
    const folder = f.path.slice(0, slash);
    const list = byFolder.get(folder);
    if (list) list.push(f.path);
    else byFolder.set(folder, [f.path]);
  }
  for (const h of model.hosts) {
    hosts[h.name] = {
      internal: h.internal!.ip,
      external: h.external?.ip ?? null,
      files: [...(byFolder.get(h.name) ?? [])].sort(),
      ...hostSummary(model, h, stp, views.get(h.name)),
    };
  }
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const body: Manifest = {
    generator: 'ringgen',
    format: MANIFEST_FORMAT,
    version: VERSION,
    ring: model.name,
    tunnel: model.opts.tunnel,
    stp: model.opts.stp,
    root: stp.root ?? null,
    blocked: stp.blocked.map((t) => ({ tunnel: t.name, between: [t.a, t.b] })),
    overlayMtu: model.overlayMtu,
    hosts,
    files: [...files.map((f) => f.path), 'manifest.json'].sort(),
    // What the writer checks before it removes a file this build no longer has: only a file still as written is removed.
    sha256: Object.fromEntries(sorted.map((f) => [f.path, createHash('sha256').update(f.content).digest('hex')])),
  };
  return manifestFile(body);
}
