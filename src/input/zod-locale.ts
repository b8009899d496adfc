/**
 * zod's English messages, which SCHEMA diagnostics and the manifest's errors quote. zod's main
 * module sets them itself, but it also loads its 40 other locales; the command line's bundle
 * (scripts/bundle.js) takes only the parts of zod ringgen uses, so it sets English here, by name.
 * Every module that parses with zod imports this one first.
 */
import { config } from 'zod';
import { en } from 'zod/v4/locales';

config(en());
