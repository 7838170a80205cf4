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
import { SHIPPING_METHODS, type ShippingMethod } from '../fulfillment.rules';
import type { Fulfillment } from '../schemas/fulfillment.schema';

/** The order as orders sent it, its history grown by the fulfillment's steps. */
export class OrderView extends ContractOrderView({
  timestamp: 1528334452755,
  orderStatusType: 'SHIPPED',
  note: 'Shipped via FedEx',
}) {}

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

export class FulfillmentHalItem extends HalItemView(FulfillmentBody, 'fulfillment', {
  example: '/fulfillments/5b1be0aa0bdf5b0006c2f7a2',
  names: { href: 'HrefView', links: 'FulfillmentLinksView' },
}) {}

/** Spring Data REST collection shape of the original's `/fulfillments`. */
export class FulfillmentHalPage extends HalPageView('fulfillments', FulfillmentHalItem, {
  names: { embedded: 'FulfillmentEmbedded', page: 'PageInfoView' },
  totalElements: 5,
  links: {
    type: 'object',
    example: { self: { href: '/fulfillments?page=0&size=20' } },
    additionalProperties: { type: 'object', properties: { href: { type: 'string' } } },
  },
}) {}

/** The stored fields a view needs; a lean document or a hydrated one both fit. */
export type StoredFulfillment = Fulfillment & { _id: { toString(): string } };

/** The explicit response shape: no version, no pending events, prices as numbers. */
export function toFulfillmentBody(doc: StoredFulfillment): FulfillmentBody {
  return {
    timestamp: doc.timestamp,
    name: contractShape(NameSchema, doc.name),
    contact: contractShape(ContactSchema, doc.contact),
    address: contractShape(AddressSchema, doc.address),
    order: toContractOrder(doc.order),
    status: doc.status,
    shippingMethod: doc.shippingMethod ?? null,
  };
}

export function toFulfillmentView(doc: StoredFulfillment): FulfillmentView {
  return { id: doc._id.toString(), ...toFulfillmentBody(doc) };
}

/** The Spring Data REST item: no id in the body, `basePath` carries the gateway prefix. */
export function toFulfillmentHalItem(doc: StoredFulfillment, basePath: string): FulfillmentHalItem {
  return toHalItem(toFulfillmentBody(doc), basePath, doc._id.toString(), 'fulfillment');
}
