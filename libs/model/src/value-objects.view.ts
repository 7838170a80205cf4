import { ApiProperty } from '@nestjs/swagger';
import {
  ADDRESS_TYPES,
  type AddressType,
  contractShape,
  type Order,
  type OrderItem,
  type OrderStatusEvent,
  OrderStatusEventSchema,
  priceFromDecimalString,
  priceToDecimalString,
} from '@storefront/events';
import type { OrderDoc, OrderItemDoc, OrderStatusEventDoc } from './value-objects.schema';

/*
 * Response shapes of the contract's value objects, shared by the services' Swagger documents.
 * An absent optional field is null in JSON (`contractShape` writes it). Status events stay in
 * each service: their examples differ (orders shows an approval, fulfillment a shipment).
 */

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
  /** What the address is used for (always SHIPPING in fulfillment). */
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
  /** Product description (the original's fulfillment dropped it; kept here). */
  @ApiProperty({ example: 'Gorgeous Green Widget' }) description!: string;
  /** Unit price in dollars, exact to the cent (stored as the decimal string "11.99"). */
  @ApiProperty({ example: 11.99 }) price!: number;
}

export class OrderItemView {
  @ApiProperty({ type: ProductView }) product!: ProductView;
  /** Units ordered. */
  @ApiProperty({ example: 5 }) quantity!: number;
}

export function toOrderStatusEventView(event: OrderStatusEventDoc): OrderStatusEvent {
  return contractShape(OrderStatusEventSchema, event);
}

/** A stored line in the contract's shape: the decimal-string price becomes a JSON number. */
export function toOrderItemView(item: OrderItemDoc): OrderItemView {
  return {
    product: {
      guid: item.product.guid,
      title: item.product.title,
      description: item.product.description,
      price: priceFromDecimalString(item.product.price),
    },
    quantity: item.quantity,
  };
}

/** A stored order in the contract's shape: prices as JSON numbers, absent notes as null. */
export function toContractOrder(order: OrderDoc): Order {
  return {
    guid: order.guid,
    orderStatusEvents: order.orderStatusEvents.map(toOrderStatusEventView),
    orderItems: order.orderItems.map(toOrderItemView),
  };
}

/** A line of the contract (or of a validated request) as stored: the price as an exact string. */
export function toOrderItemDoc(item: OrderItem): OrderItemDoc {
  return {
    product: {
      guid: item.product.guid,
      title: item.product.title,
      description: item.product.description,
      price: priceToDecimalString(item.product.price),
    },
    quantity: item.quantity,
  };
}
