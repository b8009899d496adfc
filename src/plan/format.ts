/** A plan as text: ring-level changes, then one group per host with what it needs run. */
import { printable, type Style } from '../cli/terminal';
import type { Change } from './compare';
import type { HostPlan, Plan } from './plan';

function action(h: HostPlan, plan: Plan, outDir: string): string {
  const ring = plan.previous.ring ?? plan.ring;
  switch (h.action) {
    case 'install':
      return `new host: copy ${outDir}/${h.host}/ to it and run install.sh (or up.sh)`;
    case 'up':
      return 're-run up.sh there (install.sh where it is installed, so the installed copy changes too)';
    case 'uninstall':
      return `removed from the ring: run uninstall.sh (or down.sh) on it; the build deletes ${outDir}/${h.host}/, the installed copy stays in /usr/local/lib/ringgen/${ring}/`;
    default:
      return h.status === 'unchanged' ? 'unchanged' : 'nothing to run (no file of it changes)';
  }
}

/** Change lines; consecutive file changes of one kind share a line. */
function lines(changes: readonly Change[], s: Style): string[] {
  // Names come from the ring and from the previous build's manifest.json: never raw control characters.
  const paint = (op: Change['op'], raw: string) => {
    const text = printable(raw);
    return op === '-' ? s.red(`  - ${text}`) : op === '~' ? s.yellow(`  ~ ${text}`) : `  + ${text}`;
  };
  const out: string[] = [];
  for (let i = 0; i < changes.length; i++) {
    const c = changes[i]!;
    if (c.kind !== 'file') {
      out.push(paint(c.op, c.text));
      continue;
    }
    const group = [c.name];
    while (changes[i + 1]?.kind === 'file' && changes[i + 1]!.op === c.op) group.push(changes[++i]!.name);
    out.push(paint(c.op, `${group.length > 1 ? 'files' : 'file'} ${group.join(', ')}`));
  }
  return out;
}

/** A plan as `ringgen plan` prints it. */
export function formatPlan(plan: Plan, outDir: string, s: Style): string {
  const out: string[] = [];
  const p = printable;
  const since = plan.previous.state === 'read' ? ` (built by ringgen ${plan.previous.version})` : '';
  out.push(s.bold(p(`plan for ring ${plan.ring} against ${outDir}${since}`)));
  for (const n of plan.notes) out.push(s.dim(`note: ${p(n)}`));
  if (plan.ringChanges.length > 0) out.push('ring:', ...lines(plan.ringChanges, s));
  const unchanged: string[] = [];
  for (const h of plan.hosts) {
    if (h.status === 'unchanged') {
      unchanged.push(h.host);
      continue;
    }
    out.push(`${s.bold(p(h.host))}: ${p(action(h, plan, outDir))}${h.compared === 'files' ? s.dim(' (old manifest has no summary: files compared only)') : ''}`);
    out.push(...lines(h.changes, s));
  }
  if (unchanged.length > 0) out.push(`unchanged: ${p(unchanged.join(', '))}`);
  if (!plan.changed) {
    out.push(`no changes: ${p(outDir)} is what this ring builds`);
    return out.join('\n');
  }
  const count = (action: HostPlan['action']) => plan.hosts.filter((h) => h.action === action).length;
  out.push(`${count('up')} host(s) to re-run, ${count('install')} to add, ${count('uninstall')} to remove, ${count(null)} to leave alone`);
  return out.join('\n');
}
