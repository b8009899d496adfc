/** Shape check of a plain spec (zod). Only types and keys here; meaning is checked by the rules. */
import * as z from 'zod';
import './zod-locale';
import { diagnostic, type Diagnostic, type DiagnosticPath, type DiagnosticValues } from '../diagnostics';
import type { RingSpec } from './spec';

const int = z.number().int();
const str = z.string();

/**
 * An object used as a map by name, passed through as given, each value checked by `value`. Not
 * `z.record`: that refuses an object with an own `constructor` key and drops a `__proto__` key,
 * and both can be names (a bridge or host may be called `constructor`, a variable `__proto__`).
 */
export function nameMap<T>(value: z.ZodType<T>, what: string) {
  const map = z
    .custom<Record<string, T>>((v) => {
      const proto: unknown = typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.getPrototypeOf(v) : undefined;
      return proto === Object.prototype || proto === null;
    }, `Invalid input: expected ${what}`)
    .superRefine((map, ctx) => {
      for (const [key, v] of Object.entries(map)) {
        const r = value.safeParse(v);
        if (!r.success) for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', path: [key, ...issue.path], message: issue.message });
      }
    });
  nameMapValues.set(map, value);
  return map;
}

/** The schema of the values of each name map, for the JSON Schema (which cannot read a custom check). */
export const nameMapValues = new WeakMap<z.ZodType, z.ZodType>();

/** `env`, `bridgeAddresses`. */
const stringMap = nameMap(str, 'an object of strings');

const bfd = z.union([z.boolean(), z.object({ interval: int.optional() }).strict()]);

const options = z
  .object({
    tunnel: z.enum(['gre', 'vxlan']).optional(),
    stp: z.enum(['stp', 'rstp', 'off']).optional(),
    datapath: z.enum(['system', 'netdev']).optional(),
    ovsBridge: str.optional(),
    underlayMtu: int.optional(),
    bfd: bfd.optional(),
    root: str.optional(),
    rootPriority: int.optional(),
    priority: int.optional(),
    maxAge: int.optional(),
    forwardDelay: int.optional(),
    helloTime: int.optional(),
    tunnelCost: int.optional(),
    internalIface: str.optional(),
    externalIface: str.optional(),
    egressNat: z.boolean().optional(),
    vni: int.optional(),
    dockerNetwork: z.enum(['bridge', 'none']).optional(),
    ipsec: z.object({ psk: str.optional(), ca: str.optional(), cert: str.optional(), key: str.optional() }).strict().optional(),
  })
  .strict();

const tunnelEnd = z
  .object({ name: str, peer: str, remote: str, cost: int.optional() })
  .strict();

const host = z
  .object({
    name: str,
    internal: str,
    external: str.optional(),
    internalIface: str.optional(),
    externalIface: str.optional(),
    priority: int.optional(),
    bridgeAddresses: stringMap.optional(),
    tunnels: z.array(tunnelEnd),
  })
  .strict();

const bridge = z.object({ name: str, subnet: str, vlan: int.optional() }).strict();

const volume = z.union([
  z.object({ source: str, target: str, readonly: z.boolean().optional() }).strict(),
  z.object({ volume: str, target: str, readonly: z.boolean().optional() }).strict(),
]);

const container = z
  .object({
    name: str,
    host: str,
    bridge: str,
    ip: str,
    image: str,
    command: z.array(str).optional(),
    env: stringMap.optional(),
    envFile: str.optional(),
    volumes: z.array(volume).optional(),
    restart: z.enum(['no', 'always', 'unless-stopped', 'on-failure']).optional(),
    tty: z.boolean().optional(),
    interactive: z.boolean().optional(),
    gateway: str.optional(),
    mtu: int.optional(),
    publish: z.array(str).optional(),
    network: z.enum(['bridge', 'none']).optional(),
    hostname: str.optional(),
  })
  .strict();

export const ringSchema = z
  .object({
    // The JSON Schema a spec names for editors; ringgen itself does not read it.
    $schema: str.optional(),
    name: str,
    options: options.optional(),
    hosts: z.array(host),
    bridges: z.array(bridge),
    containers: z.array(container).optional(),
  })
  .strict();

/** Turns a zod path (indexes) into ringgen's named path where the input allows it. */
function namedPath(input: unknown, path: readonly PropertyKey[]): DiagnosticPath {
  const out: DiagnosticPath = [];
  let node: unknown = input;
  for (let i = 0; i < path.length; i++) {
    const key = path[i]!;
    const child = node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined;
    if (typeof key === 'number' && child && typeof child === 'object' && typeof (child as { name?: unknown }).name === 'string') {
      const named = child as { name: string; host?: unknown };
      const parent = out[out.length - 1];
      out.push(parent === 'containers' && typeof named.host === 'string' ? `${named.host}/${named.name}` : named.name);
    } else {
      out.push(typeof key === 'number' ? key : String(key));
    }
    node = child;
  }
  return out;
}

/** What a zod issue carries, as SCHEMA's values: its code and message, and what it expected. */
function issueValues(issue: z.core.$ZodIssue): DiagnosticValues<'SCHEMA'> {
  const values: DiagnosticValues<'SCHEMA'> = { kind: 'shape', issue: issue.code, text: issue.message };
  if (issue.code === 'invalid_type') return { ...values, expected: issue.expected };
  if (issue.code === 'unrecognized_keys') return { ...values, keys: issue.keys };
  if (issue.code === 'invalid_value') return { ...values, options: issue.values.map(String) };
  return values;
}

/** Validates the shape; returns the typed spec or the diagnostics. */
export function parseSpec(input: unknown): { spec?: RingSpec; diagnostics: Diagnostic[] } {
  const result = ringSchema.safeParse(input);
  if (result.success) return { spec: result.data as RingSpec, diagnostics: [] };
  const diagnostics = result.error.issues.map((issue) => diagnostic('SCHEMA', namedPath(input, issue.path), issueValues(issue)));
  return { diagnostics };
}
