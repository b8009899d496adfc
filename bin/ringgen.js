#!/usr/bin/env node
'use strict';
const { existsSync, writeSync } = require('node:fs');
const { join } = require('node:path');

/**
 * Ends the process once stdout and stderr are flushed. Writes to a pipe are asynchronous:
 * process.exit() right after them would cut the output at the pipe's buffer (64 KiB). Exiting
 * (rather than only setting the exit code) still ends a run whose ring file left a timer behind.
 */
function exitAfterFlush(code) {
  process.exitCode = code;
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  for (const stream of [process.stdout, process.stderr]) {
    // The callback of an empty write runs after every earlier write to the stream has completed.
    if (stream.destroyed || !stream.writable) done();
    else stream.write('', done);
  }
}

const dist = join(__dirname, '..', 'dist');
// The packed package's command line is one file (scripts/bundle.js); a checkout runs tsc's dist/.
const bundled = join(dist, 'cli.bundle.js');
const entry = existsSync(bundled) ? bundled : join(dist, 'cli', 'main.js');
if (/\bmodules\b/.test(process.env.RINGGEN_DEBUG || '')) {
  // RINGGEN_DEBUG with `modules` in it: every module file the run loaded, at exit.
  process.once('exit', () => {
    const files = Object.keys(require.cache);
    writeSync(2, `ringgen: debug: modules: ${files.length} loaded\n${files.map((f) => `ringgen: debug: module ${f}\n`).join('')}`);
  });
}
if (!existsSync(entry)) {
  process.stderr.write('ringgen: dist/ is missing: in a checkout of ringgen, run `npm ci && npm run build` first\n');
  exitAfterFlush(2);
} else {
  try {
    require(join(dist, 'code-cache.js')).enableCodeCache();
  } catch {
    // Only a head start: without the cache every module is compiled as usual.
  }
  // The ring file's type-check (a separate process) starts before the command line's modules
  // load, so the two take their time side by side; a wrong guess of the file is dropped later.
  try {
    require(join(dist, 'config', 'native.js')).startEarly(process.argv.slice(2));
  } catch {
    // Only a head start: the loader runs the check itself.
  }
  require(entry)
    .main(process.argv.slice(2))
    .then(exitAfterFlush)
    .catch((error) => {
      process.stderr.write(`ringgen: internal error: ${error && error.stack ? error.stack : error}\n`);
      exitAfterFlush(2);
    });
}
