import { ApiProperty } from '@nestjs/swagger';
import {
  AddressSchema,
  ContactSchema,
  contractShape,
  NameSchema,
  ORDER_STATUS_TYPES,
  type OrderStatusType,
} from '@storefront/events';
import {
  AddressView,
  ContactView,
  ContractOrderView,
  NameView,
  toContractOrder,
} from '@storefront/model';
import { HalItemView, HalPageView, toHalItem } from '@storefront/platform';
import { orderTotal } from '../order.money';
import type { CustomerOrderDoc } from '../schemas/customer-order.schema';
import type { CustomerReplica } from '../schemas/customer-replica.schema';

/** The contract's order, plus what orders keeps of it: status, flag and total. */
export class OrderView extends ContractOrderView({
  timestamp: 1528334218821,
  orderStatusType: 'APPROVED',
  note: null,
}) {
  /** Current status: the last entry of the history. */
  @ApiProperty({ enum: ORDER_STATUS_TYPES, example: 'APPROVED' }) status!: OrderStatusType;
  /** True once the order was queued for fulfillment (it is sent only once). */
  @ApiProperty({ example: false }) fulfillmentRequested!: boolean;
  /** Sum of price × quantity in dollars, computed in integer cents. */
  @ApiProperty({ example: 59.95 }) total!: number;
}

/** A customer's orders without the id, as in the HAL collection (the id is in `_links.self`). */
export class CustomerOrdersBody {
  @ApiProperty({ type: NameView }) name!: NameView;
  @ApiProperty({ type: ContactView }) contact!: ContactView;
  /** Billing and shipping addresses, as accounts last reported them. */
  @ApiProperty({ type: [AddressView] }) addresses!: AddressView[];
  /** The customer's orders, oldest first. */
  @ApiProperty({ type: [OrderView] }) orders!: OrderView[];
  /** Version of the accounts customer this replica reflects. */
  @ApiProperty({ example: 3 }) sourceVersion!: number;
}

/** A customer's orders with the replica of the customer, the original's `CustomerOrders`. */
export class CustomerOrdersView extends CustomerOrdersBody {
  /** The accounts customer id. */
  @ApiProperty({ example: '5b1be0107f2b1c0001a0e001' }) id!: string;
}

export class CustomerOrdersSummaryView {
  /** Every customer with their orders. */
  @ApiProperty({ type: [CustomerOrdersView] }) customers!: CustomerOrdersView[];
}

/** An item of the HAL collection: the body plus its links. */
export class CustomerOrdersHalItem extends HalItemView(CustomerOrdersBody, 'customerOrders', {
  example: '/customerOrderses/5b1be0107f2b1c0001a0e001',
  names: { href: 'HrefView', links: 'CustomerOrdersLinksView' },
}) {}

/** The Spring Data REST collection shape of `/customerOrderses`. */
export class CustomerOrdersPageView extends HalPageView('customerOrderses', CustomerOrdersHalItem, {
  names: { embedded: 'CustomerOrdersEmbeddedView', page: 'PageInfoView' },
  totalElements: 3,
  links: { type: 'object', additionalProperties: { type: 'object' } },
}) {}

/** An order in the original's JSON shape (price as a number), plus status, flag and total. */
export function toOrderView(order: CustomerOrderDoc): OrderView {
  return {
    ...toContractOrder(order),
    status: order.status,
    fulfillmentRequested: order.fulfillmentRequested,
    total: orderTotal(order.orderItems),
  };
}

/**
 * The original's `CustomerOrders` assembled from the replica and its orders (already in
 * placement order). The explicit response shape: internal fields (versions, event ids,
 * outboxes) never leave.
 */
export function toCustomerOrdersBody(
  doc: CustomerReplica,
  orders: readonly CustomerOrderDoc[],
): CustomerOrdersBody {
  return {
    name: contractShape(NameSchema, doc.name),
    contact: contractShape(ContactSchema, doc.contact),
    addresses: doc.addresses.map((address) => contractShape(AddressSchema, address)),
    orders: orders.map(toOrderView),
    sourceVersion: doc.sourceVersion,
  };
}

export function toCustomerOrdersView(
  doc: CustomerReplica,
  orders: readonly CustomerOrderDoc[],
): CustomerOrdersView {
  return { id: doc._id, ...toCustomerOrdersBody(doc, orders) };
}

/** The Spring Data REST item: no id in the body, `base` carries the gateway prefix. */
export function toCustomerOrdersHalItem(
  { id, ...body }: CustomerOrdersView,
  base: string,
): CustomerOrdersHalItem {
  return toHalItem(body, base, id, 'customerOrders');
}
