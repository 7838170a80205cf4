import { ApiProperty } from '@nestjs/swagger';
import {
  AddressSchema,
  ContactSchema,
  contractShape,
  EXAMPLE_CONTACT,
  EXAMPLE_NAME,
  EXAMPLE_PRODUCT,
  EXAMPLE_SHIPPING_ADDRESS,
  NameSchema,
  type Order,
  type OrderItem,
  type OrderStatusEvent,
  OrderStatusEventSchema,
  priceFromDecimalString,
  priceToDecimalString,
  ProductSchema,
} from '@storefront/events';
import { ResponseView } from './contract-forms';
import type { OrderDoc, OrderItemDoc, OrderStatusEventDoc } from './value-objects.schema';

/*
 * Response shapes of the contract's value objects, shared by the services' Swagger documents.
 * An absent optional field is null in JSON (`contractShape` writes it). Each service derives
 * its own status event view: their examples differ (orders an approval, fulfillment a shipment).
 */

/** A customer's name; the examples are the contract's sample customer. */
export class NameView extends ResponseView(NameSchema, EXAMPLE_NAME) {}

export class ContactView extends ResponseView(ContactSchema, EXAMPLE_CONTACT) {}

/** An address; the example is a SHIPPING one, the only kind fulfillment holds. */
export class AddressView extends ResponseView(AddressSchema, EXAMPLE_SHIPPING_ADDRESS) {}

/** A product of the catalogue; the original's fulfillment dropped its description, kept here. */
export class ProductView extends ResponseView(ProductSchema, EXAMPLE_PRODUCT) {}

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
