// Writes docs/cli.md's diagnostic code table from the table of codes (src/diagnostics/codes/).
// With --check it writes nothing and exits 1 when docs/cli.md is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withCodeTable } from '../src/diagnostics/readme';

const file = join(__dirname, '..', 'docs', 'cli.md');
const readme = readFileSync(file, 'utf8');
const wanted = withCodeTable(readme);
if (process.argv.includes('--check')) {
  if (wanted !== readme) {
    console.error('docs/cli.md: the diagnostic code table is stale; run npm run docs:codes');
    process.exit(1);
  }
} else if (wanted !== readme) {
  writeFileSync(file, wanted);
  console.log('docs/cli.md: diagnostic code table written');
}
