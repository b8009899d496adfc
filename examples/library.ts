// ringgen as a library: rings of three to five hosts, built in a loop and written each into a
// folder of its own with writeOutput (which also removes what an earlier build wrote and this
// one no longer has). Run: npx tsx examples/library.ts [folder]  (default: out-library)
import { join } from 'node:path';
import { buildRing, formatDiagnostics, ring, style, writeOutput, type RingBuilder } from 'ringgen';

/** A ring of `size` hosts with one container on each, on one bridge. */
export function siteRing(name: string, size: number): RingBuilder {
  const r = ring(name, { tunnel: 'vxlan' }).bridge('app', { subnet: '172.22.0.0/24' });
  for (let i = 1; i <= size; i++) {
    r.host(`${name}-h${i}`, { internal: `10.40.${size}.${i}` });
    r.container(`web${i}`, { host: `${name}-h${i}`, bridge: 'app', ip: `172.22.0.${100 + i}`, image: 'nginx:1.27' });
  }
  return r;
}

/** Builds every ring into `folder/<ring>`; returns the exit code a command would have. */
export function main(folder: string): number {
  let code = 0;
  for (const size of [3, 4, 5]) {
    const name = `site${size}`;
    const built = buildRing(siteRing(name, size));
    if (built.diagnostics.length > 0) console.error(formatDiagnostics(built.diagnostics, style(false)));
    if (built.files.length === 0) {
      code = 1;
      continue;
    }
    const written = writeOutput(join(folder, name), built.files);
    console.log(`${name}: ${built.files.length} files in ${join(folder, name)}${written.removed.length > 0 ? `, ${written.removed.length} removed` : ''}`);
  }
  return code;
}

if (require.main === module) process.exitCode = main(process.argv[2] ?? 'out-library');
