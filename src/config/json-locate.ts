/**
 * Source locations in a JSON ring spec. A diagnostic names an item by the checker's path
 * (`hosts.b.tunnels.t1.remote`, `containers.host1/web.ip`, `hosts[0].internal`): hosts, bridges,
 * tunnels and containers by name, as the spec's arrays hold them. The spec's text is parsed
 * once more, keeping where every value starts, and the path is walked through it: an array is
 * entered at the element whose `name` (for containers, `host` and `name`) the path gives.
 */
import type { SourceLocation } from '../diagnostics';

interface Pos {
  line: number;
  column: number;
}

type JNode =
  | ({ kind: 'object'; props: Map<string, { key: Pos; value: JNode }> } & Pos)
  | ({ kind: 'array'; items: JNode[] } & Pos)
  | ({ kind: 'value'; value: unknown } & Pos);

/** Parses JSON keeping each value's position; undefined when the text is not valid JSON. */
export function parseWithPositions(text: string): JNode | undefined {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const posAt = (index: number): Pos => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: index - lineStarts[lo]! + 1 };
  };
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const string = (): string => {
    const start = i;
    i++; // opening quote
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++; // closing quote
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (): JNode => {
    ws();
    const pos = posAt(i);
    const c = text[i];
    if (c === '{') {
      i++;
      const props = new Map<string, { key: Pos; value: JNode }>();
      ws();
      if (text[i] === '}') {
        i++;
        return { kind: 'object', props, ...pos };
      }
      for (;;) {
        ws();
        if (text[i] !== '"') throw new Error('key');
        const key = posAt(i);
        const name = string();
        ws();
        if (text[i] !== ':') throw new Error(':');
        i++;
        props.set(name, { key, value: value() });
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return { kind: 'object', props, ...pos };
        } else throw new Error('object');
      }
    }
    if (c === '[') {
      i++;
      const items: JNode[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return { kind: 'array', items, ...pos };
      }
      for (;;) {
        items.push(value());
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return { kind: 'array', items, ...pos };
        } else throw new Error('array');
      }
    }
    if (c === '"') return { kind: 'value', value: string(), ...pos };
    const m = /^(?:true|false|null|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 64));
    if (!m) throw new Error('value');
    i += m[0].length;
    return { kind: 'value', value: JSON.parse(m[0]) as unknown, ...pos };
  };
  try {
    const root = value();
    ws();
    return i === text.length ? root : undefined;
  } catch {
    return undefined;
  }
}

const str = (n: JNode | undefined) => (n?.kind === 'value' && typeof n.value === 'string' ? n.value : undefined);

/** Where an element of a named list is best shown: its `name` line, else its opening brace. */
function elementPos(n: JNode): Pos {
  return (n.kind === 'object' && n.props.get('name')?.key) || n;
}

/** The element of an array that a path names: `b` (by name) or `host1/web` (a container). */
function findNamed(items: JNode[], label: string): JNode | undefined {
  const slash = label.indexOf('/');
  return items.find((item) => {
    if (item.kind !== 'object') return false;
    const name = str(item.props.get('name')?.value);
    if (slash < 0) return name === label;
    return name === label.slice(slash + 1) && str(item.props.get('host')?.value) === label.slice(0, slash);
  });
}

function walk(node: JNode, segs: string[], at: number, best: Pos): Pos {
  if (at >= segs.length) return best;
  if (node.kind === 'object') {
    const prop = node.props.get(segs[at]!);
    return prop ? walk(prop.value, segs, at + 1, prop.key) : best;
  }
  if (node.kind === 'array') {
    const seg = segs[at]!;
    if (/^\d+$/.test(seg) && Number(seg) < node.items.length) {
      const item = node.items[Number(seg)]!;
      return walk(item, segs, at + 1, elementPos(item));
    }
    // Names may hold dots (container names do): the longest run of segments that names an element.
    for (let end = segs.length; end > at; end--) {
      const item = findNamed(node.items, segs.slice(at, end).join('.'));
      if (item) return walk(item, segs, end, elementPos(item));
    }
  }
  return best;
}

/** A locator for diagnostics of a JSON spec: the most precise place the path reaches. */
export function jsonLocator(file: string, text: string): (path: string) => SourceLocation | undefined {
  let root: JNode | undefined | null = null;
  return (path) => {
    if (root === null) root = parseWithPositions(text);
    if (!root) return undefined;
    const segs = path.replace(/\[(\d+)\]/g, '.$1').split('.').filter((s) => s !== '');
    if (segs.length === 0) return undefined;
    const pos = walk(root, segs, 0, root);
    return pos === root ? undefined : { file, ...pos };
  };
}
