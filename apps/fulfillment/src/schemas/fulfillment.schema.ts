import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { ORDER_STATUS_TYPES, type OrderStatusType } from '@storefront/events';
import { type OutboxDocument, outboxField, type OutboxRecord } from '@storefront/messaging';
import { AddressDoc, ContactDoc, NameDoc, OrderDoc } from '@storefront/model';
import type { HydratedDocument } from 'mongoose';
import { SHIPPING_METHODS, type ShippingMethod } from '../fulfillment.rules';

export const FULFILLMENT_COLLECTION = 'fulfillment.requests';

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
