/**
 * Free text that cannot be passed on exactly: a lone UTF-16 surrogate (JSON can write one as
 * `"\ud800"`) has no UTF-8 encoding, so every file it reached would hold U+FFFD instead. Refused
 * wherever it is, keys included, rather than changed silently.
 */
import type { DiagnosticPath, Report } from '../diagnostics';
import type { RingSpec } from '../input/spec';
import { LONE_SURROGATE } from '../input/text';

/** The path of an array element: by name where it has one (`host/name` for containers). */
function elementLabel(parent: string | number, item: unknown, index: number): string | number {
  if (item === null || typeof item !== 'object') return index;
  const { name, host } = item as { name?: unknown; host?: unknown };
  if (typeof name !== 'string') return index;
  return parent === 'containers' && typeof host === 'string' ? `${host}/${name}` : name;
}

function walk(value: unknown, path: DiagnosticPath, found: (path: DiagnosticPath, what: 'value' | 'key') => void): void {
  if (typeof value === 'string') {
    if (LONE_SURROGATE.test(value)) found(path, 'value');
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => walk(item, [...path, elementLabel(path[path.length - 1] ?? '', item, i)], found));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (LONE_SURROGATE.test(key)) found([...path, key], 'key');
      walk(item, [...path, key], found);
    }
  }
}

export function checkText(spec: RingSpec, r: Report): void {
  walk(spec, [], (path, kind) => r.add('TEXT_UNENCODABLE', path, { kind }));
}
