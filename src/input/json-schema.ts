/**
 * The JSON Schema of a plain spec, made from the zod schema the checker uses (so the two cannot
 * drift): `npm run build` writes it to `schema/ring.schema.json`, which the package ships for
 * editors (a spec names it with `"$schema"`). It checks the shape only, as the zod schema does;
 * what the rules check (names, addresses, peering) an editor does not see.
 */
import * as z from 'zod';
import './zod-locale';
import { nameMapValues, ringSchema } from './schema';

/** Where the package ships the schema, relative to its root. */
export const JSON_SCHEMA_FILE = 'schema/ring.schema.json';

/** The JSON Schema (draft 2020-12) of a ring's plain spec, as the text of its file. */
export function ringJsonSchemaText(): string {
  const schema = z.toJSONSchema(ringSchema, {
    target: 'draft-2020-12',
    // Name maps (`env`, `bridgeAddresses`) are custom checks in zod: objects whose values are checked.
    override: (ctx) => {
      const values = nameMapValues.get(ctx.zodSchema as unknown as z.ZodType);
      if (!values) return;
      for (const key of Object.keys(ctx.jsonSchema)) delete (ctx.jsonSchema as Record<string, unknown>)[key];
      Object.assign(ctx.jsonSchema, { type: 'object', additionalProperties: z.toJSONSchema(values, { target: 'draft-2020-12' }) });
      delete (ctx.jsonSchema.additionalProperties as Record<string, unknown>).$schema;
    },
    unrepresentable: 'any',
  });
  const doc = {
    $schema: schema.$schema,
    title: 'ringgen plain ring spec',
    description: 'The plain (JSON) form of a ringgen ring: hosts with their tunnel ends, bridges, containers, options. Shape only; `ringgen check` checks the rest.',
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
