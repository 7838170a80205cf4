import { DomainError } from '@storefront/platform';

/** Stable codes of the orders domain; the suffix (or the map below) decides the HTTP status. */
export const OrdersErrors = {
  /** No (live) customer replica with that id: accounts never sent it, or deleted it (404). */
  CustomerNotFound: 'ORDERS.CUSTOMER_NOT_FOUND',
  /** No order with that guid; for a status event, retried then dead-lettered (404). */
  OrderNotFound: 'ORDERS.ORDER_NOT_FOUND',
  /** The status change does not follow the lifecycle (409; dead-lettered as an event). */
  IllegalTransition: 'ORDERS.ILLEGAL_TRANSITION',
  /** Other writers kept changing the document while this one retried (409). */
  VersionConflict: 'ORDERS.VERSION_CONFLICT',
  /** `/customers/sample/orders` found no customer replica yet (404). */
  NoCustomers: 'ORDERS.NO_CUSTOMERS',
  /** `/customers/sample/fulfill` found no APPROVED order waiting (404, the original's text). */
  NoApprovedOrders: 'ORDERS.NO_APPROVED_ORDERS',
  /** Approved orders exist but none could be sent, e.g. no SHIPPING address (422). */
  NotFulfillable: 'ORDERS.NOT_FULFILLABLE',
  /** Unknown sort field on the collection (400). */
  SortInvalid: 'ORDERS.SORT_INVALID',
  /** `/customerOrderses` is read-only: replicas come from accounts' events (405). */
  ReadOnly: 'ORDERS.READ_ONLY',
} as const;

/** Statuses the code suffix does not give (`.NOT_FOUND` needs the dot: `_NOT_FOUND` does not). */
export const ORDERS_ERROR_STATUSES = {
  [OrdersErrors.CustomerNotFound]: 404,
  [OrdersErrors.OrderNotFound]: 404,
  [OrdersErrors.SortInvalid]: 400,
  [OrdersErrors.NoCustomers]: 404,
  [OrdersErrors.NoApprovedOrders]: 404,
  [OrdersErrors.NotFulfillable]: 422,
  [OrdersErrors.ReadOnly]: 405,
} as const;

/** The original's 404 body text, kept word for word. */
export const NO_APPROVED_ORDERS_MESSAGE = "No 'Approved' orders found";

export const customerNotFound = (id: string): DomainError =>
  new DomainError(OrdersErrors.CustomerNotFound, `Customer ${id} not found`, { customerId: id });

export const orderNotFound = (guid: string, customerId?: string): DomainError =>
  new DomainError(
    OrdersErrors.OrderNotFound,
    customerId ? `Order ${guid} not found for customer ${customerId}` : `Order ${guid} not found`,
    { guid, ...(customerId !== undefined && { customerId }) },
  );

export const illegalTransition = (guid: string, reason: string): DomainError =>
  new DomainError(OrdersErrors.IllegalTransition, `Order ${guid}: ${reason}`, { guid });

export const versionConflict = (customerId: string): DomainError =>
  new DomainError(
    OrdersErrors.VersionConflict,
    `The orders of customer ${customerId} kept changing; try again`,
    { customerId },
  );

/** The order is APPROVED but cannot be sent: the customer has no SHIPPING address. */
export const notFulfillable = (customerId: string, guid: string, reason: string): DomainError =>
  new DomainError(
    OrdersErrors.NotFulfillable,
    `Order ${guid} cannot be sent for fulfillment: ${reason}`,
    { customerId, guid },
  );

/** `/customers/sample/fulfill` found APPROVED orders, and could send none of them. */
export const noneFulfillable = (
  skipped: ReadonlyArray<{ customerId: string; guid: string; reason: string }>,
): DomainError =>
  new DomainError(
    OrdersErrors.NotFulfillable,
    `No 'Approved' order could be sent for fulfillment: ${skipped
      .map((s) => `order ${s.guid} of customer ${s.customerId}: ${s.reason}`)
      .join('; ')}`,
    { skipped },
  );

/** `/customers/sample/fulfill` found no APPROVED order waiting (the original's 404). */
export const noApprovedOrders = (): DomainError =>
  new DomainError(OrdersErrors.NoApprovedOrders, NO_APPROVED_ORDERS_MESSAGE);

/** `/customers/sample/orders` found no customer replica to add orders to. */
export const noCustomers = (): DomainError =>
  new DomainError(
    OrdersErrors.NoCustomers,
    'No customers to add sample orders to: create them in accounts first ' +
      '(/accounts/customers/sample) and let orders receive their change events',
  );

/** Writes to `/customerOrderses`. */
export const readOnly = (): DomainError =>
  new DomainError(
    OrdersErrors.ReadOnly,
    '/customerOrderses is read-only: customers come from accounts, orders from the order API',
  );
