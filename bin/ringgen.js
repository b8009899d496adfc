#!/usr/bin/env node
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const entry = join(__dirname, '..', 'dist', 'cli.js');
if (!existsSync(entry)) {
  process.stderr.write('ringgen: dist/ is missing; run `npm install` (or `npm run build`) in the ringgen folder first\n');
  process.exit(2);
}
require(entry)
  .main(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((error) => {
    process.stderr.write(`ringgen: internal error: ${error && error.stack ? error.stack : error}\n`);
    process.exit(2);
  });
