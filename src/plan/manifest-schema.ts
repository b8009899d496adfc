/**
 * The one schema of `manifest.json`: the build writes data of its type (`Manifest`, inferred
 * from it), `ringgen plan` reads a manifest back through it (`readSchema`, the same schema with
 * what older formats lack made optional). Reading is lenient where writing is exact only in what
 * the data is made of (a tunnel's type is a string to read, always `gre` or `vxlan` as written).
 */
import * as z from 'zod';
import '../input/zod-locale';
import { nameMap } from '../input/schema';

/** The manifest format ringgen writes; older manifests have no `format` (and no `sha256`). */
export const MANIFEST_FORMAT = 2;

const tunnelSummary = z.object({
  name: z.string(),
  type: z.string(),
  peer: z.string(),
  /** The peer's internal IP. */
  remote: z.string(),
  cost: z.number(),
});

const bridgeSummary = z.object({
  name: z.string(),
  subnet: z.string(),
  /** This host's address on the bridge. */
  address: z.string(),
  vlan: z.number(),
});

const containerSummary = z.object({
  name: z.string(),
  bridge: z.string(),
  ip: z.string(),
  image: z.string(),
  /** Hash of everything `up.sh` creates the container from: when it changes, up.sh recreates it. */
  settings: z.string(),
});

/** A port published on this host's external IP, forwarded to a container (maybe on another host). */
const publishSummary = z.object({
  port: z.number(),
  proto: z.enum(['tcp', 'udp']),
  container: z.string(),
  containerHost: z.string(),
  ip: z.string(),
  containerPort: z.number(),
});

/** What each host carries, in structured form: `ringgen plan` compares two builds through it. */
export const summarySchema = z.object({
  tunnels: z.array(tunnelSummary),
  bridges: z.array(bridgeSummary),
  containers: z.array(containerSummary),
  published: z.array(publishSummary),
});

/** A host's entry: its addresses, its files, and its summary. */
const hostEntry = z.object({ internal: z.string(), external: z.string().nullable(), files: z.array(z.string()) }).extend(summarySchema.shape);

/** The manifest as a build writes it. */
export const manifestSchema = z.object({
  generator: z.literal('ringgen'),
  format: z.number().int().positive(),
  version: z.string(),
  ring: z.string(),
  tunnel: z.string(),
  stp: z.string(),
  root: z.string().nullable(),
  blocked: z.array(z.object({ tunnel: z.string(), between: z.array(z.string()) })),
  overlayMtu: z.number(),
  hosts: nameMap(hostEntry, 'an object of hosts'),
  files: z.array(z.string()),
  /** What the writer checks before it removes a file this build no longer has: only a file still as written is removed. */
  sha256: nameMap(z.string().regex(/^[0-9a-f]{64}$/), 'an object of hashes'),
});

/**
 * The manifest as `ringgen plan` reads it, of any format: what format 1 lacks is optional, and a
 * host needs only its files (a host's summary is read on its own, with `summarySchema`, when it has one).
 */
export const readSchema = manifestSchema.partial({ format: true, tunnel: true, stp: true, root: true, blocked: true, overlayMtu: true, sha256: true }).extend({
  hosts: nameMap(hostEntry.pick({ files: true }).passthrough(), 'an object of hosts'),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestHost = Manifest['hosts'][string];
export type HostSummary = z.infer<typeof summarySchema>;
export type TunnelSummary = HostSummary['tunnels'][number];
export type BridgeSummary = HostSummary['bridges'][number];
export type ContainerSummary = HostSummary['containers'][number];
export type PublishSummary = HostSummary['published'][number];

/** The fields of each list of a summary, as the schema has them. */
const summaryFields = Object.fromEntries(Object.entries(summarySchema.shape).map(([list, schema]) => [list, Object.keys(schema.element.shape)])) as unknown as {
  [K in keyof HostSummary]: ReadonlyArray<keyof HostSummary[K][number]>;
};

/** A host summary with the schema's fields only, as `summarySchema` parses it (without the cost of checking data ringgen made itself). */
export function summaryCopy(s: HostSummary): HostSummary {
  const copy = <T extends object>(items: readonly T[], fields: ReadonlyArray<keyof T>): T[] => items.map((item) => Object.fromEntries(fields.map((f) => [f, item[f]])) as T);
  return {
    tunnels: copy(s.tunnels, summaryFields.tunnels),
    bridges: copy(s.bridges, summaryFields.bridges),
    containers: copy(s.containers, summaryFields.containers),
    published: copy(s.published, summaryFields.published),
  };
}
