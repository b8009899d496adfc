/**
 * `ringgen plan`: what a build would change in an output folder, host by host, and what each
 * host then needs run. Compares the manifests' structured summaries where both builds have
 * them, and the files themselves always. Reads only; writes nothing.
 */
import type { ContainerSummary, HostSummary } from './host-summary';
import type { GeneratedFile } from '../emit/templates';
import {
  compareBridges,
  comparePublished,
  compareRules,
  compareTunnels,
  containerChange,
  describeContainer,
  describePublish,
  describeTunnel,
  KIND_ORDER,
  type Change,
} from './compare';
import { folderReader, recordOfBuild, type BuildRecord, type Previous } from './manifest';

export type { Change } from './compare';

/** What a build would do to a host's folder. */
export type HostStatus = 'added' | 'removed' | 'changed' | 'unchanged';
/** What the host needs: `install.sh` (new), `up.sh` again (a file of it changed), `uninstall.sh` (removed). */
export type HostAction = 'install' | 'up' | 'uninstall' | null;

/** A host's part of a plan: its status, the changes, and what to run on it. */
export interface HostPlan {
  host: string;
  status: HostStatus;
  action: HostAction;
  /** `structured` when both builds carry the host's summary; `files` when only files could be compared. */
  compared: 'structured' | 'files';
  changes: Change[];
}

/** What building into a folder would change, host by host (`makePlan`; `formatPlan` writes it as text). */
export interface Plan {
  ring: string;
  /** What the folder held: no build, an unreadable manifest, or a build (by ringgen `version`). */
  previous: { state: 'none' | 'unreadable' | 'read'; ring?: string; version?: string; reason?: string };
  notes: string[];
  changed: boolean;
  ringChanges: Change[];
  hosts: HostPlan[];
}

const EMPTY: HostSummary = { tunnels: [], bridges: [], containers: [], published: [] };

function fileChanges(old: BuildRecord, now: BuildRecord, paths: readonly string[], strip: string): Change[] {
  const out: Change[] = [];
  for (const p of paths) {
    const name = p.slice(strip.length);
    const o = old.files.has(p) || now.files.has(p) ? old.read(p) : undefined;
    const n = now.files.has(p) ? now.read(p) : undefined;
    if (o && !n) out.push({ op: '-', kind: 'file', name, text: `file ${name}` });
    else if (!o && n) out.push({ op: '+', kind: 'file', name, text: `file ${name}` });
    else if (o && n && (o.content !== n.content || o.mode !== n.mode)) out.push({ op: '~', kind: 'file', name, text: `file ${name}` });
  }
  return out;
}

function pathsUnder(old: BuildRecord, now: BuildRecord, prefix: string | undefined): string[] {
  const all = new Set([...old.files, ...now.files]);
  return [...all].filter((p) => (prefix === undefined ? !p.includes('/') : p.startsWith(prefix))).sort();
}

function ringChanges(old: BuildRecord, now: BuildRecord, found: boolean): Change[] {
  const out: Change[] = [];
  if (found) {
    const field = (name: string, a: unknown, b: unknown, why = '') => {
      if (a !== undefined && a !== b) out.push({ op: '~', kind: 'ring', name, text: `${name}: ${String(a)} -> ${String(b)}${why}` });
    };
    field('ring name', old.ring, now.ring, "; the old ring's units, chains and containers stay on its hosts: run its uninstall.sh there first");
    field('ringgen version', old.version, now.version);
    field('tunnel type', old.tunnel, now.tunnel);
    field('spanning tree', old.stp, now.stp);
    field('spanning tree root', old.root, now.root);
    field('overlay MTU', old.overlayMtu, now.overlayMtu);
    field('blocked tunnels (every host up)', old.blocked.join(', ') || 'none', now.blocked.join(', ') || 'none');
  }
  return [...out, ...fileChanges(old, now, pathsUnder(old, now, undefined), '')];
}

function everything(op: '+' | '-', s: HostSummary): Change[] {
  return [
    ...s.tunnels.map((t): Change => ({ op, kind: 'tunnel', name: `${t.name} to ${t.peer}`, text: describeTunnel(t) })),
    ...s.published.map((p): Change => ({ op, kind: 'publish', name: `${p.port}/${p.proto}`, text: describePublish(p) })),
  ];
}

interface Moving {
  host: string;
  c: ContainerSummary;
  other?: string;
}

/** Pairs containers that left one host with containers of the same name that arrived on another. */
function matchMoves(gone: Moving[], come: Moving[]): void {
  for (const g of gone) {
    const free = come.filter((c) => c.other === undefined && c.c.name === g.c.name && c.host !== g.host);
    const m = free.find((c) => c.c.ip === g.c.ip) ?? free[0];
    if (m) {
      g.other = m.host;
      m.other = g.host;
    }
  }
}

/** Compares the build in memory with the folder's previous build. */
export function makePlan(previous: Previous, built: readonly GeneratedFile[], outDir: string): Plan {
  const now = recordOfBuild(built);
  const found = previous.state === 'read';
  const old: BuildRecord = found
    ? previous.record
    : { ring: now.ring, version: '', format: 1, hashes: new Map(), blocked: [], hosts: new Map(), files: new Set(), read: folderReader(outDir) };
  const notes: string[] = [];
  if (previous.state === 'none') notes.push(`no previous build in ${outDir} (no manifest.json): every host is new`);
  if (previous.state === 'unreadable') notes.push(`${outDir}/manifest.json is unreadable (${previous.reason}): every host is treated as new`);
  if (found && previous.ignored.length > 0) notes.push(`ignored in the old manifest: ${previous.ignored.join(', ')}`);

  const names = [...now.hosts.keys(), ...[...old.hosts.keys()].filter((h) => !now.hosts.has(h))];
  const hosts = new Map<string, HostPlan>();
  const gone: Moving[] = [];
  const come: Moving[] = [];
  for (const host of names) {
    const o = old.hosts.get(host);
    const n = now.hosts.get(host);
    const status: HostStatus = !o ? 'added' : !n ? 'removed' : 'changed';
    const structured = (!o || o.summary !== undefined) && (!n || n.summary !== undefined);
    const plan: HostPlan = { host, status, action: null, compared: structured ? 'structured' : 'files', changes: [] };
    hosts.set(host, plan);
    const os = o?.summary ?? EMPTY;
    const ns = n?.summary ?? EMPTY;
    if (status === 'changed') {
      const files = fileChanges(old, now, pathsUnder(old, now, `${host}/`), `${host}/`);
      const rules = compareRules(old.read(`${host}/iptables.rules`)?.content, now.read(`${host}/iptables.rules`)?.content);
      if (structured) plan.changes.push(...compareTunnels(os.tunnels, ns.tunnels), ...compareBridges(os.bridges, ns.bridges), ...comparePublished(os.published, ns.published));
      plan.changes.push(...rules, ...files);
    } else if (structured) plan.changes.push(...everything(status === 'added' ? '+' : '-', status === 'added' ? ns : os));
    if (!structured) continue;
    const before = new Map(os.containers.map((c) => [c.name, c]));
    const after = new Map(ns.containers.map((c) => [c.name, c]));
    for (const [name, c] of before) if (!after.has(name)) gone.push({ host, c });
    for (const [name, c] of after) {
      const was = before.get(name);
      if (!was) come.push({ host, c });
      else {
        const change = containerChange(was, c);
        if (change) plan.changes.push(change);
      }
    }
  }
  matchMoves(gone, come);
  for (const g of gone) {
    const text = g.other ? `container ${g.c.name} (moved to ${g.other})` : describeContainer(g.c);
    hosts.get(g.host)!.changes.push({ op: '-', kind: 'container', name: g.c.name, text, ...(g.other ? { moved: { from: g.host, to: g.other } } : {}) });
  }
  for (const c of come) {
    const text = `${describeContainer(c.c)}${c.other ? ` (moved from ${c.other})` : ''}`;
    hosts.get(c.host)!.changes.push({ op: '+', kind: 'container', name: c.c.name, text, ...(c.other ? { moved: { from: c.other, to: c.host } } : {}) });
  }
  for (const h of hosts.values()) {
    h.changes.sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind));
    if (h.status === 'changed' && h.changes.length === 0) h.status = 'unchanged';
    const filesChanged = h.changes.some((c) => c.kind === 'file');
    h.action = h.status === 'added' ? 'install' : h.status === 'removed' ? 'uninstall' : filesChanged ? 'up' : null;
  }
  const list = [...hosts.values()];
  // manifest.json changes with everything else; it is news only when nothing else changes.
  const all = ringChanges(old, now, found);
  const others = all.filter((c) => c.name !== 'manifest.json');
  const ring = others.length > 0 || list.some((h) => h.status !== 'unchanged') ? others : all;
  return {
    ring: now.ring,
    previous: found ? { state: 'read', ring: old.ring, version: old.version } : previous.state === 'unreadable' ? { state: 'unreadable', reason: previous.reason } : { state: 'none' },
    notes,
    changed: ring.length > 0 || list.some((h) => h.status !== 'unchanged'),
    ringChanges: ring,
    hosts: list,
  };
}
