import { ApiProperty } from '@nestjs/swagger';
import {
  ADDRESS_TYPES,
  ORDER_STATUS_TYPES,
  priceFromDecimalString,
  type AddressType,
  type OrderStatusType,
} from '@storefront/events';
import { SHIPPING_METHODS, type ShippingMethod } from '../fulfillment.rules';
import type { Fulfillment } from '../schemas/fulfillment.schema';

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
  /** Always SHIPPING: the address the order ships to. */
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
  /** Product description (the original dropped it; kept here). */
  @ApiProperty({ example: 'Gorgeous Green Widget' }) description!: string;
  /** Unit price in dollars (the original dropped it; kept here). */
  @ApiProperty({ example: 11.99 }) price!: number;
}

export class OrderItemView {
  @ApiProperty({ type: ProductView }) product!: ProductView;
  /** Units ordered. */
  @ApiProperty({ example: 5 }) quantity!: number;
}

export class OrderStatusEventView {
  /** When the order entered this status, epoch milliseconds. */
  @ApiProperty({ example: 1528334452755 }) timestamp!: number;
  /** The status. */
  @ApiProperty({ enum: ORDER_STATUS_TYPES, example: 'SHIPPED' }) orderStatusType!: OrderStatusType;
  /** Why the status was set; on SHIPPED, the carrier. */
  @ApiProperty({ example: 'Shipped via FedEx', nullable: true, type: String }) note!: string | null;
}

export class OrderView {
  /** Order guid, the natural key of a fulfillment. */
  @ApiProperty({ example: '5f900d92-4a3b-4c2d-8e1f-0a1b2c3d4e5f' }) guid!: string;
  /** The full status history, oldest first; the last entry is the current status. */
  @ApiProperty({ type: [OrderStatusEventView] }) orderStatusEvents!: OrderStatusEventView[];
  /** What was ordered. */
  @ApiProperty({ type: [OrderItemView] }) orderItems!: OrderItemView[];
}

/** A fulfillment without its id, as in the HAL collection (the id is in `_links.self`). */
export class FulfillmentBody {
  /** When orders sent the fulfillment request, epoch milliseconds. */
  @ApiProperty({ example: 1528334218821 }) timestamp!: number;
  @ApiProperty({ type: NameView }) name!: NameView;
  @ApiProperty({ type: ContactView }) contact!: ContactView;
  /** The SHIPPING address. */
  @ApiProperty({ type: AddressView }) address!: AddressView;
  @ApiProperty({ type: OrderView }) order!: OrderView;
  /** Current status, the same as the last history entry. */
  @ApiProperty({ enum: ORDER_STATUS_TYPES, example: 'SHIPPED' }) status!: OrderStatusType;
  /** Carrier, chosen at the ship step; null before. */
  @ApiProperty({ enum: SHIPPING_METHODS, nullable: true, example: 'FedEx' })
  shippingMethod!: ShippingMethod | null;
}

/** A fulfillment as the summary, item and transition endpoints return it. */
export class FulfillmentView extends FulfillmentBody {
  /** Document id (a Mongo ObjectId). */
  @ApiProperty({ example: '5b1be0aa0bdf5b0006c2f7a2' }) id!: string;
}

export class FulfillmentSummaryView {
  /** Every fulfillment, oldest first. */
  @ApiProperty({ type: [FulfillmentView] }) fulfillments!: FulfillmentView[];
}

class HrefView {
  @ApiProperty({ example: '/fulfillments/5b1be0aa0bdf5b0006c2f7a2' }) href!: string;
}

class FulfillmentLinksView {
  @ApiProperty({ type: HrefView }) self!: HrefView;
  @ApiProperty({ type: HrefView }) fulfillment!: HrefView;
}

export class FulfillmentHalItem extends FulfillmentBody {
  @ApiProperty({ type: FulfillmentLinksView }) _links!: FulfillmentLinksView;
}

class FulfillmentEmbedded {
  @ApiProperty({ type: [FulfillmentHalItem] }) fulfillments!: FulfillmentHalItem[];
}

class PageInfoView {
  @ApiProperty({ example: 20 }) size!: number;
  @ApiProperty({ example: 5 }) totalElements!: number;
  @ApiProperty({ example: 1 }) totalPages!: number;
  @ApiProperty({ example: 0 }) number!: number;
}

/** Spring Data REST collection shape of the original's `/fulfillments`. */
export class FulfillmentHalPage {
  @ApiProperty({ type: FulfillmentEmbedded }) _embedded!: FulfillmentEmbedded;
  @ApiProperty({
    example: { self: { href: '/fulfillments?page=0&size=20' } },
    additionalProperties: { type: 'object', properties: { href: { type: 'string' } } },
  })
  _links!: Record<string, { href: string }>;
  @ApiProperty({ type: PageInfoView }) page!: PageInfoView;
}

/** The stored fields a view needs; a lean document or a hydrated one both fit. */
export type StoredFulfillment = Fulfillment & { _id: { toString(): string } };

/** The explicit response shape: no version, no pending events, prices as numbers. */
export function toFulfillmentBody(doc: StoredFulfillment): FulfillmentBody {
  const { name, contact, address, order } = doc;
  return {
    timestamp: doc.timestamp,
    name: {
      title: name.title,
      firstName: name.firstName,
      middleName: name.middleName ?? null,
      lastName: name.lastName,
      suffix: name.suffix ?? null,
    },
    contact: {
      primaryPhone: contact.primaryPhone,
      secondaryPhone: contact.secondaryPhone ?? null,
      email: contact.email,
    },
    address: {
      type: address.type,
      description: address.description,
      address1: address.address1,
      address2: address.address2 ?? null,
      city: address.city,
      state: address.state,
      postalCode: address.postalCode,
    },
    order: {
      guid: order.guid,
      orderStatusEvents: order.orderStatusEvents.map((event) => ({
        timestamp: event.timestamp,
        orderStatusType: event.orderStatusType,
        note: event.note ?? null,
      })),
      orderItems: order.orderItems.map((item) => ({
        product: {
          guid: item.product.guid,
          title: item.product.title,
          description: item.product.description,
          price: priceFromDecimalString(item.product.price),
        },
        quantity: item.quantity,
      })),
    },
    status: doc.status,
    shippingMethod: doc.shippingMethod ?? null,
  };
}

export function toFulfillmentView(doc: StoredFulfillment): FulfillmentView {
  return { id: doc._id.toString(), ...toFulfillmentBody(doc) };
}

/** The Spring Data REST item: no id in the body, `basePath` carries the gateway prefix. */
export function toFulfillmentHalItem(doc: StoredFulfillment, basePath: string): FulfillmentHalItem {
  const href = `${basePath}/${doc._id.toString()}`;
  return { ...toFulfillmentBody(doc), _links: { self: { href }, fulfillment: { href } } };
}
