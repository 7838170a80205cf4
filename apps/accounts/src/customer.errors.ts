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

/** The customer is not at the version the request expected. */
export function versionConflict(id: string, expected: number, actual: number): DomainError {
  return new DomainError(
    AccountsErrors.VersionConflict,
    `Customer ${id} is at version ${actual}, not ${expected}: read it again and retry`,
  );
}

/** Another request changed the customer between this one's read and its write, every round. */
export function lostRace(id: string, version: number | undefined): DomainError {
  return new DomainError(
    AccountsErrors.VersionConflict,
    `Customer ${id}${version === undefined ? '' : ` (version ${version})`} was changed by another request meanwhile; read it again and retry`,
  );
}

/** If-Match (or the body `version`) is not something a precondition can be built from. */
export function preconditionInvalid(message: string): DomainError {
  return new DomainError(AccountsErrors.PreconditionInvalid, message);
}

/** A masked card number that names none of the customer's stored cards. */
export function cardNumberInvalid(message: string): DomainError {
  return new DomainError(AccountsErrors.CardNumberInvalid, message);
}
