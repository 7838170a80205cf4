import type { z } from 'zod';

/** One reason a value breaks the contract: where (dotted path, `[i]` for indexes) and what. */
export interface PayloadIssue {
  /** e.g. `addresses[0].type`; empty for the value itself. */
  readonly path: string;
  readonly message: string;
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((segment, index) =>
      typeof segment === 'number' ? `[${segment}]` : `${index === 0 ? '' : '.'}${String(segment)}`,
    )
    .join('');
}

export function issuesFromZod(error: z.ZodError): PayloadIssue[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

/** One line for logs and the `dlt_error` header: `path: message; path: message`. */
export function formatIssues(issues: readonly PayloadIssue[]): string {
  return issues.map(({ path, message }) => `${path || '(root)'}: ${message}`).join('; ');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const UNKNOWN_FIELD_MESSAGE =
  'Unknown field: not part of the event contract (refused on produce so no extra data, such as a card, can leak)';

/**
 * Keys of `input` that parsing dropped from `output`. Schemas strip unknown keys so that a
 * consumer of version N can read version N+1; a producer, though, must never send keys the
 * contract does not know, and this comparison finds them at any depth.
 */
export function findUnknownKeys(
  input: unknown,
  output: unknown,
  path: PropertyKey[] = [],
): PayloadIssue[] {
  if (Array.isArray(input) && Array.isArray(output)) {
    return input.flatMap((item, index) => findUnknownKeys(item, output[index], [...path, index]));
  }
  if (!isPlainObject(input) || !isPlainObject(output)) return [];
  return Object.keys(input).flatMap((key) =>
    key in output
      ? findUnknownKeys(input[key], output[key], [...path, key])
      : [{ path: formatPath([...path, key]), message: UNKNOWN_FIELD_MESSAGE }],
  );
}
