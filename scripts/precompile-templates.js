#!/usr/bin/env node
// Build step (after tsc): compiles templates/*.hbs ahead of time into dist/render/precompiled.js,
// so `ringgen build` loads only Handlebars' runtime. ringgen falls back to compiling the
// templates itself whenever this file is missing or was made from other template sources.
'use strict';
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { precompiledModule } = require('../dist/render/render');

writeFileSync(join(__dirname, '..', 'dist', 'render', 'precompiled.js'), precompiledModule());
