// Test support only: ajv is a dev dependency, and nothing in the library's runtime imports this.
import Ajv, { type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import type { JsonSchema } from '../json-schema';

/** A released payload schema: the JSON Schema a consumer of that version validates with. */
export interface ReleasedSchema {
  readonly version: number;
  readonly schema: JsonSchema;
}

export interface CompatibilityFailure {
  readonly version: number;
  /** Index of the sample in the list that was checked. */
  readonly sample: number;
  readonly errors: readonly string[];
}

function describeError(error: ErrorObject): string {
  return `${error.instancePath || '(root)'} ${error.message ?? error.keyword}`;
}

/**
 * Which samples (payloads as they go on the wire) a consumer of each released version would
 * refuse. Empty means every version can read every sample: the new schema is compatible.
 */
export function findIncompatibilities(
  released: readonly ReleasedSchema[],
  samples: readonly unknown[],
): CompatibilityFailure[] {
  // One validator per version, as each version's consumer would run; no shared schema cache.
  return released.flatMap(({ version, schema }) => {
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    return samples.flatMap((sample, index) =>
      validate(sample)
        ? []
        : [{ version, sample: index, errors: (validate.errors ?? []).map(describeError) }],
    );
  });
}
