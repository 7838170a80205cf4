import { DomainError } from '@storefront/platform';

/** Stable codes of the accounts domain, with their HTTP statuses. */
export const AccountsErrors = {
  /** No customer with that id (404); an id that is not an ObjectId cannot exist either. */
  NotFound: 'ACCOUNTS.NOT_FOUND',
  /** The If-Match header or body `version` is not the customer's current version (409). */
  VersionConflict: 'ACCOUNTS.VERSION_CONFLICT',
  /** If-Match is not an entity tag of ours, or disagrees with the body `version` (400). */
  PreconditionInvalid: 'ACCOUNTS.PRECONDITION_INVALID',
  /** A masked card number that names no stored card of the customer (400). */
  CardNumberInvalid: 'ACCOUNTS.CARD_NUMBER_INVALID',
  /** Unknown sort field on the collection (400). */
  SortInvalid: 'ACCOUNTS.SORT_INVALID',
} as const;

export const ACCOUNTS_ERROR_STATUSES = {
  [AccountsErrors.NotFound]: 404,
  [AccountsErrors.VersionConflict]: 409,
  [AccountsErrors.PreconditionInvalid]: 400,
  [AccountsErrors.CardNumberInvalid]: 400,
  [AccountsErrors.SortInvalid]: 400,
} as const;

export function customerNotFound(id: string): DomainError {
  return new DomainError(AccountsErrors.NotFound, `Customer ${id} does not exist`);
}
