/**
 * What a pure rule (`*.rules.ts`) answers: a value, or a refusal with what the caller needs to
 * make its typed error. By default the refusal names the request field and says why (a 400
 * names the field); a rule whose refusal is about state says so in `Why` instead. Rules import
 * it as a type only, so they load nothing of Nest.
 */
export type RuleResult<T, Why = FieldProblem> =
  { readonly ok: true; readonly value: T } | ({ readonly ok: false } & Why);

/** A request field a rule refused, and why. */
export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}
