/**
 * The folder of ringgen's top-level modules: dist/ once built, src/ when tests run the sources.
 * Modules in subfolders name the files ringgen reads from its own package (templates, the
 * precompiled templates, the compiler's library files and code cache) from here rather than from
 * their own `__dirname`: in the command line's bundle (dist/cli.bundle.js, made at `npm pack`,
 * scripts/bundle.js) every module's `__dirname` is dist/, the bundle's folder.
 */
export const HERE: string = __dirname;
