import { z } from 'zod';
import { DeadLetterHeadersSchema } from './dead-letter';
import { EventHeadersSchema } from './headers';
import { getContract } from './registry';
import type { Topic } from './topics';

export type JsonSchema = z.core.JSONSchema.JSONSchema;

/**
 * JSON Schema of what a reader accepts (`io: 'input'`: optional texts may be absent, unknown keys
 * allowed), in draft-07 because the AsyncAPI schema format is a draft-07 superset.
 */
function toJsonSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { target: 'draft-7', io: 'input' });
}

/** JSON Schema of a topic's payload: the released snapshots and the AsyncAPI payloads. */
export function payloadJsonSchema(topic: Topic): JsonSchema {
  return toJsonSchema(getContract(topic).schema);
}

/** JSON Schema of the metadata headers every event carries. */
export function eventHeadersJsonSchema(): JsonSchema {
  return toJsonSchema(EventHeadersSchema);
}

/** JSON Schema of the headers a consumer adds to a dead-lettered record. */
export function deadLetterHeadersJsonSchema(): JsonSchema {
  return toJsonSchema(DeadLetterHeadersSchema);
}
