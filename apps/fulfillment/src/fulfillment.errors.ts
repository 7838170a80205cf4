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
