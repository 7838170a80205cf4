import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import {
  ADDRESS_TYPES,
  ORDER_STATUS_TYPES,
  type AddressType,
  type OrderStatusType,
} from '@storefront/events';
import { type OutboxDocument, outboxField, type OutboxRecord } from '@storefront/messaging';
import type { HydratedDocument } from 'mongoose';
import { SHIPPING_METHODS, type ShippingMethod } from '../fulfillment.rules';

export const FULFILLMENT_COLLECTION = 'fulfillment.requests';

@Schema({ _id: false })
export class NameDoc {
  @Prop({ required: true }) title!: string;
  @Prop({ required: true }) firstName!: string;
  @Prop({ type: String, default: null }) middleName!: string | null;
  @Prop({ required: true }) lastName!: string;
  @Prop({ type: String, default: null }) suffix!: string | null;
}

@Schema({ _id: false })
export class ContactDoc {
  @Prop({ required: true }) primaryPhone!: string;
  @Prop({ type: String, default: null }) secondaryPhone!: string | null;
  @Prop({ required: true }) email!: string;
}

@Schema({ _id: false })
export class AddressDoc {
  @Prop({ type: String, enum: ADDRESS_TYPES, required: true }) type!: AddressType;
  @Prop({ required: true }) description!: string;
  @Prop({ required: true }) address1!: string;
  @Prop({ type: String, default: null }) address2!: string | null;
  @Prop({ required: true }) city!: string;
  @Prop({ required: true }) state!: string;
  @Prop({ required: true }) postalCode!: string;
}

@Schema({ _id: false })
export class ProductDoc {
  @Prop({ required: true }) guid!: string;
  @Prop({ required: true }) title!: string;
  @Prop({ required: true }) description!: string;
  /** Decimal string (`"11.99"`), as the original stores prices; a JSON number in responses. */
  @Prop({ required: true }) price!: string;
}

@Schema({ _id: false })
export class OrderItemDoc {
  @Prop({ type: ProductDoc, required: true }) product!: ProductDoc;
  @Prop({ required: true }) quantity!: number;
}

@Schema({ _id: false })
export class OrderStatusEventDoc {
  @Prop({ required: true }) timestamp!: number;
  @Prop({ type: String, enum: ORDER_STATUS_TYPES, required: true })
  orderStatusType!: OrderStatusType;
  @Prop({ type: String, default: null }) note!: string | null;
}

@Schema({ _id: false })
export class OrderDoc {
  @Prop({ required: true }) guid!: string;
  /** The full status history, oldest first (the original kept only the current status). */
  @Prop({ type: [OrderStatusEventDoc], required: true })
  orderStatusEvents!: OrderStatusEventDoc[];
  @Prop({ type: [OrderItemDoc], required: true }) orderItems!: OrderItemDoc[];
}

/**
 * One fulfillment per order guid. `status` duplicates the last history entry so that the
 * sample steps select "currently X" with one indexed equality instead of an array match.
 */
@Schema({ collection: FULFILLMENT_COLLECTION, versionKey: false })
export class Fulfillment implements OutboxDocument {
  /** When orders sent the request (epoch ms), copied from the request. */
  @Prop({ required: true }) timestamp!: number;
  @Prop({ type: NameDoc, required: true }) name!: NameDoc;
  @Prop({ type: ContactDoc, required: true }) contact!: ContactDoc;
  @Prop({ type: AddressDoc, required: true }) address!: AddressDoc;
  @Prop({ type: OrderDoc, required: true }) order!: OrderDoc;
  @Prop({ type: String, enum: ORDER_STATUS_TYPES, required: true })
  status!: OrderStatusType;
  @Prop({ type: String, enum: SHIPPING_METHODS, default: null })
  shippingMethod!: ShippingMethod | null;
  /** Aggregate version: 1 on creation, +1 per transition; every write checks it. */
  @Prop({ required: true }) version!: number;
  /** Status change events written with the change and not yet acknowledged by Kafka. */
  @Prop(outboxField) outbox!: OutboxRecord[];
}

export type FulfillmentDocument = HydratedDocument<Fulfillment>;

export const FulfillmentSchema = SchemaFactory.createForClass(Fulfillment);
// The natural key: a re-sent request must never create a second fulfillment.
FulfillmentSchema.index({ 'order.guid': 1 }, { unique: true, name: 'order_guid_unique' });
FulfillmentSchema.index({ status: 1 }, { name: 'status' });
