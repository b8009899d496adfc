import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** ringgen's version, printed into every generated file. */
export const VERSION: string = (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
