/**
 * Finds where in a config file the item a diagnostic names was declared: the builder
 * call (`.host('host2', ...)`), or the object that names it, narrowed to the property
 * the path names when there is one. Loops that build items fall back to their call.
 */
import { Node, SyntaxKind, type CallExpression, type ObjectLiteralExpression, type SourceFile } from 'ts-morph';
import type { SourceLocation } from '../diagnostics';

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

/** Narrows to a property (and deeper) inside an object literal, as far as the path goes. */
function narrow(node: Node, rest: string[]): Node {
  let current: Node = node;
  for (const key of rest) {
    if (!Node.isObjectLiteralExpression(current)) break;
    const prop = current.getProperty(key);
    if (!prop) break;
    current = prop;
    if (Node.isPropertyAssignment(prop)) {
      const init = prop.getInitializer();
      if (init && (Node.isObjectLiteralExpression(init) || Node.isArrayLiteralExpression(init))) current = init;
    }
    if (Node.isArrayLiteralExpression(current)) {
      const next = rest[rest.indexOf(key) + 1];
      const el = next !== undefined && /^\d+$/.test(next) ? current.getElements()[Number(next)] : undefined;
      if (el) current = el;
      break;
    }
  }
  return current;
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

  private findItem(section: string, name: string, host?: string): Node | undefined {
    const method = METHOD_OF[section];
    if (!method) return undefined;
    const byCall = this.calls.filter((c) => calleeName(c) === method && stringArg(c, 0) === name);
    const call = byCall.find((c) => host === undefined || (objectArg(c) && stringProp(objectArg(c)!, 'host') === host)) ?? byCall[0];
    if (call) return objectArg(call) ?? call;
    const objects = this.file.getDescendantsOfKind(SyntaxKind.ObjectLiteralExpression).filter((o) => stringProp(o, 'name') === name);
    const obj = objects.find((o) => host === undefined || stringProp(o, 'host') === host) ?? objects[0];
    if (obj) return obj;
    const loopCall = this.calls.find((c) => calleeName(c) === method || calleeName(c) === LIST_OF[section]);
    return loopCall;
  }

  /** Location of the declaration a diagnostic path names, or of the ring call as a last resort. */
  locate(path: string): SourceLocation | undefined {
    const parts = path.split('.');
    const [section, name, ...rest] = parts;
    if (section === 'hosts' && name && rest[0] === 'tunnels' && rest[1]) {
      const tunnelCall = this.calls.find((c) => calleeName(c) === 'tunnel' && stringArg(c, 0) === rest[1]);
      if (tunnelCall) return this.at(tunnelCall);
    }
    if (section && name && METHOD_OF[section]) {
      const [host, item] = section === 'containers' && name.includes('/') ? name.split('/') : [undefined, name];
      const node = this.findItem(section, item!, host);
      if (node) return this.at(narrow(node, rest));
    }
    const ringCall = this.calls.find((c) => calleeName(c) === 'ring');
    if (!ringCall) return undefined;
    if (section === 'options' && name) {
      const opts = ringCall.getArguments()[1];
      if (opts) return this.at(narrow(opts, [name]));
    }
    return this.at(ringCall);
  }
}
