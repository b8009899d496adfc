/**
 * Renders the per-host files through Handlebars templates. A host script is its template's
 * header, usage and data block (src/emit/host-data.ts), then the static library of
 * templates/lib/*.sh, copied in verbatim (the `lib` helper: no Handlebars in those files). The templates compile once per process,
 * or not at all: `npm run build` precompiles them into dist/emit/precompiled.js, which is used
 * while it was made from the same template sources (compiling costs more than rendering a small ring).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type HandlebarsModule from 'handlebars';
import { HERE } from '../here';
import type { RingModel } from '../model/model';
import type { StpResult } from '../model/stp';
import { hostDataBlock, type HostScript } from './host-data';
import { hostView, type HostView } from './host-view';
import { shellQuote } from './shell';

const HOST_SCRIPTS: HostScript[] = ['up', 'down', 'check', 'install', 'uninstall'];

/** A file of the output, relative to the output folder. */
export interface GeneratedFile {
  path: string;
  content: string;
  /** Unix mode: 0o755 for scripts, 0o644 otherwise. */
  mode: number;
}

const TEMPLATE_DIR = join(HERE, '..', 'templates');
const PRECOMPILED = join(HERE, 'emit', 'precompiled.js');
const PARTIALS: Record<string, string> = { header: '_header.hbs', bash: '_bash.sh.hbs', data: '_data.sh.hbs' };
/** The static bash of the host scripts, templates/lib/NAME.sh: real shell files, shellchecked and tested on their own. */
export const LIBRARY = ['bash-check', 'common', 'owned', 'up', 'down', 'check', 'install', 'uninstall'] as const;
const TEMPLATES = ['up.sh', 'down.sh', 'check.sh', 'install.sh', 'uninstall.sh', 'iptables.rules', 'network.service', 'containers.service', 'attach.service'];
/** The ring-level rollout files' templates (rollout.ts renders them, with helpers of its own). */
const ROLLOUT_TEMPLATES = ['inventory.yml', 'deploy.yml', 'deploy.sh'];
const COMPILE_OPTIONS = { strict: true, noEscape: true };

type Handlebars = typeof HandlebarsModule;
type Template = (view: HostView) => string;

interface Sources {
  partials: Record<string, string>;
  templates: Record<string, string>;
  rollout: Record<string, string>;
  /** templates/lib/NAME.sh by NAME, as the scripts hold them (without the line that tells shellcheck the shell). */
  library: Record<string, string>;
  /** Identifies the sources and compile options a precompiled module was made from. */
  hash: string;
}

type TemplateSpec = Parameters<Handlebars['template']>[0];

interface Precompiled {
  hash: string;
  partials: Record<string, TemplateSpec>;
  templates: Record<string, TemplateSpec>;
  rollout: Record<string, TemplateSpec>;
}

function readSources(): Sources {
  const read = (name: string) => readFileSync(join(TEMPLATE_DIR, name), 'utf8');
  const partials = Object.fromEntries(Object.entries(PARTIALS).map(([name, file]) => [name, read(file)]));
  const templates = Object.fromEntries(TEMPLATES.map((name) => [name, read(`${name}.hbs`)]));
  const rollout = Object.fromEntries(ROLLOUT_TEMPLATES.map((name) => [name, read(`${name}.hbs`)]));
  const library = Object.fromEntries(LIBRARY.map((name) => [name, read(join('lib', `${name}.sh`)).replace(/^# shellcheck shell=bash\n/, '')]));
  const hash = createHash('sha256').update(JSON.stringify({ partials, templates, rollout, library, COMPILE_OPTIONS })).digest('hex');
  return { partials, templates, rollout, library, hash };
}

let precompiled: { pre: Precompiled | undefined; sources: Sources } | undefined;
/** dist/emit/precompiled.js when it was made from the template sources on disk. */
function usablePrecompiled(): { pre: Precompiled | undefined; sources: Sources } {
  if (precompiled) return precompiled;
  const sources = readSources();
  const pre = existsSync(PRECOMPILED) ? (require(PRECOMPILED) as Precompiled) : undefined;
  precompiled = { pre: pre?.hash === sources.hash && pre.rollout ? pre : undefined, sources };
  return precompiled;
}

/**
 * The rollout templates (`inventory.yml`, `deploy.yml`, `deploy.sh`) with the given helpers,
 * precompiled like the host templates: a build loads Handlebars' runtime only.
 */
export function rolloutTemplates<View>(helpers: Record<string, (value: unknown) => string>): Map<string, (view: View) => string> {
  const { pre, sources } = usablePrecompiled();
  const hb = (pre ? require('handlebars/runtime') : require('handlebars')) as Handlebars;
  const own = hb.create();
  for (const [name, helper] of Object.entries(helpers)) own.registerHelper(name, helper);
  const made = new Map<string, (view: View) => string>();
  for (const name of ROLLOUT_TEMPLATES) made.set(name, pre ? own.template(pre.rollout[name]!) : own.compile(sources.rollout[name]!, COMPILE_OPTIONS));
  return made;
}

/** A private instance with the quoting helper, the data block's and the library's. */
function instance(handlebars: Handlebars, library: Record<string, string>): Handlebars {
  const hb = handlebars.create();
  hb.registerHelper('lib', (name: unknown) => {
    const text = typeof name === 'string' ? library[name] : undefined;
    if (text === undefined) throw new Error(`lib: no templates/lib/${String(name)}.sh`);
    return text;
  });
  hb.registerHelper('hostData', function (this: HostView, script: unknown) {
    if (!HOST_SCRIPTS.includes(script as HostScript)) throw new Error(`hostData: no host script ${String(script)}`);
    return hostDataBlock(this, script as HostScript);
  });
  hb.registerHelper('q', (value: unknown) => {
    if (typeof value !== 'string' && typeof value !== 'number') throw new Error(`q: cannot quote ${typeof value}`);
    return shellQuote(value);
  });
  return hb;
}

let compiled: Map<string, Template> | undefined;
/** How the templates of this process were made ready: for tests, which check that builds take the fast way. */
export let templateOrigin: 'precompiled' | 'compiled' | undefined;

function templates(): Map<string, Template> {
  if (compiled) return compiled;
  const { pre, sources } = usablePrecompiled();
  compiled = new Map();
  if (pre) {
    // The runtime alone: Handlebars' compiler is never loaded.
    const hb = instance(require('handlebars/runtime') as Handlebars, sources.library);
    for (const name of Object.keys(PARTIALS)) hb.registerPartial(name, hb.template(pre.partials[name]!));
    for (const name of TEMPLATES) compiled.set(name, hb.template(pre.templates[name]!));
    templateOrigin = 'precompiled';
  } else {
    const hb = instance(require('handlebars') as Handlebars, sources.library);
    for (const [name, text] of Object.entries(sources.partials)) hb.registerPartial(name, text);
    for (const name of TEMPLATES) compiled.set(name, hb.compile(sources.templates[name]!, COMPILE_OPTIONS));
    templateOrigin = 'compiled';
  }
  return compiled;
}

/**
 * Handlebars' compiled code builds a new `{ start, end }` source location object for every value
 * it prints (for error messages). They are constants: the precompiled module shares one frozen
 * copy of each, which renders the same text with far less garbage at tens of thousands of containers.
 */
function shareLocations(code: string): { code: string; table: string } {
  const index = new Map<string, number>();
  const shared = code.replace(/\{"start":\{"line":\d+,"column":\d+\},"end":\{"line":\d+,"column":\d+\}\}/g, (loc) => {
    if (!index.has(loc)) index.set(loc, index.size);
    return `LOC[${index.get(loc)}]`;
  });
  return { code: shared, table: `const LOC = [\n${[...index.keys()].map((loc) => `  Object.freeze(${loc}),`).join('\n')}\n];` };
}

/** The text of dist/emit/precompiled.js (written by the build, never by ringgen itself). */
export function precompiledModule(): string {
  const hb = require('handlebars') as Handlebars;
  const { partials, templates: sources, rollout, hash } = readSources();
  // Partials compile with the options of the template that includes them, as Handlebars does at run time.
  const specs = (texts: Record<string, string>) =>
    Object.entries(texts)
      .map(([name, text]) => `    ${JSON.stringify(name)}: ${hb.precompile(text, COMPILE_OPTIONS) as unknown as string},`)
      .join('\n');
  const { code, table } = shareLocations(
    ['module.exports = {', `  hash: ${JSON.stringify(hash)},`, `  partials: {\n${specs(partials)}\n  },`, `  templates: {\n${specs(sources)}\n  },`, `  rollout: {\n${specs(rollout)}\n  },`, '};'].join('\n'),
  );
  return ['// Generated by `npm run build` from templates/*.hbs; used only while `hash` matches them (and templates/lib/*.sh). Do not edit.', "'use strict';", table, code, ''].join('\n');
}

function render(name: string, view: HostView): string {
  const out = templates().get(name)!(view);
  return out.replace(/\r\n/g, '\n').replace(/\n{3,}/g, '\n\n');
}

/** All files of one host. */
export function renderHost(model: RingModel, hostName: string, stp: StpResult, version: string): GeneratedFile[] {
  return renderHostView(hostView(model, model.hostByName.get(hostName)!, stp, version));
}

/** All files of one host, from its view (made once, also for the host's summary in the manifest). */
export function renderHostView(view: HostView): GeneratedFile[] {
  const dir = view.host;
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
