/** Paths of diagnostics: where in the ring a problem is, as an array and as text. */

/**
 * Where in the ring a problem is: names and indexes from the spec's root, e.g.
 * `['hosts', 'host2', 'tunnels', 'gre1']`, `['containers', 'host1/web.1', 'ip']` (a container is
 * named by its host and its name), `['containers', 'host1/web', 'volumes', 1]`. An element of a
 * list is named when it has a name, else given by its index. `[]` is the whole ring; problems of
 * the ring file itself (it did not load) have `['config']`.
 */
export type DiagnosticPath = Array<string | number>;

/** A name that reads as itself in a path; any other is written as a JSON string in brackets. */
const PLAIN_SEGMENT = /^[A-Za-z0-9_/:@+-]+$/;

/**
 * A path as text: names joined by dots, indexes in brackets, a name that holds a dot (or is
 * empty, or holds other characters) as a quoted string in brackets:
 * `hosts.host2.tunnels.gre1`, `containers.host1/web.volumes[1]`, `containers["host1/web.1"].ip`.
 * `(root)` for the whole ring. Two different paths never read the same.
 */
export function formatPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return '(root)';
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (PLAIN_SEGMENT.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** Paths compared segment by segment: indexes by number, before names; names by code unit. */
export function comparePaths(a: readonly (string | number)[], b: readonly (string | number)[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    if (typeof x === 'number') return -1;
    if (typeof y === 'number') return 1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}
