import { z } from 'zod';

/** A text field the original marks `@NonNull`: present, a string, not empty. */
export function requiredText(description: string) {
  return z.string().min(1).describe(description);
}

/**
 * A text field the original leaves nullable. Jackson writes it as an explicit `null`, other
 * producers may omit it, so consumers accept both; the parsed value is always `string | null`,
 * which makes us write the explicit `null` again, byte-compatible with the original.
 */
export function optionalText(description: string) {
  return z.string().nullable().default(null).describe(description);
}
