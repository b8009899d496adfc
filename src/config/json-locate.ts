/**
 * Source locations in a JSON ring spec. A diagnostic names an item by the checker's path
 * (`['hosts', 'b', 'tunnels', 't1', 'remote']`, `['containers', 'host1/web', 'ip']`,
 * `['hosts', 0, 'internal']`): hosts, bridges, tunnels and containers by name, as the spec's
 * arrays hold them, or by index. The spec's text is parsed
 * once more by the compiler's JSON parser, which keeps positions, and the path is walked through
 * it: an array is entered at the element an index gives, or whose `name` (for containers,
 * `host/name`) the path gives.
 */
import type { DiagnosticPath, SourceLocation } from '../diagnostics';
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

/** The element of an array that a path names: `b` (by name) or `host1/web` (a container, by host and name). */
function findNamed(w: Walk, items: readonly TsNode[], label: string): TsNode | undefined {
  const named = (item: TsNode) => stringValue(w, property(w, item, 'name')?.value);
  return (
    items.find((item) => named(item) === label) ??
    items.find((item) => {
      const host = stringValue(w, property(w, item, 'host')?.value);
      return host !== undefined && `${host}/${named(item)}` === label;
    })
  );
}

function walk(w: Walk, node: TsNode, path: DiagnosticPath, at: number, best: TsNode): TsNode {
  if (at >= path.length) return best;
  const seg = path[at]!;
  if (w.ts.isObjectLiteralExpression(node) && typeof seg === 'string') {
    const p = property(w, node, seg);
    return p ? walk(w, p.value, path, at + 1, p.prop) : best;
  }
  if (w.ts.isArrayLiteralExpression(node)) {
    const item = typeof seg === 'number' ? node.elements[seg] : findNamed(w, node.elements, seg);
    if (item) return walk(w, item, path, at + 1, elementAt(w, item));
  }
  return best;
}

/** A locator for diagnostics of a JSON spec: the most precise place the path reaches. */
export function jsonLocator(file: string, text: string): (path: DiagnosticPath) => SourceLocation | undefined {
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
    if (path.length === 0) return undefined;
    const { w, root } = parsed;
    const node = walk(w, root, path, 0, root);
    if (node === root) return undefined;
    const pos = w.file.getLineAndCharacterOfPosition(node.getStart(w.file));
    return { file, line: pos.line + 1, column: pos.character + 1 };
  };
}
