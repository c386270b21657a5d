import type { TSchema } from '@sinclair/typebox';
import { CommandEnvelopeSchema, EventEnvelopeSchema, Metadata } from './envelope';
import { LogEntryPayload } from './log';
import { contracts, systemEvents } from './registry';

/**
 * The JSON Schema files other languages generate their types from, by relative path. The
 * TypeBox definitions are the source; these are derived and committed.
 */
export function renderSchemas(): Record<string, string> {
  const files: Record<string, TSchema> = {
    'envelope/Metadata.json': Metadata,
    'envelope/CommandEnvelope.json': CommandEnvelopeSchema(),
    'envelope/EventEnvelope.json': EventEnvelopeSchema(),
    'envelope/LogEntry.json': LogEntryPayload,
  };
  for (const [name, schema] of Object.entries(systemEvents)) files[`system/${name}.json`] = schema;
  for (const [category, c] of Object.entries(contracts)) {
    for (const [name, schema] of Object.entries(c.commands))
      files[`${c.context}/${category}/commands/${name}.json`] = schema;
    for (const [name, schema] of Object.entries(c.events))
      files[`${c.context}/${category}/events/${name}.json`] = schema;
    for (const [name, schema] of Object.entries(c.process ?? {}))
      files[`${c.context}/${category}/process/${name}.json`] = schema;
  }
  return Object.fromEntries(
    Object.entries(files).map(([path, schema]) => {
      const title = path.slice(path.lastIndexOf('/') + 1).replace('.json', '');
      const plain: unknown = JSON.parse(JSON.stringify(schema));
      if (typeof plain !== 'object' || plain === null)
        throw new Error(`${path}: a schema must serialise to a JSON object`);
      const doc = {
        $schema: 'http://json-schema.org/draft-07/schema#',
        title,
        ...plain,
      };
      return [path, `${JSON.stringify(doc, null, 2)}\n`];
    }),
  );
}
