#!/usr/bin/env node
// The command line in one file, dist/cli.bundle.js, made at `npm pack` (prepack, after the build;
// postpack removes it again, and so does `npm run build`, so a checkout runs tsc's dist/ while
// the tarball ships the bundle). bin/ringgen.js runs the bundle when it is there, dist/cli/main.js
// otherwise: loading some 200 module files (ringgen's own, zod's, Handlebars' runtime) costs
// Node's resolver and file reads about a tenth of a second at every start; one file does not.
//
// Made with esbuild from src/ (ES modules, so zod's unused parts, its 40 locales among them, are
// left out). Not in the bundle, and loaded only when a run needs them:
// - the in-process type-checker, ts-morph and the TypeScript compiler it brings (9 MB), and
//   Handlebars' template compiler: required by name, as in dist/, from node_modules;
// - yargs (its messages come from files it finds beside its own code);
// - dist/config/native.js and dist/code-cache.js: bin/ringgen.js loads them before the bundle
//   (the native compiler starts while the bundle loads), and the bundle shares those modules.
// The library (`ringgen`, `ringgen/testing`) stays tsc's files in dist/, with their typings.
//
//   node scripts/bundle.js              # writes dist/cli.bundle.js
//   node scripts/bundle.js --out DIR    # writes DIR/cli.bundle.js (the package tests' staged copy)
//   node scripts/bundle.js --remove     # removes dist/cli.bundle.js (postpack, npm run build)
'use strict';
const { mkdirSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { join, resolve } = require('node:path');

const ROOT = join(__dirname, '..');
const BUNDLE = 'cli.bundle.js';
/** Required by name at run time, from node_modules: see the top of this file. */
const EXTERNAL = new Set(['ts-morph', '@ts-morph/common', 'typescript', 'handlebars', 'yargs', 'yargs/yargs']);
/** ringgen's own modules that stay files of dist/, by their path under src/ (the bundle requires them from dist/). */
const SEPARATE = new Map([
  [join(ROOT, 'src', 'config', 'native'), './config/native.js'],
  [join(ROOT, 'src', 'code-cache'), './code-cache.js'],
]);

const keepOut = {
  name: 'ringgen-external',
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) => {
      if (EXTERNAL.has(args.path)) return { path: args.path, external: true };
      if (args.path.startsWith('.') && args.resolveDir.startsWith(join(ROOT, 'src'))) {
        const target = SEPARATE.get(resolve(args.resolveDir, args.path).replace(/\.[jt]s$/, ''));
        if (target) return { path: target, external: true };
      }
      return undefined;
    });
  },
};

async function bundle(outDir) {
  const esbuild = require('esbuild');
  const result = await esbuild.build({
    entryPoints: [join(ROOT, 'src', 'cli', 'main.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    plugins: [keepOut],
    // Modules named by their place under node_modules/, not by where a symlinked node_modules points.
    preserveSymlinks: true,
    write: false,
    outfile: join(outDir, BUNDLE),
    legalComments: 'eof',
    logLevel: 'warning',
    // `require(PRECOMPILED)` (a path known at run time) stays Node's require, as intended.
    logOverride: { 'unsupported-require-call': 'silent', 'unsupported-dynamic-import': 'silent' },
    banner: { js: '// ringgen\'s command line, bundled by scripts/bundle.js at `npm pack` from src/ (see there). Do not edit.' },
  });
  const [out] = result.outputFiles;
  mkdirSync(outDir, { recursive: true });
  // Written whole, then renamed: a ringgen starting meanwhile reads the old file or the new one.
  const tmp = `${out.path}.${process.pid}.tmp`;
  writeFileSync(tmp, out.contents);
  renameSync(tmp, out.path);
  return out.path;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  if (args[0] === '--remove') rmSync(join(ROOT, 'dist', BUNDLE), { force: true });
  else {
    const outDir = args[0] === '--out' ? resolve(args[1] ?? '') : join(ROOT, 'dist');
    bundle(outDir).then(
      (file) => process.stdout.write(`${file}\n`),
      (error) => {
        process.stderr.write(`scripts/bundle.js: ${error && error.message ? error.message : error}\n`);
        process.exitCode = 1;
      },
    );
  }
}

module.exports = { bundle, BUNDLE };
