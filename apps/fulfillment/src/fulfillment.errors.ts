import { DomainError } from '@storefront/platform';

/** Stable codes of the fulfillment domain; the suffix decides the HTTP status. */
export const FulfillmentErrors = {
  /** No fulfillment with that id or order guid (404). */
  NotFound: 'FULFILLMENT.NOT_FOUND',
  /** The step does not follow from the current status (409). */
  IllegalTransition: 'FULFILLMENT.ILLEGAL_TRANSITION',
  /** Another writer kept changing the fulfillment while this one retried (409). */
  VersionConflict: 'FULFILLMENT.VERSION_CONFLICT',
  /** A fulfillment request for an order that is not APPROVED; never retried (400). */
  RequestInvalid: 'FULFILLMENT.REQUEST_INVALID',
  /** Unknown sort field on the collection (400). */
  SortInvalid: 'FULFILLMENT.SORT_INVALID',
  /** `/fulfillments` is read-only: fulfillments come from order events (405). */
  ReadOnly: 'FULFILLMENT.READ_ONLY',
} as const;

/** Codes whose status the suffix conventions do not give. */
export const FULFILLMENT_ERROR_STATUSES = {
  [FulfillmentErrors.RequestInvalid]: 400,
  [FulfillmentErrors.SortInvalid]: 400,
  [FulfillmentErrors.ReadOnly]: 405,
} as const;

export function fulfillmentNotFound(idOrGuid: string): DomainError {
  return new DomainError(
    FulfillmentErrors.NotFound,
    `No fulfillment with id or order guid ${idOrGuid}`,
  );
}

/** The step does not follow from the fulfillment's current status. */
export function illegalStep(
  idOrGuid: string,
  step: string,
  status: string,
  needs: string,
): DomainError {
  return new DomainError(
    FulfillmentErrors.IllegalTransition,
    `Cannot ${step} fulfillment ${idOrGuid}: its status is ${status}, the step needs ${needs}`,
  );
}

/** Another writer changed the fulfillment in every round of a read-modify-write. */
export function keptChanging(idOrGuid: string): DomainError {
  return new DomainError(
    FulfillmentErrors.VersionConflict,
    `Fulfillment ${idOrGuid} kept changing; try again`,
  );
}

/** A fulfillment request for an order that cannot be fulfilled (never retried). */
export function requestInvalid(guid: string, reason: string): DomainError {
  return new DomainError(
    FulfillmentErrors.RequestInvalid,
    `Order ${guid} cannot be fulfilled: ${reason}`,
  );
}

/** Writes to `/fulfillments` other than the steps. */
export function readOnly(): DomainError {
  return new DomainError(
    FulfillmentErrors.ReadOnly,
    'Fulfillments are read-only: they come from order events and change through the steps',
  );
}
