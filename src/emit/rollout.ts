/**
 * Ring-level rollout files beside the host folders: an Ansible inventory and playbook, and
 * `deploy.sh` for plain ssh. Each host is installed and checked before the next one starts.
 */
import type { RingModel } from '../model/model';
import { rolloutTemplates, type GeneratedFile } from './templates';
import { shellQuote } from './shell';

export interface RolloutView {
  ring: string;
  version: string;
  /**
   * Ansible group of every host: the ring's name, `-` made `_` (Ansible warns about dashes), with
   * `ringgen_` in front when Ansible reserves the name (`all`, `ungrouped`) or a host has it (a
   * pattern names the host before the group, so the playbook would reach that host alone).
   */
  group: string;
  playName: string;
  uninstallPlayName: string;
  /** Staging folder of deploy.yml on a host (root's). */
  stage: string;
  /** Staging folder of deploy.sh, relative to the ssh user's home. */
  shStage: string;
  /** Where install.sh puts a host's files (its uninstall.sh among them), as the host scripts have it. */
  installDir: string;
  hosts: Array<{ name: string; internal: string; external: string }>;
}

/**
 * A YAML double-quoted scalar that reads back as exactly `value`: everything outside printable
 * ASCII escaped. Text that Ansible would template (`{{`, `{%`, `{#`) is tagged `!unsafe`.
 */
export function yamlQuote(value: string | number): string {
  const s = String(value);
  let body = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') body += `\\${ch}`;
    else if (cp >= 0x20 && cp < 0x7f) body += ch;
    else if (cp <= 0xffff) body += `\\u${cp.toString(16).padStart(4, '0')}`;
    else body += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return `${/\{[{%#]/.test(s) ? '!unsafe ' : ''}"${body}"`;
}

type Template = (view: RolloutView) => string;
let compiled: Map<string, Template> | undefined;

function templates(): Map<string, Template> {
  if (compiled) return compiled;
  const scalar = (name: string, quote: (v: string | number) => string) => (value: unknown) => {
    if (typeof value !== 'string' && typeof value !== 'number') throw new Error(`${name}: cannot quote ${typeof value}`);
    return quote(value);
  };
  compiled = rolloutTemplates<RolloutView>({ q: scalar('q', shellQuote), y: scalar('y', yamlQuote) });
  return compiled;
}

export function rolloutView(model: RingModel, version: string): RolloutView {
  const group = model.name.replace(/-/g, '_');
  const taken = group === 'all' || group === 'ungrouped' || model.hostByName.has(group);
  return {
    ring: model.name,
    version,
    group: taken ? `ringgen_${group}` : group,
    playName: `Roll out ring ${model.name}, one host at a time`,
    uninstallPlayName: `Take ring ${model.name} down, one host at a time`,
    stage: `/var/cache/ringgen/${model.name}`,
    shStage: `.ringgen/${model.name}`,
    installDir: `/usr/local/lib/ringgen/${model.name}`,
    hosts: model.hosts.map((h) => ({ name: h.name, internal: h.internal!.ip, external: h.external?.ip ?? '' })),
  };
}

/** `inventory.yml`, `deploy.yml` and `deploy.sh` for the top of the output folder. */
export function renderRollout(model: RingModel, version: string): GeneratedFile[] {
  const view = rolloutView(model, version);
  const render = (name: string) => templates().get(name)!(view).replace(/\n{3,}/g, '\n\n');
  return [
    { path: 'deploy.sh', content: render('deploy.sh'), mode: 0o755 },
    { path: 'deploy.yml', content: render('deploy.yml'), mode: 0o644 },
    { path: 'inventory.yml', content: render('inventory.yml'), mode: 0o644 },
  ];
}
