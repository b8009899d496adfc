/**
 * What `build` tells the user after writing: the next step of the rollout, and the whole outcome
 * as one JSON object for `build --format json`. Pure: the CLI prints.
 */
import { diagnosticJson, type Diagnostic } from '../diagnostics';
import type { Plan } from '../plan/plan';
import type { GeneratedFile } from '../emit/templates';
import { shellQuote } from '../emit/shell';
import type { StaleReport, WriteResult } from '../write/writer';

export interface NextStep {
  /** `initial`: nothing was rolled out from this folder yet; `hosts`: these hosts changed; `none`: no host changed. */
  kind: 'initial' | 'hosts' | 'none';
  /** The hosts to install on or re-run, in ring order (all of them for `initial`). */
  hosts: string[];
  /** The command that rolls them out. */
  command?: string;
  text: string;
}

/** The rollout that follows a build, from the plan made before it (what changed against the previous build). */
export function nextStep(plan: Plan, out: string): NextStep {
  // A command word with a slash is run as a path, relative to where the user is, as `out` is.
  const shown = `${shellQuote(out.replace(/\/+$/, ''))}/deploy.sh`;
  const hosts = plan.hosts.filter((h) => h.action === 'install' || h.action === 'up').map((h) => h.host);
  if (plan.previous.state !== 'read') {
    const command = `${shown} --initial`;
    return {
      kind: 'initial',
      hosts,
      command,
      text: `next, the first rollout: ${command} (installs every host, then checks them all); or copy each ${out}/<host>/ to its host and run install.sh there as root, then check.sh`,
    };
  }
  if (hosts.length === 0) return { kind: 'none', hosts, text: 'next: nothing to roll out, no host changed' };
  const command = `${shown} ${hosts.map(shellQuote).join(' ')}`;
  return {
    kind: 'hosts',
    hosts,
    command,
    text: `next, roll out the ${hosts.length} changed host(s), one at a time: ${command}; or copy ${out}/<host>/ to each and run install.sh there as root`,
  };
}

/** `build --format json`: one object, whether the build wrote, failed or only compared (`--check`). */
export interface BuildReport {
  ok: boolean;
  ring: string | null;
  out: string;
  errors: Array<ReturnType<typeof diagnosticJson>>;
  warnings: Array<ReturnType<typeof diagnosticJson>>;
  /** Every file of the build, now in the folder (empty when nothing was written). */
  written: string[];
  /** Files of the previous build that were removed, and the host folders removed with them. */
  removed: string[];
  removedHosts: Array<{ host: string; folderRemoved: boolean }>;
  /** Files of the previous build left in place, and why. */
  kept: Array<{ path: string; why: string }>;
  /** Files in the way that `--force` replaced, and files of the previous build edited since. */
  replaced: Array<{ path: string; why: string }>;
  /** `--check`: what is stale (`changed`, `missing`, `extra`), null otherwise. */
  stale: StaleReport | null;
  /** Why nothing (or not all) was written, when the output folder refused or failed. */
  error: string | null;
  next: NextStep | null;
}

export function buildReport(r: {
  out: string;
  diagnostics: Diagnostic[];
  ring?: string;
  files?: readonly GeneratedFile[];
  written?: WriteResult;
  next?: NextStep;
  stale?: StaleReport;
  error?: string;
}): BuildReport {
  const w = r.written;
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  const staleCount = r.stale ? r.stale.changed.length + r.stale.missing.length + r.stale.extra.length : 0;
  return {
    ok: (w !== undefined || (r.stale !== undefined && staleCount === 0)) && errors.length === 0,
    ring: r.ring ?? null,
    out: r.out,
    errors: errors.map(diagnosticJson),
    warnings: r.diagnostics.filter((d) => d.severity === 'warning').map(diagnosticJson),
    written: w ? (r.files ?? []).map((f) => f.path) : [],
    removed: w?.removed ?? [],
    removedHosts: (w?.goneHosts ?? []).map((h) => ({ host: h.host, folderRemoved: h.folderRemoved })),
    kept: w?.left ?? [],
    replaced: [...(w?.forced ?? []).map((o) => ({ path: o.path, why: `--force: ${o.why}` })), ...(w?.edited ?? []).map((path) => ({ path, why: 'changed since ringgen wrote it' }))],
    stale: r.stale ?? null,
    error: r.error ?? null,
    next: r.next ?? null,
  };
}
