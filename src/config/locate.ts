/**
 * Finds where in a config file the item a diagnostic names was declared: the builder
 * call (`.host('host2', ...)`), or the object that names it, narrowed to the property
 * the path names when there is one. Loops that build items fall back to their call.
 */
import { Node, SyntaxKind, type CallExpression, type ObjectLiteralExpression, type SourceFile } from 'ts-morph';
import type { DiagnosticPath, SourceLocation } from '../diagnostics';

const METHOD_OF: Record<string, string> = { hosts: 'host', bridges: 'bridge', containers: 'container' };
const LIST_OF: Record<string, string> = { hosts: 'hosts', bridges: 'bridges', containers: 'containers' };

function calleeName(call: CallExpression): string | undefined {
  const expr = call.getExpression();
  if (Node.isPropertyAccessExpression(expr)) return expr.getName();
  if (Node.isIdentifier(expr)) return expr.getText();
  return undefined;
}

function stringArg(call: CallExpression, index: number): string | undefined {
  const arg = call.getArguments()[index];
  return arg && Node.isStringLiteral(arg) ? arg.getLiteralValue() : arg && Node.isNoSubstitutionTemplateLiteral(arg) ? arg.getLiteralValue() : undefined;
}

function stringProp(obj: ObjectLiteralExpression, name: string): string | undefined {
  const prop = obj.getProperty(name);
  if (!prop || !Node.isPropertyAssignment(prop)) return undefined;
  const init = prop.getInitializer();
  return init && Node.isStringLiteral(init) ? init.getLiteralValue() : undefined;
}

function objectArg(call: CallExpression): ObjectLiteralExpression | undefined {
  return call.getArguments().find((a): a is ObjectLiteralExpression => Node.isObjectLiteralExpression(a));
}

/**
 * Narrows to a property (and deeper) inside an object literal, as far as the path goes: names
 * enter object literals, indexes enter array literals.
 */
function narrow(node: Node, rest: DiagnosticPath): Node {
  let current: Node = node;
  for (const key of rest) {
    if (Node.isObjectLiteralExpression(current) && typeof key === 'string') {
      const prop = current.getProperty(key);
      if (!prop) break;
      current = prop;
      if (Node.isPropertyAssignment(prop)) {
        const init = prop.getInitializer();
        if (init && (Node.isObjectLiteralExpression(init) || Node.isArrayLiteralExpression(init))) current = init;
      }
    } else if (Node.isArrayLiteralExpression(current) && typeof key === 'number') {
      const el = current.getElements()[key];
      if (!el) break;
      current = el;
    } else break;
  }
  return current;
}

/** Where a call is shown: at its method's name (`.tunnel(` of a chain), not where the chain starts. */
function callSite(call: CallExpression): Node {
  const expr = call.getExpression();
  return Node.isPropertyAccessExpression(expr) ? expr.getNameNode() : call;
}

export class Locator {
  private readonly calls: CallExpression[];

  constructor(private readonly file: SourceFile) {
    this.calls = file.getDescendantsOfKind(SyntaxKind.CallExpression);
  }

  private at(node: Node): SourceLocation {
    const { line, column } = this.file.getLineAndColumnAtPos(node.getStart());
    return { file: this.file.getFilePath(), line, column };
  }

  /**
   * The declaration of a host, bridge or container: its call (its options object when it has one),
   * else an object literal that names it, else the first call that adds such items (a loop).
   * A container is named `host/name`.
   */
  private findItem(section: string, label: string): Node | undefined {
    const method = METHOD_OF[section];
    if (!method) return undefined;
    const names = (name: string | undefined, host: string | undefined) =>
      name !== undefined && (section === 'containers' ? (host === undefined ? label.endsWith(`/${name}`) : label === `${host}/${name}`) : label === name);
    const exact = (name: string | undefined, host: string | undefined) => name !== undefined && (section !== 'containers' || host !== undefined) && names(name, host);
    const hostOf = (obj: ObjectLiteralExpression | undefined) => (obj ? stringProp(obj, 'host') : undefined);
    const byCall = this.calls.filter((c) => calleeName(c) === method && names(stringArg(c, 0), hostOf(objectArg(c))));
    const call = byCall.find((c) => exact(stringArg(c, 0), hostOf(objectArg(c)))) ?? byCall[0];
    if (call) return objectArg(call) ?? callSite(call);
    const objects = this.file.getDescendantsOfKind(SyntaxKind.ObjectLiteralExpression).filter((o) => names(stringProp(o, 'name'), stringProp(o, 'host')));
    const obj = objects.find((o) => exact(stringProp(o, 'name'), stringProp(o, 'host'))) ?? objects[0];
    if (obj) return obj;
    const loopCall = this.calls.find((c) => calleeName(c) === method || calleeName(c) === LIST_OF[section]);
    return loopCall && callSite(loopCall);
  }

  /** Location of the declaration a diagnostic path names, or of the ring call as a last resort. */
  locate(path: DiagnosticPath): SourceLocation | undefined {
    const [section, name, ...rest] = path;
    if (section === 'hosts' && typeof name === 'string' && rest[0] === 'tunnels' && typeof rest[1] === 'string') {
      const tunnels = this.calls.filter((c) => calleeName(c) === 'tunnel' && stringArg(c, 0) === rest[1]);
      const tunnelCall = tunnels.find((c) => stringArg(c, 1) === name || stringArg(c, 2) === name) ?? tunnels[0];
      if (tunnelCall) return this.at(callSite(tunnelCall));
    }
    if (typeof section === 'string' && typeof name === 'string' && METHOD_OF[section]) {
      const node = this.findItem(section, name);
      if (node) return this.at(narrow(node, rest));
    }
    const ringCall = this.calls.find((c) => calleeName(c) === 'ring');
    if (!ringCall) return undefined;
    const [ringName, opts] = ringCall.getArguments();
    if (section === 'name' && path.length === 1 && ringName) return this.at(ringName);
    if (section === 'options' && opts) return this.at(narrow(opts, path.slice(1)));
    return this.at(callSite(ringCall));
  }
}
