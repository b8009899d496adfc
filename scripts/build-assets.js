#!/usr/bin/env node
// Build step after tsc: what `ringgen build` would otherwise make at every start.
// - dist/emit/precompiled.js: templates/*.hbs compiled ahead of time, so a build loads only
//   Handlebars' runtime (ringgen compiles the templates itself while this is missing or stale);
// - dist/config/lib/: the standard library files a config's type-check reads, taken from the copy
//   ts-morph embeds, so the type-check loads the compiler alone (ringgen uses the embedded copy
//   while these are missing or belong to another compiler version);
// - dist/config/typescript.cache: V8's code cache for the compiler, made after type-checking the
//   original's example, so that it holds the functions a check uses (see src/config/compiler.ts);
// - schema/ring.schema.json: the JSON Schema of a plain spec, from the zod schema (committed and
//   shipped; test/library.test.ts fails when it is stale).
'use strict';
const { existsSync, mkdirSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { precompiledModule } = require('../dist/emit/templates');
const { CODE_CACHE, compiler, compilerCodeCache, libFilesToExtract } = require('../dist/config/compiler');

const dist = join(__dirname, '..', 'dist');
// src/diagnostics.ts became the folder src/diagnostics/: an older build's dist/diagnostics.js
// would shadow dist/diagnostics/index.js (require('./diagnostics') finds the file first).
for (const stale of ['diagnostics.js', 'diagnostics.d.ts']) rmSync(join(dist, stale), { force: true });
// The command line's bundle is made at `npm pack` (scripts/bundle.js) and removed after it; one
// left from an interrupted pack would run instead of what was just built.
rmSync(join(dist, 'cli.bundle.js'), { force: true });
const { JSON_SCHEMA_FILE, ringJsonSchemaText } = require('../dist/input/json-schema');
mkdirSync(join(__dirname, '..', 'schema'), { recursive: true });
writeFileSync(join(__dirname, '..', JSON_SCHEMA_FILE), ringJsonSchemaText());
writeFileSync(join(dist, 'emit', 'precompiled.js'), precompiledModule());

const lib = join(dist, 'config', 'lib');
const { version, files } = libFilesToExtract();
rmSync(lib, { recursive: true, force: true });
mkdirSync(lib, { recursive: true });
for (const [name, text] of files) writeFileSync(join(lib, name), text);
writeFileSync(join(lib, 'VERSION'), `${version}\n`);

// After the library files: the check below reads them as a build would.
rmSync(CODE_CACHE, { force: true });
rmSync(`${CODE_CACHE}.for`, { force: true });
compiler({ forCache: true });
const { loadConfig } = require('../dist/config/load');
const example = join(__dirname, '..', 'examples', 'original.ring.ts');
if (existsSync(example)) loadConfig(example);
const cache = compilerCodeCache();
if (cache) {
  writeFileSync(CODE_CACHE, cache.data);
  writeFileSync(`${CODE_CACHE}.for`, cache.madeFrom);
}
