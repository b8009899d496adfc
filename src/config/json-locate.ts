/**
 * Source locations in a JSON ring spec. A diagnostic names an item by the checker's path
 * (`hosts.b.tunnels.t1.remote`, `containers.host1/web.ip`, `hosts[0].internal`): hosts, bridges,
 * tunnels and containers by name, as the spec's arrays hold them. The spec's text is parsed
 * once more by the compiler's JSON parser, which keeps positions, and the path is walked through
 * it: an array is entered at the element whose `name` (for containers, `host` and `name`) the
 * path gives.
 */
import type { SourceLocation } from '../diagnostics';
import { compiler, type Ts } from './compiler';

type TsNode = import('@ts-morph/common').ts.Node;
type TsSourceFile = import('@ts-morph/common').ts.JsonSourceFile;

interface Walk {
  ts: Ts;
  file: TsSourceFile;
}

const propName = (w: Walk, p: TsNode) => (w.ts.isPropertyAssignment(p) && (w.ts.isStringLiteral(p.name) || w.ts.isIdentifier(p.name)) ? p.name.text : undefined);

/** The value of an object's property, and the property (where a diagnostic about it points). */
function property(w: Walk, obj: TsNode, name: string): { prop: TsNode; value: TsNode } | undefined {
  if (!w.ts.isObjectLiteralExpression(obj)) return undefined;
  const prop = obj.properties.find((p) => propName(w, p) === name);
  return prop && w.ts.isPropertyAssignment(prop) ? { prop, value: prop.initializer } : undefined;
}

const stringValue = (w: Walk, n: TsNode | undefined) => (n && w.ts.isStringLiteral(n) ? n.text : undefined);

/** Where an element of a named list is best shown: its `name` property, else the element. */
const elementAt = (w: Walk, n: TsNode) => property(w, n, 'name')?.prop ?? n;

/** The element of an array that a path names: `b` (by name) or `host1/web` (a container). */
function findNamed(w: Walk, items: readonly TsNode[], label: string): TsNode | undefined {
  const slash = label.indexOf('/');
  return items.find((item) => {
    const name = stringValue(w, property(w, item, 'name')?.value);
    if (slash < 0) return name === label;
    return name === label.slice(slash + 1) && stringValue(w, property(w, item, 'host')?.value) === label.slice(0, slash);
  });
}

function walk(w: Walk, node: TsNode, segs: string[], at: number, best: TsNode): TsNode {
  if (at >= segs.length) return best;
  if (w.ts.isObjectLiteralExpression(node)) {
    const p = property(w, node, segs[at]!);
    return p ? walk(w, p.value, segs, at + 1, p.prop) : best;
  }
  if (w.ts.isArrayLiteralExpression(node)) {
    const seg = segs[at]!;
    if (/^\d+$/.test(seg) && Number(seg) < node.elements.length) {
      const item = node.elements[Number(seg)]!;
      return walk(w, item, segs, at + 1, elementAt(w, item));
    }
    // Names may hold dots (container names do): the longest run of segments that names an element.
    for (let end = segs.length; end > at; end--) {
      const item = findNamed(w, node.elements, segs.slice(at, end).join('.'));
      if (item) return walk(w, item, segs, end, elementAt(w, item));
    }
  }
  return best;
}

/** A locator for diagnostics of a JSON spec: the most precise place the path reaches. */
export function jsonLocator(file: string, text: string): (path: string) => SourceLocation | undefined {
  let parsed: { w: Walk; root: TsNode } | undefined | null = null;
  return (path) => {
    // The compiler's JSON parser keeps positions; it is loaded only when a diagnostic asks.
    if (parsed === null) {
      const { ts } = compiler();
      try {
        const sf = ts.parseJsonText(file, text);
        const root = sf.statements[0]?.expression;
        parsed = root ? { w: { ts, file: sf }, root } : undefined;
      } catch {
        // The compiler's parser recurses: JSON nested some thousand deep overflows the stack
        // (JSON.parse does not). Such a spec has its diagnostics all the same, without locations.
        parsed = undefined;
      }
    }
    if (!parsed) return undefined;
    const segs = path.replace(/\[(\d+)\]/g, '.$1').split('.').filter((x) => x !== '');
    if (segs.length === 0) return undefined;
    const { w, root } = parsed;
    const node = walk(w, root, segs, 0, root);
    if (node === root) return undefined;
    const pos = w.file.getLineAndCharacterOfPosition(node.getStart(w.file));
    return { file, line: pos.line + 1, column: pos.character + 1 };
  };
}
