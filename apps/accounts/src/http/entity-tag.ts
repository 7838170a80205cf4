/**
 * Conditional requests on a customer, in the HTTP layer: the `ETag` a response carries and the
 * version a write expects from `If-Match` and/or the body's `version`.
 */
import { preconditionInvalid } from '../customer.errors';
import type { RuleResult } from '@storefront/platform';

/** `ETag` of a version: a strong entity tag, `"3"`. */
export function entityTag(version: number): string {
  return `"${version}"`;
}

/**
 * The version a conditional write expects, from If-Match (`"3"`, `W/"3"`, `3` or `*`) and/or
 * the body `version`. Undefined means unconditional (last writer wins, as in the original).
 */
export function expectedVersion(
  ifMatch: string | undefined,
  bodyVersion: number | undefined,
): RuleResult<number | undefined> {
  let fromHeader: number | undefined;
  const header = ifMatch?.trim();
  if (header && header !== '*') {
    const match = /^(?:W\/)?"(\d{1,15})"$|^(\d{1,15})$/.exec(header);
    if (!match) {
      return {
        ok: false,
        field: 'If-Match',
        message: `If-Match: expected an entity tag such as "3" (the customer's version), got ${header}`,
      };
    }
    fromHeader = Number(match[1] ?? match[2]);
  }
  if (fromHeader !== undefined && bodyVersion !== undefined && fromHeader !== bodyVersion) {
    return {
      ok: false,
      field: 'version',
      message: `version: the body says ${bodyVersion} and If-Match says ${fromHeader}; send one or make them agree`,
    };
  }
  return { ok: true, value: fromHeader ?? bodyVersion };
}

/** `expectedVersion`, or the 400 (ACCOUNTS.PRECONDITION_INVALID) that names the field. */
export function versionPrecondition(
  ifMatch: string | undefined,
  bodyVersion: number | undefined,
): number | undefined {
  const expected = expectedVersion(ifMatch, bodyVersion);
  if (!expected.ok) throw preconditionInvalid(expected.message);
  return expected.value;
}
