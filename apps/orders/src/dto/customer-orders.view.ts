import { ApiProperty } from '@nestjs/swagger';
import {
  ADDRESS_TYPES,
  ORDER_STATUS_TYPES,
  priceFromDecimalString,
  type AddressType,
  type OrderStatusType,
} from '@storefront/events';
import { orderTotal } from '../order.rules';
import type {
  AddressDoc,
  ContactDoc,
  CustomerOrders,
  NameDoc,
  OrderDoc,
} from '../schemas/customer-orders.schema';

export class NameView {
  /** Courtesy title. */
  @ApiProperty({ example: 'Mr.' }) title!: string;
  /** Given name. */
  @ApiProperty({ example: 'John' }) firstName!: string;
  /** Middle name or initial; null when there is none. */
  @ApiProperty({ example: 'S.', nullable: true, type: String }) middleName!: string | null;
  /** Family name. */
  @ApiProperty({ example: 'Doe' }) lastName!: string;
  /** Name suffix; null when there is none. */
  @ApiProperty({ example: 'Jr.', nullable: true, type: String }) suffix!: string | null;
}

export class ContactView {
  /** Main phone number. */
  @ApiProperty({ example: '555-666-7777' }) primaryPhone!: string;
  /** Other phone number; null when there is none. */
  @ApiProperty({ example: '555-444-9898', nullable: true, type: String })
  secondaryPhone!: string | null;
  /** E-mail address. */
  @ApiProperty({ example: 'john.doe@internet.com' }) email!: string;
}

export class AddressView {
  /** What the address is used for. */
  @ApiProperty({ enum: ADDRESS_TYPES, example: 'SHIPPING' }) type!: AddressType;
  /** Customer label for the address. */
  @ApiProperty({ example: 'My home address' }) description!: string;
  /** Street line. */
  @ApiProperty({ example: '123 Oak Street' }) address1!: string;
  /** Second street line; null when there is none. */
  @ApiProperty({ example: null, nullable: true, type: String }) address2!: string | null;
  /** City. */
  @ApiProperty({ example: 'Sunrise' }) city!: string;
  /** State code. */
  @ApiProperty({ example: 'CA' }) state!: string;
  /** Postal code. */
  @ApiProperty({ example: '12345-6789' }) postalCode!: string;
}

export class ProductView {
  /** Product id. */
  @ApiProperty({ example: '7f3c9c22-3c0a-47a5-9a92-2bd2e23f6e37' }) guid!: string;
  /** Product name. */
  @ApiProperty({ example: 'Green Widget' }) title!: string;
  /** Product description. */
  @ApiProperty({ example: 'Gorgeous Green Widget' }) description!: string;
  /** Unit price in dollars, exact to the cent (stored as the decimal string "11.99"). */
  @ApiProperty({ example: 11.99 }) price!: number;
}

export class OrderItemView {
  @ApiProperty({ type: ProductView }) product!: ProductView;
  /** Units ordered. */
  @ApiProperty({ example: 5 }) quantity!: number;
}

export class OrderStatusEventView {
  /** When the order entered this status, epoch milliseconds. */
  @ApiProperty({ example: 1528334218821 }) timestamp!: number;
  /** The status. */
  @ApiProperty({ enum: ORDER_STATUS_TYPES, example: 'APPROVED' }) orderStatusType!: OrderStatusType;
  /** Why the status was set; null when there is no reason. */
  @ApiProperty({ example: null, nullable: true, type: String }) note!: string | null;
}

export class OrderView {
  /** Order guid (UUID v4), the key of the order's events. */
  @ApiProperty({ example: '5f900d92-4a3b-4c2d-8e1f-0a1b2c3d4e5f' }) guid!: string;
  /** The full status history in time order; the last entry is the current status. */
  @ApiProperty({ type: [OrderStatusEventView] }) orderStatusEvents!: OrderStatusEventView[];
  /** What was ordered. */
  @ApiProperty({ type: [OrderItemView] }) orderItems!: OrderItemView[];
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

class HrefView {
  @ApiProperty({ example: '/customerOrderses/5b1be0107f2b1c0001a0e001' }) href!: string;
}

class CustomerOrdersLinksView {
  @ApiProperty({ type: HrefView }) self!: HrefView;
  @ApiProperty({ type: HrefView }) customerOrders!: HrefView;
}

/** An item of the HAL collection: the body plus its links. */
export class CustomerOrdersHalItem extends CustomerOrdersBody {
  @ApiProperty({ type: CustomerOrdersLinksView }) _links!: CustomerOrdersLinksView;
}

class CustomerOrdersEmbeddedView {
  @ApiProperty({ type: [CustomerOrdersHalItem] }) customerOrderses!: CustomerOrdersHalItem[];
}

class PageInfoView {
  @ApiProperty({ example: 20 }) size!: number;
  @ApiProperty({ example: 3 }) totalElements!: number;
  @ApiProperty({ example: 1 }) totalPages!: number;
  @ApiProperty({ example: 0 }) number!: number;
}

/** The Spring Data REST collection shape of `/customerOrderses`. */
export class CustomerOrdersPageView {
  @ApiProperty({ type: CustomerOrdersEmbeddedView }) _embedded!: CustomerOrdersEmbeddedView;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'object' } })
  _links!: Record<string, { href: string }>;
  @ApiProperty({ type: PageInfoView }) page!: PageInfoView;
}

const nameView = (n: NameDoc): NameView => ({
  title: n.title,
  firstName: n.firstName,
  middleName: n.middleName ?? null,
  lastName: n.lastName,
  suffix: n.suffix ?? null,
});

const contactView = (c: ContactDoc): ContactView => ({
  primaryPhone: c.primaryPhone,
  secondaryPhone: c.secondaryPhone ?? null,
  email: c.email,
});

export const addressView = (a: AddressDoc): AddressView => ({
  type: a.type,
  description: a.description,
  address1: a.address1,
  address2: a.address2 ?? null,
  city: a.city,
  state: a.state,
  postalCode: a.postalCode,
});

/** An order in the original's JSON shape (price as a number), plus status, flag and total. */
export function toOrderView(order: OrderDoc): OrderView {
  return {
    guid: order.guid,
    orderStatusEvents: order.orderStatusEvents.map((e) => ({
      timestamp: e.timestamp,
      orderStatusType: e.orderStatusType,
      note: e.note ?? null,
    })),
    orderItems: order.orderItems.map((line) => ({
      product: {
        guid: line.product.guid,
        title: line.product.title,
        description: line.product.description,
        price: priceFromDecimalString(line.product.price),
      },
      quantity: line.quantity,
    })),
    status: order.status,
    fulfillmentRequested: order.fulfillmentRequested,
    total: orderTotal(order.orderItems),
  };
}

/** The explicit response shape: internal fields (version, event ids, outbox) never leave. */
export function toCustomerOrdersBody(doc: CustomerOrders): CustomerOrdersBody {
  return {
    name: nameView(doc.name),
    contact: contactView(doc.contact),
    addresses: doc.addresses.map(addressView),
    orders: (doc.orders ?? []).map(toOrderView),
    sourceVersion: doc.sourceVersion,
  };
}

export function toCustomerOrdersView(doc: CustomerOrders): CustomerOrdersView {
  return { id: doc._id, ...toCustomerOrdersBody(doc) };
}
