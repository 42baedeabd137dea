#!/usr/bin/env node
'use strict';
// The tensorforge CLI; the code is in dist/cli/main.js (npm run build:ts).
require('../dist/cli/main.js').main(process.argv).catch((e) => {
  process.stderr.write(`tensorforge: ${e && e.message ? e.message : e}\n`);
  process.exit(1);
});
