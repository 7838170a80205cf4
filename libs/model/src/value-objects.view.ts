import type { Type } from '@nestjs/common';
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

/**
 * The contract's order as a response shows it. Each service gives the example of its status
 * history (orders an approval, fulfillment a shipment); extend the class to name it:
 * `export class OrderView extends ContractOrderView({ ... }) {}`. Its status events are the
 * `OrderStatusEventView` schema of the service's document.
 */
export function ContractOrderView(statusEventExample: OrderStatusEvent): Type<Order> {
  class OrderStatusEventView extends ResponseView(OrderStatusEventSchema, statusEventExample) {}
  class ContractOrder {
    /** Order guid (UUID v4), the key of the order's events and of its fulfillment. */
    @ApiProperty({ example: '5f900d92-4a3b-4c2d-8e1f-0a1b2c3d4e5f' }) guid!: string;
    /** The full status history, oldest first; the last entry is the current status. */
    @ApiProperty({ type: [OrderStatusEventView] }) orderStatusEvents!: OrderStatusEvent[];
    /** What was ordered. */
    @ApiProperty({ type: [OrderItemView] }) orderItems!: OrderItemView[];
  }
  return ContractOrder;
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
