import type { z } from 'zod';

/** The value a field takes when it is absent: the contract's default (null for an optional text). */
function absentValue(field: z.ZodType): unknown {
  const parsed = field.safeParse(undefined);
  return parsed.success ? parsed.data : undefined;
}

/**
 * A flat value object (a name, a contact, an address) in exactly the contract's shape, whatever
 * it was read from (a stored document, a request body): the schema's fields only, in its order,
 * an absent one at the contract's default, so an optional text is an explicit null as Jackson
 * wrote it. It copies, it does not validate: what it is given was validated when written.
 */
export function contractShape<S extends z.ZodObject>(schema: S, value: z.input<S>): z.output<S> {
  const source = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(schema.shape).map(([key, field]) => [
      key,
      source[key] === undefined ? absentValue(field as z.ZodType) : source[key],
    ]),
  ) as z.output<S>;
}
