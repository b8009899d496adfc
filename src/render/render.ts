/** Renders the per-host files through Handlebars templates. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import type { RingModel } from '../model';
import type { StpResult } from '../stp';
import { hostView, type HostView } from './host-view';
import { shellQuote } from './shell';

/** A file of the output, relative to the output folder. */
export interface GeneratedFile {
  path: string;
  content: string;
  /** Unix mode: 0o755 for scripts, 0o644 otherwise. */
  mode: number;
}

const TEMPLATE_DIR = join(__dirname, '..', '..', 'templates');

type Template = (view: HostView) => string;
let compiled: Map<string, Template> | undefined;

function templates(): Map<string, Template> {
  if (compiled) return compiled;
  const hb = Handlebars.create();
  hb.registerHelper('q', (value: unknown) => {
    if (typeof value !== 'string' && typeof value !== 'number') throw new Error(`q: cannot quote ${typeof value}`);
    return shellQuote(value);
  });
  const read = (name: string) => readFileSync(join(TEMPLATE_DIR, name), 'utf8');
  hb.registerPartial('header', read('_header.hbs'));
  hb.registerPartial('lib', read('_lib.sh.hbs'));
  hb.registerPartial('owned', read('_owned.sh.hbs'));
  compiled = new Map();
  for (const name of ['up.sh', 'down.sh', 'check.sh', 'install.sh', 'uninstall.sh', 'iptables.rules', 'network.service', 'containers.service', 'attach.service']) {
    compiled.set(name, hb.compile(read(`${name}.hbs`), { strict: true, noEscape: true }));
  }
  return compiled;
}

function render(name: string, view: HostView): string {
  const out = templates().get(name)!(view);
  return out.replace(/\r\n/g, '\n').replace(/\n{3,}/g, '\n\n');
}

/** All files of one host. */
export function renderHost(model: RingModel, hostName: string, stp: StpResult, version: string): GeneratedFile[] {
  const host = model.hostByName.get(hostName)!;
  const view = hostView(model, host, stp, version);
  const dir = host.name;
  const files: GeneratedFile[] = [];
  for (const script of ['up.sh', 'down.sh', 'check.sh', 'install.sh', 'uninstall.sh']) {
    files.push({ path: `${dir}/${script}`, content: render(script, view), mode: 0o755 });
  }
  files.push({ path: `${dir}/iptables.rules`, content: render('iptables.rules', view), mode: 0o644 });
  files.push({ path: `${dir}/${view.units.network}`, content: render('network.service', view), mode: 0o644 });
  files.push({ path: `${dir}/${view.units.containers}`, content: render('containers.service', view), mode: 0o644 });
  files.push({ path: `${dir}/${view.units.attach}`, content: render('attach.service', view), mode: 0o644 });
  return files;
}
