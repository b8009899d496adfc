/** The checker: shape first, then every semantic rule; all problems are collected, none thrown. */
import { Report, sortDiagnostics, type Diagnostic } from '../diagnostics';
import { buildModel, type RingModel } from '../model/model';
import { checkAddresses } from './addresses';
import { checkCommandLines } from './limits';
import { checkNames } from './names';
import { checkBfd, checkIpsec, checkMtu, checkPublish, checkSpanningTree, checkVni } from './settings';
import { checkText } from './encoding';
import { checkTopology } from './topology';
import { parseSpec } from '../input/schema';
import { pairTunnelEnds } from '../model/tunnels';

const RULES: ReadonlyArray<(m: RingModel, r: Report) => void> = [
  checkNames,
  checkAddresses,
  checkTopology,
  checkSpanningTree,
  checkBfd,
  checkVni,
  checkMtu,
  checkIpsec,
  checkPublish,
  checkCommandLines,
];

export interface CheckResult {
  /** The resolved model, present when the shape was right (even if rules failed). */
  model?: RingModel;
  diagnostics: Diagnostic[];
}

/** Checks a plain spec (any JSON value). */
export function checkSpec(input: unknown): CheckResult {
  const shape = parseSpec(input);
  if (!shape.spec) return { diagnostics: sortDiagnostics(shape.diagnostics) };
  const report = new Report();
  // The ends are paired, and peering checked, before the model is built from the pairs.
  const model = buildModel(shape.spec, pairTunnelEnds(shape.spec.hosts, report));
  checkText(shape.spec, report);
  for (const rule of RULES) rule(model, report);
  return { model, diagnostics: sortDiagnostics(report.items) };
}
