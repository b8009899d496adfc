/** One entry point for the three picture formats. */
import type { RingModel } from '../model/model';
import type { StpResult } from '../model/stp';
import { VERSION } from '../version';
import { graphDot } from './dot';
import { graphMermaid } from './mermaid';
import { graphSvg } from './svg';
import { graphView } from './view';

/** The formats `renderGraph` and `ringGraph` draw. */
export const GRAPH_FORMATS = ['svg', 'mermaid', 'dot'] as const;
/** `svg` (self-contained picture), `mermaid` (flowchart for a README) or `dot` (Graphviz). */
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

/** The picture of a checked ring (model and spanning tree from `checkRing`) in one format. */
export function renderGraph(model: RingModel, stp: StpResult, format: GraphFormat = 'svg', version: string = VERSION): string {
  const view = graphView(model, stp, version);
  if (format === 'mermaid') return graphMermaid(view);
  if (format === 'dot') return graphDot(view);
  return graphSvg(view);
}
